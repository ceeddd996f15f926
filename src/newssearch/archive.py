"""The façade: one :class:`Archive` is the archive, for the HTTP API, the command line and anyone's script.

``Archive.open(settings)`` owns everything a search needs across requests: the live index generation (followed
across nightly reindexes), the pool that lends each request its own view of it, the facet tables built per
generation, the abbreviations and the time budget. Each verb is what a route or a command does, whole::

    with Archive.open(Settings(index_dir=Path("index"))) as archive:
        result = archive.search(SearchRequest("ha tinh"))

The layers below know nothing of HTTP or terminals; the API (:mod:`newssearch.service.api`) and the CLI
(:mod:`newssearch.cli`) only format what these verbs return.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from newssearch.config import Settings, get_settings
from newssearch.engine import search as engine
from newssearch.engine.common import common_arrays
from newssearch.engine.complete import MAX_SUGGESTIONS, VOCABULARY_COUNTS, Vocabulary, facet_vocabulary, read_vocabulary
from newssearch.engine.facets import FacetIndex
from newssearch.engine.results import Article, Hit, SearchResult, Suggestions
from newssearch.engine.search import SearchError, SearchRequest
from newssearch.index.check import CheckReport, check_index
from newssearch.index.indexer import IndexStats, ProgressCallback, index_corpus
from newssearch.logs import get_logger
from newssearch.store import generations
from newssearch.store.opening import IndexNotReady
from newssearch.store.pool import GenerationFailed, LentView, OpenGeneration, SearcherPool
from newssearch.store.postings import PostingCache
from newssearch.text import place_names
from newssearch.text.analysis import fold_table
from newssearch.text.variants import Abbreviations, load_abbreviations

__all__ = ["EXPORT_MAX_ROWS", "Archive", "ArchiveStatus", "IndexNotReady", "RankedIds", "preload"]

#: The most rows an export (CSV, JSON Lines) or any other read of a whole result returns.
EXPORT_MAX_ROWS = 10_000
#: Articles read per checkout of a view while streaming (a reindex meanwhile is followed between batches).
ARTICLE_BATCH = 200

#: Batch runs and evaluations measure ranking, so they are not cut short by the service's time budget.
UNLIMITED = math.inf
R = TypeVar("R")
log = get_logger("archive")

#: Searches a serving process runs before it takes requests (as Solr's ``firstSearcher`` warming queries do): a
#: name without diacritics, a place filter, a quoted phrase and a pasted lead load what the first staff search
#: would otherwise wait for: the gazetteer and place names, the spelling tables, the facet tables, the lengths of
#: the scored fields and the snippet patterns. Measured at 150,703 articles on our 2-core machine: the first
#: search after start took 1.0–1.2 s, 0.95 s of it loading the gazetteer.
WARMING_SEARCHES = (
    SearchRequest("ha noi"),
    SearchRequest("giao thông", places=("Hà Nội",)),
    SearchRequest('"thành phố Hồ Chí Minh"', date_from="2018-01"),
    SearchRequest("Ủy ban nhân dân tỉnh Hà Tĩnh họp bàn phương án ứng phó với bão số 10 tại thị xã Kỳ Anh"),
)


def preload(settings: Settings | None = None) -> None:
    """Load what every archive needs whatever its index: the gazetteer and place names, the folding table and
    the abbreviations (the built-in file or the one the settings name).

    Each archive otherwise loads them on its first search (:meth:`Archive.warm_up`). A process that forks the
    processes serving archives (``newssearch serve --workers N``) calls this before forking, so that they share
    one copy of these tables instead of building one each.
    """
    place_names.preload()
    fold_table()
    load_abbreviations((settings or get_settings()).abbreviations)


@dataclass(frozen=True)
class ArchiveStatus:
    """The generation being served: what ``/readyz``, ``/metrics`` and ``newssearch stats`` show."""

    generation: str
    documents: int
    opened_at: float
    #: Newer generations passed over because they did not verify, with the reason (empty normally).
    rejected: tuple[str, ...]
    #: The earliest and latest article dates (``YYYY-MM-DD``), when any article is dated.
    first_date: str | None = None
    last_date: str | None = None
    #: Segments of the generation, and how many are read through their columnar companion (the rest from Whoosh).
    segments: int = 0
    columnar_segments: int = 0
    #: Of those, how many are read through the generation's span (one merged companion, see ``store.span``).
    spanned_segments: int = 0
    #: Arrays the engine precomputed for the generation when it was indexed (``engine.common``; 0: computed as read).
    precomputed_arrays: int = 0


def _status_of(opened: OpenGeneration[FacetIndex], first: str | None = None, last: str | None = None) -> ArchiveStatus:
    """What :class:`ArchiveStatus` says of an opened generation (with its date range when given)."""
    columnar, segments = opened.postings.companion_segments
    return ArchiveStatus(
        opened.generation,
        opened.documents,
        opened.opened_at,
        opened.rejected,
        first,
        last,
        segments,
        columnar,
        opened.postings.spanned_segments,
        opened.postings.precomputed_arrays,
    )


@dataclass(frozen=True)
class RankedIds:
    """The ids of a whole result, in its order, up to a cap; ``total`` is how many articles it has."""

    ids: list[str]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.ids)


def _facets_of(postings: PostingCache) -> FacetIndex:
    """A generation's facet tables, read in the background as it opens, so the first search need not wait.

    Not a daemon thread: a daemon still inside numpy's sort (C++) when the interpreter exits is ended by
    ``pthread_exit``, which aborts the process (SIGABRT, seen in a one-shot process that opened an index and
    exited at once). Exit waits for the tables instead: about 4.5 s at 150,000 articles, a few ms for the bundled
    corpus."""
    facets = FacetIndex(postings)
    threading.Thread(target=facets.preload, name="facets-preload").start()
    return facets


def _day(value: int) -> str:
    return f"{value // 10000}-{value // 100 % 100:02d}-{value % 100:02d}"


class Archive:
    """A news archive on disk: its index root, searched and (re)indexed through these verbs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: SearcherPool[FacetIndex] = SearcherPool(
            settings.index_dir,
            _facets_of,
            max_idle=settings.searcher_pool_size,
            ordinary=(SearchError,),
            warm=FacetIndex.preload,
            columnar=settings.columnar,
        )
        # Suggestions: the vocabulary of each generation (the newest kept), read once in the background when the
        # first suggestion is asked for.
        self._vocabulary_lock = threading.Lock()
        self._vocabularies: dict[str, Vocabulary] = {}
        self._reading: set[str] = set()
        self._closed = False

    @classmethod
    def open(cls, settings: Settings | None = None) -> Archive:
        """The archive the settings name, with its live generation opened when there is one (else on first use)."""
        archive = cls(settings or get_settings())
        with contextlib.suppress(IndexNotReady):
            # The suggestion vocabulary is read when the first suggestion is asked for, not now: read beside the
            # facet tables at start, it kept the first search of a 150,000-article archive waiting 31 s.
            archive._pool.current()
        return archive

    def warm_up(self) -> None:
        """Run :data:`WARMING_SEARCHES` (results discarded), so the first search a user sends is as fast as any.

        Nothing happens without an index. A warming search that fails is logged and the rest still run: the
        service starts either way (the failure, if it is the index's, shows on the first request and in readiness).
        """
        for request in WARMING_SEARCHES:
            try:
                self.search(request, budget_ms=UNLIMITED)
            except IndexNotReady:
                return
            except Exception:
                log.warning("a warming search failed", query=request.q, exc_info=True)

    @functools.cached_property
    def abbreviations(self) -> Abbreviations:
        """The newsroom's abbreviations file when the settings name one, else the built-in one (read once)."""
        return load_abbreviations(self.settings.abbreviations)

    @property
    def root(self) -> Path:
        return self.settings.index_dir

    def close(self) -> None:
        self._closed = True
        self._pool.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------------------------------------

    def _read(self, work: Callable[[LentView, OpenGeneration[FacetIndex]], R]) -> R:
        """``work`` on a view of the live generation; when it fails because that generation turned out damaged
        (no longer served from then on), once more on the generation served instead."""
        try:
            with self._pool.view() as (view, opened):
                return work(view, opened)
        except GenerationFailed:
            with self._pool.view() as (view, opened):
                return work(view, opened)

    def search(
        self, request: SearchRequest, *, budget_ms: float | None = None, arrived: float | None = None
    ) -> SearchResult:
        """One search (:func:`newssearch.engine.search.search`) within the settings' time budget unless told.

        ``arrived`` (``time.monotonic()`` when the request came in) starts the budget's clock then.
        Raises :class:`~newssearch.engine.search.SearchError` for a request out of bounds and
        :class:`IndexNotReady` while there is no index.
        """
        budget = self.settings.search_budget_ms if budget_ms is None else budget_ms
        return self._read(
            lambda view, opened: engine.search(view, opened.attached, request, self.abbreviations, budget, arrived)
        )

    def search_many(self, queries: Mapping[str, str], *, size: int = 100) -> Iterator[tuple[str, SearchResult]]:
        """Each ``(qid, query)`` searched for ``size`` hits without highlights or time budget (runs, evaluation)."""
        with self._pool.view() as (view, opened):
            for qid, text in queries.items():
                request = SearchRequest(text, size=size, highlight=False)
                yield qid, engine.search(view, opened.attached, request, self.abbreviations, UNLIMITED)

    def ranked_ids(self, request: SearchRequest, limit: int = EXPORT_MAX_ROWS) -> RankedIds:
        """The ids of the request's whole result in its order (query, filters, sort), at most ``limit``, ranked once.

        What an export or a feed reads: one ranking of the whole result, not page after page. Not cut short by the
        time budget (the words of the query are all read). ``page`` and ``size`` of the request are ignored.
        """
        limit = max(0, min(limit, EXPORT_MAX_ROWS))

        def rank(view: LentView, opened: OpenGeneration[FacetIndex]) -> RankedIds:
            docnums, total = engine.ranked(view, opened.attached, request, limit, self.abbreviations, UNLIMITED)
            return RankedIds([str(view.stored(d)["id"]) for d in docnums], total)

        return self._read(rank)

    def articles(self, ids: Iterable[str]) -> Iterator[Article]:
        """The stored articles with these ids, in this order (an id no longer in the index is passed over).

        Read a batch at a time, each from the live generation, so a long export neither holds a searcher for its
        whole download nor misses a reindex.
        """
        pending = list(ids)
        for start in range(0, len(pending), ARTICLE_BATCH):
            wanted = pending[start : start + ARTICLE_BATCH]

            def read(view: LentView, _: OpenGeneration[FacetIndex], wanted: list[str] = wanted) -> list[Article | None]:
                return [engine.article(view, article_id) for article_id in wanted]

            batch = self._read(read)
            yield from (found for found in batch if found is not None)

    def suggest(self, query: str, size: int = MAX_SUGGESTIONS) -> Suggestions:
        """Completions of a partly typed query from the archive's vocabulary (:mod:`newssearch.engine.complete`).

        The first call on a generation starts reading its names and words in the background; until they are in,
        places and bylines answer alone and ``partial`` says so.
        """
        with self._pool.view() as (_, opened):
            vocabulary = self._vocabulary(opened.generation, opened.attached)
        return Suggestions(query, vocabulary.complete(query, size), partial=not vocabulary.whole)

    def _vocabulary(self, generation: str, facets: FacetIndex) -> Vocabulary:
        with self._vocabulary_lock:
            found = self._vocabularies.get(generation)
            if found is not None:
                return found
            # Places and bylines now (the facet tables are read per generation anyway); the rest in the background.
            started = facet_vocabulary(facets)
            self._vocabularies = {generation: started}
        self._read_vocabulary(generation)
        return started

    def _read_vocabulary(self, generation: str) -> None:
        """Read the whole vocabulary of ``generation`` in a background thread (nothing if it is no longer live)."""
        with self._vocabulary_lock:
            if generation in self._reading:
                return
            self._reading.add(generation)

        def read() -> None:
            try:
                with contextlib.suppress(Exception), self._pool.view() as (view, opened):
                    if opened.generation != generation:
                        return
                    vocabulary = read_vocabulary(view, opened.attached, stop=lambda: self._closed)
                    if self._closed:
                        return
                    with self._vocabulary_lock:
                        if generation in self._vocabularies or not self._vocabularies:
                            self._vocabularies = {generation: vocabulary}
            finally:
                with self._vocabulary_lock:
                    self._reading.discard(generation)

        threading.Thread(target=read, name="suggest-vocabulary", daemon=True).start()

    def related(self, article_id: str, size: int = 5) -> list[Hit] | None:
        """The articles most like ``article_id`` (``None`` when there is no such article)."""
        return self._read(lambda view, _: engine.related(view, article_id, size))

    def article(self, article_id: str, query: str = "") -> Article | None:
        """The stored article with this id (``None`` when there is none), its query words marked when given."""
        return self._read(lambda view, _: engine.article(view, article_id, query))

    def status(self, *, check: bool = False) -> ArchiveStatus:
        """The generation being served; :class:`IndexNotReady` while there is none.

        With ``check``, the served generation's files get the cheap check first (sizes and sampled blocks), and one
        found damaged is served no longer: readiness then shows the generation served instead, or none.
        """
        return _status_of(self._pool.check_live() if check else self._pool.current())

    def stats(self) -> tuple[ArchiveStatus, SearchResult]:
        """The served generation with its date range, and the facet counts over every article."""
        with self._pool.view() as (view, opened):
            everything = engine.search(view, opened.attached, SearchRequest(size=1), self.abbreviations)
            dates = view.column("date_lo")[view.live]
            dated = dates[dates > 0]
            first, last = (_day(int(dated.min())), _day(int(dated.max()))) if len(dated) else (None, None)
            status = _status_of(opened, first, last)
        return status, everything

    def last_run(self) -> dt.datetime | None:
        """When the last successful index run finished (``LAST_RUN.json``), if recorded."""
        return generations.last_run(self.root)

    # --- writing ------------------------------------------------------------------------------------------------

    def index(
        self,
        corpus: Iterable[Path] | None = None,
        *,
        rebuild: bool = False,
        procs: int = 1,
        progress: ProgressCallback | None = None,
    ) -> IndexStats:
        """Index the corpus (default: the settings' corpus folders) into a new generation and switch to it.

        The service notices the switch on its next request; see :func:`newssearch.index.indexer.index_corpus`. The
        generation gets the engine's precomputed scores of the archive's most common syllables
        (:mod:`newssearch.engine.common`) and the counts of its completion vocabulary
        (:mod:`newssearch.engine.complete`) before it is switched to.
        """
        roots = list(corpus) if corpus is not None else self.settings.corpus_dirs
        return index_corpus(
            roots,
            self.root,
            rebuild=rebuild,
            procs=procs,
            progress=progress,
            precompute=common_arrays(),
            derive=(VOCABULARY_COUNTS,),
        )

    def check(self, corpus: Iterable[Path] | None = None) -> CheckReport:
        """Compare the served generation with the corpus; change nothing."""
        roots = list(corpus) if corpus is not None else self.settings.corpus_dirs
        return check_index(roots, self.root)
