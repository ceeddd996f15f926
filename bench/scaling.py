"""The cost curve (issue 19): build and serve 150k, 300k and 600k articles and report what each size costs.

The larger archives are VietNews (``../shared/corpus/vietnews.jsonl.gz``, 150,703 articles) repeated with new ids
(``<id>~2``, ``<id>~3``, …): the same texts, so the vocabulary does not grow as a real archive's would, but every
posting list, stored field and companion array does. For each size:

1. **build**: ``newssearch index --rebuild --procs 2`` (``bench.build_index``): wall time, peak RSS, and the index
   on disk split into Whoosh's files and the columnar companion (``*.cols``);
2. **one worker** (``newssearch serve``): time to ready, the first query, a stream of distinct queries each sent
   once (:func:`distinct_queries`: headlines, short names without diacritics and pasted leads of articles picked
   at random, and the committed mix's texts), then the mix repeated (warm); RSS and PSS of the worker;
3. **two workers**: the same stream and mix through four connections at once (the kernel spreads connections over
   the workers' sockets), then each worker's RSS and PSS (PSS shares the mapped companion pages between the
   processes that map them) and the requests per second.

Writes ``bench/out/scaling/results.json`` (git-ignored: the corpus is research-use only) and, from every size
measured so far, ``bench/scaling.png`` (committed). Nothing is asserted.

Run: ``python bench/scaling.py --copies 1,2,4`` (``--reuse`` measures indexes already built).
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import threading
import time
import unicodedata
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from unidecode import unidecode

from bench import DEFAULT_CORPUS, OUT, Service, build_index, dir_bytes, note, process_tree, rss_kb, status_kb
from load import MIX, read_mix

SCALING = OUT / "scaling"
PLOT = Path(__file__).resolve().parent / "scaling.png"
STREAM_QUERIES = 300

app = typer.Typer(add_completion=False)


def pss_kb(pid: int) -> int:
    """Proportional set size of one process in kB: shared pages count once across the processes mapping them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def repeated_corpus(corpus: Path, copies: int) -> Path:
    """``corpus`` ``copies`` times, the repeats with new ids (reused when already written)."""
    if copies == 1:
        return corpus
    dest = SCALING / f"vietnews-x{copies}.jsonl.gz"
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".part")
    with gzip.open(partial, "wt", encoding="utf-8", compresslevel=1) as out:
        for copy in range(1, copies + 1):
            with gzip.open(corpus, "rt", encoding="utf-8") as src:
                for line in src:
                    if copy > 1:
                        article = json.loads(line)
                        article["id"] = f"{article['id']}~{copy}"
                        line = json.dumps(article, ensure_ascii=False) + "\n"
                    out.write(line)
    partial.rename(dest)
    return dest


def distinct_queries(corpus: Path, count: int = STREAM_QUERIES, seed: int = 19) -> list[str]:
    """Distinct queries of the three shapes staff type, from articles picked at random, then the mix's texts.

    In turn: a headline, two or three of its words without diacritics (a short name's shape), the first 25 words of
    the lede (a pasted lead); :func:`shape_of` tells them apart again."""
    rng = random.Random(seed)
    with gzip.open(corpus, "rt", encoding="utf-8") as src:
        articles = [json.loads(line) for line in src]
    queries: list[str] = []
    for article in rng.sample(articles, count):
        title = " ".join(str(article.get("title", "")).split())
        lead = " ".join(str(article.get("abstract") or article.get("body", "")).split()[:25])
        words = title.split()
        shape = len(queries) % 3
        if shape == 0 and title:
            queries.append(title)
        elif shape == 1 and len(words) >= 3:
            start = rng.randrange(0, len(words) - 2)
            plain = unidecode(unicodedata.normalize("NFC", " ".join(words[start : start + rng.choice((2, 3))])))
            queries.append(plain.lower().strip(".,:;!?\"'()"))
        elif lead:
            queries.append(lead)
    mix = [q.params()["q"] for q in read_mix(MIX) if q.params().get("q")]
    return list(dict.fromkeys(q for q in queries + mix if q.strip()))


def shape_of(query: str, mix: set[str]) -> str:
    """``mix``, ``short`` (up to three words), ``lead`` (20 words or more) or ``headline``."""
    words = len(query.split())
    return "mix" if query in mix else "short" if words <= 3 else "lead" if words >= 20 else "headline"


def _timed(client: httpx.Client, params: dict[str, str]) -> float:
    started = time.perf_counter()
    client.get("/search", params=params).raise_for_status()
    return (time.perf_counter() - started) * 1000


def summary(timings: list[float]) -> dict[str, float]:
    """Count, median, p90, p95 and maximum of some timings (ms), rounded to 0.1."""
    ordered = sorted(timings)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max": round(ordered[-1], 1),
    }


def _workers(service: Service) -> dict[str, dict[str, int]]:
    """RSS and PSS of each process serving searches (a supervisor without an index is listed too)."""
    assert service.process is not None
    found = {}
    for pid in process_tree(service.process.pid):
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        found[f"{pid} {command[:80].strip()}"] = {
            "rss_kb": rss_kb(pid),
            "pss_kb": pss_kb(pid),
            "rss_anon_kb": status_kb(pid, "RssAnon"),
            "rss_file_kb": status_kb(pid, "RssFile"),
        }
    return found


def serve_and_measure(index: Path, stream: list[str], workers: int, log: Path) -> dict[str, Any]:
    """Start the service, then: the first query, the distinct stream, the mix repeated three times (warm).

    With one worker, one client sends them one at a time (latency). With more, ``CLIENTS`` clients share them, each
    request on a connection of its own (see :func:`_send`) so that the kernel spreads them over the workers (memory
    and throughput); runs before 2026-12-02 kept four connections alive, which could all land on one worker.
    """
    service = Service(index, workers, log)
    mix = [q.params() for q in read_mix(MIX) if q.params().get("q")]
    distinct = [{"q": q, "size": "10"} for q in stream[1:]]
    result: dict[str, Any] = {"workers": workers}
    try:
        service.start(_Query(stream[0]))
        result["ready_s"] = round(service.ready_s or 0, 2)
        result["first_query_ms"] = round(service.first_search_ms or 0, 1)
        result["after_start"] = _workers(service)
        clients = 1 if workers == 1 else CLIENTS
        started = time.perf_counter()
        timings = _send(service.url, distinct, clients, fresh=workers > 1)
        rate = round(len(timings) / (time.perf_counter() - started), 1)
        result["distinct_stream"] = summary(timings) | {"req_s": rate}
        result["first_30_distinct"] = summary(timings[:30])
        mix_texts = {q["q"] for q in mix}
        shapes = [shape_of(q["q"], mix_texts) for q in distinct]
        result["distinct_by_shape"] = {
            shape: summary([t for t, s in zip(timings, shapes, strict=True) if s == shape])
            for shape in sorted(set(shapes))
        }
        result["after_stream"] = _workers(service)
        started = time.perf_counter()
        warm = _send(service.url, mix * 3, clients, fresh=workers > 1)
        result["warm_mix"] = summary(warm) | {"req_s": round(len(warm) / (time.perf_counter() - started), 1)}
        result["processes"] = _workers(service)
    finally:
        service.stop()
    return result


#: Concurrent clients when several workers serve.
CLIENTS = 4


def _send(url: str, requests: list[dict[str, str]], clients: int, *, fresh: bool = False) -> list[float]:
    """Send ``requests`` through ``clients`` connections at once (each takes the next one left); latencies in order.

    ``fresh``: a new connection for every request. Workers listen on sockets of their own (``SO_REUSEPORT``) and the
    kernel picks one per connection by its addresses, so a few kept-alive connections can all land on one worker
    (four did, in one run of ``memory.py`` of two); hundreds of connections spread over them all."""
    timings: list[float] = [0.0] * len(requests)
    cursor = iter(range(len(requests)))
    lock = threading.Lock()
    limits = httpx.Limits(max_keepalive_connections=0) if fresh else httpx.Limits()

    def run() -> None:
        with httpx.Client(base_url=url, timeout=120, limits=limits) as client:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                timings[i] = _timed(client, requests[i])

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


class _Query:
    """What ``Service.start`` sends as its first query."""

    def __init__(self, text: str) -> None:
        self.text = text

    def params(self) -> dict[str, str]:
        return {"q": self.text, "size": "10"}


def measure(copies: int, corpus: Path, reuse: bool) -> dict[str, Any]:
    folder = SCALING / f"x{copies}"
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "ix"
    source = repeated_corpus(corpus, copies)
    figures: dict[str, Any] = {"copies": copies}
    recorded = folder / "build.json"  # an earlier build's figures (with --reuse)
    if not (reuse and index.exists()):
        build = build_index(source, index, 2, folder)
        figures["build"] = {
            "documents": build.documents,
            "wall_s": round(build.wall_s, 1),
            "peak_rss_kb": build.peak_rss_kb,
            "peak_tree_rss_kb": build.peak_tree_rss_kb,
        }
        recorded.write_text(json.dumps(figures["build"]))
    elif recorded.exists():
        figures["build"] = json.loads(recorded.read_text())
    live = index / (index / "CURRENT").read_text().strip()
    companion = sum(p.stat().st_size for p in live.glob("*.cols"))
    figures["disk"] = {"whoosh_bytes": dir_bytes(live) - companion, "companion_bytes": companion}
    stream = distinct_queries(corpus)
    note(f"x{copies}: {len(stream)} distinct queries")
    figures["one_worker"] = serve_and_measure(index, stream, 1, folder / "serve-1.log")
    figures["two_workers"] = serve_and_measure(index, stream, 2, folder / "serve-2.log")
    return figures


def plot(results: dict[str, Any]) -> None:
    """One figure of four panels from every size measured: build, disk, memory, latency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(results.values(), key=lambda r: r["copies"])
    sizes = [r["build"]["documents"] / 1000 if "build" in r else 150.703 * r["copies"] for r in rows]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    (build, disk), (memory, latency) = axes
    build.plot(sizes, [r.get("build", {}).get("wall_s", float("nan")) / 60 for r in rows], "o-")
    build.set(title="Full rebuild (--procs 2)", ylabel="minutes")
    disk.plot(sizes, [r["disk"]["whoosh_bytes"] / 2**30 for r in rows], "o-", label="Whoosh")
    disk.plot(sizes, [r["disk"]["companion_bytes"] / 2**30 for r in rows], "s-", label="columnar companion")
    disk.set(title="Index on disk", ylabel="GB")
    disk.legend()

    def service_kb(run: dict[str, Any], key: str) -> list[int]:
        return [p[key] for p in run["processes"].values()]

    one = [r["one_worker"] for r in rows]
    memory.plot(sizes, [max(service_kb(w, "rss_kb")) / 1024 for w in one], "o-", label="1 worker: RSS")
    memory.plot(sizes, [max(service_kb(w, "rss_anon_kb")) / 1024 for w in one], "^-", label="1 worker: private")
    two = [r["two_workers"] for r in rows]
    memory.plot(sizes, [sum(service_kb(w, "pss_kb")) / 1024 for w in two], "s-", label="2 workers: PSS, all")
    memory.set(title="Serving memory after the runs", ylabel="MB")
    memory.legend()
    for key, label in (("p50", "p50"), ("p95", "p95")):
        latency.plot(sizes, [r["one_worker"]["distinct_stream"][key] for r in rows], "o-", label=f"distinct {label}")
        latency.plot(sizes, [r["one_worker"]["warm_mix"][key] for r in rows], "s--", label=f"warm {label}")
    latency.set(title="/search, 1 worker", ylabel="ms")
    latency.legend()
    for axis in axes.flat:
        axis.set_xlabel("articles (thousands)")
        axis.grid(alpha=0.3)
        axis.set_ylim(bottom=0)
    fig.suptitle("newssearch cost curve — VietNews repeated with new ids, 2-core VM")
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


@app.command()
def main(
    copies: Annotated[str, typer.Option(help="Sizes as copies of the corpus, comma-separated.")] = "1,2,4",
    corpus: Annotated[Path, typer.Option(help="JSON Lines corpus (.jsonl.gz).")] = DEFAULT_CORPUS,
    reuse: Annotated[bool, typer.Option(help="Measure indexes already built (no build figures then).")] = False,
    plot_only: Annotated[bool, typer.Option(help="Only redraw the plot from results.json.")] = False,
) -> None:
    path = SCALING / "results.json"
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    if not plot_only:
        for k in (int(c) for c in copies.split(",")):
            results[f"x{k}"] = measure(k, corpus, reuse)
            SCALING.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(results, indent=1))
            typer.echo(json.dumps(results[f"x{k}"], indent=1))
    plot(results)
    typer.echo(f"plot: {PLOT}")


if __name__ == "__main__":
    app()
