"""Writing documents into a generation, and reading back what it holds (ids, content hashes, paths).

The indexer decides what to write (:mod:`newssearch.index.plan`); this module is how it is written with Whoosh.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newssearch.store.schema import create_index, index_exists, open_index

__all__ = ["DocumentWriter", "Ledger", "read_ledger"]

#: Megabytes of postings Whoosh's writer buffers before it spills to disk.
WRITER_LIMIT_MB = 256


class DocumentWriter:
    """Adds, replaces and deletes documents of one generation; nothing is visible until :meth:`commit`."""

    def __init__(self, path: Path, *, fresh: bool) -> None:
        index = create_index(path) if fresh else open_index(path)
        self._writer = index.writer(limitmb=WRITER_LIMIT_MB)

    def add(self, document: dict[str, Any], *, replaces: bool = False) -> None:
        """Add ``document``; with ``replaces``, the document with the same ``id`` is deleted first."""
        (self._writer.update_document if replaces else self._writer.add_document)(**document)

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        self._writer.cancel()


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
