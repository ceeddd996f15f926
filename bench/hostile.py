"""Replay the hostile query corpus (``bench/hostile_queries.jsonl``) against the real app and print latencies.

The app runs in process (FastAPI ``TestClient`` over ASGI, so the figures include routing, validation and JSON
but no socket), over an index of the bundled ``corpus/`` built into a temporary folder, or over ``--index DIR``.
Each request is sent once to warm up, then ``--repeat`` times; the table gives each request's status, median
and max, and the summary the max, p50 and p99 over every timed request. Requests slower than ``--budget-ms``
(500 ms: the issue's figure) are listed. Nothing is asserted: ``tests/test_hostile.py`` checks the statuses.

With ``--hostile-corpus`` (the default when no ``--index`` is given) the index also holds a hostile feed written
for the run: ``--long-articles`` articles of ``--long-chars`` characters with ``Hà Tĩnh`` only at the end, and one
line with a 50-million-character title (skipped by the reader; the run reports the indexing time and peak RSS),
and the replay adds the issue 17 cases over them (62 unknown names + ``hà tĩnh``, 100 hits; six unknown
16-letter words; the big title's related articles).

``--clients N --seconds S`` then starts ``newssearch serve`` over the same index (budget ``--budget-ms``) and runs
the concurrency check: one client of normal queries (``queries-mix.tsv``) alone for S/2 seconds, then N clients of
worst-case queries (the issue 17 cases, and the hostile requests that take 50 ms or more alone) for S seconds
beside it (the worst-case clients in a process of their own, so that parsing their large answers does not slow
the normal client's process). It reports the hostile answers' p99 against the budget (target: every answer within
budget + 250 ms, and every answer that spent its budget says ``timed_out: true``) and the normal queries' p95
beside them against their p95 alone (target: at most 2×).

Run: ``python bench/hostile.py [--index DIR] [--repeat 5] [--top 15] [--json] [--clients 16 --seconds 30]``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from hostile_corpus import HostileRequest, load_hostile
from load import read_mix
from newssearch.config import Settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app

REPO = Path(__file__).resolve().parent.parent
#: 62 names no article has, then a place every long article ends with (the issue's 9-10 s request).
UNKNOWN_NAMES = " ".join(f"Zqx{chr(97 + i % 26)}{chr(97 + i // 26)}vy" for i in range(62))
#: Six unknown 16-letter words: each walks the lexicon for "did you mean".
SIXTEEN_LETTERS = " ".join(f"khongcotutrongxq{chr(97 + i)}"[:16] for i in range(6))
BIG_TITLE_CHARS = 50_000_000
#: A hostile request this slow alone (median ms) is one of the concurrency check's worst cases.
WORST_MS = 50.0


def write_hostile_feed(folder: Path, long_articles: int, long_chars: int) -> Path:
    """The hostile feed: long articles ending in "Hà Tĩnh", and one line with a 50-million-character title."""
    filler = "Người dân địa phương cho biết công trình đã hoàn thành đúng tiến độ. "
    body = filler * (long_chars // len(filler)) + "Tin từ Hà Tĩnh."
    feed = folder / "hostile.jsonl"
    with open(feed, "w", encoding="utf-8") as out:
        for i in range(long_articles):
            record = {"id": f"long-{i}", "title": f"Bài rất dài {i}", "body": body, "date": "2022-01-01"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        title = ("Hà Tĩnh " * (BIG_TITLE_CHARS // 8 + 1))[:BIG_TITLE_CHARS]
        out.write(json.dumps({"id": "big-title", "title": title, "body": "Tin Hà Tĩnh"}, ensure_ascii=False) + "\n")
    return feed


def issue17_cases() -> list[HostileRequest]:
    """The worst cases of issue 17, as requests."""
    return [
        HostileRequest(
            "62 unknown names + hà tĩnh, 100 hits", "/search", {"q": f"{UNKNOWN_NAMES} hà tĩnh", "size": 100}
        ),
        HostileRequest("ha tinh, 100 hits (long articles)", "/search", {"q": "ha tinh", "size": 100}),
        HostileRequest("ha tinh, 1 hit", "/search", {"q": "ha tinh", "size": 1}),
        HostileRequest("six unknown 16-letter words", "/search", {"q": SIXTEEN_LETTERS}),
        HostileRequest("related of the big title", "/articles/big-title/related", {}),
    ]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main(
    index: Annotated[
        Path | None, typer.Option(help="Index root to use; default: index corpus/ into a temp dir.")
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Timed runs of each request (after one warm-up).")] = 5,
    top: Annotated[int, typer.Option(min=0, help="Show this many slowest requests (0: all).")] = 15,
    budget_ms: Annotated[
        float, typer.Option(help="The search budget of the service (NEWSSEARCH_SEARCH_BUDGET_MS).")
    ] = 1000.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of tables.")] = False,
    hostile_corpus: Annotated[
        bool | None, typer.Option(help="Add the hostile feed to the index (default: when no --index is given).")
    ] = None,
    long_articles: Annotated[int, typer.Option(help="Long articles in the hostile feed.")] = 100,
    long_chars: Annotated[int, typer.Option(help="Characters of each long article.")] = 480_000,
    clients: Annotated[int, typer.Option(help="Hostile clients of the concurrency check (0: no check).")] = 0,
    seconds: Annotated[float, typer.Option(help="Length of the concurrency check beside the hostile clients.")] = 30,
    workers: Annotated[int, typer.Option(help="Service worker processes in the concurrency check.")] = 1,
) -> None:
    console = Console()
    cases = load_hostile()
    report: dict[str, Any] = {"budget_ms": budget_ms}
    with tempfile.TemporaryDirectory(prefix="newssearch-hostile-") as tmp:
        root = index
        if hostile_corpus is None:
            hostile_corpus = index is None
        if root is None:
            root = Path(tmp) / "index"
            corpus = [REPO / "corpus"]
            if hostile_corpus:
                feed = write_hostile_feed(Path(tmp), long_articles, long_chars)
                corpus.append(feed)
            started = time.perf_counter()
            stats = index_corpus(corpus, root)
            report["indexing"] = {
                "documents": stats.documents,
                "seconds": round(time.perf_counter() - started, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "skipped": [str(p)[-120:] for p in stats.problems],
            }
            if not as_json:
                console.print(f"indexed: {report['indexing']}")
        if hostile_corpus:
            cases = [*issue17_cases(), *cases]
        rows = []
        settings = Settings(index_dir=root, search_budget_ms=budget_ms)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            for case in cases:
                client.get(case.path, params=case.params or None)  # warm-up (caches, searcher pool)
                times, statuses, cut, sizes = [], set(), 0, []
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = client.get(case.path, params=case.params or None)
                    times.append((time.perf_counter() - started) * 1000)
                    statuses.add(response.status_code)
                    sizes.append(len(response.content))
                    cut += bool(response.status_code == 200 and response.json().get("timed_out"))
                rows.append(
                    {
                        "note": case.note,
                        "status": sorted(statuses),
                        "median_ms": statistics.median(times),
                        "max_ms": max(times),
                        "timed_out": cut,
                        "max_bytes": max(sizes),
                        "times": times,
                    }
                )
        if clients:
            # Worst cases: the issue's, and every hostile request that took 50 ms or more alone (cheap ones would
            # only measure how 16 clients of cheap requests share two cores).
            special = {case.note for case in issue17_cases()}
            worst = [
                (case.path, case.params)
                for case, row in zip(cases, rows, strict=True)
                if case.path == "/search" and (case.note in special or row["median_ms"] >= WORST_MS)
            ]
            report["worst_cases"] = [
                row["note"] for row in rows if row["note"] in special or row["median_ms"] >= WORST_MS
            ]
            report["concurrency"] = concurrency_check(root, clients, seconds, budget_ms, workers, worst)
    every = [t for row in rows for t in row["times"]]
    summary = {
        "requests": len(rows),
        "timed": len(every),
        "max_ms": max(every),
        "p50_ms": percentile(every, 0.50),
        "p99_ms": percentile(every, 0.99),
        "server_errors": [row["note"] for row in rows if any(s >= 500 for s in row["status"])],
        "over_budget_plus_250": [row["note"] for row in rows if row["max_ms"] > budget_ms + 250],
    }
    if as_json:
        for row in rows:
            del row["times"]
        print(json.dumps({**report, "summary": summary, "requests": rows}, ensure_ascii=False, indent=1))
        return
    slowest = sorted(rows, key=lambda r: r["max_ms"], reverse=True)
    table = Table(title=f"hostile requests, slowest first ({repeat} timed runs each)")
    for column in ("request", "status", "median ms", "max ms", "timed out", "max bytes"):
        table.add_column(column, justify="left" if column == "request" else "right")
    for row in slowest[:top] if top else slowest:
        status = ",".join(map(str, row["status"]))
        table.add_row(
            row["note"],
            status,
            f"{row['median_ms']:.1f}",
            f"{row['max_ms']:.1f}",
            f"{row['timed_out']}/{repeat}",
            f"{row['max_bytes']:,}",
        )
    console.print(table)
    console.print(
        f"{summary['requests']} requests, {summary['timed']} timed: "
        f"max {summary['max_ms']:.1f} ms, p50 {summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms"
    )
    console.print(f"5xx: {summary['server_errors'] or 'none'}")
    console.print(f"over budget + 250 ms ({budget_ms + 250:.0f} ms): {summary['over_budget_plus_250'] or 'none'}")
    if "concurrency" in report:
        console.print_json(json.dumps(report["concurrency"], ensure_ascii=False))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _client_loop(
    base: str, requests: list[tuple[str, dict[str, Any]]], stop: threading.Event, offset: int, out: list[dict[str, Any]]
) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        i = offset
        while not stop.is_set():
            path, params = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                response = http.get(path, params=params or None)
            except httpx.HTTPError as exc:
                out.append({"ms": (time.perf_counter() - started) * 1000, "status": None, "error": type(exc).__name__})
                continue
            ms = (time.perf_counter() - started) * 1000
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            out.append(
                {
                    "ms": ms,
                    "status": response.status_code,
                    "timed_out": body.get("timed_out"),
                    "took_ms": body.get("took_ms"),
                    "q": str(params.get("q", ""))[:60],
                }
            )


def _run_clients(
    base: str, requests: list[tuple[str, dict[str, Any]]], clients: int, length: float
) -> list[dict[str, Any]]:
    """``clients`` threads sending ``requests`` for ``length`` seconds; every answer's sample."""
    stop = threading.Event()
    samples: list[list[dict[str, Any]]] = [[] for _ in range(clients)]
    threads = [
        threading.Thread(target=_client_loop, args=(base, requests, stop, k * 7, samples[k])) for k in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(length)
    stop.set()
    for thread in threads:
        thread.join()
    return [s for found in samples for s in found]


def _send_samples(
    base: str, requests: list[tuple[str, dict[str, Any]]], clients: int, length: float, results: Any
) -> None:
    """:func:`_run_clients` in a process of its own; the samples go back through ``results``."""
    results.send(_run_clients(base, requests, clients, length))


def _latency(samples: list[dict[str, Any]]) -> dict[str, Any]:
    times = [s["ms"] for s in samples]
    if not times:
        return {"requests": 0}
    return {
        "requests": len(times),
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "max_ms": round(max(times), 1),
    }


def concurrency_check(
    root: Path, clients: int, seconds: float, budget_ms: float, workers: int, worst: list[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    """Normal queries alone, then beside ``clients`` clients of worst-case queries, against a real service."""
    port = _free_port()
    env = {**os.environ, "NEWSSEARCH_SEARCH_BUDGET_MS": str(budget_ms), "NEWSSEARCH_LOG_JSON": "1"}
    command = [sys.executable, "-m", "newssearch", "serve", "--index", str(root), "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    normal = [("/search", {**m.params(), "size": 10}) for m in read_mix()]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        for path, params in normal:  # warm the caches so "alone" and "beside" compare like with like
            httpx.get(base + path, params=params, timeout=60)

        def phase(hostile_clients: int, length: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            if not hostile_clients:
                return _run_clients(base, normal, 1, length), []
            # The hostile clients run in a process of their own: parsing their big answers in the normal client's
            # process would slow the normal client's own reading (one interpreter lock), not the service.
            context = multiprocessing.get_context("fork")
            receiving, sending = context.Pipe(duplex=False)
            others = context.Process(target=_send_samples, args=(base, worst, hostile_clients, length, sending))
            others.start()
            alone = _run_clients(base, normal, 1, length)
            hostile_samples: list[dict[str, Any]] = receiving.recv()
            others.join()
            return alone, hostile_samples

        normal_alone, _ = phase(0, seconds / 2)
        normal_beside, hostile = phase(clients, seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    answered = [s for s in hostile if s["status"] == 200]
    spent = [s for s in answered if (s["took_ms"] or 0) >= budget_ms]
    alone_p95 = _latency(normal_alone).get("p95_ms") or 0
    beside_p95 = _latency(normal_beside).get("p95_ms") or 0
    return {
        "clients": clients,
        "seconds": seconds,
        "workers": workers,
        "hostile": _latency(hostile),
        "hostile_statuses": {
            str(k): sum(1 for s in hostile if s["status"] == k) for k in {s["status"] for s in hostile}
        },
        "hostile_over_budget_plus_250": sum(1 for s in hostile if s["ms"] > budget_ms + 250),
        "hostile_timed_out": sum(1 for s in answered if s["timed_out"]),
        "spent_budget_without_timed_out": [s["q"] for s in spent if not s["timed_out"]][:10],
        "slowest_hostile": sorted(hostile, key=lambda s: -s["ms"])[:5],
        "normal_alone": _latency(normal_alone),
        "normal_beside_hostile": _latency(normal_beside),
        "normal_p95_ratio": round(beside_p95 / alone_p95, 2) if alone_p95 else None,
    }


if __name__ == "__main__":
    typer.run(main)
