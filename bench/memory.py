"""Serving memory (issue 19): each serving process's PSS, private memory and RSS after load, 1 or 2 workers.

Starts ``python -m newssearch serve --index IX --workers N`` (the interpreter and ``PYTHONPATH`` of this run, so a
worktree's code is measured), waits for ``/readyz``, sends one load spread over the workers (a stream of distinct
queries from the corpus, then the committed mix three times, 4 at once, each request on a connection of its own, so
that the kernel spreads them over the workers' sockets; ``load_cpu_s`` shows each process's share), then reads
``/proc/PID/smaps_rollup`` and ``/proc/PID/status`` of the supervisor and each worker:

- ``pss``: proportional set size (a page shared by k processes counts 1/k in each): the memory a process costs;
- ``pss_anon``, ``pss_file``: the PSS of its anonymous memory (heap) and of mapped files (the index, libraries);
- ``private``: ``Private_Clean + Private_Dirty`` (pages only this process maps, files included);
- ``private_dirty``: the heap pages only this process has (what a further worker adds, besides file pages);
- ``anon``: ``RssAnon`` (heap, the Python objects: the same with or without sharing after a fork);
- ``rss``: ``VmRSS``.

Prints one JSON object. Nothing is asserted. Run:
``python bench/memory.py --index bench/out/bench-body150k/ix --workers 2``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from bench import DEFAULT_CORPUS, OUT, cpu_seconds, free_port, process_tree, wait_until_ready
from load import MIX, read_mix
from newssearch.service.idle_memory import IDLE_SECONDS
from scaling import _send, distinct_queries

app = typer.Typer(add_completion=False)

#: Requests in flight at once, whatever the workers: the same load, so that one worker and two compare.
CLIENTS = 4


def memory_kb(pid: int) -> dict[str, int]:
    """``pss``, ``private``, ``anon`` and ``rss`` of one process in kB (empty if it is gone)."""
    fields: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                fields[name] = int(rest.split()[0])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile"):
                fields[name] = int(rest.split()[0])
    except OSError:
        return {}
    return {
        "pss": fields.get("Pss", 0),
        "pss_anon": fields.get("Pss_Anon", 0),
        "pss_file": fields.get("Pss_File", 0),
        "private": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0),
        "private_dirty": fields.get("Private_Dirty", 0),
        "anon": fields.get("RssAnon", 0),
        "rss": fields.get("VmRSS", 0),
    }


def _stream(corpus: Path) -> list[str]:
    """The distinct queries of ``scaling.py`` (cached: reading the corpus takes a while)."""
    cache = OUT / "memory-stream.json"
    if cache.exists():
        return list(json.loads(cache.read_text(encoding="utf-8")))
    queries = distinct_queries(corpus)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    return queries


@app.command()
def main(
    index: Annotated[Path, typer.Option(help="Index root to serve (only read).")],
    workers: Annotated[int, typer.Option(min=1)] = 2,
    corpus: Annotated[Path, typer.Option(help="Corpus the distinct queries are drawn from.")] = DEFAULT_CORPUS,
    log: Annotated[Path, typer.Option(help="Service log.")] = OUT / "memory-serve.log",
    rounds: Annotated[int, typer.Option(help="Times the committed mix is sent after the stream.")] = 3,
    load: Annotated[bool, typer.Option(help="Send the load (else: memory after ready only).")] = True,
) -> None:
    stream = _stream(corpus)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "newssearch", "serve", "--index", str(index), "--port", str(port)]
    command += ["--workers", str(workers)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    result: dict[str, Any] = {"workers": workers, "index": str(index)}
    try:
        started = time.perf_counter()
        with httpx.Client(base_url=url, timeout=60) as client:
            wait_until_ready(client, process, log)
        # Every worker listens on its own socket: wait until all are ready (the kernel spreads new connections).
        time.sleep(1.0)
        result["ready_s"] = round(time.perf_counter() - started, 1)
        pids = process_tree(process.pid)
        result["after_ready"] = {str(pid): memory_kb(pid) for pid in pids}
        if not load:
            result["total_pss_kb"] = sum(m.get("pss", 0) for m in result["after_ready"].values())
            return
        distinct = [{"q": q, "size": "10"} for q in stream]
        mix = [q.params() for q in read_mix(MIX) if q.params().get("q")]
        begun = time.perf_counter()
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        timings = _send(url, distinct + mix * rounds, CLIENTS, fresh=True)
        # Each process's share of the work: a worker that served nothing would make the second one look cheap.
        result["load_cpu_s"] = {str(pid): round(cpu_seconds(pid) - cpu_before[pid], 1) for pid in pids}
        result["requests"] = len(timings)
        result["load_s"] = round(time.perf_counter() - begun, 1)
        ordered = sorted(timings)
        result["p50_ms"] = round(ordered[len(ordered) // 2], 1)
        result["p95_ms"] = round(ordered[int(0.95 * (len(ordered) - 1))], 1)
        pids = process_tree(process.pid)
        result["after_load"] = {str(pid): memory_kb(pid) for pid in pids}
        result["total_pss_kb"] = sum(m.get("pss", 0) for m in result["after_load"].values())
        # An idle worker gives its free heap back (``service/idle_memory.py``): the figures once it has.
        time.sleep(IDLE_SECONDS + 1.0)
        result["after_idle"] = {str(pid): memory_kb(pid) for pid in pids}
        result["total_pss_idle_kb"] = sum(m.get("pss", 0) for m in result["after_idle"].values())
        result["supervisor"] = process.pid
    finally:
        print(json.dumps(result, indent=1))
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)


if __name__ == "__main__":
    app()
