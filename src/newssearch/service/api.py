"""The HTTP API: a thin FastAPI layer over :class:`~newssearch.archive.Archive`; each route is one call.

Routes that read the index block, so each runs its archive call in Starlette's thread pool — in one hop: lending
a view of the index, searching and building the answer happen in a single thread-pool call. A ``def`` route
whose dependencies are ``def`` too hops once per dependency, once for the route and once more to close a generator
dependency; with four hops and ``BaseHTTPMiddleware`` a
warm ``/search`` spent about 3 ms more outside the search core on our 2-core machine (``bench/RESULTS.md``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, Field, TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newssearch.archive import EXPORT_MAX_ROWS, Archive, IndexNotReady
from newssearch.config import Settings, get_settings
from newssearch.engine.complete import MAX_SUGGESTIONS
from newssearch.engine.results import Article, PlaceScope, PlaceUnits, Related, SearchResult, Suggestions
from newssearch.engine.search import MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SearchError, SearchRequest, Sort, UnknownPlace
from newssearch.export import CONTENT_TYPES, ExportFormat, export_chunks
from newssearch.feeds import FEED_ENTRIES, atom_feed, feed_title
from newssearch.service.idle_memory import IdleTrim
from newssearch.text.variants import load_abbreviations

__all__ = ["create_app"]

WEB_DIR = Path(__file__).parent / "web"


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    generation: str | None = None
    documents: int | None = None
    opened_at: float | None = None
    indexed_at: str | None = Field(None, description="When the last successful index run finished (UTC, ISO 8601).")
    segments: int | None = Field(None, description="Segments of the served generation.")
    columnar_segments: int | None = Field(
        None,
        description="Of those, the segments read through a memory-mapped columnar companion (their own or the span).",
    )
    spanned_segments: int | None = Field(
        None, description="Of those, the segments read through the generation's span (one merged companion)."
    )
    precomputed_arrays: int | None = Field(
        None,
        description="Scores of the archive's most common syllables precomputed when the generation was indexed "
        "(0: computed as searches read them).",
    )
    detail: str | None = None


class ErrorBody(BaseModel):
    detail: str
    place: str | None = Field(None, description="An unknown place: the place= value that names no place.")
    suggestions: list[str] | None = Field(
        None, description="An unknown place: the closest province and district names, to pass back as place=."
    )


async def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


ArchiveDep = Annotated[Archive, Depends(_archive)]


async def _search_request(
    q: Annotated[str, Query(description="What to look for; diacritics optional.", examples=["ha tinh"])] = "",
    date_from: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD or YYYY-MM")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD or YYYY-MM")] = None,
    place: Annotated[list[str], Query(description="Province or district, any spelling; several allowed")] = [],  # noqa: B006
    units: Annotated[PlaceUnits, Query(description="place= as that unit, the pre-2025 or the 2025 provinces.")] = "all",
    places: Annotated[
        PlaceScope, Query(description="Places articles are about (default) or every one named.")
    ] = "about",
    category: Annotated[list[str], Query(description="Category; several allowed")] = [],  # noqa: B006
    author: Annotated[list[str], Query(description="Byline ('Thu Trang'); several allowed")] = [],  # noqa: B006
    source: Annotated[list[str], Query(description="Outlet ('dantri.com.vn'); several allowed")] = [],  # noqa: B006
    sort: Annotated[Sort, Query()] = "relevance",
    apart: Annotated[bool, Query(description="Also articles that have a name's words only apart.")] = False,
) -> SearchRequest:
    """A search as /search takes it, without paging: what /export and /feed.atom read whole.

    ``async`` so FastAPI runs it in the event loop, not as a thread-pool hop of its own.
    """
    return SearchRequest(
        q,
        date_from,
        date_to,
        place,
        category,
        sort,
        apart=apart,
        place_units=units,
        place_scope=places,
        authors=author,
        sources=source,
    )


SearchRequestDep = Annotated[SearchRequest, Depends(_search_request)]
T = TypeVar("T")


def public_reason(why: IndexNotReady | str, root: Path) -> str:
    """Why there is no (newest) index, without the index folder's path: the server's layout is no client's business."""
    text = str(why)
    for form in {str(root.resolve()), str(root.absolute()), str(root)}:
        text = text.replace(form, "the index folder")
    return text


async def in_thread(work: Callable[[], T], root: Path) -> T:
    """``work()`` (which blocks on the index) in the thread pool, in one hop; 503 while there is no index."""

    def guarded() -> T:
        try:
            return work()
        except IndexNotReady as exc:
            raise HTTPException(status_code=503, detail=public_reason(exc, root)) from None

    return await run_in_threadpool(guarded)


#: Encodes a search's answer as the response schema says (``response_model`` documents it).
SEARCH_RESULT: TypeAdapter[SearchResult] = TypeAdapter(SearchResult)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request is out of bounds."},
    422: {"description": "A parameter has the wrong type."},
    503: {"model": ErrorBody, "description": "No index is available yet."},
}


class Metrics:
    """Prometheus metrics of one app (a registry of its own, so several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("newssearch_requests", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram(
            "newssearch_request_seconds",
            "Request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.documents = Gauge("newssearch_index_documents", "Documents in the live index", registry=self.registry)
        self.generation = Gauge("newssearch_index_generation", "Live index generation number", registry=self.registry)
        self.opened = Gauge(
            "newssearch_index_opened_timestamp_seconds",
            "When the live generation was opened",
            registry=self.registry,
        )
        self.last_run = Gauge(
            "newssearch_last_index_run_timestamp_seconds",
            "When the last successful index run finished (0: none recorded)",
            registry=self.registry,
        )


class RequestMetrics:
    """Counts and times every HTTP request by route and status.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``) adds a task and two memory
    streams to every request, about a millisecond each time on our machine.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before it answers

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            name = getattr(scope.get("route"), "path", "unmatched")  # the router sets "route" in this scope
            self.metrics.requests.labels(name, str(status)).inc()
            self.metrics.latency.labels(name).observe(time.perf_counter() - started)


class HeadAsGet:
    """Answer ``HEAD`` on every route as ``GET`` without the body (uptime checks use HEAD; FastAPI routes only GET,
    and the search page mounted at ``/`` would otherwise answer 404 for ``HEAD /healthz``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class StrictUtf8:
    """400 for a path or query string whose percent-escapes are not UTF-8 (``q=%ff%fe``), which Starlette would
    otherwise turn into U+FFFD characters: an empty query that lists every article."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            try:
                urllib.parse.unquote_to_bytes(raw_path).decode("utf-8")
                query = scope.get("query_string", b"").decode("latin-1")
                for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True, encoding="latin-1"):
                    for part in (key, value):
                        part.encode("latin-1").decode("utf-8")
            except UnicodeError:
                body = json.dumps({"detail": "the request's path or query string is not valid UTF-8"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app over the archive the settings name (``newssearch serve`` passes them; default: the env).

    ``uvicorn --factory newssearch.service.api:create_app`` serves it with settings from the environment.
    """
    settings = settings or get_settings()
    metrics = Metrics()
    load_abbreviations(settings.abbreviations)  # a bad abbreviations file fails at start, not on the first search

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.archive = Archive.open(settings)
        # Before the first request is taken (connections wait in the socket's backlog meanwhile).
        await run_in_threadpool(app.state.archive.warm_up)
        yield
        app.state.archive.close()

    # /docs from the package's own copy of Swagger UI (FastAPI's loads it from a CDN: a
    # blank page without internet, as newsroom servers often are).
    app = FastAPIOffline(
        title="newssearch",
        summary="Full-text search over Vietnamese news archives.",
        version="0.1.0",
        lifespan=lifespan,
        # One browsable form of the schema: /docs (Swagger UI). No /redoc (as before issue 18).
        redoc_url=None,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET"],
            allow_credentials=False,
        )

    app.add_middleware(StrictUtf8)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(IdleTrim)  # outermost: a request counts from its first byte to its last

    @app.exception_handler(SearchError)
    async def search_error(_: Request, exc: SearchError) -> JSONResponse:
        body = ErrorBody(detail=str(exc))
        if isinstance(exc, UnknownPlace):
            body = ErrorBody(detail=str(exc), place=exc.typed, suggestions=exc.suggestions)
        return JSONResponse(status_code=400, content=body.model_dump(exclude_none=True))

    @app.get("/search", response_model=SearchResult, responses=ERRORS, operation_id="search", tags=["search"])
    async def search_route(
        archive: ArchiveDep,
        q: Annotated[str, Query(description="What to look for; diacritics optional.", examples=["ha tinh"])] = "",
        date_from: Annotated[
            str | None, Query(alias="from", description="YYYY-MM-DD or YYYY-MM", examples=["2022-01"])
        ] = None,
        date_to: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD or YYYY-MM")] = None,
        place: Annotated[
            list[str],
            Query(
                description="Province or district, any spelling ('sai gon', 'TP.HCM', 'tinh Quang Nam', old or 2025 "
                "names); several allowed (any of them). An unknown place is a 400 with suggestions."
            ),
        ] = [],  # noqa: B006
        units: Annotated[
            PlaceUnits,
            Query(description="place= as the unit of that name (all), the pre-2025 provinces or the 2025 ones."),
        ] = "all",
        places: Annotated[
            PlaceScope,
            Query(description="Filter and count the places articles are about (default) or every place mentioned."),
        ] = "about",
        category: Annotated[list[str], Query(description="Category; several allowed")] = [],  # noqa: B006
        author: Annotated[
            list[str], Query(description="Byline as the author facet lists it ('Thu Trang'); several allowed")
        ] = [],  # noqa: B006
        source: Annotated[
            list[str], Query(description="Outlet as the source facet lists it ('dantri.com.vn'); several allowed")
        ] = [],  # noqa: B006
        sort: Annotated[Sort, Query()] = "relevance",
        page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW)] = 1,
        size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
        apart: Annotated[
            bool, Query(description="Also list articles that have a name's words only apart (see 'apart').")
        ] = False,
    ) -> Response:
        """Ranked hits with highlighted snippets, and facet counts over the whole result set."""
        arrived = time.monotonic()  # the budget counts the wait for a thread too
        request = SearchRequest(
            q,
            date_from,
            date_to,
            place,
            category,
            sort,
            page,
            size,
            apart=apart,
            place_units=units,
            place_scope=places,
            authors=author,
            sources=source,
        )

        def answer() -> Response:
            # Encoded in the request's thread (pydantic-core), not by FastAPI on the event loop, where encoding a
            # page of 100 hits held up every other connection's reads and writes.
            result = archive.search(request, arrived=arrived)
            return Response(SEARCH_RESULT.dump_json(result), media_type="application/json")

        return await in_thread(answer, archive.root)

    @app.get(
        "/export",
        responses={
            **ERRORS,
            200: {
                "content": {"text/csv": {}, "application/x-ndjson": {}},
                "description": "The rows, streamed; X-Result-Total says how many articles the search has.",
            },
        },
        response_class=StreamingResponse,
        operation_id="export",
        tags=["search"],
    )
    async def export_route(
        archive: ArchiveDep,
        request: SearchRequestDep,
        form: Annotated[
            ExportFormat, Query(alias="format", description="csv (UTF-8 with BOM, for spreadsheets) or jsonl")
        ] = "csv",
        limit: Annotated[int, Query(ge=1, le=EXPORT_MAX_ROWS, description="Rows at most.")] = EXPORT_MAX_ROWS,
    ) -> StreamingResponse:
        """The whole result of a search (query, filters, sort), up to 10,000 rows: id, date, title, places, author,
        source, url. Ranked once, then streamed."""
        ranked = await in_thread(lambda: archive.ranked_ids(request, limit), archive.root)
        chunks = (chunk.encode("utf-8") for chunk in export_chunks(archive.articles(ranked.ids), form))
        headers = {
            "Content-Disposition": f'attachment; filename="newssearch-export.{form}"',
            "X-Result-Total": str(ranked.total),
            "X-Rows": str(len(ranked.ids)),
        }
        return StreamingResponse(chunks, media_type=CONTENT_TYPES[form], headers=headers)

    @app.get("/suggest", response_model=Suggestions, responses=ERRORS, operation_id="suggest", tags=["search"])
    async def suggest_route(
        archive: ArchiveDep,
        q: Annotated[str, Query(max_length=200, description="What has been typed so far.", examples=["ha ti"])] = "",
        size: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS)] = 8,
    ) -> Suggestions:
        """Completions while typing: places, bylines, names and frequent headline words of the archive, with or
        without diacritics (`ha ti` → Hà Tĩnh, `nguyen xuan` → Nguyễn Xuân Phúc)."""
        return await in_thread(lambda: archive.suggest(q, size), archive.root)

    @app.get(
        "/feed.atom",
        responses={**ERRORS, 200: {"content": {"application/atom+xml": {}}, "description": "An Atom 1.0 feed."}},
        response_class=Response,
        operation_id="feed",
        tags=["search"],
    )
    async def feed_route(archive: ArchiveDep, search: SearchRequestDep, http: Request) -> Response:
        """The newest articles a search finds (the /search parameters; always newest first), as an Atom feed to
        subscribe to in any feed reader."""
        newest = dataclasses.replace(search, sort="newest")

        def read() -> list[Article]:
            return list(archive.articles(archive.ranked_ids(newest, FEED_ENTRIES).ids))

        articles = await in_thread(read, archive.root)
        base = str(http.base_url)
        query = http.url.query
        body = atom_feed(
            articles,
            title=feed_title(search.q, [*search.places, *search.categories, *search.authors, *search.sources]),
            self_url=str(http.url),
            page_url=f"{base}?{query}" if query else base,
            article_url_base=base,
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @app.get(
        "/articles/{article_id:path}/related",
        response_model=Related,
        responses=ERRORS,
        operation_id="related_articles",
        tags=["articles"],
    )
    async def related_route(
        article_id: str, archive: ArchiveDep, size: Annotated[int, Query(ge=1, le=20)] = 5
    ) -> Related:
        """The articles most like this one ("more like this" over its title and lede)."""
        hits = await in_thread(lambda: archive.related(article_id, size), archive.root)
        if hits is None:
            raise HTTPException(status_code=404, detail=f"no article with id {article_id!r}")
        return Related(id=article_id, hits=hits)

    @app.get(
        "/articles/{article_id:path}",
        response_model=Article,
        responses=ERRORS,
        operation_id="get_article",
        tags=["articles"],
    )
    async def article_route(
        article_id: str,
        archive: ArchiveDep,
        q: Annotated[
            str, Query(max_length=1000, description="Mark this query's words (marked_title, marked_body).")
        ] = "",
    ) -> Article:
        """The full stored article; with q=, also its title and body with the query's words marked."""
        found = await in_thread(lambda: archive.article(article_id, q), archive.root)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no article with id {article_id!r}")
        return found

    @app.get("/healthz", response_model=Health, operation_id="healthz", tags=["ops"])
    async def healthz() -> Health:
        """The process is up (checks nothing else; see /readyz)."""
        return Health(status="ok")

    @app.get(
        "/readyz",
        response_model=Readiness,
        responses={503: {"model": Readiness}},
        operation_id="readyz",
        tags=["ops"],
    )
    def readyz(archive: ArchiveDep) -> Any:
        """The index is open: its generation and document count. 503 until an index exists."""
        last_run = archive.last_run()
        indexed_at = last_run.isoformat() if last_run is not None else None
        try:
            opened = archive.status(check=True)
        except IndexNotReady as exc:
            unready = Readiness(status="unavailable", indexed_at=indexed_at, detail=public_reason(exc, archive.root))
            return JSONResponse(status_code=503, content=unready.model_dump())
        return Readiness(
            status="ready",
            generation=opened.generation,
            documents=opened.documents,
            opened_at=opened.opened_at,
            indexed_at=indexed_at,
            segments=opened.segments,
            columnar_segments=opened.columnar_segments,
            spanned_segments=opened.spanned_segments,
            precomputed_arrays=opened.precomputed_arrays,
            detail=public_reason(f"serving {opened.generation}: {'; '.join(opened.rejected)}", archive.root)
            if opened.rejected
            else None,
        )

    @app.get("/metrics", operation_id="metrics", tags=["ops"], response_class=Response)
    def metrics_route(archive: ArchiveDep) -> Response:
        """Prometheus metrics."""
        with contextlib.suppress(IndexNotReady):
            opened = archive.status()
            metrics.documents.set(opened.documents)
            metrics.generation.set(int(opened.generation.rsplit("-", 1)[-1]))
            metrics.opened.set(opened.opened_at)
        last_run = archive.last_run()
        metrics.last_run.set(last_run.timestamp() if last_run is not None else 0)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if WEB_DIR.is_dir():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
