"""First queries after start and after a nightly reindex switches generations, as staff meet them each morning.

Starts ``newssearch serve`` (1 worker) on an index, then:

1. **after start**: the first query once ``/readyz`` says ready, then a stream of distinct queries, each sent once;
2. **after a switch**: warms the service on half the mix, runs an incremental ``newssearch index`` that adds a few
   articles (the nightly run), and from the moment ``CURRENT`` changes sends the other half of the mix
   (distinct queries, never sent before), noting which generation answered each (``/readyz`` before and after).

Prints the latencies (first query, p50/p90/p95/max of the stream) as JSON. Nothing is asserted: the figures go to
``bench/RESULTS.md``. The index is changed (the added articles): use a copy or a bench index.

Run: ``python bench/switch.py --index bench/out/bench-final/ix --corpus ../shared/corpus/vietnews.jsonl.gz``
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

BENCH = Path(__file__).resolve().parent
MIX = BENCH / "queries-mix.tsv"

app = typer.Typer(add_completion=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _mix() -> list[dict[str, str]]:
    """The committed query mix's distinct query texts as /search parameters, in file order (filters left out: the
    archive measured here may have no dates or categories)."""
    texts = []
    for line in MIX.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("#") or parts[0] == "qid" or len(parts) < 3 or not parts[2].strip():
            continue
        texts.append(parts[2])
    return [{"q": text} for text in dict.fromkeys(texts)]


def _timed(client: httpx.Client, params: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.get("/search", params={**params, "size": 10})
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def _summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)

    def pct(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))], 1)

    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p90": pct(0.9),
        "p95": pct(0.95),
        "max": round(ordered[-1], 1),
    }


@app.command()
def main(
    index: Annotated[Path, typer.Option(help="Index root to serve (it gets a few articles added).")],
    corpus: Annotated[list[Path], typer.Option(help="The corpus the index holds (the run reads it whole).")],
    articles: Annotated[int, typer.Option(help="Articles the nightly run adds.")] = 5,
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [sys.executable, "-m", "newssearch", "serve", "--index", str(index), "--port", str(port)]
    started = time.perf_counter()
    server = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict[str, Any] = {}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            results["start_to_ready_s"] = round(time.perf_counter() - started, 2)
            mix = _mix()
            half = len(mix) // 2
            first, warm, after = mix[0], mix[1:half], mix[half:]
            results["first_query_after_start_ms"] = round(_timed(client, first), 1)
            results["stream_after_start"] = _summary([_timed(client, q) for q in warm])
            before = client.get("/readyz").json()["generation"]

            with tempfile.TemporaryDirectory() as folder:
                feed = Path(folder) / "nightly.jsonl"
                # The run's time in every body: a second run over the same index changes (updates) them again.
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                lines = [
                    json.dumps(
                        {"id": f"nightly-{i}", "title": f"Tin đêm số {i}", "body": f"Nội dung tin đêm {i} ({stamp})."},
                        ensure_ascii=False,
                    )
                    for i in range(articles)
                ]
                feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
                # The whole corpus and the new feed: a run deletes what its corpus lacks.
                roots = [str(path) for path in corpus] + [str(feed)]
                index_run = [sys.executable, "-m", "newssearch", "index", *roots, "--index", str(index), "--json"]
                ran = subprocess.run(index_run, capture_output=True, text=True, check=False)
            results["index_run"] = ran.stdout.strip().splitlines()[-1] if ran.stdout.strip() else ran.stderr[-300:]
            timings, generations = [], []
            for params in after:
                timings.append(_timed(client, params))
                generations.append(client.get("/readyz").json()["generation"])
            results["generation_before"] = before
            results["first_query_after_switch_ms"] = round(timings[0], 1)
            results["stream_after_switch"] = _summary(timings)
            results["first_30_after_switch"] = _summary(timings[:30])
            results["answered_by_new_generation_from_query"] = next(
                (i + 1 for i, g in enumerate(generations) if g != before), None
            )
            results["generation_after"] = generations[-1] if generations else before
    finally:
        server.terminate()
        server.wait(timeout=30)
    typer.echo(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    app()
