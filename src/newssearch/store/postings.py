"""Posting lists, field lengths and columns of one index generation as numpy arrays, read once and cached.

Whoosh matchers score one document at a time in Python: about 10 µs a document, so a common word (``kinh tế``)
that matches most of a 150,000-article archive costs over a second before facets are even counted. Here each
term's postings are read from Whoosh once (document numbers and term frequencies) and kept in an LRU cache;
scoring, filtering and facet counting are then array operations over the whole result set.

This is the read side of the storage adapter: :class:`~newssearch.store.view.IndexView` is what the engine sees of
it. A ``PostingCache`` owns its own Whoosh reader (readers are not safe to share across threads), and every read
from it happens under a lock; the arrays it hands out are read-only and safe to share.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache
from whoosh.codec.base import Automata
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.index import Index
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from newssearch.store.view import Ids, Mask, Positions

__all__ = ["PostingCache", "terms_within"]

#: Bytes of decoded postings kept per serving process. Counted in bytes, not terms: a common syllable of a
#: 150,000-article archive is a megabyte of arrays, and a term-count bound let one load run grow a process
#: past 20 GB. 256 MB holds the few hundred common terms that matter for speed, and every rare one.
MAX_CACHED_BYTES = 256 * 1024 * 1024


def _leaf_blocks(matcher: Any, payload: str) -> Iterator[tuple[Any, Any]]:
    """Yield ``(ids, payloads)`` block by block from a whoosh3 leaf matcher, or posting by posting otherwise.

    ``payload`` is ``"weights"`` (term frequencies) or ``"values"`` (encoded positions). The block path reads the
    codec's decoded arrays directly (whoosh3 is pinned to an exact version; a test checks both paths agree).
    Deleted documents are not removed here: callers mask them with the live mask.
    """
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    read = f"_read_{payload}"
    if all(hasattr(matcher, name) for name in ("_read_ids", read, "_blocklength", "_next_block")):
        while matcher.is_active():
            matcher._read_ids()
            getattr(matcher, read)()
            yield matcher._ids, getattr(matcher, f"_{payload}")
            matcher._i = matcher._blocklength - 1
            matcher.next()
        return
    one = matcher.weight if payload == "weights" else matcher.value
    ids, payloads = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        payloads.append(one())
        matcher.next()
    yield ids, payloads


#: Bits of a position key (``document << 24 | position``) taken by the position: 16 million syllables a document.
_POSITION_BITS = 24


def _leaf_positions(matcher: Any, decode: Any, offset: int) -> list[npt.NDArray[np.int64]]:
    """Position keys of one segment's postings (see :meth:`PostingCache.positions`)."""
    return [
        ((doc + offset) << _POSITION_BITS) + np.asarray(decode(value), dtype=np.int64)
        for ids, values in _leaf_blocks(matcher, "values")
        for doc, value in zip(ids, values, strict=True)
    ]


def _numeric_column(reader: Any, count: int) -> npt.NDArray[np.int64]:
    """A Whoosh numeric column as an array, read as one block of bytes when the reader allows it."""
    if all(hasattr(reader, name) for name in ("_dbfile", "_basepos", "_count", "_fixedlen", "_typecode")):
        stored = min(reader._count, count)
        raw = reader._dbfile.get(reader._basepos, stored * reader._fixedlen)
        values = np.zeros(count, dtype=np.int64)
        values[:stored] = np.frombuffer(raw, dtype=np.dtype(">" + reader._typecode))
        if stored < count:
            values[stored:] = reader._default or 0
        return values
    return np.fromiter((v or 0 for v in reader), dtype=np.int64, count=count)


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


def _deleted_docs(leaf: Any) -> list[int]:
    """Deleted document numbers of one segment (whoosh3 keeps them as a cached set on SegmentReader)."""
    deleted = getattr(leaf, "deleted_docs_set", None)
    if deleted is not None:
        return sorted(deleted)
    return [n for n in range(leaf.doc_count_all()) if leaf.is_deleted(n)]


class PostingCache:
    """Numpy views of one opened generation: live documents, term postings, field lengths, numeric columns."""

    def __init__(self, index: Index) -> None:
        self._reader = index.reader()
        self._lock = threading.RLock()
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
        # (kind, field, term) -> arrays; postings and phrase positions share one byte bound.
        self._cache: LRUCache[tuple[str, str, str], tuple[npt.NDArray[Any], ...]] = LRUCache(
            maxsize=MAX_CACHED_BYTES, getsizeof=_nbytes
        )
        self._lengths: dict[str, npt.NDArray[np.float32]] = {}
        self._columns: dict[str, npt.NDArray[np.int64]] = {}
        self._avg: dict[str, float] = {}

    def close(self) -> None:
        with self._lock:
            self._reader.close()

    def empty_mask(self) -> Mask:
        return np.zeros(self.doc_count_all, dtype=np.bool_)

    def postings(self, field: str, term: str) -> tuple[Ids, npt.NDArray[np.float32]]:
        """Document numbers and term frequencies of ``term`` in ``field`` (empty arrays when absent)."""
        with self._lock:
            cached = self._cached(("postings", field, term))
            if cached is not None:
                return cached[0], cached[1]
            id_parts: list[Ids] = []
            tf_parts: list[npt.NDArray[np.float32]] = []
            if field in self._reader.schema:
                for leaf, offset in self._leaves:
                    if (field, term) not in leaf:
                        continue
                    for ids, weights in _leaf_blocks(leaf.postings(field, term), "weights"):
                        id_parts.append(np.asarray(ids, dtype=np.int32) + np.int32(offset))
                        tf_parts.append(np.asarray(weights, dtype=np.float32))
            ids_all = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int32)
            tfs_all = np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32)
            self._remember(("postings", field, term), (ids_all, tfs_all))
            return ids_all, tfs_all

    def _cached(self, key: tuple[str, str, str]) -> tuple[npt.NDArray[Any], ...] | None:
        return self._cache.get(key)

    def _remember(self, key: tuple[str, str, str], arrays: tuple[npt.NDArray[Any], ...]) -> None:
        """Cache read-only ``arrays`` under ``key``; the least recently used go beyond the byte bound."""
        for array in arrays:
            array.flags.writeable = False
        if _nbytes(arrays) <= MAX_CACHED_BYTES:
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
        with self._lock:
            return int(self._reader.doc_frequency(field, term))

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
        """Of ``candidates`` (documents having every word), those where the words stand side by side, in order.

        Each word's positions are one sorted array of ``document << 24 | position`` keys (:meth:`positions`); the
        phrase is their intersection, each shifted back by the word's place in the phrase. When ``stop()`` says
        time is up before a word's positions are read, the phrase is not found in the documents that word would
        have confirmed (the caller's budget says it cut).
        """
        keys: npt.NDArray[np.int64] | None = None
        for k, word in enumerate(words):
            if stop is not None and stop():
                return np.zeros(0, dtype=np.int32)
            shifted = self.positions(field, word) - np.int64(k)
            keys = shifted if keys is None else _intersect_sorted(keys, shifted)
            if not len(keys):
                break
        if keys is None:
            return np.zeros(0, dtype=np.int32)
        docs = np.unique(keys >> _POSITION_BITS).astype(np.int32)
        return docs[np.isin(docs, candidates)]

    def positions(self, field: str, term: str) -> Positions:
        """Every position of ``term`` in ``field``, as sorted ``document << 24 | position`` keys, cached.

        Read once per term (Whoosh decodes each posting's positions in Python: about half a second for a syllable
        in most of 150,000 articles), then a phrase over cached words is a few array intersections. A word's
        positions take 8 bytes each (a common syllable of 150,000 articles: about 5 MB).
        """
        with self._lock:
            cached = self._cached(("positions", field, term))
            if cached is not None:
                return cached[0]
            parts: list[npt.NDArray[np.int64]] = []
            if field in self._reader.schema:
                decode = self._reader.schema[field].format.decoder("positions")
                for leaf, offset in self._leaves:
                    if (field, term) in leaf:
                        parts += _leaf_positions(leaf.postings(field, term), decode, offset)
            keys = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            self._remember(("positions", field, term), (keys,))
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
                for leaf, offset in self._leaves:
                    raw = self._length_bytes(leaf, field)
                    lengths[offset : offset + len(raw)] = table[raw]
                lengths.flags.writeable = False
                self._lengths[field] = lengths
                total = float(self._reader.field_length(field))
                self._avg[field] = total / self.doc_count if self.doc_count else 1.0
            return self._lengths[field]

    def _length_bytes(self, leaf: Any, field: str) -> npt.NDArray[np.uint8]:
        """One segment's length bytes for ``field`` (Whoosh keeps them in a per-field numeric column)."""
        count = leaf.doc_count_all()
        perdoc = getattr(leaf, "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            reader = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if reader is None:
                return np.zeros(count, dtype=np.uint8)
            return _numeric_column(reader, count).astype(np.uint8)
        return np.asarray([length_to_byte(leaf.doc_field_length(n, field) or 0) for n in range(count)], dtype=np.uint8)

    def column(self, field: str) -> npt.NDArray[np.int64]:
        """A numeric column (``date_lo``, ``date_hi``) as an array; 0 where a document has no value."""
        with self._lock:
            if field not in self._columns:
                values = np.zeros(self.doc_count_all, dtype=np.int64)
                for leaf, offset in self._leaves:
                    if leaf.has_column(field):
                        count = leaf.doc_count_all()
                        values[offset : offset + count] = _numeric_column(leaf.column_reader(field), count)
                values.flags.writeable = False
                self._columns[field] = values
            return self._columns[field]

    def average_length(self, field: str) -> float:
        """The mean length of ``field`` over live documents (1 when there are none)."""
        self.lengths(field)
        return self._avg.get(field) or 1.0


def _nbytes(arrays: tuple[npt.NDArray[Any], ...]) -> int:
    return sum(a.nbytes for a in arrays)
