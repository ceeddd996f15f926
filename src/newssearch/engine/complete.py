"""Suggestions while typing: names, places and frequent words from the archive's own vocabulary, diacritic-insensitive.

What staff type into the search box is completed from what the archive says, not from a fixed list:

* **places**: the province and district names of the place facets (what the place filter takes);
* **authors**: the bylines of the ``author`` facet;
* **names**: runs of two to four capitalised syllables (``Nguyễn Xuân Phúc``, ``Hà Tĩnh``) in headlines and ledes,
  said in at least :data:`MIN_NAME_COUNT` articles;
* **words**: frequent one- and two-syllable words of headlines (``kinh tế``, ``giáo dục``).

Everything is matched on its folded form (no diacritics, lower case), so ``ha ti`` completes to ``Hà Tĩnh`` and
``nguyen xuan`` to ``Nguyễn Xuân Phúc``. A query of several words is also completed from its last words
(``tin ha ti`` → ``tin Hà Tĩnh``).

The names and words are counted once per index generation, by the indexer (:data:`VOCABULARY_COUNTS`, written
beside the generation); a worker reads that file on its first completion (:func:`read_vocabulary`), or, for a
generation written before, counts them itself (:func:`build_vocabulary`: it reads each article's headline and lede,
about 20 s for 150,000 articles). Until the vocabulary is in, the places and authors answer alone
(:func:`facet_vocabulary`). A completion is a binary search over the sorted folded keys, and the best entries of
every prefix of up to :data:`SHORT_PREFIX` letters are ranked in advance, so a one-letter prefix costs no scan.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeGuard

from newssearch.engine.facets import FacetIndex
from newssearch.engine.results import Suggestion, SuggestionKind
from newssearch.store.derived import DerivedRecipe
from newssearch.store.view import IndexView
from newssearch.text.analysis import fold

__all__ = [
    "MAX_SUGGESTIONS",
    "VOCABULARY_COUNTS",
    "Vocabulary",
    "build_vocabulary",
    "count_vocabulary",
    "facet_vocabulary",
    "read_vocabulary",
    "vocabulary_of",
]

MAX_SUGGESTIONS = 10
#: A name must be said in this many articles to be offered (one article's capitalised run is often a heading).
MIN_NAME_COUNT = 2
#: A headline word or pair must be in this many headlines.
MIN_WORD_COUNT = 3
#: Characters of each article's body read for names (the lede, where a news article names who and where).
LEDE_CHARS = 600
#: Prefixes up to this many characters have their best entries ranked at build time.
SHORT_PREFIX = 3
#: A place or a byline is what the filters take: it ranks as if said this many times more often.
KIND_WEIGHT: dict[SuggestionKind, float] = {"place": 4.0, "author": 4.0, "name": 2.0, "word": 1.0}
#: Query words of which the last ones are completed when the whole query completes to nothing.
TAIL_WORDS = 3
#: A tail is completed from this many letters on (``kinh t`` offers no "kinh trong").
MIN_TAIL_CHARS = 2

_SEGMENT_SPLIT = re.compile(r"[,.;:!?()\[\]\"“”‘’'…/\\|\n\t]+|\s[-–—]\s")
_WORD = re.compile(r"^[^\W\d_]+$")
#: The unit before a district's name (``Huyện Chư Păh``): staff type the name.
_UNIT = re.compile(r"^\s*(?:huyện|quận|thị xã|thành phố|tp\.?)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    text: str
    kind: SuggestionKind
    count: int
    weight: float


def _key(text: str) -> str:
    return " ".join(fold(text).split())


class Vocabulary:
    """Completion entries sorted by folded key, with the best entries of each short prefix ranked in advance."""

    def __init__(self, entries: Iterable[_Entry], *, complete: bool = True) -> None:
        best: dict[str, _Entry] = {}
        for entry in entries:
            if not entry.key:
                continue
            known = best.get(entry.key)
            if known is None:
                best[entry.key] = entry
                continue
            # One entry per folded key: the most said form, called a place or byline when it is one.
            top = entry if (entry.weight, entry.count) > (known.weight, known.count) else known
            kind = next((e.kind for e in (known, entry) if e.kind in ("place", "author")), top.kind)
            best[entry.key] = _Entry(top.key, top.text, kind, max(known.count, entry.count), top.weight)
        self._entries = sorted(best.values(), key=lambda e: e.key)
        self._keys = [e.key for e in self._entries]
        #: Whether the names and words are in (else only the places and bylines, while they are read).
        self.whole = complete
        ranked = sorted(self._entries, key=lambda e: (-e.weight, e.key))
        self._top: dict[str, list[_Entry]] = {}
        for entry in ranked:
            for length in range(1, min(SHORT_PREFIX, len(entry.key)) + 1):
                bucket = self._top.setdefault(entry.key[:length], [])
                if len(bucket) < MAX_SUGGESTIONS:
                    bucket.append(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def _matches(self, prefix: str, size: int) -> list[_Entry]:
        if len(prefix) <= SHORT_PREFIX:
            return self._top.get(prefix, [])[:size]
        start = bisect.bisect_left(self._keys, prefix)
        end = bisect.bisect_right(self._keys, prefix + "\uffff", lo=start)
        found = self._entries[start:end]
        return sorted(found, key=lambda e: (-e.weight, e.key))[:size]

    def complete(self, query: str, size: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Up to ``size`` completions of what was typed (diacritics and case ignored), best first.

        The whole query is completed; when nothing completes it, its last words are (the longest such tail that
        completes, of at most :data:`TAIL_WORDS` words), after the words before them as typed.
        """
        words = query.split()
        if not words:
            return []
        size = max(1, min(size, MAX_SUGGESTIONS))
        typed = " ".join(words).lower()
        accented = _key(typed) != typed
        found: list[Suggestion] = []
        # The whole query first; only when nothing at all completes it (itself included), its last words: the
        # longest tail of at most TAIL_WORDS words, of MIN_TAIL_CHARS letters or more, that completes.
        tails = range(max(1, len(words) - TAIL_WORDS), len(words))
        for start in [0, *tails]:
            prefix = _key(" ".join(words[start:]))
            if not prefix or (start and len(prefix) < MIN_TAIL_CHARS):
                continue
            matches = self._matches(prefix, size + 1)
            if not matches:
                continue
            tail = " ".join(words[start:]).lower()
            if accented:  # typed with diacritics: the entries with those very marks first (a tail: only those)
                matches = sorted(matches, key=lambda e: not e.text.lower().startswith(tail))
                if start:
                    matches = [e for e in matches if e.text.lower().startswith(tail)]
                    if not matches:
                        continue
            before = " ".join(words[:start])
            for entry in matches:
                text = f"{before} {entry.text}" if before else entry.text
                if text.lower() != typed:
                    found.append(Suggestion(text=text, kind=entry.kind, count=entry.count))
            break
        return found[:size]


def _facet_entries(facets: FacetIndex) -> list[_Entry]:
    entries: list[_Entry] = []
    for table, kind in (("place", "place"), ("district", "place"), ("author", "author")):
        values = facets.values(table)
        for value, count in values:
            text = _UNIT.sub("", value.split(",")[0]).strip() if table == "district" else value
            weighted: SuggestionKind = "place" if kind == "place" else "author"
            entries.append(_Entry(_key(text), text, weighted, count, count * KIND_WEIGHT[weighted]))
    return entries


def facet_vocabulary(facets: FacetIndex) -> Vocabulary:
    """The places and bylines alone: what completes while the names and words are still being read."""
    return Vocabulary(_facet_entries(facets), complete=False)


def _letters(test: Callable[[str], bool]) -> str:
    """A regex class body of the Latin letters (Vietnamese included) that pass ``test``."""
    ranges = (range(0x41, 0x250), range(0x1E00, 0x1F00))
    return "".join(re.escape(chr(c)) for r in ranges for c in r if chr(c).isalpha() and test(chr(c)))


_UPPER = _letters(str.isupper)
_LOWER = _letters(str.islower)
#: Two or more capitalised words (a capital, then lower-case letters: not ``UBND``) separated by spaces only.
_NAME_RUN = re.compile(rf"(?<![^\W\d_])[{_UPPER}][{_LOWER}]*(?:[ \u00a0]+[{_UPPER}][{_LOWER}]*)+(?![^\W\d_])")


def _names(text: str) -> set[str]:
    """Runs of 2–4 capitalised syllables within one clause of ``text`` (each counted once per article)."""
    names: set[str] = set()
    for match in _NAME_RUN.finditer(text):
        run = match.group().split()
        if len(run) <= 4:
            names.add(" ".join(run))
        else:
            names.add(" ".join(run[-3:]))  # a title before a name: "Phó Bí Thư Trần Thế Dũng" keeps the name
    return names


def _headline_words(title: str) -> set[str]:
    words: set[str] = set()
    for segment in _SEGMENT_SPLIT.split(title):
        tokens = [t.lower() for t in segment.split() if _WORD.match(t)]
        words.update(t for t in tokens if len(t) > 1)
        words.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
    return words


def count_vocabulary(view: IndexView, stop: Callable[[], bool] | None = None) -> dict[str, dict[str, int]]:
    """The names and headline words of one generation's live articles said often enough to be offered, with how
    many articles say each (``{"names": …, "words": …}``, in the order first said). ``stop`` is asked between
    articles (a closing generation)."""
    names: Counter[str] = Counter()
    words: Counter[str] = Counter()
    live = view.live
    for docnum in range(view.doc_count_all):
        if not live[docnum]:
            continue
        if stop is not None and docnum % 1000 == 0 and stop():
            break
        stored = view.stored(docnum)
        title = stored.get("title") or ""
        body = stored.get("body") or ""
        names.update(_names(f"{title}\n{body[:LEDE_CHARS]}"))
        words.update(_headline_words(title))
    return {
        "names": {n: c for n, c in names.items() if c >= MIN_NAME_COUNT},
        "words": {w: c for w, c in words.items() if c >= MIN_WORD_COUNT},
    }


def vocabulary_of(counts: dict[str, dict[str, int]], facets: FacetIndex) -> Vocabulary:
    """Every completion of one generation: its places and bylines, and the names and words ``counts`` holds
    (:func:`count_vocabulary`)."""
    entries = _facet_entries(facets)
    entries += [_Entry(_key(n), n, "name", c, c * KIND_WEIGHT["name"]) for n, c in counts["names"].items()]
    entries += [_Entry(_key(w), w, "word", c, c * KIND_WEIGHT["word"]) for w, c in counts["words"].items()]
    return Vocabulary(entries)


def build_vocabulary(view: IndexView, facets: FacetIndex, stop: Callable[[], bool] | None = None) -> Vocabulary:
    """Every completion of one generation (see the module's docstring), counted from its articles now."""
    return vocabulary_of(count_vocabulary(view, stop), facets)


def read_vocabulary(view: IndexView, facets: FacetIndex, stop: Callable[[], bool] | None = None) -> Vocabulary:
    """Every completion of one generation: from the counts the indexer derived for it (:data:`VOCABULARY_COUNTS`),
    else counted from its articles now."""
    counts = view.derived(VOCABULARY_COUNTS)
    if not _are_counts(counts):  # no file, or not what this code writes
        return build_vocabulary(view, facets, stop)
    return vocabulary_of(counts, facets)


def _are_counts(data: object) -> TypeGuard[dict[str, dict[str, int]]]:
    return isinstance(data, dict) and all(
        isinstance(data.get(part), dict)
        and all(isinstance(text, str) and type(count) is int for text, count in data[part].items())
        for part in ("names", "words")
    )


#: Names the code and thresholds the counts are made with: a file made with others is not read.
VOCABULARY_RECIPE = f"completion-vocabulary/1 names>={MIN_NAME_COUNT} words>={MIN_WORD_COUNT} lede={LEDE_CHARS}"
#: What the indexer derives for each generation (:func:`newssearch.store.derived.ensure_derived`): counting the
#: names and words of 150,703 articles takes about 20 s, reading the file back about one.
VOCABULARY_COUNTS = DerivedRecipe("VOCABULARY", VOCABULARY_RECIPE, count_vocabulary)
