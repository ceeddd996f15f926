"""Highlighted titles and snippets in the original accented text, HTML-escaped but for ``<mark>``.

Whoosh's highlighter marks each token separately and knows only one field's terms; we want a single mark around
``Hà Tĩnh`` for the query ``ha tinh``, exact-diacritic matches preferred over folded ones, and offsets into the
stored NFC text. The analysis keeps one character per character, so a syllable's offsets mark the original.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from dataclasses import dataclass

from newssearch.analysis import fold, fold_syllable, syllable_spans

__all__ = ["QueryTerms", "highlight_all", "snippet"]

_SENTENCE_START_RE = re.compile(r"(?<=[.!?…\n])\s+")


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


def snippet(text: str, terms: QueryTerms, max_chars: int = 240) -> str:
    """An escaped excerpt of about ``max_chars`` around the densest run of distinct matches, marks included.

    Without any match it is the opening of the text, so a hit always shows some of its body.
    """
    spans = _merge(text, _matches(text, terms))
    if not spans:
        cut = text[:max_chars]
        return html.escape(cut) + ("…" if len(text) > max_chars else "")
    best_start, best_score = spans[0][0], -1
    for i, (start, _) in enumerate(spans):
        inside = {text[s:e].lower() for s, e in spans[i:] if e - start <= max_chars}
        if len(inside) > best_score:
            best_start, best_score = start, len(inside)
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
    inside_spans = [(s, e) for s, e in spans if s >= window_start and e <= window_end]
    body = _render(text[window_start:window_end], inside_spans, offset=window_start)
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    return prefix + body + suffix
