"""Closed-loop HTTP load on a running newssearch service: N clients, each sending its next request as soon as the
previous one is answered, for a fixed time, with an optional share of hostile requests mixed in.

Normal requests are ``/search`` calls drawn at random from the committed query mix (``bench/queries-mix.tsv``);
hostile ones from ``bench/hostile_queries.jsonl`` (read by ``hostile_corpus.py``). Each
request is timed from sending to the last byte of the answer. An error is a 5xx answer or a transport failure
(connection refused or reset, timeout); a 4xx answer to a hostile request is the expected refusal, not an error.

Each client keeps one connection (``--transport raw``, the default: :class:`RawConnection`, light on the CPU the
service shares) or the clients share an ``httpx.AsyncClient`` (``--transport httpx``, the client before
2026-12-03, five times the CPU a request).

Prints one JSON object: counts, throughput, latency percentiles of the normal requests, and the first few
errors with the exact request. ``bench/bench.py`` runs this as a separate process; it also runs alone:

    python bench/load.py --url http://127.0.0.1:8000 --clients 16 --seconds 30 [--hostile 0.02]
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode, urlsplit

import httptools
import httpx
import typer

from hostile_corpus import load_hostile

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
MIX = BENCH / "queries-mix.tsv"
#: Errors and slow requests kept in full in the report (the counts cover all of them).
KEEP = 20


@dataclass(frozen=True)
class MixQuery:
    """One query of the mix: the text and the ``/search`` filters sent with it (empty: not sent)."""

    qid: str
    kind: str
    q: str
    place: str = ""
    date_from: str = ""
    date_to: str = ""
    category: str = ""
    sort: str = ""

    def params(self) -> dict[str, str]:
        """The ``/search`` query parameters of this query (facets and snippets are always on in the API)."""
        pairs = {
            "q": self.q,
            "place": self.place,
            "from": self.date_from,
            "to": self.date_to,
            "category": self.category,
            "sort": self.sort,
        }
        return {key: value for key, value in pairs.items() if value or key == "q"}

    @property
    def has_filters(self) -> bool:
        """Whether the query sends a place, date, category or sort besides its text."""
        return bool(self.place or self.date_from or self.date_to or self.category or self.sort)

    def label(self) -> str:
        """``q`` and its filters, as a short human-readable string."""
        extra = [f"{key}={value}" for key, value in self.params().items() if key != "q"]
        return " ".join([repr(self.q), *extra])


def read_mix(path: Path = MIX) -> list[MixQuery]:
    """The query mix: a TSV with a header line; lines starting with ``#`` are comments."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[1:]
    expected = ["qid", "kind", "q", "place", "from", "to", "category", "sort"]
    if header != expected:
        raise ValueError(f"{path}: header should be {expected}, not {header}")
    return [MixQuery(*(row + [""] * (len(expected) - len(row)))) for row in body]


@dataclass(frozen=True)
class Request:
    """One request to send: ``GET path?params``; ``hostile`` marks the hostile corpus's."""

    label: str
    path: str
    params: dict[str, Any]
    hostile: bool

    @cached_property
    def target(self) -> str:
        """The path and query string, as sent (encoded once: the clients send each request many times)."""
        query = urlencode(self.params, doseq=True, quote_via=quote)
        return f"{self.path}?{query}" if query else self.path

    @cached_property
    def request_line(self) -> bytes:
        """The HTTP/1.1 request line :class:`RawConnection` sends."""
        return f"GET {self.target} HTTP/1.1\r\n".encode()


def hostile_requests() -> list[Request]:
    """The hostile corpus as requests, read by ``hostile_corpus.load_hostile``."""
    return [Request(case.note, case.path, dict(case.params), True) for case in load_hostile()]


def normal_requests(mix: list[MixQuery]) -> list[Request]:
    """The query mix as ``/search`` requests."""
    return [Request(f"{query.qid} {query.label()}", "/search", query.params(), False) for query in mix]


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (``None`` for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass
class Tally:
    """What the clients saw."""

    started: float
    finished: float = 0.0
    normal_ms: list[float] = field(default_factory=list)
    normal_status: dict[int, int] = field(default_factory=dict)
    hostile_status: dict[int, int] = field(default_factory=dict)
    hostile_ms: list[float] = field(default_factory=list)
    transport_errors: int = 0
    server_errors: int = 0
    unexpected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    hostile_slowest: list[tuple[float, str]] = field(default_factory=list)

    def record(self, request: Request, status: int | None, ms: float, detail: str, url: str) -> None:
        """Count one answer (``status`` ``None``: transport failure, ``detail`` says what)."""
        counts = self.hostile_status if request.hostile else self.normal_status
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
        if status is not None:  # latencies of answered requests only
            (self.hostile_ms if request.hostile else self.normal_ms).append(ms)
        (self.hostile_slowest if request.hostile else self.slowest).append((ms, request.label))
        problem = None
        if status is None:
            self.transport_errors += 1
            problem = "transport"
        elif status >= 500:
            self.server_errors += 1
            problem = "5xx"
        elif not request.hostile and status != 200:
            self.unexpected += 1
            problem = "non-200 answer to a normal query"
        if problem and len(self.errors) < KEEP:
            self.errors.append(
                {"kind": problem, "status": status, "request": request.label, "url": url[:500], "detail": detail[:2000]}
            )

    def summary(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        seconds = self.finished - self.started
        normal = sum(self.normal_status.values())
        normal_ok = self.normal_status.get(200, 0)
        answered = normal + sum(self.hostile_status.values())
        slowest = sorted(self.slowest, reverse=True)[:KEEP]
        return {
            "seconds": seconds,
            "requests": answered + self.transport_errors,
            "answered": answered,
            "rps": answered / seconds if seconds else 0.0,
            "normal_ok_rps": normal_ok / seconds if seconds else 0.0,
            "normal": normal,
            "normal_status": {str(k): v for k, v in sorted(self.normal_status.items())},
            "hostile": sum(self.hostile_status.values()),
            "hostile_status": {str(k): v for k, v in sorted(self.hostile_status.items())},
            "errors": self.transport_errors + self.server_errors,
            "transport_errors": self.transport_errors,
            "server_errors": self.server_errors,
            "unexpected_normal": self.unexpected,
            "normal_p50_ms": percentile(self.normal_ms, 0.50),
            "normal_p95_ms": percentile(self.normal_ms, 0.95),
            "normal_p99_ms": percentile(self.normal_ms, 0.99),
            "normal_max_ms": max(self.normal_ms, default=None),
            "hostile_p99_ms": percentile(self.hostile_ms, 0.99),
            "hostile_max_ms": max(self.hostile_ms, default=None),
            "error_samples": self.errors,
            "slowest_normal": [{"ms": ms, "request": label} for ms, label in slowest],
            "slowest_hostile": [
                {"ms": ms, "request": label} for ms, label in sorted(self.hostile_slowest, reverse=True)[:KEEP]
            ],
        }


#: ``fetch(request)``: the answer's status and body, or an ``OSError``/``httpx.HTTPError`` for a transport failure.
Fetch = Callable[[Request], Awaitable[tuple[int, bytes]]]
Transport = Literal["raw", "httpx"]


class _Answer:
    """What ``httptools``' response parser calls back with: the body, and when the answer is whole."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.complete = False
        self.closing = False  # the server said "Connection: close" (HTTP/1.1 keeps the connection otherwise)

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"connection" and value.strip().lower() == b"close":
            self.closing = True

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete = True


class RawConnection:
    """One keep-alive HTTP/1.1 connection on asyncio streams, answers parsed by ``httptools`` (the C parser the
    service itself serves with, a dependency of newssearch): about a fifth of httpx's CPU a request.

    The load client shares the machine with the service it measures; with httpx it took 6.2–6.5 of the 60
    core-seconds of a 30 s run against two workers on 2 cores (``bench.py`` reports it), CPU the service did
    not get. A failure closes the connection; the next request opens a new one.
    """

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.head = f"Host: {parts.netloc}\r\nUser-Agent: newssearch-bench\r\n\r\n".encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def fetch(self, request: Request) -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._exchange(request.request_line), self.timeout)
        except (OSError, httptools.HttpParserError) as exc:  # timeouts too (TimeoutError is an OSError)
            self.close()
            raise OSError(f"{type(exc).__name__}: {exc}") from None

    async def _exchange(self, line: bytes) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(line + self.head)
        answer = _Answer()
        parser = httptools.HttpResponseParser(answer)
        while not answer.complete:
            data = await reader.read(1 << 16)
            if not data:
                raise ConnectionResetError("the server closed the connection before answering")
            parser.feed_data(data)
        if answer.closing:  # (the parser's own should_keep_alive() says False once a message is complete)
            self.close()
        return parser.get_status_code(), bytes(answer.body)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _client(
    fetch: Fetch,
    base_url: str,
    normal: list[Request],
    hostile: list[Request],
    hostile_share: float,
    deadline: float,
    rng: random.Random,
    tally: Tally,
) -> None:
    """One closed-loop client: send, wait for the whole answer, send the next, until the deadline."""
    while time.perf_counter() < deadline:
        request = rng.choice(hostile) if hostile and rng.random() < hostile_share else rng.choice(normal)
        started = time.perf_counter()
        try:
            status, body = await fetch(request)
            ms = (time.perf_counter() - started) * 1000
            detail = body[:2000].decode("utf-8", "replace") if status >= 500 else ""
            tally.record(request, status, ms, detail, base_url + request.target)
        except (OSError, httpx.HTTPError) as exc:
            ms = (time.perf_counter() - started) * 1000
            tally.record(request, None, ms, f"{type(exc).__name__}: {exc}", base_url + request.target)
        tally.finished = time.perf_counter()


async def run_load(
    url: str,
    clients: int,
    seconds: float,
    hostile_share: float,
    mix: list[MixQuery],
    seed: int,
    timeout: float,
    transport: Transport = "raw",
) -> dict[str, Any]:
    """Run ``clients`` closed-loop clients for ``seconds`` against ``url``; return the report."""
    normal = normal_requests(mix)
    hostile = hostile_requests() if hostile_share > 0 else []
    async with contextlib.AsyncExitStack() as opened:
        if transport == "raw":
            connections = [RawConnection(url, timeout) for _ in range(clients)]
            for connection in connections:
                opened.callback(connection.close)
            fetches: list[Fetch] = [connection.fetch for connection in connections]
        else:
            limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
            http = await opened.enter_async_context(httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout))

            async def via_httpx(request: Request) -> tuple[int, bytes]:
                response = await http.get(request.path, params=request.params or None)
                return response.status_code, response.content

            fetches = [via_httpx] * clients
        tally = Tally(started=time.perf_counter())
        deadline = tally.started + seconds
        await asyncio.gather(
            *(
                _client(fetch, url, normal, hostile, hostile_share, deadline, random.Random(seed * 1000 + n), tally)
                for n, fetch in enumerate(fetches)
            )
        )
    report = tally.summary()
    report.update(
        {
            "url": url,
            "clients": clients,
            "target_seconds": seconds,
            "hostile_share": hostile_share,
            "transport": transport,
        }
    )
    return report


def main(
    url: Annotated[str, typer.Option(help="Base URL of the service.")] = "http://127.0.0.1:8000",
    clients: Annotated[int, typer.Option(min=1, help="Concurrent closed-loop clients.")] = 16,
    seconds: Annotated[float, typer.Option(min=1, help="How long to send new requests.")] = 30.0,
    hostile: Annotated[float, typer.Option(min=0, max=1, help="Share of hostile requests (0.02 = 2 %).")] = 0.0,
    mix: Annotated[Path, typer.Option(help="Query mix TSV.")] = MIX,
    seed: Annotated[int, typer.Option(help="Random seed of the clients' choices.")] = 1,
    timeout: Annotated[float, typer.Option(help="Per-request timeout in seconds (then a transport error).")] = 60.0,
    transport: Annotated[
        str, typer.Option(help="raw: asyncio streams, keep-alive (light); httpx: httpx.AsyncClient (what it was).")
    ] = "raw",
) -> None:
    """Load a running service and print the report as JSON on stdout."""
    if transport not in ("raw", "httpx"):
        raise typer.BadParameter("raw or httpx", param_hint="--transport")
    chosen: Transport = "raw" if transport == "raw" else "httpx"
    report = asyncio.run(run_load(url, clients, seconds, hostile, read_mix(mix), seed, timeout, chosen))
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    typer.run(main)
