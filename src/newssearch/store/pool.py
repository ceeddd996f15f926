"""Lend each request a view of the live index generation, and follow the live generation without a restart.

A Whoosh ``Searcher`` is not safe to share across threads, and opening one costs tens of milliseconds, so a pool
keeps idle searchers per opened generation. On every checkout the pool looks at ``CURRENT`` (one ``stat``);
when a new generation has been switched to, it opens that one and lends from it, while requests still holding
a view of the old generation finish undisturbed; the old searchers are closed as they come back.
``Searcher.refresh()`` is never used: it serves deleted or duplicate documents after a merge in whoosh3.

The generation opened is the newest usable one (:func:`~newssearch.store.opening.open_verified`); ``rejected`` on
the opened generation lists what was passed over. A generation damaged while it is served (a disk error, a file
overwritten) is found two ways: a request that fails on it with an unexpected error has its files checked against
their checksums (:meth:`SearcherPool.view` then raises :class:`GenerationFailed`, and the caller may retry), and
:meth:`SearcherPool.check_live` (readiness) runs the cheap check. Either way the damaged generation is no longer
served: the pool falls back to the newest generation that verifies, as at open, or to none. Whatever the layers
above keep per generation (the engine's facet tables) is made by ``attach`` when a generation opens, and dropped
with it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from whoosh.index import Index
from whoosh.searching import Searcher

from newssearch.logs import get_logger
from newssearch.store import generations
from newssearch.store.derived import DerivedRecipe
from newssearch.store.opening import IndexNotReady, open_verified
from newssearch.store.postings import PostingCache, terms_within
from newssearch.store.view import HIT_BODY_CHARS, Array, Frequencies, Ids, Mask, Positions, Stored

__all__ = ["GenerationFailed", "IndexNotReady", "LentView", "OpenGeneration", "SearcherPool"]

T = TypeVar("T")
log = get_logger("pool")

#: A generation whose checksums passed after a failed request is checked again after a failure only this much later
#: (a bug that fails every request must not make every request read the whole index).
RECHECK_AFTER_S = 60.0


class GenerationFailed(RuntimeError):
    """A request failed on a generation whose files no longer verify; it is no longer served (retry the request)."""


@dataclass
class OpenGeneration(Generic[T]):
    """One opened generation with its idle searchers, posting arrays and what the layers above attached."""

    generation: str
    index: Index
    documents: int
    opened_at: float
    postings: PostingCache
    attached: T
    idle: list[Searcher] = field(default_factory=list)
    retired: bool = False
    borrowed: int = 0
    closed: bool = False
    #: Newer generations passed over because they did not verify, with the reason (empty normally).
    rejected: tuple[str, ...] = ()
    #: What is wrong with its files, once found damaged while served.
    damage: str | None = None
    #: When its checksums were last checked after a failed request (``time.monotonic()``).
    checked_at: float | None = None
    check_lock: threading.Lock = field(default_factory=threading.Lock)

    def close_idle(self) -> None:
        while self.idle:
            self.idle.pop().close()

    def close(self) -> None:
        self.close_idle()
        if not self.closed:
            self.closed = True
            self.postings.close()


def _read_stored_tables(searcher: Searcher) -> None:
    """Have each segment of the searcher read its stored-fields offset table now (Whoosh reads it on a segment's
    first stored document: 2–3 ms a segment, paid by the first searches otherwise)."""
    for leaf, _ in searcher.reader().leaf_readers():
        if leaf.doc_count_all():
            leaf.stored_fields(0)


#: Stored articles a request keeps once read (not more: an export reads ten thousand).
STORED_PER_REQUEST = 32


class LentView:
    """The :class:`~newssearch.store.view.IndexView` of one request: shared posting arrays, its own searcher."""

    def __init__(self, postings: PostingCache, searcher: Searcher) -> None:
        self._postings = postings
        self._searcher = searcher
        self._stored: dict[int, Stored] = {}

    @property
    def doc_count(self) -> int:
        return self._postings.doc_count

    @property
    def doc_count_all(self) -> int:
        return self._postings.doc_count_all

    @property
    def live(self) -> Mask:
        return self._postings.live

    def empty_mask(self) -> Mask:
        return self._postings.empty_mask()

    def mask_of(self, ids: Ids) -> Mask:
        return self._postings.mask_of(ids)

    def postings(self, field: str, term: str) -> tuple[Ids, Frequencies]:
        return self._postings.postings(field, term)

    def docs(self, field: str, term: str) -> Ids:
        return self._postings.docs(field, term)

    def doc_frequency(self, field: str, term: str) -> int:
        return self._postings.doc_frequency(field, term)

    def doc_frequencies(self, field: str, terms: list[str]) -> npt.NDArray[np.int64]:
        return self._postings.doc_frequencies(field, terms)

    def precomputed(self, recipe: str, name: str) -> npt.NDArray[Any] | None:
        return self._postings.precomputed(recipe, name)

    def derived(self, recipe: DerivedRecipe) -> Any | None:
        return self._postings.derived(recipe)

    def known(self, folded: str) -> bool:
        return self._postings.known(folded)

    def terms(self, field: str) -> list[str]:
        return self._postings.terms(field)

    def terms_within(self, field: str, word: str, maxdist: int, stop: Callable[[], bool] | None = None) -> list[str]:
        # The request's own searcher walks the lexicon: a slow walk must not hold the lock every other request's
        # posting reads take (the shared reader's).
        return terms_within(self._searcher.reader(), field, word, maxdist, stop)

    def phrase_docs(
        self,
        field: str,
        words: list[str],
        candidates: npt.NDArray[np.integer[Any]],
        stop: Callable[[], bool] | None = None,
    ) -> Ids:
        return self._postings.phrase_docs(field, words, candidates, stop)

    def positions(self, field: str, term: str) -> Positions:
        return self._postings.positions(field, term)

    def lengths(self, field: str) -> Array:
        return self._postings.lengths(field)

    def average_length(self, field: str) -> float:
        return self._postings.average_length(field)

    def column(self, field: str) -> npt.NDArray[np.int64]:
        return self._postings.column(field)

    def stored(self, docnum: int) -> Stored:
        """The article as stored; the request's first :data:`STORED_PER_REQUEST` are kept for it (a pasted lead's
        feedback reads its best three articles, which are then its first hits)."""
        stored = self._stored.get(docnum)
        if stored is None:
            stored = self._searcher.stored_fields(docnum)
            if len(self._stored) < STORED_PER_REQUEST:
                self._stored[docnum] = stored
        return stored

    def whole_body(self, docnum: int, stored: Stored) -> str:
        body: str = stored.get("body", "")
        if len(body) < HIT_BODY_CHARS:
            return body  # stored whole
        for leaf, offset in self._searcher.reader().leaf_readers():
            if offset <= docnum < offset + leaf.doc_count_all():
                if not leaf.has_column("body_whole"):
                    return body  # an index written before bodies were split: stored whole
                whole: bytes = leaf.column_reader("body_whole")[docnum - offset]
                return whole.decode("utf-8") if whole else body
        return body

    def docnum(self, article_id: str) -> int | None:
        found = self._searcher.document_number(id=article_id)
        return None if found is None else int(found)


class SearcherPool(Generic[T]):
    """A pool of searchers over the live generation of an index root."""

    def __init__(
        self,
        root: Path,
        attach: Callable[[PostingCache], T],
        *,
        max_idle: int = 8,
        ordinary: tuple[type[BaseException], ...] = (),
        warm: Callable[[T], None] | None = None,
        columnar: bool = True,
    ) -> None:
        """``ordinary``: exceptions a request may raise that say nothing about the index (a bad request).
        ``warm``: makes what ``attach`` made ready (facet tables), in the switch's own thread.
        ``columnar``: read postings from the generation's columnar companion files where they are."""
        self.root = root
        self.max_idle = max_idle
        self._attach = attach
        self._warm = warm
        self._ordinary = ordinary
        self._columnar = columnar
        self._lock = threading.Lock()
        self._current: OpenGeneration[T] | None = None
        self._pointer_stamp: tuple[int, int] | None = None
        #: The ``CURRENT`` stamp a background switch is warming a generation for (``None``: no switch under way).
        self._warming: tuple[int, int] | None = None
        #: Generations found damaged while served (their identity → what is wrong); never opened again by this pool.
        self._damaged: dict[str, str] = {}

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.root / generations.CURRENT)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def _open(self) -> OpenGeneration[T]:
        """Open the newest usable generation; raise :class:`IndexNotReady` when none is."""
        verified = open_verified(self.root, self._damaged)
        searcher = verified.index.searcher()
        try:
            _read_stored_tables(searcher)
            postings = PostingCache(verified.index, columnar=self._columnar)
        except BaseException:
            searcher.close()
            raise
        opened = OpenGeneration(
            verified.generation.name,
            verified.index,
            verified.documents,
            time.time(),
            postings,
            self._attach(postings),
            rejected=verified.rejected,
        )
        opened.idle.append(searcher)
        return opened

    def current(self) -> OpenGeneration[T]:
        """The live generation, opened; switches when ``CURRENT`` has changed since the last look."""
        stamp = self._stamp()
        with self._lock:
            return self._live(stamp)

    def _live(self, stamp: tuple[int, int] | None) -> OpenGeneration[T]:
        """:meth:`current` with the lock held, so a borrow is counted before any switch can retire it.

        A new generation found while one is served is opened and warmed in the background (:meth:`_switch`): the
        served one answers meanwhile, so no request waits for the new one's caches (the nightly reindex).
        """
        if self._current is not None and stamp == self._pointer_stamp and self._current.damage is None:
            return self._current
        if self._current is not None and self._current.damage is None and stamp is not None:
            if self._warming != stamp:
                self._warming = stamp
                hot = self._current.postings.hot_keys()
                threading.Thread(target=self._switch, args=(stamp, hot), name="warm-switch", daemon=True).start()
            return self._current
        try:
            opened = self._open()
        except IndexNotReady:
            if self._current is None or self._current.damage is not None:
                raise
            return self._current
        old, self._current, self._pointer_stamp = self._current, opened, stamp
        if old is not None:
            self._retire(old)
        return opened

    def _switch(self, stamp: tuple[int, int], hot: list[tuple[str, str, str]]) -> None:
        """Open the newest usable generation, read what the served one had hot, then serve it (warm switch)."""
        try:
            opened = self._open()
        except IndexNotReady:
            with self._lock:
                if self._warming == stamp:
                    self._warming = None  # the next request looks again
            return
        try:
            opened.postings.warm(hot)
            if self._warm is not None:
                self._warm(opened.attached)
        except Exception:  # a cold cache is slower, not wrong: serve it anyway
            log.warning("warming the new generation failed", generation=opened.generation, exc_info=True)
        with self._lock:
            if self._warming != stamp or self._current is None:
                opened.close()  # overtaken by a newer switch, or the pool was closed
                return
            old, self._current, self._pointer_stamp, self._warming = self._current, opened, stamp, None
            self._retire(old)

    @staticmethod
    def _retire(opened: OpenGeneration[Any]) -> None:
        """Stop lending from a generation; close it now, or when its last borrower gives back (lock held)."""
        opened.retired = True
        opened.close_idle()
        if opened.borrowed == 0:
            opened.close()

    @contextlib.contextmanager
    def view(self) -> Iterator[tuple[LentView, OpenGeneration[T]]]:
        """Borrow a view of the live generation for one request, and give it back."""
        stamp = self._stamp()
        with self._lock:
            opened = self._live(stamp)
            opened.borrowed += 1
            searcher = opened.idle.pop() if opened.idle else None
        try:
            if searcher is None:
                searcher = opened.index.searcher()
            yield LentView(opened.postings, searcher), opened
        except self._ordinary:
            raise
        except Exception as exc:
            if self._found_damaged(opened):
                raise GenerationFailed(f"{opened.damage} (the request failed: {type(exc).__name__})") from exc
            raise
        finally:
            with self._lock:
                opened.borrowed -= 1
                keep = not opened.retired and len(opened.idle) < self.max_idle
                if searcher is not None and keep:
                    opened.idle.append(searcher)
                elif searcher is not None:
                    searcher.close()
                if opened.retired and opened.borrowed == 0:
                    opened.close()

    def _found_damaged(self, opened: OpenGeneration[T]) -> bool:
        """After a request failed on ``opened``: check its files' checksums (once a minute at most) and, when they
        fail, stop serving it. True when it is damaged."""
        with opened.check_lock:
            now = time.monotonic()
            if opened.damage is None and (opened.checked_at is None or now - opened.checked_at >= RECHECK_AFTER_S):
                opened.checked_at = now
                opened.damage = generations.verify_manifest(generations.Generation(self.root, opened.generation))
        if opened.damage is not None:
            self._drop(opened)
        return opened.damage is not None

    def _drop(self, opened: OpenGeneration[T]) -> None:
        """Stop serving a damaged generation: the next request opens the newest one that verifies, or none."""
        assert opened.damage is not None
        with self._lock:
            self._damaged[generations.identity(generations.Generation(self.root, opened.generation))] = opened.damage
            if self._current is opened:
                self._current, self._pointer_stamp = None, None
                self._retire(opened)

    def check_live(self) -> OpenGeneration[T]:
        """:meth:`current`, after the cheap check of the live generation's files (sizes and sampled blocks); a
        generation that fails it is no longer served. For readiness probes."""
        opened = self.current()
        problem = generations.verify_manifest(generations.Generation(self.root, opened.generation), checksums=False)
        if problem is None:
            return opened
        with opened.check_lock:
            opened.damage = opened.damage or problem
        self._drop(opened)
        return self.current()

    def close(self) -> None:
        with self._lock:
            self._warming = None  # a switch under way closes what it opened
            if self._current is not None:
                self._retire(self._current)
                self._current = None
