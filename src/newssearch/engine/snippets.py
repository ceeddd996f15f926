"""Highlighted titles and snippets in the original accented text, HTML-escaped but for ``<mark>``.

Whoosh's highlighter marks each token separately and knows only one field's terms; we want a single mark around
``Hà Tĩnh`` for the query ``ha tinh``, exact-diacritic matches preferred over folded ones, and offsets into the
stored NFC text. The analysis keeps one character per character, so a syllable's offsets mark the original.
"""

from __future__ import annotations

import functools
import html
import itertools
import operator
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from newssearch.text.analysis import exact_form, fold

__all__ = ["MAX_SCAN_CHARS", "MAX_TITLE_CHARS", "QueryTerms", "highlight_all", "plain_title", "snippet"]

_SENTENCE_START_RE = re.compile(r"(?<=[.!?…\n])\s+")
#: A character that belongs to a syllable or a number.
_WORD_CHAR = re.compile(r"[^\W_]")
#: Runs of such characters, kept by ``split`` (see :func:`_found`).
_WORD_RUNS = re.compile(r"([^\W_]+)")
# Numbers keep their inner separators (``1.000``), as in :mod:`newssearch.text.analysis`.
_DIGIT = re.compile(r"\d")
_SEPARATOR_THEN_DIGIT = re.compile(r"[.,]\d")
_DIGIT_THEN_SEPARATOR = re.compile(r"\d[.,]")
#: Occurrences looked at when choosing the snippet window (a word repeated 5,000 times needs no more).
_MAX_SNIPPET_HITS = 200
#: Distinct query syllables up to which the snippet window is found by sliding (see :func:`_best_window_start`):
#: measured on the hits of 380 distinct queries at 150k, sliding costs 0.35 ms a hit for 1–2 syllables against 0.74
#: counted, the same at 9–14, and 1.70 against 1.14 ms for a pasted lead's 24–26.
SLIDING_WORDS = 11
#: Characters of a body searched for the snippet window: the regex costs up to about 0.8 µs a character with a
#: 64-syllable query (42 ms for 50,000 characters), and 100 hits of half a million characters each took 9 s.
#: The search's budget is asked between hits, so one hit's scan is what an answer can overrun it by. A match
#: beyond this is not shown (the hit shows its opening instead); news articles are almost all shorter.
MAX_SCAN_CHARS = 20_000
#: Characters of a title shown and highlighted (the corpus reader refuses longer ones; older indexes may hold them).
MAX_TITLE_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """The syllables a query asks for, in query order, in their exact form as typed."""

    sequence: tuple[str, ...]

    @classmethod
    def of(cls, syllables: Collection[str]) -> QueryTerms:
        return cls(tuple(syllables))


def _inside_number(text: str, start: int, end: int) -> bool:
    """Digits that a separator and more digits join into a longer number (``1`` in ``1.000``): not a syllable."""
    return bool(
        (_DIGIT.match(text, end - 1) and _SEPARATOR_THEN_DIGIT.match(text, end))
        or (start >= 2 and _DIGIT_THEN_SEPARATOR.match(text, start - 2) and _DIGIT.match(text, start))
    )


def _found(text: str, query: _SnippetQuery) -> Iterator[tuple[int, int, int]]:
    """``(start, end, k)`` of each whole-word occurrence of ``query.words[k]`` in ``text``, in order, as the pattern
    finds them (lazily) in a copy folded by :func:`_folding_table` (the same length, so its offsets are the text's).
    Numbers are not checked."""
    for m in query.pattern.finditer(text.translate(_folding_table())):
        yield m.start(), m.end(), (m.lastindex or 1) - 1


def _found_by_runs(text: str, query: _SnippetQuery) -> Iterator[tuple[int, int, int]]:
    """:func:`_found` for a whole text: when each query syllable is a run of word characters spelt with characters
    the folding produces (the usual case), an occurrence is a run of the folded text equal to one of them, so the
    text is split into runs at once (:func:`_runs`) and all of them looked up in C (``map``, ``compress``); Python
    then steps only through the runs that are query syllables (about 640 runs and 60 occurrences a body of the
    stream's headline hits at 150k). With :func:`_runs`, a headline's ten snippets took 3.3–3.4 ms against 4.2–4.3
    with a regex split and a Python loop over every run. The pattern is faster where the search stops early
    (:func:`_sliding_window_start`)."""
    index = query.index
    if index is None:
        yield from _found(text, query)
        return
    runs, starts = _runs(text)
    numbers = list(map(index.get, runs))  # each run's query syllable, None for other words
    lengths = query.word_lengths
    for i in itertools.compress(itertools.count(), map(operator.is_not, numbers, itertools.repeat(None))):
        k = cast(int, numbers[i])  # not None: only those are stepped through
        start = starts(i)
        yield start, start + lengths[k], k


def _runs(text: str) -> tuple[list[str], Callable[[int], int]]:
    """The text folded (:func:`_folding_table`) and cut into its runs of word characters, and where run ``i`` starts.

    Where :func:`_splitting_table` covers every character of the text (all but texts with CJK, emoji and the like),
    one translation both folds it and turns every other character into a space, and ``split(" ")`` cuts it (an empty
    run between two such characters): the translation and the split took about 80 µs a body of the stream's hits,
    against 170 for the translation and a regex split."""
    if _BEYOND_SPLITTING_TABLE.search(text) is None:
        runs = text.translate(_splitting_table()).split(" ")
        offsets = list(itertools.accumulate(map(len, runs), initial=0))
        return runs, lambda i: offsets[i] + i  # the runs before it, and a space after each
    parts = _WORD_RUNS.split(text.translate(_folding_table()))  # between runs, run, between runs, run, …
    offsets = list(itertools.accumulate(map(len, parts), initial=0))
    return parts[1::2], lambda i: offsets[2 * i + 1]


def _syllables_only(
    text: str, query: _SnippetQuery, found: Iterator[tuple[int, int, int]]
) -> Iterator[tuple[int, int, int]]:
    """Of the occurrences ``found`` (by :func:`_found` or :func:`_found_by_runs`), those that are syllables: digits
    joined into a longer number are not (checked only for a query syllable that begins or ends with a digit)."""
    if not any(query.numeric):
        return found  # nothing to check: no generator in between
    return (o for o in found if not (query.numeric[o[2]] and _inside_number(text, o[0], o[1])))


def _occurrences(text: str, query: _SnippetQuery, *, lazily: bool = False) -> Iterator[_Occurrence]:
    """Each syllable of ``text`` that folds to a query syllable, in order; ``lazily``: by the pattern, which reads no
    further than is asked for (:func:`_found`), else the whole text at once (:func:`_found_by_runs`)."""
    found = _found(text, query) if lazily else _found_by_runs(text, query)
    for start, end, k in _syllables_only(text, query, found):
        yield _Occurrence(start, end, query.words[k], exact_form(text[start:end]))


def _matches(text: str, terms: QueryTerms) -> list[tuple[int, int]]:
    """Spans of the syllables to mark.

    A syllable typed without diacritics matches any accented form; one typed with them matches exactly, or by
    folding when the text has no exact occurrence (the article was found through folding). Runs of two or more
    query syllables in query order are marked first (``Hà Tĩnh`` for ``ha tinh``); a query syllable that stands
    in such a run is not marked again on its own elsewhere (``tỉnh`` stays plain).
    """
    if not terms.sequence:
        return []
    query = _snippet_query(terms)
    found = list(_occurrences(text, query))
    present = {o.form for o in found}
    # A syllable typed bare, or accented but absent from the text, matches by folding; else exactly.
    by_fold = [
        wanted == folded or wanted not in present for wanted, folded in zip(terms.sequence, query.folded, strict=True)
    ]
    hits = [
        {
            j
            for j, wanted in enumerate(terms.sequence)
            if (o.folded == query.folded[j] if by_fold[j] else o.form == wanted)
        }
        for o in found
    ]
    # next_to[k]: no other syllable stands between occurrences k and k + 1.
    next_to = [_WORD_CHAR.search(text, o.end, after.start) is None for o, after in itertools.pairwise(found)]
    marked: set[int] = set()
    covered: set[int] = set()
    for i in range(len(found)):
        for j in hits[i]:
            length = 1
            while i + length < len(found) and next_to[i + length - 1] and j + length in hits[i + length]:
                length += 1
            if length >= 2:
                marked.update(range(i, i + length))
                covered.update(range(j, j + length))
    marked.update(i for i, wanted in enumerate(hits) if wanted - covered)
    return [(found[i].start, found[i].end) for i in sorted(marked)]


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join marks separated only by a space or a joining mark, so ``Hà Tĩnh`` and ``TP.HCM`` get one mark."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        gap = text[merged[-1][1] : start] if merged else ""
        if merged and (gap.isspace() or gap in (".", "-", "/")):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _render(text: str, spans: list[tuple[int, int]], offset: int = 0) -> str:
    out, cursor = [], 0
    for start, end in spans:
        start, end = start - offset, end - offset
        if start < cursor or end > len(text) or start < 0:
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def _bounded(text: str, max_chars: int) -> tuple[str, str]:
    """The first ``max_chars`` of ``text``, and ``…`` when that is not all of it."""
    return (text[:max_chars], "…") if len(text) > max_chars else (text, "")


def highlight_all(text: str, terms: QueryTerms, max_chars: int = MAX_TITLE_CHARS) -> str:
    """The text (a title) up to ``max_chars``, escaped, with every match marked."""
    shown, more = _bounded(text, max_chars)
    return _render(shown, _merge(shown, _matches(shown, terms))) + more


def plain_title(text: str, max_chars: int = MAX_TITLE_CHARS) -> str:
    """The text (a title) up to ``max_chars``, escaped, nothing marked."""
    shown, more = _bounded(text, max_chars)
    return html.escape(shown) + more


@functools.cache
def _folding() -> tuple[list[int], frozenset[str]]:
    """The table of :func:`_folding_table`, and every character that letters fold to."""
    codes = [*itertools.chain(range(0x0250), range(0x1E00, 0x1F00), [0x212A], range(0xFF21, 0xFF5B))]
    table = list(range(max(codes) + 1))
    targets: set[str] = set()
    for code in codes:
        char = chr(code)
        folded = fold(char)
        if len(folded) != 1:
            continue
        targets.add(folded)
        if bool(_WORD_CHAR.match(char)) == bool(_WORD_CHAR.match(folded)):
            table[code] = ord(folded)
    return table, frozenset(targets)


#: Characters from here on are not in :func:`_splitting_table`.
_SPLITTING_LIMIT = 0x3000
_BEYOND_SPLITTING_TABLE = re.compile(f"[{chr(_SPLITTING_LIMIT)}-{chr(0x10FFFF)}]")


@functools.cache
def _splitting_table() -> list[int]:
    """For ``str.translate``: :func:`_folding_table` for the word characters below :data:`_SPLITTING_LIMIT` (every
    script before the CJK blocks), a space for every other character (punctuation, symbols, spaces)."""
    folding = _folding_table()
    space = ord(" ")
    return [
        (folding[code] if code < len(folding) else code) if _WORD_CHAR.match(chr(code)) else space
        for code in range(_SPLITTING_LIMIT)
    ]


def _folding_table() -> list[int]:
    """For ``str.translate``: each character's folded form where it is a letter that folds to one other character
    (``Đ``, ``đ``, ``Ð`` → ``d``; ``Ắ`` → ``a``), itself otherwise; a folded copy of a text keeps its length, so a
    match in it has the text's offsets.

    The snippet search runs on that copy with a pattern of plain folded syllables. Matching the stored text itself
    needed a class of every accented form per letter (``[aàáạảãâầấ…AÀÁ…]``): compiling that for a 25-word pasted
    lead took 9.4 ms a query, the plain pattern 0.3 ms. A list indexed by code point translates at about 23 ns a
    character, a dict at 44–61 (characters past its end are left as they are). A character is left as it is when
    folding would turn it into a word character or out of one (only ``×``): the pattern's word boundaries must see
    what the text has.
    """
    return _folding()[0]


def _folded_pattern(folded_word: str) -> str:
    """A regex for ``folded_word`` in a text folded by :func:`_folding_table`; a character no letter folds to
    (outside the Latin letters it covers) is matched in either case, as it stands in the text."""
    targets = _folding()[1]
    return "".join(re.escape(c) if c in targets else f"[{re.escape(c)}{re.escape(c.upper())}]" for c in folded_word)


class _Occurrence(NamedTuple):
    start: int
    end: int
    #: The query syllable it matches, folded.
    folded: str
    #: Its own exact form (diacritics as written, canonical tone placement).
    form: str


@dataclass(frozen=True, slots=True)
class _SnippetQuery:
    """What the snippet search needs of a query, worked out once per query rather than once per hit."""

    #: The pattern of :attr:`pattern`, compiled when first used: most searches find their occurrences by runs
    #: (:func:`_found_by_runs`), and compiling a pasted lead's alternation took 0.4–0.6 ms.
    pattern_source: str
    words: tuple[str, ...]
    #: The query's syllables folded, in query order.
    folded: tuple[str, ...]
    exact: frozenset[str]
    #: Folded syllables that follow each other in the query.
    pairs: frozenset[tuple[str, str]]

    @property
    def pattern(self) -> re.Pattern[str]:
        """Whole-word occurrences in the folded text of each distinct folded syllable (group ``k + 1`` is
        ``words[k]``); ``re`` keeps the compiled pattern."""
        return re.compile(self.pattern_source)

    @property
    def best_possible(self) -> tuple[int, int]:
        """The score of a window holding every syllable as typed and every pair side by side, starting exactly."""
        return 2 * len(self.words) + len(self.pairs), 2

    #: ``words[k]`` → ``k`` when each is a run of word characters that the folding produces (see :func:`_found`);
    #: ``None`` when the pattern must be used.
    index: dict[str, int] | None
    #: Per syllable of ``words``: whether it begins or ends with a digit (it may then stand inside a number).
    numeric: tuple[bool, ...]
    #: Per syllable of ``words``: its length.
    lengths: npt.NDArray[np.int64]
    #: The same, as a tuple (read one at a time).
    word_lengths: tuple[int, ...]
    #: ``pair_ids[a, b]``: the number of the pair ``(words[a], words[b])`` in ``pairs``, -1 when it is not one.
    pair_ids: npt.NDArray[np.int64]


@functools.lru_cache(maxsize=256)
def _snippet_query(terms: QueryTerms) -> _SnippetQuery:
    folded = tuple(fold(w) for w in terms.sequence)
    words = tuple(sorted(set(folded), key=len, reverse=True))
    alternatives = "|".join(f"({_folded_pattern(w)})" for w in words)
    pairs = frozenset(itertools.pairwise(folded))
    index = {word: k for k, word in enumerate(words)}
    pair_ids = np.full((len(words), len(words)), -1, dtype=np.int64)
    for number, (a, b) in enumerate(sorted(pairs)):
        pair_ids[index[a], index[b]] = number
    targets = _folding()[1]
    literal = all(_WORD_RUNS.fullmatch(w) and all(c in targets for c in w) for w in words)
    return _SnippetQuery(
        index=index if literal else None,
        pattern_source=rf"(?<![^\W_])(?:{alternatives})(?![^\W_])",
        words=words,
        folded=folded,
        exact=frozenset(terms.sequence),
        pairs=pairs,
        numeric=tuple(bool(_DIGIT.match(w[:1]) or _DIGIT.match(w[-1:])) for w in words),
        lengths=np.array([len(w) for w in words], dtype=np.int64),
        word_lengths=tuple(len(w) for w in words),
        pair_ids=pair_ids,
    )


def _hits(text: str, query: _SnippetQuery, limit: int) -> tuple[list[int], list[int], list[bool]]:
    """The first ``limit`` of :func:`_occurrences`, as the three facts the window needs: their starts, their
    syllables (indices into ``query.words``) and whether each has the diacritics as typed."""
    starts: list[int] = []
    words: list[int] = []
    exact: list[bool] = []
    for start, end, k in itertools.islice(_syllables_only(text, query, _found_by_runs(text, query)), limit):
        starts.append(start)
        words.append(k)
        exact.append(exact_form(text[start:end]) in query.exact)
    return starts, words, exact


def _best_window_start(text: str, terms: QueryTerms, max_chars: int) -> int | None:
    """Where the best run of query syllables starts: the most distinct ones, as typed, side by side.

    A window starting at an occurrence holds the occurrences up to ``max_chars // 2`` further on (the shown
    window starts up to a quarter before its first one). Its score counts each distinct query syllable once, 2
    when it appears there with the diacritics as typed and 1 when it matches only folded, plus 1 for each
    distinct pair of query syllables side by side in query order (``Hà Tĩnh`` for ``ha tinh``); ties go to the
    window whose first syllable is exact, then to the earliest.

    A query of few syllables slides the windows and stops at the first that nothing can beat
    (:func:`_sliding_window_start`); a longer one, which never gets there and reads all the first
    :data:`_MAX_SNIPPET_HITS` occurrences, scores them at once (:func:`_counted_window_start`).
    """
    if not terms.sequence:
        return None
    query = _snippet_query(terms)
    if len(query.words) <= SLIDING_WORDS:
        return _sliding_window_start(text, query, max_chars)
    return _counted_window_start(text, query, max_chars)


def _sliding_window_start(text: str, query: _SnippetQuery, max_chars: int) -> int | None:
    """:func:`_best_window_start` for a query of few syllables: windows slide over the occurrences as the pattern
    finds them, and the search stops at the first window nothing can beat (for most articles, after a few)."""
    best_possible = query.best_possible
    found = itertools.islice(_occurrences(text, query, lazily=True), _MAX_SNIPPET_HITS)
    hits: list[tuple[int, str, int]] = []  # (start, folded syllable, 2 if exact else 1), read as needed
    weights: Counter[tuple[str, int]] = Counter()  # (syllable, weight) → occurrences in the window
    pairs: Counter[tuple[str, str]] = Counter()  # side-by-side pairs in the window

    def weight_of(word: str) -> int:
        return 2 if weights[word, 2] else 1 if weights[word, 1] else 0

    def read_one() -> bool:
        """Append the next occurrence to ``hits``; False when there is none."""
        occurrence = next(found, None)
        if occurrence is None:
            return False
        hits.append((occurrence.start, occurrence.folded, 2 if occurrence.form in query.exact else 1))
        return True

    def side_by_side(k: int) -> tuple[str, str] | None:
        """The query pair that hits ``k`` and ``k + 1`` make, if they stand side by side."""
        (position, word, _), (next_position, next_word, _) = hits[k], hits[k + 1]
        pair = (word, next_word)
        return pair if pair in query.pairs and next_position - position <= len(word) + 2 else None

    reach = max_chars // 2
    best_start, best_score = None, (0, 0)
    distinct = 0
    end = 0  # the window is hits[i:end]
    for i in itertools.count():
        if i == len(hits) and not read_one():
            break
        start, _, first_weight = hits[i]
        if i:  # hits[i - 1] leaves the window
            _, word, weight = hits[i - 1]
            before = weight_of(word)
            weights[word, weight] -= 1
            distinct += weight_of(word) - before
            if (pair := side_by_side(i - 1)) is not None:
                pairs[pair] -= 1
        while True:
            if end == len(hits) and not read_one():
                break
            if hits[end][0] - start > reach:
                break
            _, word, weight = hits[end]
            before = weight_of(word)
            weights[word, weight] += 1
            distinct += weight_of(word) - before
            if end > i and (pair := side_by_side(end - 1)) is not None:
                pairs[pair] += 1
            end += 1
        score = (distinct + sum(1 for count in pairs.values() if count), first_weight)
        if score > best_score:
            best_start, best_score = start, score
            if score >= best_possible:
                break
    return best_start


def _counted_window_start(text: str, query: _SnippetQuery, max_chars: int) -> int | None:
    """:func:`_best_window_start` for a query of many syllables: every window of the first
    :data:`_MAX_SNIPPET_HITS` occurrences scored at once with prefix counts (what a window holds is the count up to
    its end minus the count before its start)."""
    found_starts, found_words, found_exact = _hits(text, query, _MAX_SNIPPET_HITS)
    n = len(found_starts)
    if not n:
        return None
    starts = np.array(found_starts)
    words = np.array(found_words)
    exact = np.array(found_exact)
    ends = np.searchsorted(starts, starts + max_chars // 2, side="right")  # window i is occurrences i..ends[i] - 1
    rows = np.arange(n)
    # Prefix counts per syllable: any occurrence, and occurrences as typed (a row of zeros first).
    seen = np.zeros((n + 1, len(query.words)), dtype=np.int32)
    seen[rows + 1, words] = 1
    typed = np.zeros_like(seen)
    typed[(rows + 1)[exact], words[exact]] = 1
    seen, typed = seen.cumsum(axis=0), typed.cumsum(axis=0)
    # A syllable in the window scores 1, and 1 more when it is there as typed.
    score = ((seen[ends] - seen[rows]) > 0).sum(axis=1) + ((typed[ends] - typed[rows]) > 0).sum(axis=1)
    if n > 1 and query.pairs:
        # Occurrences k and k + 1 make a query pair when side by side; window i holds pairs k = i .. ends[i] - 2.
        pair = query.pair_ids[words[:-1], words[1:]]
        pair[starts[1:] - starts[:-1] > query.lengths[words[:-1]] + 2] = -1
        made = np.flatnonzero(pair >= 0)
        pairs = np.zeros((n, len(query.pairs)), dtype=np.int32)
        pairs[made + 1, pair[made]] = 1
        pairs = pairs.cumsum(axis=0)
        score += ((pairs[ends - 1] - pairs[rows]) > 0).sum(axis=1)
    # Ties to the window whose first syllable is exact, then to the earliest (argmax takes the first maximum).
    best = int(np.argmax(score * 2 + exact))
    return found_starts[best]


def snippet(text: str, terms: QueryTerms, max_chars: int = 240) -> str:
    """An escaped excerpt of about ``max_chars``, marks included, where the query's syllables stand together.

    The window is chosen by :func:`_best_window_start` among the first :data:`MAX_SCAN_CHARS` characters; without
    any match there it is the opening of the text, so a hit always shows some of its body.
    """
    best_start = _best_window_start(text[:MAX_SCAN_CHARS], terms, max_chars)
    if best_start is None:
        cut = text[:max_chars]
        return html.escape(cut) + ("…" if len(text) > max_chars else "")
    # Start at the beginning of the sentence when it is close, else a little before the first match.
    window_start = max(0, best_start - max_chars // 4)
    sentence = [m.end() for m in _SENTENCE_START_RE.finditer(text, window_start, best_start)]
    if sentence:
        window_start = sentence[-1]
    elif window_start > 0:
        space = text.find(" ", window_start, best_start)
        window_start = space + 1 if space != -1 else window_start
    window_end = min(len(text), window_start + max_chars)
    if window_end < len(text):
        space = text.rfind(" ", window_start + max_chars // 2, window_end)
        window_end = space if space != -1 else window_end
    window = text[window_start:window_end]
    body = _render(window, _merge(window, _matches(window, terms)))
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    return prefix + body + suffix
