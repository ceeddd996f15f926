"""Lend each request its own Whoosh searcher, and follow the live index generation without a restart.

A Whoosh ``Searcher`` is not safe to share across threads, and opening one costs tens of milliseconds, so a pool
keeps idle searchers per opened generation. On every checkout the pool looks at ``CURRENT`` (one ``stat``);
when a new generation has been switched to, it opens that one and lends from it, while requests still holding
a searcher of the old generation finish undisturbed; the old searchers are closed as they come back.
``Searcher.refresh()`` is never used: it serves deleted or duplicate documents after a merge in whoosh3.

The generation opened is the newest one that verifies (:func:`newssearch.generations.candidate_generations`): the
cheap manifest check first, then Whoosh must open it, find the document count the manifest records and answer a
probe query. When the files look whole but the index does not open (ambiguous), the full checksums say why, and the
previous generation is served instead; ``rejected`` on the opened index lists what was passed over.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import Index
from whoosh.query import Every
from whoosh.searching import Searcher

from newssearch import generations
from newssearch.facets import FacetIndex
from newssearch.postings import PostingCache
from newssearch.ranking import weighting
from newssearch.schema import open_index

__all__ = ["IndexNotReady", "OpenIndex", "SearcherPool"]


class IndexNotReady(RuntimeError):
    """There is no usable index yet (missing, empty, or not yet built)."""


@dataclass
class OpenIndex:
    """One opened generation with its idle searchers and facet postings."""

    generation: str
    index: Index
    documents: int
    opened_at: float
    postings: PostingCache
    facets: FacetIndex
    idle: list[Searcher] = field(default_factory=list)
    retired: bool = False
    borrowed: int = 0
    closed: bool = False
    #: Newer generations passed over because they did not verify, with the reason (empty normally).
    rejected: tuple[str, ...] = ()

    def close_idle(self) -> None:
        while self.idle:
            self.idle.pop().close()

    def close(self) -> None:
        self.close_idle()
        if not self.closed:
            self.closed = True
            self.postings.close()


class SearcherPool:
    """A pool of searchers over the live generation of an index root."""

    def __init__(self, root: Path, *, max_idle: int = 8) -> None:
        self.root = root
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._current: OpenIndex | None = None
        self._pointer_stamp: tuple[int, int] | None = None

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.root / generations.CURRENT)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def _open(self) -> OpenIndex:
        """Open the newest generation that verifies; raise :class:`IndexNotReady` when none does."""
        rejected: list[str] = []
        for gen in generations.candidate_generations(self.root):
            problem = generations.verify_manifest(gen, checksums=False)
            if problem is None:
                try:
                    opened = self._open_generation(gen)
                except Exception as exc:  # damaged in a way the cheap check cannot see: the checksums decide
                    problem = generations.verify_manifest(gen, checksums=True)
                    problem = problem or f"{gen.name}: does not open ({type(exc).__name__}: {exc})"
                else:
                    opened.rejected = tuple(rejected)
                    return opened
            rejected.append(problem)
        if rejected:
            raise IndexNotReady(f"no generation at {self.root} verifies: {'; '.join(rejected)}")
        raise IndexNotReady(f"no index at {self.root}: run 'newssearch index' first")

    @staticmethod
    def _open_generation(gen: generations.Generation) -> OpenIndex:
        ix = open_index(gen.path)
        searcher = ix.searcher(weighting=weighting())
        try:
            documents = searcher.doc_count()
            recorded = generations.manifest_info(gen).get("documents")
            if recorded is not None and recorded != documents:
                raise IndexNotReady(f"{documents} documents, the manifest records {recorded}")
            if documents and not searcher.search(Every(), limit=1):
                raise IndexNotReady("a probe query found nothing")
            postings = PostingCache(ix)
        except BaseException:
            searcher.close()
            raise
        facets = FacetIndex(postings)
        threading.Thread(target=facets.preload, name=f"facets-{gen.name}", daemon=True).start()
        opened = OpenIndex(gen.name, ix, documents, time.time(), postings, facets)
        opened.idle.append(searcher)
        return opened

    def current(self) -> OpenIndex:
        """The live generation, opened; switches when ``CURRENT`` has changed since the last look."""
        stamp = self._stamp()
        with self._lock:
            if self._current is not None and stamp == self._pointer_stamp:
                return self._current
            try:
                opened = self._open()
            except IndexNotReady:
                if self._current is None:
                    raise
                return self._current
            old, self._current, self._pointer_stamp = self._current, opened, stamp
            if old is not None:
                self._retire(old)
            return opened

    @staticmethod
    def _retire(opened: OpenIndex) -> None:
        """Stop lending from a generation; close it now, or when its last borrower gives back (lock held)."""
        opened.retired = True
        opened.close_idle()
        if opened.borrowed == 0:
            opened.close()

    @contextlib.contextmanager
    def searcher(self) -> Iterator[tuple[Searcher, OpenIndex]]:
        """Borrow a searcher of the live generation for one request, and give it back."""
        opened = self.current()
        with self._lock:
            opened.borrowed += 1
            searcher = opened.idle.pop() if opened.idle else None
        if searcher is None:
            searcher = opened.index.searcher(weighting=weighting())
        try:
            yield searcher, opened
        finally:
            with self._lock:
                opened.borrowed -= 1
                keep = not opened.retired and len(opened.idle) < self.max_idle
                if keep:
                    opened.idle.append(searcher)
                else:
                    searcher.close()
                if opened.retired and opened.borrowed == 0:
                    opened.close()

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._retire(self._current)
                self._current = None
