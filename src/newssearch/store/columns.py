"""The columnar companion of an index generation: each segment's postings as flat arrays, memory-mapped.

Whoosh stores postings in blocks that are decoded in Python, and every serving process decoded the terms it
needed into its own caches: the first query of a fresh process or of a new generation (the nightly reindex) took
one to three seconds at 150,000 articles, and every worker held hundreds of megabytes of private copies. Next to
each Whoosh segment ``<segment>.seg`` the indexer writes ``<segment>.cols``, the same postings laid out flat
(CSR: a term's slice of document numbers and term frequencies, and of positions for the phrase fields), with the
segment's field lengths and numeric columns. Serving processes ``mmap`` it: a term is one binary search of a hash
table and two slices, nothing is decoded, and every worker shares the same pages through the OS page cache.

Whoosh stays the index of record (schema, stored articles, the term lexicon); the companion is derived data. It
is written for a segment by the process that wrote the segment (from the postings it still holds, see
:mod:`newssearch.store.segments`) or, for segments Whoosh wrote or merged itself, read back from the segment
(:func:`write_missing`). Being a file of the generation folder, it is listed in the manifest and verified with the
rest; a segment whose companion is absent or does not match its segment is read from Whoosh (slower, same
results) until the next index run writes it again. Whoosh's own clean-up deletes it with its segment (it matches
Whoosh's segment file pattern).

File layout: ``MAGIC`` | header length (8 bytes, little-endian) | header (JSON, padded with spaces) | arrays, each
64-byte aligned.
Per field: ``hashes`` (sorted 8-byte BLAKE2b of each term) and ``order`` (the term each hash belongs to) find a
term; ``starts`` cuts ``ids``/``tfs`` per term (``tfs`` left out where every weight is 1, and in two bytes where they
are whole numbers); ``text_at``/``text`` hold the terms' bytes (to tell two terms with one hash apart); phrase fields
add ``pos_at``/``positions`` (each posting's ``tf`` positions, in order). Offsets take 4 bytes where they fit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.fields import NUMERIC
from whoosh.formats import Positions
from whoosh.index import Index
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import length_to_byte

__all__ = [
    "SUFFIX",
    "ArrayFile",
    "ColumnsBuilder",
    "SegmentColumns",
    "columns_path",
    "ensure_columns",
    "lacks_columns",
    "missing_segments",
    "open_segment_columns",
    "term_hash",
    "write_missing",
]

SUFFIX = ".cols"
#: Identifier fields: looked up one value at a time through Whoosh (an article's document number, the indexer's
#: ledger), never read as posting arrays, so not worth their place in every worker's mapped pages.
SKIPPED_FIELDS = frozenset({"id", "content_hash", "path"})
MAGIC = b"NSCOLS1\n"
VERSION = 2
_ALIGN = 64
#: Bytes kept for the JSON header at the front of a file (a span of every field needs about 8 KB).
HEADER_ROOM = 64 * 1024

U32 = npt.NDArray[np.uint32]
F32 = npt.NDArray[np.float32]


def term_hash(term: bytes) -> int:
    """The 8-byte hash a term is looked up by (stable across processes, unlike ``hash()``)."""
    return int.from_bytes(hashlib.blake2b(term, digest_size=8).digest(), "little")


def columns_path(index_dir: Path, segment_id: str) -> Path:
    return index_dir / f"{segment_id}{SUFFIX}"


# --- writing -------------------------------------------------------------------------------------------------


@dataclass
class _FieldArrays:
    terms: list[bytes]
    counts: npt.NDArray[np.int64]
    ids: U32
    tfs: F32
    positions: U32 | None


@dataclass
class ColumnsBuilder:
    """Collects one segment's arrays, then writes its companion file."""

    docs: int
    fields: dict[str, _FieldArrays] = field(default_factory=dict)
    lengths: dict[str, npt.NDArray[np.uint8]] = field(default_factory=dict)
    numbers: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)

    def add_field(
        self,
        name: str,
        terms: list[bytes],
        counts: Iterable[int],
        ids: U32,
        tfs: F32,
        positions: U32 | None = None,
    ) -> None:
        """``terms`` with ``counts[i]`` postings each, in order, in ``ids``/``tfs`` (and their positions)."""
        self.fields[name] = _FieldArrays(
            terms, np.fromiter(counts, dtype=np.int64, count=len(terms)), ids, tfs, positions
        )

    def add_per_document(self, index: Index, segment: Any) -> None:
        """Field lengths and numeric columns of a written segment, read from its Whoosh files (one read each)."""
        from whoosh.reading import SegmentReader

        reader = SegmentReader(index.storage, index.schema, segment)
        try:
            for name, spec in index.schema.items():
                if spec.indexed and name not in self.fields:  # no article of the segment has it: still "absent"
                    self.add_field(name, [], [], np.zeros(0, np.uint32), np.zeros(0, np.float32), _no_positions(spec))
                if spec.scorable:
                    self.lengths[name] = length_bytes(reader, name)
                if isinstance(spec, NUMERIC) and spec.column_type and reader.has_column(name):
                    self.numbers[name] = numeric_column(reader.column_reader(name), self.docs)
        finally:
            reader.close()

    def write(self, path: Path) -> None:
        """Write the file atomically (a temporary name, then renamed; the manifest fsyncs it)."""
        out = ArrayFile(path)
        header: dict[str, Any] = {"version": VERSION, "docs": self.docs, "fields": {}, "lengths": {}, "numbers": {}}
        try:
            for name, data in sorted(self.fields.items()):  # one file for one segment, whichever way it was built
                if name in SKIPPED_FIELDS:
                    continue
                hashes = np.fromiter((term_hash(t) for t in data.terms), dtype=np.uint64, count=len(data.terms))
                order = np.argsort(hashes, kind="stable").astype(np.uint32)
                starts = _offsets(data.counts)
                lengths = np.fromiter(map(len, data.terms), dtype=np.int64, count=len(data.terms))
                entry = {
                    "hashes": out.add(hashes[order]),
                    "order": out.add(order),
                    "starts": out.add(starts),
                    "ids": out.add(data.ids.astype(np.uint32, copy=False)),
                    "text_at": out.add(_offsets(lengths)),
                    "text": out.add(np.frombuffer(b"".join(data.terms), dtype=np.uint8)),
                }
                frequencies = _frequencies(data.tfs)
                if frequencies is not None:
                    entry["tfs"] = out.add(frequencies)
                if data.positions is not None:
                    # A term's positions start after those of every posting before it: tf positions each.
                    seen = _offsets(data.tfs.astype(np.int64))
                    entry["pos_at"] = out.add(seen[starts.astype(np.int64)])
                    entry["positions"] = out.add(data.positions.astype(np.uint32, copy=False))
                header["fields"][name] = entry
            for name, values in sorted(self.lengths.items()):
                header["lengths"][name] = out.add(values.astype(np.uint8, copy=False))
            for name, numbers in sorted(self.numbers.items()):
                header["numbers"][name] = out.add(numbers.astype(np.int64, copy=False))
            out.finish(header)
        except BaseException:
            out.abandon()
            raise


class ArrayFile:
    """Writes a companion-format file array by array, then its header into the room kept for it at the front.

    Arrays are appended as they are made (:meth:`add`), or reserved and filled in place through a memory map
    (:meth:`reserve`: the span of a whole archive scatters hundreds of megabytes of postings, which are then written
    through the page cache rather than held whole in the writing process's heap; each segment's share is gathered
    in memory on its way there). The header is JSON padded with spaces to
    :data:`HEADER_ROOM` bytes, so the arrays' place is known before the header is.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._tmp = path.with_name(path.name + ".tmp")
        self._handle = open(self._tmp, "wb+")  # noqa: SIM115 -- closed by finish() or abandon()
        self._first = _aligned(len(MAGIC) + 8 + HEADER_ROOM)
        self._offsets: list[int] = []
        self._end = 0  # relative to the first array

    def _place(self, dtype: np.dtype[Any], count: int) -> tuple[dict[str, Any], int]:
        self._offsets.append(self._end)
        at = self._first + self._end
        self._end = _aligned(self._end + dtype.itemsize * count)
        return {"n": len(self._offsets) - 1, "dtype": dtype.str, "count": int(count)}, at

    def add(self, array: npt.NDArray[Any]) -> dict[str, Any]:
        """Append ``array``; its reference for the header."""
        ref, at = self._place(array.dtype, array.size)
        self._handle.seek(at)
        self._handle.write(np.ascontiguousarray(array).tobytes())
        return ref

    def reserve(self, dtype: Any, count: int) -> tuple[dict[str, Any], npt.NDArray[Any]]:
        """Room for ``count`` items of ``dtype`` (zeros), and a writable map of it to fill."""
        ref, at = self._place(np.dtype(dtype), count)
        self._handle.truncate(self._first + self._end)
        if not count:
            return ref, np.zeros(0, dtype=dtype)
        return ref, np.memmap(self._handle, dtype=dtype, mode="r+", offset=at, shape=(count,))

    def finish(self, header: dict[str, Any]) -> None:
        """Write ``header`` (with the arrays' offsets) at the front, flush, and rename the file into place."""
        header["offsets"] = self._offsets
        blob = json.dumps(header, separators=(",", ":")).encode()
        if len(blob) > HEADER_ROOM:
            raise ValueError(f"companion header of {len(blob)} bytes exceeds {HEADER_ROOM}")
        self._handle.truncate(self._first + self._end)
        self._handle.seek(0)
        self._handle.write(MAGIC + HEADER_ROOM.to_bytes(8, "little") + blob.ljust(HEADER_ROOM))
        self._handle.close()
        os.replace(self._tmp, self._path)

    def abandon(self) -> None:
        self._handle.close()
        self._tmp.unlink(missing_ok=True)


def _no_positions(spec: Any) -> U32 | None:
    """An empty positions array for a field that keeps positions, else ``None``."""
    return np.zeros(0, np.uint32) if isinstance(spec.format, Positions) else None


def _offsets(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.unsignedinteger[Any]]:
    """``[0, c0, c0+c1, …]``: where each item's slice starts, and the end; 4 bytes each when they fit."""
    ends = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ends[1:])
    return ends.astype(np.uint32 if ends[-1] < 2**32 else np.uint64)


def _frequencies(tfs: F32) -> npt.NDArray[Any] | None:
    """Term frequencies as stored: none for presence-only fields (every weight 1), whole numbers in 2 bytes when
    they are, else 4-byte floats. Read back as the very float32 weights Whoosh gives."""
    if not len(tfs) or bool((tfs == 1).all()):
        return None
    if bool((tfs == np.round(tfs)).all()) and float(tfs.max()) < 2**16 and float(tfs.min()) >= 0:
        return tfs.astype(np.uint16)
    return tfs.astype(np.float32, copy=False)


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def length_bytes(reader: Any, field_name: str) -> npt.NDArray[np.uint8]:
    """One segment's length bytes for ``field_name`` (Whoosh keeps them in a per-field numeric column)."""
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(_lenfield(field_name), LENGTHS_COLUMN)
        if column is None:
            return np.zeros(count, dtype=np.uint8)
        return numeric_column(column, count).astype(np.uint8)
    lengths = (length_to_byte(reader.doc_field_length(n, field_name) or 0) for n in range(count))
    return np.fromiter(lengths, dtype=np.uint8, count=count)


def numeric_column(reader: Any, count: int) -> npt.NDArray[np.int64]:
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


def leaf_blocks(matcher: Any, payload: str) -> Iterator[tuple[Any, Any]]:
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


def _read_back(reader: Any, builder: ColumnsBuilder) -> None:
    """Every indexed field's postings of a Whoosh segment, as :meth:`ColumnsBuilder.add_field` takes them."""
    schema = reader.schema
    for name, spec in schema.items():
        if not spec.indexed:
            continue
        with_positions = isinstance(spec.format, Positions)
        decode = spec.format.decoder("positions") if with_positions else None
        terms: list[bytes] = []
        counts: list[int] = []
        ids: list[Any] = []
        tfs: list[Any] = []
        positions: list[list[int]] = []
        for term in reader.lexicon(name):
            before = len(ids)
            matcher = reader.postings(name, term)
            for block_ids, weights in leaf_blocks(matcher, "weights"):
                ids.extend(block_ids)
                tfs.extend(weights)
            if decode is not None:
                for _, values in leaf_blocks(reader.postings(name, term), "values"):
                    positions.extend(decode(value) for value in values)
            terms.append(bytes(term))
            counts.append(len(ids) - before)
        flat = np.fromiter((p for doc in positions for p in doc), dtype=np.uint32) if decode is not None else None
        builder.add_field(
            name, terms, counts, np.asarray(ids, dtype=np.uint32), np.asarray(tfs, dtype=np.float32), flat
        )


def missing_segments(index: Index) -> list[Any]:
    """Segments of ``index`` with no companion file that matches them."""
    folder = Path(index.storage.folder)
    missing = []
    for segment in index._segments():
        opened = open_segment_columns(columns_path(folder, segment.segment_id()), segment.doc_count_all())
        if opened is None:
            missing.append(segment)
    return missing


def write_missing(index: Index) -> int:
    """Write the companion of every segment that lacks one (segments Whoosh wrote or merged); how many."""
    from whoosh.reading import SegmentReader

    folder = Path(index.storage.folder)
    written = 0
    for segment in missing_segments(index):
        builder = ColumnsBuilder(segment.doc_count_all())
        reader = SegmentReader(index.storage, index.schema, segment)
        try:
            _read_back(reader, builder)
        finally:
            reader.close()
        builder.add_per_document(index, segment)
        builder.write(columns_path(folder, segment.segment_id()))
        written += 1
    return written


# --- reading -------------------------------------------------------------------------------------------------


class _FieldColumns:
    """One field's arrays in one segment (views of the mapped file)."""

    __slots__ = ("hashes", "ids", "order", "pos_at", "positions", "starts", "text", "text_at", "tfs")

    def __init__(self, arrays: dict[str, npt.NDArray[Any]]) -> None:
        self.hashes = arrays["hashes"]
        self.order = arrays["order"]
        self.starts = arrays["starts"]
        self.ids: U32 = arrays["ids"]
        #: Absent when every weight is 1 (presence-only fields); else float32 or uint16 (see ``_frequencies``).
        self.tfs: npt.NDArray[Any] | None = arrays.get("tfs")
        self.text_at = arrays["text_at"]
        self.text = arrays["text"]
        self.pos_at = arrays.get("pos_at")
        self.positions: U32 | None = arrays.get("positions")

    def stored_frequencies(self, lo: int, hi: int) -> npt.NDArray[Any]:
        """The term frequencies of postings ``lo:hi`` as stored: uint16 or float32 (a view), or ones in uint8 for a
        field where every weight is 1 (see ``_frequencies``)."""
        return np.ones(hi - lo, dtype=np.uint8) if self.tfs is None else self.tfs[lo:hi]

    def frequencies(self, lo: int, hi: int) -> F32:
        """The term frequencies of postings ``lo:hi`` as float32 (the weights Whoosh gives)."""
        found: F32 = self.stored_frequencies(lo, hi).astype(np.float32, copy=False)
        return found

    def find(self, term: bytes, hashed: int) -> int | None:
        """The term's number, or ``None`` when the segment does not have it."""
        key = np.uint64(hashed)
        i = int(self.hashes.searchsorted(key))
        while i < len(self.hashes) and self.hashes[i] == key:
            t = int(self.order[i])
            if self.text[int(self.text_at[t]) : int(self.text_at[t + 1])].tobytes() == term:
                return t
            i += 1
        return None


#: What every term look-up reads: a binary search of ``hashes`` and one term's bytes (``order``, ``text_at``,
#: ``text``) and its place in ``starts``. A cold binary search touches a dozen pages; prefetched, none waits.
_LOOKUP_ARRAYS = frozenset({"hashes", "order", "starts", "text_at", "text", "pos_at"})


def _prefetch(fd: int, ranges: list[tuple[int, int]]) -> None:
    """Ask the kernel to read these byte ranges into the page cache now, in the background (``POSIX_FADV_WILLNEED``
    on the file: the pages are not mapped into the process, so its RSS does not grow until a search reads them).

    Measured at 150,703 articles with the page cache dropped by another job: the first search spent 0.5 of its
    1.2 s faulting in the term tables page by page. Postings are left to be read when a search needs them.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for start, length in ranges:
        if length:
            with contextlib.suppress(OSError):
                advise(fd, start, length, os.POSIX_FADV_WILLNEED)


class SegmentColumns:
    """The mapped companion of one segment."""

    def __init__(self, path: Path, buffer: mmap.mmap, header: dict[str, Any], header_length: int) -> None:
        self.path = path
        self.docs: int = header["docs"]
        first = _aligned(len(MAGIC) + 8 + header_length)
        offsets: list[int] = [first + offset for offset in header["offsets"]]

        def view(ref: dict[str, Any]) -> npt.NDArray[Any]:
            return np.frombuffer(buffer, dtype=np.dtype(ref["dtype"]), count=ref["count"], offset=offsets[ref["n"]])

        self.fields = {
            name: _FieldColumns({k: view(r) for k, r in refs.items()}) for name, refs in header["fields"].items()
        }
        self.lengths: dict[str, npt.NDArray[np.uint8]] = {n: view(r) for n, r in header["lengths"].items()}
        self.numbers: dict[str, npt.NDArray[np.int64]] = {n: view(r) for n, r in header["numbers"].items()}
        lookups = [r for refs in header["fields"].values() for k, r in refs.items() if k in _LOOKUP_ARRAYS]
        #: The byte ranges every search reads first (see :func:`_prefetch`).
        self.hot_ranges = [
            (offsets[r["n"]], r["count"] * np.dtype(r["dtype"]).itemsize)
            for r in [*lookups, *header["lengths"].values(), *header["numbers"].values()]
        ]

    def prefetch(self) -> None:
        """Have the kernel read :attr:`hot_ranges` into the page cache in the background (see :func:`_prefetch`):
        for a process about to search, not for the indexer or ``--check``, which only look at the file."""
        with contextlib.suppress(OSError), open(self.path, "rb") as handle:
            _prefetch(handle.fileno(), self.hot_ranges)

    def has_field(self, field_name: str) -> bool:
        """Whether the companion holds this field (identifier fields are left to Whoosh, see ``SKIPPED_FIELDS``)."""
        return field_name in self.fields

    def find(self, field_name: str, term: bytes, hashed: int) -> tuple[_FieldColumns, int] | None:
        columns = self.fields.get(field_name)
        if columns is None:
            return None
        t = columns.find(term, hashed)
        return None if t is None else (columns, t)

    def postings(self, field_name: str, term: bytes, hashed: int) -> tuple[U32, npt.NDArray[Any]] | None:
        """Segment-local document numbers and term frequencies (as stored: see
        :meth:`_FieldColumns.stored_frequencies`) of a term; ``None`` when absent."""
        found = self.find(field_name, term, hashed)
        if found is None:
            return None
        columns, t = found
        lo, hi = int(columns.starts[t]), int(columns.starts[t + 1])
        return columns.ids[lo:hi], columns.stored_frequencies(lo, hi)

    def doc_frequencies(self, field_name: str, hashes: npt.NDArray[np.uint64], lengths: npt.NDArray[np.int64]) -> Any:
        """Postings of many terms at once, by their hashes and byte lengths: one search of the hash table for all.

        The bytes themselves are not compared (that would be a Python step per term): two terms of one field with
        one 64-bit hash and one length are a chance of about one in a million for a field of ten million terms, and
        would only make one term's frequency (a weight, not a match) slightly off.
        """
        columns = self.fields[field_name]
        table = columns.hashes
        if not len(table):
            return np.zeros(len(hashes), dtype=np.int64)
        at = np.minimum(table.searchsorted(hashes), len(table) - 1)
        term = columns.order[at].astype(np.int64)
        term_lengths = columns.text_at[term + 1].astype(np.int64) - columns.text_at[term].astype(np.int64)
        found = (table[at] == hashes) & (term_lengths == lengths)
        counts = columns.starts[term + 1].astype(np.int64) - columns.starts[term].astype(np.int64)
        return np.where(found, counts, 0)

    def doc_frequency(self, field_name: str, term: bytes, hashed: int) -> int:
        found = self.find(field_name, term, hashed)
        if found is None:
            return 0
        columns, t = found
        return int(columns.starts[t + 1]) - int(columns.starts[t])

    def positions(self, field_name: str, term: bytes, hashed: int) -> tuple[U32, F32, U32] | None:
        """Document numbers, frequencies and the positions (``tf`` of them per posting) of a term in a phrase field;
        ``None`` when the segment does not have the term or keeps no positions for the field."""
        found = self.find(field_name, term, hashed)
        if found is None:
            return None
        columns, t = found
        pos_at, positions = columns.pos_at, columns.positions
        if pos_at is None or positions is None:
            return None
        lo, hi = int(columns.starts[t]), int(columns.starts[t + 1])
        return columns.ids[lo:hi], columns.frequencies(lo, hi), positions[int(pos_at[t]) : int(pos_at[t + 1])]

    def has_positions(self, field_name: str) -> bool:
        columns = self.fields.get(field_name)
        return columns is not None and columns.positions is not None


def open_segment_columns(path: Path, docs: int) -> SegmentColumns | None:
    """Map a segment's companion; ``None`` when it is absent, of another version, cut short or not of this segment
    (``docs`` documents). The manifest's checksums are what catch damaged bytes inside it."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < len(MAGIC) + 8:
                return None
            buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        if buffer[: len(MAGIC)] != MAGIC:
            return None
        length = int.from_bytes(buffer[len(MAGIC) : len(MAGIC) + 8], "little")
        header = json.loads(buffer[len(MAGIC) + 8 : len(MAGIC) + 8 + length])
        if header.get("version") != VERSION or header.get("docs") != docs:
            return None
        # A file cut short fails here: numpy refuses a view that would run past the end of the mapping.
        return SegmentColumns(path, buffer, header, length)
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def ensure_columns(index_dir: Path) -> int:
    """Write the companion of every segment of the index in ``index_dir`` that lacks one; how many were written."""
    from newssearch.store.schema import open_index

    return write_missing(open_index(index_dir))


def lacks_columns(index_dir: Path) -> bool:
    """Whether some segment of the index in ``index_dir`` has no usable companion (an index written before them)."""
    from newssearch.store.schema import open_index

    return bool(missing_segments(open_index(index_dir)))
