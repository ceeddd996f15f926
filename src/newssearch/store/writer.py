"""Writing documents into a generation, and reading back what it holds (ids, content hashes, paths).

The indexer decides what to write (:mod:`newssearch.index.plan`); this module is how it is written with Whoosh.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newssearch.store.schema import create_index, index_exists, open_index, stored_layout

__all__ = ["DocumentWriter", "Ledger", "merge_small_segments", "read_ledger"]

#: Megabytes of postings Whoosh's writer buffers before it spills to disk.
WRITER_LIMIT_MB = 256


class DocumentWriter:
    """Adds, replaces and deletes documents of one generation; nothing is visible until :meth:`commit`."""

    def __init__(self, path: Path, *, fresh: bool) -> None:
        index = create_index(path) if fresh else open_index(path)
        self._writer = index.writer(limitmb=WRITER_LIMIT_MB)

    def add(self, document: dict[str, Any], *, replaces: bool = False) -> None:
        """Add ``document``; with ``replaces``, the document with the same ``id`` is deleted first."""
        document = stored_layout(self._writer.schema, document)
        (self._writer.update_document if replaces else self._writer.add_document)(**document)

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self) -> None:
        self._writer.commit(mergetype=merge_small_segments)

    def cancel(self) -> None:
        self._writer.cancel()


#: Segments with fewer documents than this are merged together by incremental runs; larger ones are left alone.
SMALL_SEGMENT_DOCS = 2_000


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy of incremental runs: merge the segments under :data:`SMALL_SEGMENT_DOCS` into the new one.

    Whoosh's default (``MERGE_SMALL``) merges every segment once there are enough of them: a nightly run of a few
    articles over a rebuilt archive (about twenty segments of 8,000) would then rewrite the whole index, and read it
    all back for the columnar companion. Deleted documents of large segments, and of the segments a span covers
    (a rebuild's last small ones), stay until the next rebuild; searches mask them out.
    """
    from whoosh.reading import SegmentReader

    from newssearch.store.span import covered_segment_ids

    # A segment the span covers stays (a rebuild's last small one): merging it away would unmake the span.
    listed = [(segment.segment_id(), segment.doc_count_all()) for segment in segments]
    folder = getattr(writer.storage, "folder", None)
    spanned = covered_segment_ids(Path(folder), listed) if folder is not None else frozenset()
    small = [
        segment
        for segment in segments
        if segment.doc_count_all() < SMALL_SEGMENT_DOCS and segment.segment_id() not in spanned
    ]
    if len(small) < 2:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in small]


@dataclass
class Ledger:
    """What a generation holds, read from its columns (no stored bodies are loaded)."""

    #: id -> content hash and id -> corpus path of every live document.
    hashes: dict[str, str]
    paths: dict[str, str]
    #: Ids held by more than one live document (never expected: the index is damaged).
    duplicated: list[str]
    documents: int

    @classmethod
    def empty(cls) -> Ledger:
        """The ledger of no index (a first run or a rebuild)."""
        return cls({}, {}, [], 0)


def read_ledger(path: Path) -> Ledger:
    """The :class:`Ledger` of the index in ``path`` (empty when there is none)."""
    if not index_exists(path):
        return Ledger.empty()
    with open_index(path).reader() as reader:
        ids, hashes, paths = (reader.column_reader(name) for name in ("id", "content_hash", "path"))
        live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
        counts = Counter(ids[n] for n in live)
        return Ledger(
            hashes={ids[n]: hashes[n] for n in live},
            paths={ids[n]: paths[n] for n in live},
            duplicated=sorted(doc_id for doc_id, count in counts.items() if count > 1),
            documents=len(live),
        )
