"""Replay the hostile query corpus (``bench/hostile_queries.jsonl``) against the real app and print latencies.

The app runs in process (FastAPI ``TestClient`` over ASGI, so the figures include routing, validation and JSON
but no socket), over an index of the bundled ``corpus/`` built into a temporary folder, or over ``--index DIR``.
Each request is sent once to warm up, then ``--repeat`` times; the table gives each request's status, median
and max, and the summary the max, p50 and p99 over every timed request. Requests slower than ``--budget-ms``
(500 ms: the issue's figure) are listed. Nothing is asserted: ``tests/test_hostile.py`` checks the statuses.

Run: ``python bench/hostile.py [--index DIR] [--repeat 5] [--top 15] [--json]``.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from hostile_corpus import load_hostile
from newssearch.config import Settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app

REPO = Path(__file__).resolve().parent.parent


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
    budget_ms: Annotated[float, typer.Option(help="List the requests whose max exceeds this.")] = 500.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of tables.")] = False,
) -> None:
    console = Console()
    cases = load_hostile()
    with tempfile.TemporaryDirectory(prefix="newssearch-hostile-") as tmp:
        root = index
        if root is None:
            root = Path(tmp)
            started = time.perf_counter()
            stats = index_corpus([REPO / "corpus"], root)
            if not as_json:
                console.print(f"indexed {stats.documents} articles in {time.perf_counter() - started:.1f} s")
        rows = []
        with TestClient(create_app(Settings(index_dir=root)), raise_server_exceptions=False) as client:
            for case in cases:
                client.get(case.path, params=case.params or None)  # warm-up (caches, searcher pool)
                times, statuses = [], set()
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = client.get(case.path, params=case.params or None)
                    times.append((time.perf_counter() - started) * 1000)
                    statuses.add(response.status_code)
                rows.append(
                    {
                        "note": case.note,
                        "status": sorted(statuses),
                        "median_ms": statistics.median(times),
                        "max_ms": max(times),
                        "times": times,
                    }
                )
    every = [t for row in rows for t in row["times"]]
    summary = {
        "requests": len(rows),
        "timed": len(every),
        "max_ms": max(every),
        "p50_ms": percentile(every, 0.50),
        "p99_ms": percentile(every, 0.99),
        "server_errors": [row["note"] for row in rows if any(s >= 500 for s in row["status"])],
        "over_budget": [row["note"] for row in rows if row["max_ms"] > budget_ms],
    }
    if as_json:
        for row in rows:
            del row["times"]
        print(json.dumps({"summary": summary, "requests": rows}, ensure_ascii=False, indent=1))
        return
    slowest = sorted(rows, key=lambda r: r["max_ms"], reverse=True)
    table = Table(title=f"hostile requests, slowest first ({repeat} timed runs each)")
    for column in ("request", "status", "median ms", "max ms"):
        table.add_column(column, justify="left" if column == "request" else "right")
    for row in slowest[:top] if top else slowest:
        status = ",".join(map(str, row["status"]))
        table.add_row(row["note"], status, f"{row['median_ms']:.1f}", f"{row['max_ms']:.1f}")
    console.print(table)
    console.print(
        f"{summary['requests']} requests, {summary['timed']} timed: "
        f"max {summary['max_ms']:.1f} ms, p50 {summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms"
    )
    console.print(f"5xx: {summary['server_errors'] or 'none'}")
    console.print(f"over {budget_ms:.0f} ms: {summary['over_budget'] or 'none'}")


if __name__ == "__main__":
    typer.run(main)
