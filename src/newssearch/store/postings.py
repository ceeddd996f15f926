"""Posting lists, field lengths and columns of one index generation as numpy arrays, read once and cached.

Whoosh matchers score one document at a time in Python: about 10 µs a document, so a common word (``kinh tế``)
that matches most of a 150,000-article archive costs over a second before facets are even counted. Here each
term's postings are read from Whoosh once (document numbers and term frequencies) and kept in an LRU cache;
scoring, filtering and facet counting are then array operations over the whole result set.

Postings, positions, lengths and numeric columns are read from the generation's span (one merged companion for its
large segments, :mod:`newssearch.store.span`) and each other segment's columnar companion
(:mod:`newssearch.store.columns`), memory-mapped and shared by every worker; from Whoosh where a segment has none
(same arrays, decoded). This is the read side of the storage adapter:
:class:`~newssearch.store.view.IndexView` is what the engine sees of it. A ``PostingCache`` owns its own Whoosh
reader (readers are not safe to share across threads), and every read from it happens under a lock; reads of
the mapped companion take no lock. The arrays it hands out are read-only and safe to share.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache
from whoosh.codec.base import Automata
from whoosh.index import Index
from whoosh.util.numeric import byte_to_length

from newssearch.store.arrays import flat_ranges
from newssearch.store.columns import (
    SegmentColumns,
    columns_path,
    leaf_blocks,
    length_bytes,
    numeric_column,
    open_segment_columns,
    term_hash,
)
from newssearch.store.dense import Signature, open_dense, signature_of
from newssearch.store.derived import DerivedRecipe, read_derived
from newssearch.store.span import open_span
from newssearch.store.view import Ids, Mask, Positions

__all__ = ["PostingCache", "terms_within"]

#: Bytes of assembled postings kept per serving process. Counted in bytes, not terms: a common syllable of a
#: 150,000-article archive is a megabyte of arrays, and a term-count bound let one load run grow a process
#: past 20 GB. With the columnar companion a term costs a few slices of the mapped file to assemble, so this
#: cache only spares repeats (phrase positions above all); read from Whoosh alone (an index without companion
#: files), every miss decodes, which is why it was 256 MB then.
MAX_CACHED_BYTES = 64 * 1024 * 1024


#: Terms handed out as mapped arrays remembered for the warm switch to the next generation (keys only: ~100 bytes
#: each). The 92 benchmark queries read about 2,000 terms.
HANDED_OUT_KEYS = 4_000

#: Document frequencies remembered per generation (a few megabytes of small Python objects at most).
KNOWN_FREQUENCIES = 20_000

#: Bits of a position key (``document << 24 | position``) taken by the position: 16 million syllables a document.
_POSITION_BITS = 24


def _leaf_positions(matcher: Any, decode: Any, offset: int) -> list[npt.NDArray[np.int64]]:
    """Position keys of one segment's postings (see :meth:`PostingCache.positions`)."""
    return [
        ((doc + offset) << _POSITION_BITS) + np.asarray(decode(value), dtype=np.int64)
        for ids, values in leaf_blocks(matcher, "values")
        for doc, value in zip(ids, values, strict=True)
    ]


def terms_within(reader: Any, field: str, word: str, maxdist: int, stop: Callable[[], bool] | None = None) -> list[str]:
    """Vocabulary of ``field`` within ``maxdist`` edits of ``word`` sharing its first letter (Whoosh's automaton
    over the lexicon), read until ``stop()`` says time is up."""
    if field not in reader.schema:
        return []
    stop = stop or _never
    try:
        cursor = reader.cursor(reader.schema[field].spelling_fieldname(field))
    except (AttributeError, NotImplementedError):  # a reader without term cursors: Whoosh's own walk, unstoppable
        terms = reader.terms_within(field, word, maxdist, prefix=1)
    else:
        terms = _find_matches(Automata.levenshtein_dfa(word, maxdist, 1), cursor, stop)
    found: list[str] = []
    for term in terms:
        if stop():
            break
        found.append(term.decode("utf-8") if isinstance(term, bytes) else str(term))
    return found


def _never() -> bool:
    return False


def _find_matches(dfa: Any, cursor: Any, stop: Callable[[], bool]) -> Iterator[str]:
    """Whoosh's ``Automata.find_matches`` (the terms a DFA accepts, skipping through the sorted term index), asking
    ``stop()`` at every skip: a 16-letter word takes a few hundred skips, each a binary search of the term index,
    and yields nothing until a match, so a walk that finds little could not otherwise be cut short."""
    term = cursor.text()
    if term is None:
        return
    match = dfa.next_valid_string(term)
    while match and not stop():
        cursor.find(match)
        term = cursor.text()
        if term is None:
            return
        if match == term:
            yield match
            term += "\x00"
        match = dfa.next_valid_string(term)


def _intersect_sorted(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The keys in both sorted, duplicate-free arrays, sorted: a binary search of the longer for each key of the
    shorter (``np.intersect1d`` sorts both together: 0.5 s for a syllable in every line of 100 long articles)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a) or not len(b):
        return a[:0]
    found = np.searchsorted(b, a)
    found[found == len(b)] = 0
    common: npt.NDArray[np.int64] = a[b[found] == a]
    return common


#: A phrase reads a word's positions in its candidate documents only (not cached) when the word is in more than
#: this many times as many documents as there are candidates; else all of them (cached, for the next phrase).
WITHIN_SHARE = 4


def _members(docs: Ids, candidates: npt.NDArray[np.integer[Any]]) -> Ids:
    """The ``docs`` (sorted) that are among ``candidates`` (sorted): a binary search of the candidates for each."""
    if not len(candidates):
        return docs[:0]
    at = np.minimum(np.searchsorted(candidates, docs), len(candidates) - 1)
    found: Ids = docs[candidates[at] == docs]
    return found


def _deleted_docs(leaf: Any) -> list[int]:
    """Deleted document numbers of one segment (whoosh3 keeps them as a cached set on SegmentReader)."""
    deleted = getattr(leaf, "deleted_docs_set", None)
    if deleted is not None:
        return sorted(deleted)
    return [n for n in range(leaf.doc_count_all()) if leaf.is_deleted(n)]


@dataclass(frozen=True, slots=True)
class _Part:
    """Consecutive segments read together: one segment, or the generation's span of many (:mod:`~.span`)."""

    #: Whoosh's reader of each segment and the number of its first document (for what the companion lacks).
    leaves: list[tuple[Any, int]]
    #: The number of the part's first document.
    offset: int
    #: The mapped companion (a segment's or the span), or ``None``: read from Whoosh.
    companion: SegmentColumns | None
    #: The part's slice of the live flags where it has deleted documents (only their postings need filtering).
    live: Mask | None

    def reads(self, field: str) -> SegmentColumns | None:
        """The companion, when it holds ``field`` (identifier fields are left to Whoosh)."""
        return self.companion if self.companion is not None and self.companion.has_field(field) else None

    def positions_of(self, field: str) -> SegmentColumns | None:
        """The companion, when it holds ``field``'s positions."""
        return self.companion if self.companion is not None and self.companion.has_positions(field) else None


class PostingCache:
    """Numpy views of one opened generation: live documents, term postings, field lengths, numeric columns."""

    def __init__(self, index: Index, *, columnar: bool = True) -> None:
        """``columnar``: read each segment's companion file where it has one (else every segment from Whoosh)."""
        self._reader = index.reader()
        self._lock = threading.RLock()
        self._cache_lock = threading.Lock()
        self.doc_count_all: int = self._reader.doc_count_all()
        self.doc_count: int = self._reader.doc_count()
        self._leaves: list[tuple[Any, int]] = list(self._reader.leaf_readers())
        live = np.ones(self.doc_count_all, dtype=np.bool_)
        for leaf, offset in self._leaves:
            deleted = _deleted_docs(leaf) if leaf.has_deletions() else []
            if deleted:
                live[np.asarray(deleted, dtype=np.int64) + offset] = False
        live.flags.writeable = False
        self.live: Mask = live
        self._deletions = not bool(live.all())
        folder = getattr(index.storage, "folder", None)
        self._parts: list[_Part] = _parts(Path(folder) if folder is not None and columnar else None, self._leaves, live)
        #: The engine's arrays precomputed for this generation (:mod:`newssearch.store.dense`), read with the companion.
        self._dense = open_dense(Path(folder), self.signature, self.doc_count_all) if folder and columnar else None
        self._folder = Path(folder) if folder is not None else None
        # (kind, field, term) -> arrays; postings and phrase positions share one byte bound.
        self._cache: LRUCache[tuple[str, str, str], tuple[npt.NDArray[Any], ...]] = LRUCache(
            maxsize=MAX_CACHED_BYTES, getsizeof=_nbytes
        )
        self._frequencies: LRUCache[tuple[str, str], int] = LRUCache(maxsize=KNOWN_FREQUENCIES)
        #: Terms lately handed out as mapped arrays, for :meth:`hot_keys` (keys only).
        self._handed_out: LRUCache[tuple[str, str, str], None] = LRUCache(maxsize=HANDED_OUT_KEYS)
        self._lengths: dict[str, npt.NDArray[np.float32]] = {}
        self._columns: dict[str, npt.NDArray[np.int64]] = {}
        self._avg: dict[str, float] = {}

    @property
    def companion_segments(self) -> tuple[int, int]:
        """Segments read through a columnar companion (their own or the span), of all segments."""
        return sum(len(p.leaves) for p in self._parts if p.companion is not None), len(self._leaves)

    @property
    def spanned_segments(self) -> int:
        """Segments read through the generation's span (:mod:`~newssearch.store.span`)."""
        return sum(len(p.leaves) for p in self._parts if len(p.leaves) > 1)

    def close(self) -> None:
        with self._lock:
            self._reader.close()

    @property
    def signature(self) -> Signature:
        """Which segments, documents and deletions this generation has (:data:`~newssearch.store.dense.Signature`)."""
        return signature_of(leaf for leaf, _ in self._leaves)

    @property
    def precomputed_arrays(self) -> int:
        """How many arrays the generation's precomputed file holds (0 without one)."""
        return 0 if self._dense is None else len(self._dense)

    def precomputed(self, recipe: str, name: str) -> npt.NDArray[Any] | None:
        """The array ``name`` the engine precomputed by ``recipe`` for this generation (read-only, mapped), or
        ``None`` (no such array, no file, or one made by another recipe)."""
        return None if self._dense is None else self._dense.get(recipe, name)

    def derived(self, recipe: DerivedRecipe) -> Any | None:
        """The data the indexer derived for this generation by ``recipe`` (:mod:`newssearch.store.derived`), read
        from its file now; ``None`` without a usable one (the caller then derives it)."""
        return None if self._folder is None else read_derived(self._folder, recipe, self.signature, self.doc_count_all)

    def hot_keys(self) -> list[tuple[str, str, str]]:
        """The terms searches read lately (``(kind, field, term)``): those handed out as mapped arrays (not cached: a
        new generation's may need assembling, or its pages reading), then those this cache holds."""
        with self._cache_lock:
            return [*dict.fromkeys([*self._handed_out.keys(), *self._cache.keys()])]

    def warm(self, keys: list[tuple[str, str, str]]) -> None:
        """Read ``keys`` (another generation's :meth:`hot_keys`), the lengths of their fields and the date columns
        now, so the searches that follow find them ready (a warm switch to a new generation). The precomputed
        arrays need nothing here: they are mapped in whole when the generation opens."""
        for kind, field, term in keys:
            if kind == "positions":
                self.positions(field, term)
            else:
                for array in self.postings(field, term):
                    _touch(array)
        for field in dict.fromkeys(field for _, field, _ in keys):
            self.lengths(field)
        for column in ("date_lo", "date_hi"):
            self.column(column)

    def empty_mask(self) -> Mask:
        return np.zeros(self.doc_count_all, dtype=np.bool_)

    def postings(self, field: str, term: str) -> tuple[Ids, npt.NDArray[Any]]:
        """Live documents' numbers and term frequencies of ``term`` in ``field`` (empty arrays when absent).

        Where one companion part holds all of them as they are needed, they are its mapped arrays (uint32 numbers,
        frequencies as stored: uint16, float32 or ones); else they are assembled, as int32 numbers and float32
        frequencies, uint8 where all are small whole numbers (:func:`_compact`), and cached."""
        key = ("postings", field, term)
        cached = self._cached(key)
        if cached is not None:
            return cached[0], cached[1]
        raw = term.encode()
        hashed = term_hash(raw)
        # Each part's live postings in order: (its offset, or None where Whoosh numbered them already; numbers;
        # frequencies; whether these are the mapped arrays themselves).
        pieces: list[tuple[int | None, Ids, npt.NDArray[Any], bool]] = []
        for part in self._parts:
            companion = part.reads(field)
            if companion is None:
                for leaf, offset in part.leaves:
                    decoded = self._whoosh_postings(leaf, offset, field, term)
                    if decoded is not None:
                        pieces.append((None, *decoded, False))
                continue
            found = companion.postings(field, raw, hashed)
            if found is None:
                continue
            mapped_ids, mapped_tfs = found
            if part.live is not None and not (alive := part.live[mapped_ids]).all():
                pieces.append((part.offset, mapped_ids[alive], mapped_tfs[alive], False))
            else:
                pieces.append((part.offset, mapped_ids, mapped_tfs, True))
        if len(pieces) == 1 and pieces[0][0] == 0 and pieces[0][3]:
            # In one part numbered from 0, none of them deleted (every term of a rebuilt archive, through its span;
            # after a nightly run, each term only in the span with none of its articles deleted): the mapped arrays
            # themselves, shared by every worker, nothing copied and nothing to cache.
            _, only_ids, only_tfs, _ = pieces[0]
            only_tfs.flags.writeable = False
            with self._cache_lock:
                self._handed_out[key] = None
            return only_ids, only_tfs
        id_parts: list[Ids] = []
        tf_parts: list[npt.NDArray[Any]] = []
        for shift, ids, tfs, _ in pieces:
            # One pass: a part's numbers shifted by its offset straight into int32 (Whoosh's are numbered already).
            id_parts.append(ids if shift is None else np.add(ids, shift, dtype=np.int32, casting="unsafe"))
            tf_parts.append(tfs)
        ids_all = (np.concatenate(id_parts) if id_parts else np.zeros(0)).astype(np.int32, copy=False)
        frequencies = _compact(np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32))
        self._remember(key, (ids_all, frequencies))
        return ids_all, frequencies

    def _whoosh_postings(self, leaf: Any, offset: int, field: str, term: str) -> tuple[Ids, npt.NDArray[Any]] | None:
        """One segment's live postings of ``term`` decoded from Whoosh (numbers counted from the archive's first)."""
        with self._lock:
            if field not in self._reader.schema or (field, term) not in leaf:
                return None
            blocks = [*leaf_blocks(leaf.postings(field, term), "weights")]
        if not blocks:  # every posting of the term deleted, and skipped by Whoosh
            return None
        ids = np.concatenate([np.asarray(block, dtype=np.int64) for block, _ in blocks]) + offset
        tfs = np.concatenate([np.asarray(weights, dtype=np.float32) for _, weights in blocks])
        if self._deletions:  # Whoosh skips some deleted documents, not all
            alive = self.live[ids]
            ids, tfs = ids[alive], tfs[alive]
        return ids.astype(np.int32), tfs

    def _cached(self, key: tuple[str, str, str]) -> tuple[npt.NDArray[Any], ...] | None:
        with self._cache_lock:
            return self._cache.get(key)

    def _remember(self, key: tuple[str, str, str], arrays: tuple[npt.NDArray[Any], ...]) -> None:
        """Cache read-only ``arrays`` under ``key``; the least recently used go beyond the byte bound."""
        for array in arrays:
            array.flags.writeable = False
        if _nbytes(arrays) <= MAX_CACHED_BYTES:
            with self._cache_lock:
                self._cache[key] = arrays

    def docs(self, field: str, term: str) -> Ids:
        return self.postings(field, term)[0]

    def terms(self, field: str) -> list[str]:
        """Every term of ``field`` (for keyword fields such as facets)."""
        with self._lock:
            if field not in self._reader.schema:
                return []
            return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in self._reader.lexicon(field)]

    def known(self, folded: str) -> bool:
        """Whether any article has this folded syllable in its title or body.

        Asked of every query word and its spelling variants, so it reads the term index only, never postings
        (reading them made 64 common words cost 15 s cold on 150,000 articles). A term whose only articles were
        deleted since the last merge still counts as known: it then just finds nothing.
        """
        return bool(self.doc_frequency("body_fold", folded) or self.doc_frequency("title_fold", folded))

    def doc_frequency(self, field: str, term: str) -> int:
        """Postings of ``term`` in ``field``, deleted documents included (as Whoosh counts), no postings read.

        Remembered (:data:`KNOWN_FREQUENCIES` of them): every search asks it of each of its words and their
        spelling variants (whether the archive knows them), a look-up in each segment's term table every time.
        """
        with self._cache_lock:
            remembered = self._frequencies.get((field, term))
        if remembered is not None:
            return remembered
        total = self._doc_frequency(field, term)
        with self._cache_lock:
            self._frequencies[field, term] = total
        return total

    def _doc_frequency(self, field: str, term: str) -> int:
        raw = term.encode()
        hashed = term_hash(raw)
        total = 0
        for part in self._parts:
            companion = part.reads(field)
            if companion is not None:
                total += companion.doc_frequency(field, raw, hashed)
                continue
            with self._lock:
                if field in self._reader.schema:
                    total += sum(int(leaf.doc_frequency(field, term)) for leaf, _ in part.leaves)
        return total

    def doc_frequencies(self, field: str, terms: list[str]) -> npt.NDArray[np.int64]:
        """:meth:`doc_frequency` of many terms (the hundreds of words of a "more like this" query): one vectorised
        look-up per segment instead of one per term and segment."""
        raws = [term.encode() for term in terms]
        hashes = np.fromiter((term_hash(raw) for raw in raws), dtype=np.uint64, count=len(raws))
        lengths = np.fromiter(map(len, raws), dtype=np.int64, count=len(raws))
        # In hash order, each segment's binary searches walk its table forwards: 20-30% less time than in query
        # order for a "more like this" query's terms at 150,703 articles.
        order = np.argsort(hashes, kind="stable")
        hashes, lengths = hashes[order], lengths[order]
        totals = np.zeros(len(terms), dtype=np.int64)
        for part in self._parts:
            companion = part.reads(field)
            if companion is not None:
                totals += companion.doc_frequencies(field, hashes, lengths)
            elif field in self._reader.schema:
                with self._lock:
                    for leaf, _ in part.leaves:
                        totals += np.fromiter(
                            (leaf.doc_frequency(field, terms[k]) for k in order), np.int64, len(terms)
                        )
        in_query_order = np.empty_like(totals)
        in_query_order[order] = totals
        return in_query_order

    def terms_within(self, field: str, word: str, maxdist: int, stop: Callable[[], bool] | None = None) -> list[str]:
        """:func:`terms_within` on the shared reader (a request's view walks its own searcher's reader instead)."""
        with self._lock:
            return terms_within(self._reader, field, word, maxdist, stop)

    def phrase_docs(
        self,
        field: str,
        words: list[str],
        candidates: npt.NDArray[np.integer[Any]],
        stop: Callable[[], bool] | None = None,
    ) -> Ids:
        """Of ``candidates`` (documents having every word, sorted), those where the words stand side by side, in order.

        Each word's positions in the documents still possible are one sorted array of ``document << 24 |
        position`` keys (:meth:`positions_within`); the phrase is their intersection, each shifted back by the
        word's place in the phrase. When ``stop()`` says time is up before a word's positions are read, the phrase
        is not found in the documents that word would have confirmed (the caller's budget says it cut).
        """
        wanted = self.empty_mask()
        wanted[candidates] = True
        possible = len(candidates)
        keys: npt.NDArray[np.int64] | None = None
        for k, word in enumerate(words):
            if stop is not None and stop():
                return np.zeros(0, dtype=np.int32)
            if self.doc_frequency(field, word) > WITHIN_SHARE * possible:
                found = self.positions_within(field, word, wanted)  # a common word: only where it can matter
            else:
                found = self.positions(field, word)  # a rarer one: all of them, kept for the next phrase
            shifted = found - np.int64(k)
            keys = shifted if keys is None else _intersect_sorted(keys, shifted)
            if not len(keys):
                break
            wanted = self.empty_mask()  # the documents where the phrase may still stand
            wanted[(keys + np.int64(k)) >> _POSITION_BITS] = True
            possible = int(wanted.sum())
        if keys is None or not len(keys):
            return np.zeros(0, dtype=np.int32)
        docs = keys >> _POSITION_BITS  # sorted: each document once
        docs = docs[np.concatenate(([True], docs[1:] != docs[:-1]))].astype(np.int32)
        return _members(docs, candidates)

    def positions_within(self, field: str, term: str, wanted: Mask) -> Positions:
        """:meth:`positions` in the documents ``wanted`` (live ones) only, read from each segment's companion
        without building the term's whole key array: a common syllable has millions of positions in 150,000
        articles, of which a phrase needs those of its few thousand candidates. Not cached."""
        wanted = wanted & self.live if self._deletions else wanted
        raw = term.encode()
        hashed = term_hash(raw)
        parts: list[npt.NDArray[np.int64]] = []
        for part in self._parts:
            companion = part.positions_of(field)
            if companion is None:
                keys = self.positions(field, term)  # a segment read from Whoosh: every position, then the wanted
                kept: Positions = keys[wanted[keys >> _POSITION_BITS]]
                return kept
            found = companion.positions(field, raw, hashed)
            if found is None:
                continue
            ids, tfs, places = found
            docs = ids.astype(np.int64) + part.offset
            keep = wanted[docs]
            if not keep.any():
                continue
            counts = tfs.astype(np.int64)
            taken = counts[keep]
            at = flat_ranges((np.cumsum(counts) - counts)[keep], taken)
            parts.append((np.repeat(docs[keep], taken) << _POSITION_BITS) + places[at])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def positions(self, field: str, term: str) -> Positions:
        """Every position of ``term`` in ``field``, as sorted ``document << 24 | position`` keys, cached.

        From the companion a segment's keys are two array operations; from Whoosh each posting's positions are
        decoded in Python (about half a second for a syllable in most of 150,000 articles). A word's positions
        take 8 bytes each (a common syllable of 150,000 articles: about 5 MB).
        """
        key = ("positions", field, term)
        cached = self._cached(key)
        if cached is not None:
            return cached[0]
        raw = term.encode()
        hashed = term_hash(raw)
        parts: list[npt.NDArray[np.int64]] = []
        for part in self._parts:
            companion = part.positions_of(field)
            if companion is not None:
                found = companion.positions(field, raw, hashed)
                if found is not None:
                    ids, tfs, places = found
                    docs = np.repeat(ids.astype(np.int64) + part.offset, tfs.astype(np.int64))
                    parts.append((docs << _POSITION_BITS) + places)
                continue
            with self._lock:
                if field not in self._reader.schema:
                    continue
                decode = self._reader.schema[field].format.decoder("positions")
                for leaf, offset in part.leaves:
                    if (field, term) in leaf:
                        parts += _leaf_positions(leaf.postings(field, term), decode, offset)
        keys = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if self._deletions:
            keys = keys[self.live[keys >> _POSITION_BITS]]
        self._remember(key, (keys,))
        return keys

    def mask_of(self, ids: Ids) -> Mask:
        mask = self.empty_mask()
        mask[ids] = True
        return mask

    def lengths(self, field: str) -> npt.NDArray[np.float32]:
        """Each document's length in ``field`` as Whoosh stores it (one byte, so slightly rounded)."""
        with self._lock:
            if field not in self._lengths:
                table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
                lengths = np.zeros(self.doc_count_all, dtype=np.float32)
                for part in self._parts:
                    raw = part.companion.lengths.get(field) if part.companion is not None else None
                    if raw is not None:
                        lengths[part.offset : part.offset + len(raw)] = table[raw]
                        continue
                    for leaf, offset in part.leaves:
                        own = length_bytes(leaf, field)
                        lengths[offset : offset + len(own)] = table[own]
                lengths.flags.writeable = False
                self._lengths[field] = lengths
                total = float(self._reader.field_length(field))
                self._avg[field] = total / self.doc_count if self.doc_count else 1.0
            return self._lengths[field]

    def column(self, field: str) -> npt.NDArray[np.int64]:
        """A numeric column (``date_lo``, ``date_hi``) as an array; 0 where a document has no value."""
        with self._lock:
            if field not in self._columns:
                values = np.zeros(self.doc_count_all, dtype=np.int64)
                for part in self._parts:
                    stored = part.companion.numbers.get(field) if part.companion is not None else None
                    if stored is not None:
                        values[part.offset : part.offset + len(stored)] = stored
                        continue
                    for leaf, offset in part.leaves:
                        if leaf.has_column(field):
                            count = leaf.doc_count_all()
                            values[offset : offset + count] = numeric_column(leaf.column_reader(field), count)
                values.flags.writeable = False
                self._columns[field] = values
            return self._columns[field]

    def average_length(self, field: str) -> float:
        """The mean length of ``field`` over live documents (1 when there are none)."""
        self.lengths(field)
        return self._avg.get(field) or 1.0


def _parts(folder: Path | None, leaves: list[tuple[Any, int]], live: Mask) -> list[_Part]:
    """How the segments are read: the leading ones through the generation's span where it has one that matches,
    each other segment through its own companion where it has one (``folder`` ``None``: all from Whoosh)."""
    segments = [leaf.segment() if hasattr(leaf, "segment") else None for leaf, _ in leaves]
    spanned = 0
    parts: list[_Part] = []
    named = [(s.segment_id(), s.doc_count_all()) for s in segments if s is not None]
    if folder is not None and len(named) == len(segments):
        found = open_span(folder, named)
        if found is not None:
            span, spanned = found
            parts.append(_part(leaves[:spanned], span, live))
    for (leaf, offset), segment in zip(leaves[spanned:], segments[spanned:], strict=True):
        companion = None
        if folder is not None and segment is not None:
            companion = open_segment_columns(columns_path(folder, segment.segment_id()), leaf.doc_count_all())
        parts.append(_part([(leaf, offset)], companion, live))
    return parts


def _part(leaves: list[tuple[Any, int]], companion: SegmentColumns | None, live: Mask) -> _Part:
    first = leaves[0][1]
    flags = live[first : leaves[-1][1] + leaves[-1][0].doc_count_all()]
    if companion is not None:
        companion.prefetch()  # searches follow: their term tables into the page cache now
    return _Part(leaves, first, companion, None if flags.all() else flags)


def _touch(array: npt.NDArray[Any]) -> None:
    """Read one item of every page of ``array`` (a mapped one's pages into the page cache, for the warm switch)."""
    if len(array):
        array[:: max(1, 4096 // array.itemsize)].sum()


def _compact(tfs: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Term frequencies in one byte each when they are all whole numbers under 256 (nearly always: a word's count
    in one article), else float32: the cache then holds five bytes a posting instead of eight. Measured with the
    benchmark mix repeated at 150,703 articles: 115 MB of postings and positions in use, of which 52 MB were
    frequencies, every one a small whole number. Arithmetic with them gives the same float32 values.

    ``tfs`` as the companion stores them (uint8 ones, uint16 counts) needs one look at its largest value; float
    weights (from Whoosh, or a field with fractional weights) are checked for whole numbers."""
    if not len(tfs):
        return tfs.astype(np.float32, copy=False)
    if tfs.dtype.kind == "u":
        return tfs.astype(np.uint8, copy=False) if int(tfs.max()) <= 255 else tfs.astype(np.float32)
    if float(tfs.max()) <= 255 and float(tfs.min()) >= 0 and np.array_equal(tfs, np.trunc(tfs)):
        return tfs.astype(np.uint8)
    return tfs.astype(np.float32, copy=False)


def _nbytes(arrays: tuple[npt.NDArray[Any], ...]) -> int:
    return sum(a.nbytes for a in arrays)
