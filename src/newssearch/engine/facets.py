"""Facet counts over a whole result set, as array operations.

Counting by walking stored documents in Python is far too slow when a common word (``kinh tế``) matches most of
the archive. Each facet's (document, value) pairs are read once per index generation from the posting lists of
its keyword fields; a count is then one ``bincount`` over the pairs whose document is in the result mask.

The ``place`` facet joins the province as named at the article's date with its 2025 successor, so its counts
agree with what a ``place`` filter returns. Places are those an article is *about* unless the request asks for
every one it *mentions*; the pre-2025 and 2025 units can also be counted apart (:func:`table_name`). Those other
tables are read the first time a request uses them.

Counts are disjunctive (as Algolia, Meilisearch or an Elasticsearch ``post_filter`` do it): the caller passes each
facet the result set *without* that facet's own selection, so a value's count is what a click on it alone gives.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from newssearch.engine.labels import facet_label
from newssearch.engine.results import FacetValue
from newssearch.store.arrays import flat_ranges
from newssearch.store.view import Ids, Mask, PostingsView

__all__ = ["FACET_SOURCES", "TABLE_SOURCES", "FacetCounts", "FacetIndex", "table_name"]

#: Facet name -> the index fields whose terms are its values (the facets a search answers with by default).
FACET_SOURCES: dict[str, tuple[str, ...]] = {
    "place": ("place_about", "place_about_2025"),
    "district": ("district_about",),
    "year": ("year",),
    "month": ("month",),
    "category": ("category",),
    # The byline and the outlet (JSON Lines ``source``) as written (issue 18).
    "author": ("author_facet",),
    "source": ("outlet",),
}
#: Every table a request can count or filter on: the facets, and the place tables of other scopes and units.
TABLE_SOURCES: dict[str, tuple[str, ...]] = {
    **FACET_SOURCES,
    "place:pre2025": ("place_about",),
    "place:post2025": ("place_about_2025",),
    "place@mentioned": ("province", "province_2025"),
    "place:pre2025@mentioned": ("province",),
    "place:post2025@mentioned": ("province_2025",),
    "district@mentioned": ("district",),
}


def table_name(facet: str, units: str = "all", scope: str = "about") -> str:
    """The table of ``facet`` ("place", "district") for these units and scope: ``place:pre2025@mentioned``…"""
    name = facet
    if facet == "place" and units != "all":
        name += f":{units}"
    if scope != "about":
        name += f"@{scope}"
    return name


#: Facets whose values are listed newest first rather than by count.
CHRONOLOGICAL = ("year", "month")


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """Each facet's listed values, and the facets that had more values than were listed."""

    values: dict[str, list[FacetValue]]
    truncated: list[str]


#: A result set smaller than this share of a facet's (document, value) pairs is counted through its documents'
#: own values (a gather of its few pairs) rather than by a pass over every pair of the facet. Measured at 150,703
#: articles: the two cost the same at about a tenth (55–80 µs for the place and district tables, 150 for the outlet).
SPARSE_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class _Facet:
    values: list[str]
    index: dict[str, int]
    #: One entry per (document, value) pair, grouped by value: value ``i``'s documents are
    #: ``docs[value_starts[i] : value_starts[i + 1]]``.
    docs: npt.NDArray[np.int32]
    #: Where each value's pairs begin in ``docs`` (every value has at least one: it is a term with postings).
    value_starts: npt.NDArray[np.intp]
    #: The same pairs by document: document ``d``'s value ids are ``by_doc[starts[d] : starts[d + 1]]``.
    #: (Four-byte numbers: a worker holds one per document and table, 0.6 MB each at 150k.)
    starts: npt.NDArray[np.int32]
    by_doc: npt.NDArray[np.int32]

    def count(self, within: Mask, ids: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
        """How many of the documents ``within`` (whose numbers are ``ids``) have each value."""
        if len(ids) >= SPARSE_SHARE * len(self.docs):
            # The pairs are grouped by value, so each value's count is the sum of its run of "in the result" flags.
            # ``take`` and a sum per run: 0.15 ms for a facet of 150,703 pairs, where gathering the flags by indexing,
            # selecting the pairs' values and counting them took 1.2 ms (a pasted lead matches most of an archive).
            flags = within.take(self.docs).view(np.uint8)
            return np.add.reduceat(flags, self.value_starts, dtype=np.int64)
        first, lengths = self.starts[ids], self.starts[ids + 1] - self.starts[ids]
        return np.bincount(self.by_doc[flat_ranges(first, lengths)], minlength=len(self.values))

    def docs_of(self, wanted: npt.NDArray[np.intp]) -> npt.NDArray[np.int32]:
        """The documents (with repeats) of the values numbered ``wanted``."""
        ends = np.append(self.value_starts[1:], len(self.docs))
        return self.docs[flat_ranges(self.value_starts[wanted], ends[wanted] - self.value_starts[wanted])]


class FacetIndex:
    """The (document, value) pairs of every facet of one opened generation, loaded on first use."""

    def __init__(self, postings: PostingsView) -> None:
        self._postings = postings
        self._facets: dict[str, _Facet] | None = None
        self._lock = threading.Lock()

    def preload(self) -> None:
        """Read every facet now (from a background thread when an index opens), so the first search need not.

        Measured on 150,703 articles: about 4.5 s, which the first search used to wait for. A failure here
        (the generation closed meanwhile) is left to the next search, which loads again or reports it.
        """
        with contextlib.suppress(Exception):
            self._load()

    def _load(self) -> dict[str, _Facet]:
        with self._lock:
            if self._facets is None:
                self._facets = {name: self._read(fields) for name, fields in FACET_SOURCES.items()}
            return self._facets

    def _table(self, name: str) -> _Facet:
        tables = self._load()
        if name not in tables:
            with self._lock:
                if name not in tables:
                    tables[name] = self._read(TABLE_SOURCES[name])
        return tables[name]

    def has_value(self, table: str, value: str) -> bool:
        """Whether ``value`` is one of ``table``'s values (some article has it)."""
        return value in self._table(table).index

    def _read(self, fields: tuple[str, ...]) -> _Facet:
        per_value: dict[str, list[Ids]] = {}
        for field in fields:
            for value in self._postings.terms(field):
                per_value.setdefault(value, []).append(self._postings.docs(field, value))
        unique = {value: np.unique(np.concatenate(found)) for value, found in per_value.items()}
        values = sorted(value for value, found in unique.items() if len(found))  # a term left with no document: none
        docs = [unique[v] for v in values]
        lengths = np.array([len(d) for d in docs], dtype=np.intp)
        all_docs = np.concatenate(docs).astype(np.int32) if docs else np.zeros(0, dtype=np.int32)
        all_values = np.repeat(np.arange(len(values), dtype=np.int32), lengths)
        order = np.argsort(all_docs, kind="stable")
        per_doc = np.bincount(all_docs, minlength=self._postings.doc_count_all)
        return _Facet(
            values=values,
            index={v: i for i, v in enumerate(values)},
            docs=all_docs,
            value_starts=np.cumsum(lengths) - lengths,
            starts=np.concatenate(([0], np.cumsum(per_doc))).astype(np.int32),
            by_doc=all_values[order],
        )

    def values(self, table: str) -> list[tuple[str, int]]:
        """Every value of ``table`` with the live articles that have it (suggestions: places, bylines)."""
        facet = self._table(table)
        counts = facet.count(self._postings.live, np.flatnonzero(self._postings.live))
        return [(value, int(count)) for value, count in zip(facet.values, counts, strict=True) if count]

    def docs_with(self, facet: str, values: list[str]) -> Mask:
        """The documents having any of ``values`` in ``facet`` (a table name; the filter side of a facet)."""
        table = self._table(facet)
        wanted = np.zeros(len(table.values), dtype=np.bool_)
        for value in values:
            if value in table.index:
                wanted[table.index[value]] = True
        mask = self._postings.empty_mask()
        mask[table.docs_of(np.flatnonzero(wanted))] = True
        return mask

    def counts(
        self,
        docs: Mask,
        selected: dict[str, list[str]],
        top: int = 50,
        *,
        own: dict[str, Mask] | None = None,
        tables: dict[str, str] | None = None,
    ) -> FacetCounts:
        """Each facet's values with their counts within ``docs``; most frequent first, dates newest first.

        ``own`` gives a facet its own set to count within instead (the results without that facet's selection:
        disjunctive counts); ``tables`` reads a facet from another table (``{"place": "place:post2025"}``).
        Selected values are always listed, even with a count of 0, so a page can show and undo them. At most
        ``top`` values a facet are listed; the facets cut there are named in ``truncated``.
        """
        result: dict[str, list[FacetValue]] = {}
        truncated: list[str] = []
        own = own or {}
        tables = tables or {}
        numbers: dict[int, npt.NDArray[np.intp]] = {}  # id(mask) → its document numbers, found once per mask
        for name in FACET_SOURCES:
            table = self._table(tables.get(name, name))
            within = own.get(name, docs)
            if id(within) not in numbers:
                numbers[id(within)] = np.flatnonzero(within)
            counts = table.count(within, numbers[id(within)])
            chosen = set(selected.get(name, []))
            rows = [(table.values[i], int(counts[i])) for i in np.flatnonzero(counts)]
            rows += [(v, 0) for v in chosen if v not in table.index or not counts[table.index[v]]]
            if name in CHRONOLOGICAL:
                rows.sort(key=lambda row: row[0], reverse=True)
            else:
                rows.sort(key=lambda row: (-row[1], row[0]))
            if len(rows) > top:
                truncated.append(name)
            result[name] = [FacetValue(v, facet_label(name, v), n, v in chosen) for v, n in rows[:top]]
        return FacetCounts(result, truncated)

    def count_each(self, facet: str, docs: Mask, values: list[str]) -> list[int]:
        """How many of ``docs`` have each of ``values`` in ``facet`` (a table name)."""
        return [int((docs & self.docs_with(facet, [value])).sum()) for value in values]
