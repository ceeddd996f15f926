"""Rebuild an index with several worker processes, each writing its own Whoosh segments.

Whoosh's own multiprocess writer (``ix.writer(procs=N)``) leaves the parent process to turn every article into
an index document (place tagging, pickling) while the workers only add them, and each worker writes one huge
segment whose postings spill to disk and are merged back at the end. Profiled on VietNews, that kept two cores
about 60% busy (126% CPU, 41 minutes for 150,703 articles). Here the parent only reads the corpus and hands
out batches of items (articles); each worker turns them into documents (``document_of``: place tagging), analyses
and writes, and closes a segment every :data:`SEGMENT_DOCS` articles (held in memory by
:class:`~newssearch.store.segments.GroupedSegmentWriter`).
The parent then commits one table of contents listing every worker's segments, as Whoosh's multisegment commit
does. Measured on the same corpus with the grouped writer: 9.0 minutes, 195% CPU.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from newssearch.lifetime import end_with_parent
from newssearch.store import writer as segment_policy
from newssearch.store.schema import create_index, open_index
from newssearch.store.segments import GroupedSegmentWriter

__all__ = ["SEGMENT_DOCS", "InlineWriter", "ParallelWriter", "commit_segments"]

#: Articles per segment: large enough that a 150,000-article archive has a few dozen segments (every query term
#: is looked up once per segment), small enough that a worker's postings stay well inside memory.
SEGMENT_DOCS = 8_000
#: Articles handed to a worker at a time.
BATCH_DOCS = 64
#: Seconds between checks that the workers are still alive while the parent waits on them, and that the parent is
#: while a worker waits for a batch.
POLL_SECONDS = 1.0

#: Turns one item handed to :meth:`ParallelWriter.add` into its index document (in the worker process).
DocumentOf = Callable[[Any], dict[str, Any]]


class WorkerFailed(RuntimeError):
    """A worker process died or raised; nothing it wrote is committed."""


def _next_batch(jobs: Any, parent: int) -> list[Any] | None:
    """The next batch of items (``None``: no more); exits the worker if the indexer that forked it is gone.

    A worker shares the indexer lock's open file, and ``flock`` holds while any process has it open: a worker left
    behind by a killed indexer would wait here forever and every later run would fail with "another indexer is
    running". On Linux the kernel kills it at once (:func:`~newssearch.lifetime.end_with_parent`); elsewhere it
    notices within :data:`POLL_SECONDS` of waiting here (after the batch or segment it is busy with).
    """
    while True:
        try:
            batch: list[Any] | None = jobs.get(timeout=POLL_SECONDS)
            return batch
        except queue.Empty:
            if os.getppid() != parent:
                os._exit(1)


def _worker(index_dir: Path, document_of: DocumentOf, jobs: Any, results: Any, parent: int) -> None:
    """Add every item of every batch; close a segment each :data:`SEGMENT_DOCS` articles; report them."""
    try:
        end_with_parent(parent)
        ix = open_index(index_dir)
        segments: list[Any] = []
        writer: GroupedSegmentWriter | None = None
        while (batch := _next_batch(jobs, parent)) is not None:
            for item in batch:
                if writer is None:
                    writer = GroupedSegmentWriter(ix)
                writer.add_document(**document_of(item))
                if writer.docnum >= SEGMENT_DOCS:
                    segments.append(_close(writer))
                    writer = None
        if writer is not None:
            segments.append(_close(writer))
        results.put(("ok", segments))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _close(writer: GroupedSegmentWriter) -> Any:
    """Write out the segment and its columnar companion. (Not ``_finish()``: it would remove the temporary folder
    all workers share; the committing writer removes it at the end.)"""
    segment = writer._finalize_segment()
    writer.write_columns(segment)
    return segment


def commit_segments(index_dir: Path, segments: list[Any]) -> None:
    """Make ``segments`` (written by :class:`~newssearch.store.segments.GroupedSegmentWriter`) the index's contents:
    one table of contents listing them all, as Whoosh's multisegment commit writes."""
    writer = open_index(index_dir).writer()
    writer._close_segment()  # the committing writer's own (empty) segment is not part of the index
    # Each worker's last, partly filled segment goes last: the next incremental run may merge a small one away, and
    # the span (one companion for the leading large segments, see ``store.span``) can only cover those before it.
    # Document numbers are in no particular order anyway (workers take batches as they come).
    writer._commit_toc(
        sorted(segments, key=lambda segment: segment.doc_count_all() < segment_policy.SMALL_SEGMENT_DOCS)
    )
    writer._finish()


class InlineWriter:
    """What :class:`ParallelWriter` does, in this process: a rebuild with ``--procs 1``. Segments are written by
    :class:`~newssearch.store.segments.GroupedSegmentWriter` all the same, so they get their columnar companion
    from the postings in memory (reading a segment back from Whoosh for it costs several times the writing)."""

    def __init__(self, index_dir: Path, document_of: DocumentOf) -> None:
        self._index = create_index(index_dir)
        self._index_dir = index_dir
        self._document_of = document_of
        self._writer: GroupedSegmentWriter | None = None
        self._segments: list[Any] = []

    def add(self, item: Any) -> None:
        if self._writer is None:
            self._writer = GroupedSegmentWriter(self._index)
        self._writer.add_document(**self._document_of(item))
        if self._writer.docnum >= SEGMENT_DOCS:
            self._segments.append(_close(self._writer))
            self._writer = None

    def commit(self) -> None:
        if self._writer is not None:
            self._segments.append(_close(self._writer))
            self._writer = None
        commit_segments(self._index_dir, self._segments)

    def cancel(self) -> None:
        """Nothing to stop; the generation written into is discarded by the caller."""
        self._writer = None


class ParallelWriter:
    """Adds articles through ``procs`` worker processes; :meth:`commit` makes their segments the index.

    Only for a fresh index, which it creates in ``index_dir``: there is nothing to update or delete, so workers need
    not coordinate.
    """

    def __init__(self, index_dir: Path, document_of: DocumentOf, procs: int) -> None:
        create_index(index_dir)
        self._index_dir = index_dir
        context: BaseContext = multiprocessing.get_context("fork")
        self._jobs = context.Queue(maxsize=procs * 4)
        self._results = context.Queue()
        self._workers = [
            context.Process(  # type: ignore[attr-defined]
                target=_worker, args=(index_dir, document_of, self._jobs, self._results, os.getpid()), daemon=True
            )
            for _ in range(procs)
        ]
        for worker in self._workers:
            worker.start()
        self._batch: list[Any] = []

    def add(self, item: Any) -> None:
        self._batch.append(item)
        if len(self._batch) >= BATCH_DOCS:
            self._send(self._batch)
            self._batch = []

    def _send(self, item: list[Any] | None) -> None:
        while True:
            try:
                self._jobs.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                self._check_alive()

    def _check_alive(self) -> None:
        dead = [w for w in self._workers if not w.is_alive()]
        if dead:
            raise WorkerFailed(self._failure() or f"indexing worker exited with code {dead[0].exitcode}")

    def _failure(self) -> str | None:
        try:
            status, detail = self._results.get_nowait()
        except queue.Empty:
            return None
        return str(detail) if status == "error" else None

    def commit(self) -> None:
        """Wait for the workers' segments and write a table of contents listing them all.

        Raises :class:`WorkerFailed` when a worker failed; the caller then calls :meth:`cancel`.
        """
        if self._batch:
            self._send(self._batch)
        for _ in self._workers:
            self._send(None)
        segments: list[Any] = []
        for _ in self._workers:
            while True:
                try:
                    status, detail = self._results.get(timeout=POLL_SECONDS)
                    break
                except queue.Empty:
                    if not any(w.is_alive() for w in self._workers):
                        raise WorkerFailed("indexing workers exited without reporting") from None
            if status != "ok":
                raise WorkerFailed(f"indexing worker failed:\n{detail}")
            segments.extend(detail)
        for worker in self._workers:
            worker.join()
        commit_segments(self._index_dir, segments)

    def cancel(self) -> None:
        """Stop the workers; the generation they wrote into is discarded by the caller."""
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()
        for worker in self._workers:
            worker.join(timeout=5)
        # Batches still buffered for the dead workers are dropped: otherwise the queue's feeder thread blocks on
        # the full pipe at interpreter exit and the process never ends.
        for channel in (self._jobs, self._results):
            channel.cancel_join_thread()
            channel.close()
