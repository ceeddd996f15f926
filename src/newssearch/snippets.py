"""Highlighted titles and snippets in the original accented text, HTML-escaped but for ``<mark>``.

Whoosh's highlighter marks each token separately and knows only one field's terms; we want a single mark around
``Hà Tĩnh`` for the query ``ha tinh``, exact-diacritic matches preferred over folded ones, and offsets into the
stored NFC text. The analysis keeps one character per character, so a syllable's offsets mark the original.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass

from newssearch.analysis import exact_form, fold, fold_syllable, syllable_spans

__all__ = ["QueryTerms", "highlight_all", "snippet"]

_SENTENCE_START_RE = re.compile(r"(?<=[.!?…\n])\s+")
#: Occurrences looked at when choosing the snippet window (a word repeated 5,000 times needs no more).
_MAX_SNIPPET_HITS = 200


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """The syllables a query asks for, in query order, in their exact form as typed."""

    sequence: tuple[str, ...]

    @classmethod
    def of(cls, syllables: Collection[str]) -> QueryTerms:
        return cls(tuple(syllables))


def _matches(text: str, terms: QueryTerms) -> list[tuple[int, int]]:
    """Spans of the syllables to mark.

    A syllable typed without diacritics matches any accented form; one typed with them matches exactly, or by
    folding when the text has no exact occurrence (the article was found through folding). Runs of two or more
    query syllables in query order are marked first (``Hà Tĩnh`` for ``ha tinh``); a query syllable that stands
    in such a run is not marked again on its own elsewhere (``tỉnh`` stays plain).
    """
    spans = syllable_spans(text)
    forms = [form for _, _, form in spans]
    present = set(forms)
    query = terms.sequence
    folded_query = [fold(wanted) for wanted in query]
    # A syllable typed bare, or accented but absent from the text, matches by folding; else exactly.
    by_fold = [wanted == folded or wanted not in present for wanted, folded in zip(query, folded_query, strict=True)]
    wanted_at: dict[str, set[int]] = {}
    for form in present:
        folded_form = fold_syllable(form)
        wanted_at[form] = {
            j for j, wanted in enumerate(query) if (folded_form == folded_query[j] if by_fold[j] else form == wanted)
        }
    hits = [wanted_at[form] for form in forms]
    marked: set[int] = set()
    covered: set[int] = set()
    for i in range(len(forms)):
        for j in hits[i]:
            length = 1
            while i + length < len(forms) and j + length in hits[i + length]:
                length += 1
            if length >= 2:
                marked.update(range(i, i + length))
                covered.update(range(j, j + length))
    marked.update(i for i, found in enumerate(hits) if found - covered)
    return [(spans[i][0], spans[i][1]) for i in sorted(marked)]


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


def highlight_all(text: str, terms: QueryTerms) -> str:
    """The whole text (a title), escaped, with every match marked."""
    return _render(text, _merge(text, _matches(text, terms)))


@functools.lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word occurrences of folded query syllables in folded text."""
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def _best_window_start(text: str, terms: QueryTerms, max_chars: int) -> int | None:
    """Where the densest run of distinct query syllables starts, found on the folded text at C speed.

    Folding keeps one character per character, so positions in the folded text are positions in ``text``.
    """
    folded = fold(text)
    if len(folded) != len(text) or not terms.sequence:
        return None
    exact = set(terms.sequence)
    hits = [
        # An occurrence with the diacritics as typed weighs more than one that matches only when folded.
        (m.start(), m.group(), 2 if exact_form(text[m.start() : m.end()]) in exact else 1)
        for m in _pattern(tuple(fold(w) for w in terms.sequence)).finditer(folded)
    ][:_MAX_SNIPPET_HITS]
    # The shown window starts up to a quarter before the first hit, so count hits within half of it.
    reach = max_chars // 2
    best_start, best_score = None, (0, 0)
    query_pairs = set(itertools.pairwise(fold(w) for w in terms.sequence))
    for i, (start, _, first_weight) in enumerate(hits):
        weights: dict[str, int] = {}
        together = 0
        previous: tuple[int, str] | None = None
        for position, word, weight in hits[i:]:
            if position - start > reach:
                break
            weights[word] = max(weight, weights.get(word, 0))
            # Query syllables side by side, in query order (``Hà Tĩnh`` for ``ha tinh``), count extra.
            if previous and (previous[1], word) in query_pairs and position - previous[0] <= len(previous[1]) + 2:
                together += 1
            previous = (position, word)
        score = (sum(weights.values()) + together, first_weight)
        if score > best_score:
            best_start, best_score = start, score
    return best_start


def snippet(text: str, terms: QueryTerms, max_chars: int = 240) -> str:
    """An escaped excerpt of about ``max_chars`` around the densest run of distinct matches, marks included.

    Without any match it is the opening of the text, so a hit always shows some of its body. Only the chosen
    window is analysed syllable by syllable, so a long article costs little more than a short one.
    """
    best_start = _best_window_start(text, terms, max_chars)
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
