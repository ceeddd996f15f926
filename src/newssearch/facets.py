"""Facet counts over a whole result set, from posting lists read once per index generation.

Counting by walking stored documents in Python is far too slow when a common word (``kinh tế``) matches most of
the archive. Instead, each facet value's set of document numbers is read once from its posting list when a
generation is opened, and a count is the size of the intersection with the result set.

The ``place`` facet joins the province as named at the article's date with its 2025 successor, so its counts
agree with what a ``place`` filter returns.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from whoosh.index import Index
from whoosh.reading import IndexReader

__all__ = ["FACET_SOURCES", "FacetCount", "FacetIndex"]

#: Facet name -> the index fields whose terms are its values.
FACET_SOURCES: dict[str, tuple[str, ...]] = {
    "place": ("province", "province_2025"),
    "district": ("district",),
    "year": ("year",),
    "month": ("month",),
    "category": ("category",),
}


@dataclass(frozen=True, slots=True)
class FacetCount:
    """One facet value as a page renders it."""

    value: str
    count: int
    selected: bool


def _value_docsets(reader: IndexReader, fields: tuple[str, ...]) -> dict[str, frozenset[int]]:
    """Each term of ``fields`` (several fields' terms merged) -> the documents that have it."""
    values: dict[str, set[int]] = {}
    for fieldname in fields:
        if fieldname not in reader.schema:
            continue
        for term in reader.lexicon(fieldname):
            value = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            values.setdefault(value, set()).update(reader.postings(fieldname, term).all_ids())
    return {value: frozenset(ids) for value, ids in values.items()}


class FacetIndex:
    """Per-value document sets of one opened generation, loaded lazily on first use."""

    def __init__(self, index: Index) -> None:
        self._index = index
        self._docsets: dict[str, dict[str, frozenset[int]]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, frozenset[int]]]:
        with self._lock:
            if self._docsets is None:
                # A reader of its own: searchers are lent to other threads and must not be shared.
                with self._index.reader() as reader:
                    self._docsets = {facet: _value_docsets(reader, fields) for facet, fields in FACET_SOURCES.items()}
            return self._docsets

    def docs_with(self, facet: str, values: list[str]) -> set[int]:
        """Documents having any of ``values`` in ``facet`` (the filter side of a facet)."""
        table = self._load()[facet]
        found: set[int] = set()
        for value in values:
            found |= table.get(value, frozenset())
        return found

    def counts(self, docs: set[int], selected: dict[str, list[str]], top: int = 50) -> dict[str, list[FacetCount]]:
        """Counts of each facet's values within ``docs``, most frequent first (months and years newest first)."""
        result: dict[str, list[FacetCount]] = {}
        for facet, table in self._load().items():
            chosen = set(selected.get(facet, []))
            counted = [(value, len(docs & ids)) for value, ids in table.items()]
            rows = [(v, n) for v, n in counted if n or v in chosen]
            if facet in ("month", "year"):
                rows.sort(key=lambda row: row[0], reverse=True)
            else:
                rows.sort(key=lambda row: (-row[1], row[0]))
            result[facet] = [FacetCount(v, n, v in chosen) for v, n in rows[:top]]
        return result
