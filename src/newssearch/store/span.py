"""The span: one columnar companion for the large segments of a generation, merged.

A rebuild writes about twenty segments of 8,000 articles at 150,000 articles, and every term a search reads was
looked up in each of them: a hash-table search, two slices and a copy, some twenty times over, in Python. For a
distinct pasted lead (about 150 terms, its "more like this" about 1,100) that per-segment work was most of its time.
The span holds the same postings as the segments' own companions, merged into one table per field (document
numbers counted from the first covered segment), so a term is one look-up for the whole archive.

Only a run of segments that incremental runs never rewrite is covered: every segment of a rebuild (its workers'
last, partly filled ones too), and after them the segments of at least
:data:`~newssearch.store.writer.SMALL_SEGMENT_DOCS` articles (smaller ones are merged away by the next run, which
leaves the segments a span covers alone). A nightly run keeps the span as it is (a hard link, like every file it
does not change) and adds its small segment after it; deleted articles are masked when read, as everywhere. The
span is written again once more than :data:`SPAN_SLACK` segments follow it and the run of leading large segments has
grown, or when it no longer matches the segments it names (or is damaged); with fewer than two segments to cover
there is none. Same file format as a
segment's companion (:class:`~newssearch.store.columns.SegmentColumns` reads it), plus the covered segments' ids
and sizes in its header. It is derived data: without it (or when it does not match) every segment is read through
its own companion, with the same results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.index import Index

from newssearch.logs import get_logger
from newssearch.store import writer as segment_policy
from newssearch.store.arrays import flat_ranges
from newssearch.store.columns import (
    MAGIC,
    VERSION,
    ArrayFile,
    SegmentColumns,
    _FieldColumns,
    _offsets,
    columns_path,
    open_segment_columns,
)

__all__ = ["SPAN_NAME", "SPAN_SLACK", "covered_segment_ids", "ensure_span", "lacks_span", "open_span"]

log = get_logger("span")

SPAN_NAME = "SPAN.cols"
#: Segments after the span's before it is written again (each costs every search a look-up of each of its terms).
SPAN_SLACK = 4
#: Fewer leading large segments than this are not worth a span.
MIN_SPAN_SEGMENTS = 2

#: (segment id, documents) of each segment, in the index's order.
Segments = Sequence[tuple[str, int]]


def span_path(index_dir: Path) -> Path:
    return index_dir / SPAN_NAME


def open_span(index_dir: Path, segments: Segments) -> tuple[SegmentColumns, int] | None:
    """The generation's span and how many leading ``segments`` it covers; ``None`` when there is none that matches
    them (absent, of another version, damaged, or written for segments since merged away)."""
    covered = _matching(index_dir, segments)
    if covered is None:
        return None
    columns = open_segment_columns(span_path(index_dir), sum(docs for _, docs in covered))
    return None if columns is None else (columns, len(covered))


def _matching(index_dir: Path, segments: Segments) -> list[tuple[str, int]] | None:
    """The segments the generation's span covers when they are the leading ``segments``, else ``None``."""
    covered = _covered(span_path(index_dir))
    return covered if covered is not None and list(segments[: len(covered)]) == covered else None


def _covered(path: Path) -> list[tuple[str, int]] | None:
    """The segments a span file's header names, or ``None`` when it is not a readable span."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
            length = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(length))
        if header.get("version") != VERSION:
            return None
        covered = [(str(segment), int(docs)) for segment, docs in header["segments"]]
        return covered or None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _segments(index: Index) -> list[tuple[str, int]]:
    return [(segment.segment_id(), segment.doc_count_all()) for segment in index._segments()]


def covered_segment_ids(index_dir: Path, segments: Segments) -> frozenset[str]:
    """The ids of the segments the generation's span covers (none without one, or when it does not match the
    leading ``segments``): an incremental run merges none of them away
    (:func:`newssearch.store.writer.merge_small_segments`)."""
    return frozenset(segment for segment, _ in _matching(index_dir, segments) or [])


def _spannable(segments: Segments, kept: Segments = ()) -> list[tuple[str, int]]:
    """The leading segments an incremental run never merges away (see the module docstring): those a span covers
    already (``kept``, a rebuild's last small ones among them), then the large ones after them."""
    run: list[tuple[str, int]] = []
    for i, segment in enumerate(segments):
        if not (i < len(kept) and segment == kept[i]) and segment[1] < segment_policy.SMALL_SEGMENT_DOCS:
            break
        run.append(segment)
    return run


def lacks_span(index_dir: Path) -> bool:
    """Whether the generation in ``index_dir`` should have a span written (see :func:`ensure_span`)."""
    from newssearch.store.schema import open_index

    return _wanted(index_dir, _segments(open_index(index_dir))) is not None


def _wanted(index_dir: Path, segments: Segments, *, rebuilt: bool = False) -> list[tuple[str, int]] | None:
    """The segments a new span should cover, or ``None`` when the present one will do (or none is worth writing).

    A rebuilt generation's span covers every segment: the workers' last segments are whatever was left when the
    articles ran out (one of 1,856 articles in a rebuild at 150k), and one left outside the span had every search
    assemble and cache most of its terms' postings from two parts (55 MB more heap a worker, measured)."""
    present = _matching(index_dir, segments)
    if present is not None and len(segments) - len(present) <= SPAN_SLACK:
        return None
    run = list(segments) if rebuilt else _spannable(segments, present or ())
    if len(run) < MIN_SPAN_SEGMENTS or run == present:
        return None
    return run


def ensure_span(index_dir: Path, *, rebuilt: bool = False) -> bool:
    """Write the generation's span when it lacks a usable one (needs every covered segment's companion, so after
    :func:`~newssearch.store.columns.ensure_columns`); remove one that no longer matches. Whether one was written.
    ``rebuilt``: the generation was written from scratch (its span then covers every segment)."""
    from newssearch.store.schema import open_index

    segments = _segments(open_index(index_dir))
    run = _wanted(index_dir, segments, rebuilt=rebuilt)
    if run is None and open_span(index_dir, segments) is None:
        span_path(index_dir).unlink(missing_ok=True)  # stale or damaged: it would only be checked and skipped
        run = _wanted(index_dir, segments, rebuilt=rebuilt)
    if run is None:
        return False
    companions = [open_segment_columns(columns_path(index_dir, segment), docs) for segment, docs in run]
    present = [c for c in companions if c is not None]
    if len(present) < len(companions):
        return False  # a segment without its companion: served through Whoosh, and no span over it
    try:
        write_span(span_path(index_dir), run, present)
    except (OSError, ValueError) as exc:  # derived data: without it, each segment is read through its own companion
        span_path(index_dir).unlink(missing_ok=True)
        log.warning("span not written", index=str(index_dir), error=str(exc))
        return False
    return True


def write_span(path: Path, segments: Segments, companions: list[SegmentColumns]) -> None:
    """Merge the ``companions`` of ``segments`` (in order) into one file at ``path``."""
    offsets = np.cumsum([0, *(c.docs for c in companions)])
    out = ArrayFile(path)
    header: dict[str, Any] = {
        "version": VERSION,
        "docs": int(offsets[-1]),
        "segments": [list(segment) for segment in segments],
        "fields": {},
        "lengths": {},
        "numbers": {},
    }
    try:
        names = sorted(set().union(*(c.fields for c in companions)))
        for name in names:
            fields = [c.fields.get(name) for c in companions]
            if any(f is None for f in fields):
                continue  # a field some segment's companion leaves to Whoosh: so does the span
            header["fields"][name] = _merge_field(out, [f for f in fields if f is not None], offsets)
        for kind, fill in (("lengths", np.uint8), ("numbers", np.int64)):
            for name in sorted(set().union(*(getattr(c, kind) for c in companions))):
                parts = [getattr(c, kind).get(name) for c in companions]
                if kind == "lengths" and any(p is None for p in parts):
                    continue  # read from Whoosh for every covered segment
                header[kind][name] = out.add(
                    np.concatenate(
                        [np.zeros(c.docs, fill) if p is None else p for c, p in zip(companions, parts, strict=True)]
                    )
                )
        out.finish(header)
    except BaseException:
        out.abandon()
        raise


def _fingerprints(columns: _FieldColumns) -> npt.NDArray[np.uint64]:
    """A second hash of each term's bytes (not BLAKE2b: a numpy sum of each byte times a mix of its place), so that
    two terms with one BLAKE2b hash and one length are told apart without a Python step per term."""
    text_at = columns.text_at.astype(np.int64)
    lengths = np.diff(text_at)
    place = np.arange(len(columns.text), dtype=np.int64) - np.repeat(text_at[:-1], lengths)
    mixed = (place.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= mixed >> np.uint64(29)
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(32)
    sums = np.zeros(len(columns.text) + 1, dtype=np.uint64)
    np.cumsum(columns.text.astype(np.uint64) * mixed, out=sums[1:])
    fingerprints: npt.NDArray[np.uint64] = sums[text_at[1:]] - sums[text_at[:-1]]
    return fingerprints


def _one_term_per_hash_run(
    hashes: npt.NDArray[np.uint64], lengths: npt.NDArray[np.int64], prints: npt.NDArray[np.int64]
) -> bool:
    """Whether, in hash order, every run of equal hashes is one term (same length and fingerprint throughout)."""
    same_hash = hashes[1:] == hashes[:-1]
    return bool(np.array_equal(same_hash, same_hash & (lengths[1:] == lengths[:-1]) & (prints[1:] == prints[:-1])))


def _merge_field(out: ArrayFile, fields: list[_FieldColumns], offsets: npt.NDArray[Any]) -> dict[str, Any]:
    """One field of every segment merged: each term once, its postings segment after segment."""
    sizes = [len(f.hashes) for f in fields]
    segment = np.repeat(np.arange(len(fields), dtype=np.int32), sizes)
    hashes = np.concatenate([f.hashes for f in fields])
    terms = np.concatenate([f.order.astype(np.int64) for f in fields])  # each entry's term number in its segment

    def per_term(values: list[npt.NDArray[Any]]) -> npt.NDArray[np.int64]:
        """A per-term array of each segment, taken in that segment's hash order."""
        taken = [v.astype(np.int64)[f.order] for v, f in zip(values, fields, strict=True)]
        return np.concatenate(taken) if taken else np.zeros(0, np.int64)

    lengths = per_term([np.diff(f.text_at.astype(np.int64)) for f in fields])
    prints = np.concatenate([_fingerprints(f)[f.order] for f in fields]).view(np.int64) if fields else lengths
    counts = per_term([np.diff(f.starts.astype(np.int64)) for f in fields])
    order = np.argsort(hashes, kind="stable")  # each segment's entries are sorted already: equal hashes by segment
    if not _one_term_per_hash_run(hashes[order], lengths[order], prints[order]):
        order = np.lexsort((segment, prints, lengths, hashes))  # two terms with one hash: apart, each term together
    hashes, segment, terms, lengths, counts = hashes[order], segment[order], terms[order], lengths[order], counts[order]
    sorted_prints = prints[order]
    del prints
    same_term = (np.diff(hashes) == 0) & (np.diff(lengths) == 0) & (np.diff(sorted_prints) == 0)
    del sorted_prints
    heads = np.flatnonzero(np.concatenate(([True], ~same_term))) if len(order) else np.zeros(0, np.int64)

    def group_sums(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.add.reduceat(values, heads) if len(heads) else np.zeros(0, np.int64)

    entry: dict[str, Any] = {
        "hashes": out.add(hashes[heads]),
        "order": out.add(np.arange(len(heads), dtype=np.uint32)),
        "starts": out.add(_offsets(group_sums(counts))),
    }
    starts = [f.starts for f in fields]
    entry["ids"] = _scatter(out, np.uint32, [f.ids for f in fields], starts, counts, segment, terms, shifts=offsets)
    frequencies = [f.tfs for f in fields]
    if any(tfs is not None for tfs in frequencies):
        wide = any(tfs is not None and tfs.dtype == np.float32 for tfs in frequencies)
        entry["tfs"] = _scatter(out, np.float32 if wide else np.uint16, frequencies, starts, counts, segment, terms)
    # Each term's bytes once: from its first entry (the others take none).
    text_lengths = np.zeros_like(lengths)
    text_lengths[heads] = lengths[heads]
    entry["text_at"] = out.add(_offsets(lengths[heads]))
    entry["text"] = _scatter(
        out, np.uint8, [f.text for f in fields], [f.text_at for f in fields], text_lengths, segment, terms
    )
    if all(f.pos_at is not None and f.positions is not None for f in fields):
        places = per_term([np.diff(f.pos_at.astype(np.int64)) for f in fields if f.pos_at is not None])[order]
        entry["pos_at"] = out.add(_offsets(group_sums(places)))
        entry["positions"] = _scatter(
            out, np.uint32, [f.positions for f in fields], [f.pos_at for f in fields], places, segment, terms
        )
    return entry


def _scatter(
    out: ArrayFile,
    dtype: Any,
    sources: list[npt.NDArray[Any] | None],
    starts: list[Any],
    per: npt.NDArray[np.int64],
    segment: npt.NDArray[np.int32],
    terms: npt.NDArray[np.int64],
    *,
    shifts: npt.NDArray[Any] | None = None,
) -> dict[str, Any]:
    """Reserve the merged array and fill it segment by segment: entry ``i`` takes ``per[i]`` items of its segment's
    ``sources`` array, from where that segment's ``starts`` puts its term ``terms[i]``, placed after those of every
    entry before it. ``shifts``: added to each segment's values (document numbers). A segment's ``None`` source
    stands for ones (a presence-only field's frequencies)."""
    ends = np.cumsum(per)
    ref, merged = out.reserve(dtype, int(ends[-1]) if len(ends) else 0)
    firsts = ends - per
    for s, (source, first) in enumerate(zip(sources, starts, strict=True)):
        mine = segment == s
        counts = per[mine]
        to = flat_ranges(firsts[mine], counts)
        if source is None:
            merged[to] = 1
            continue
        values = source[flat_ranges(first[terms[mine]].astype(np.int64), counts)]
        merged[to] = values if shifts is None else values.astype(np.int64) + int(shifts[s])
    if isinstance(merged, np.memmap):
        merged.flush()
    return ref
