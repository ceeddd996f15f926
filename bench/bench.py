"""Performance at archive scale (issue 7), measured side by side, and behaviour under hostile load (issue 8).

One run measures, on one corpus (default: the 150,703 VietNews articles; ``--limit N`` for the first N):

1. **build**: ``newssearch index CORPUS --rebuild --procs 2 --json --quiet`` as a subprocess under
   ``/usr/bin/time -v``: wall time, docs/s, peak RSS (largest single process, from ``time -v``, and the sum
   over the indexer's process tree, sampled every 0.5 s), index size on disk. ``--reuse-index DIR`` skips the
   build and takes these figures from ``--build-figures FILE`` (JSON, see ``BuildFigures``), or says "not
   measured"; the size on disk is always measured.
2. **query latency**: the committed query mix (``bench/queries-mix.tsv``) sent to ``/search`` of the real
   service (``newssearch serve``, 1 worker, in its own process) over loopback by one keep-alive ``httpx``
   client, one request at a time: HTTP, routing, validation, facets, highlighted snippets and JSON, as a page
   gets them. The first request after ``/readyz`` answers 200 is reported as the cold query; the rest of that
   first pass is the cold pass (and the warm-up); then ``--repeat`` timed passes give p50/p95/p99. A
   ``/healthz`` round trip shows what HTTP and the client add. (Earlier runs used Starlette's in-process
   ``TestClient``; its thread portal adds ~6 ms to every request, even to an empty FastAPI app.)
3. **service**: ``newssearch serve --index DIR --port P --workers N`` as a separate process, for N = 1 and 2:
   time from launch to the first ``/readyz`` 200, the first ``/search`` after that, then ``bench/load.py`` (a
   second process) runs 16 closed-loop clients on loopback, 60 s to warm up (each worker process fills its own
   caches; its throughput is reported too) and 30 s measured: throughput, errors, latency; then the RSS of
   the serving processes.
4. **baselines**: the same corpus and the mix's query texts on SQLite FTS5 and Tantivy, with
   ``bench/baselines.py``'s engines (their indexes are reused with ``--reuse-baselines``), as ratios to
   newssearch: the ``/search`` latency of section 2, and the search core alone (no HTTP, no snippets, the
   query text without filters, as the baselines get it).
5. **hostile load** (issue 8): 16 clients for 60 s against one worker with 2 % of the requests taken from
   ``tests/hostile_queries.jsonl``, and the same run without them: errors and p99 of the normal queries.

Everything is printed as tables and written to ``bench/out/bench-<name>/`` (``results.json``, ``results.md``,
service logs): git-ignored, because the corpus is research-use only.

Run: ``python bench/bench.py --help``; e.g. ``python bench/bench.py --limit 2000 --index bench/out/bench-dev/ix`` or
``python bench/bench.py --reuse-index bench/out/vietnews-ix --build-figures FILE --reuse-baselines``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from baselines import Fts5, Tantivy, read_corpus, run_queries
from load import MIX, MixQuery, percentile, read_mix

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "vietnews.jsonl.gz"  # ../shared
NEWSSEARCH = Path(sys.executable).with_name("newssearch")
GNU_TIME = Path("/usr/bin/time")

#: The issue's targets.
TARGET_P50_MS = 30.0
TARGET_P95_MS = 100.0
TARGET_BUILD_S = 600.0
TARGET_BUILD_RSS_KB = 2 * 1024 * 1024
TARGET_START_S = 2.0
TARGET_HOSTILE_P99_RATIO = 1.2

console = Console()
err = Console(stderr=True)


def note(message: str) -> None:
    """Progress on stderr, with the time of day."""
    err.print(f"[dim]{datetime.now(UTC):%H:%M:%S}[/dim] {message}", highlight=False)


# ------------------------------------------------------------------------------------------- processes


def _children_map() -> dict[int, list[int]]:
    """Parent pid → child pids, from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def status_kb(pid: int, name: str) -> int:
    """One ``kB`` figure of ``/proc/PID/status`` (``VmRSS``, ``RssAnon``, ``RssFile``…); 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    """Resident set size of one process in kB (0 if it is gone)."""
    return status_kb(pid, "VmRSS")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


def children_cpu_seconds() -> float:
    """User and system CPU time of this process's finished, waited-for children (the load client's share)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class TreeRssSampler:
    """Samples the summed RSS of a process tree in a background thread; ``peak_kb`` is the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in process_tree(self.pid)))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def dir_bytes(path: Path) -> int:
    """Bytes of all files under ``path``."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def wait_until_ready(client: httpx.Client, process: subprocess.Popen[Any], log: Path, timeout: float = 600) -> None:
    """Poll ``/readyz`` until it answers 200; an error naming ``log`` when the service exits or is not ready in time."""
    started = time.perf_counter()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"newssearch serve exited {process.returncode}; see {log}")
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"newssearch serve not ready after {timeout} s; see {log}")
        with contextlib.suppress(httpx.TransportError):
            if client.get("/readyz").status_code == 200:
                return
        time.sleep(0.02)


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ---------------------------------------------------------------------------------------------- corpus


def limited_corpus(corpus: Path, limit: int, dest: Path) -> Path:
    """The first ``limit`` articles of a ``.jsonl.gz`` corpus, written to ``dest`` (reused when present)."""
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".part")
    with gzip.open(corpus, "rt", encoding="utf-8") as src, gzip.open(partial, "wt", encoding="utf-8") as out:
        for number, line in enumerate(src):
            if number >= limit:
                break
            out.write(line)
    partial.rename(dest)
    return dest


# ------------------------------------------------------------------------------------------ 1. build


@dataclass
class BuildFigures:
    """A full index build. ``peak_rss_kb``: largest single process (``time -v``); ``peak_tree_rss_kb``: the
    indexer and its children together (sampled); ``source``: where the figures come from."""

    documents: int
    wall_s: float
    indexer_s: float | None
    peak_rss_kb: int | None
    peak_tree_rss_kb: int | None
    source: str

    @property
    def docs_per_s(self) -> float:
        """Articles indexed per second of wall time."""
        return self.documents / self.wall_s


def _time_v(stderr: str, label: str) -> str | None:
    match = re.search(rf"^\s*{re.escape(label)}: (.+)$", stderr, re.MULTILINE)
    return match.group(1).strip() if match else None


def _clock_s(value: str) -> float:
    """``h:mm:ss`` or ``m:ss.ss`` → seconds."""
    seconds = 0.0
    for part in value.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def build_index(corpus: Path, index: Path, procs: int, log_dir: Path) -> BuildFigures:
    """Rebuild ``index`` from ``corpus`` with the ``newssearch index`` command and measure it."""
    command = [
        str(GNU_TIME),
        "-v",
        str(NEWSSEARCH),
        "index",
        str(corpus),
        "--index",
        str(index),
        "--rebuild",
        "--procs",
        str(procs),
        "--json",
        "--quiet",
    ]
    note(f"build: {' '.join(command[2:])}")
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeRssSampler(process.pid) as sampler:
        stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    (log_dir / "build.out").write_text(stdout)
    (log_dir / "build.err").write_text(stderr)
    if process.returncode not in (0, 3):
        raise RuntimeError(f"newssearch index exited {process.returncode}: {stderr[-2000:]}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    max_rss = _time_v(stderr, "Maximum resident set size (kbytes)")
    elapsed = _time_v(stderr, "Elapsed (wall clock) time (h:mm:ss or m:ss)")
    return BuildFigures(
        documents=int(summary["documents"]),
        wall_s=_clock_s(elapsed) if elapsed else wall,
        indexer_s=float(summary["seconds"]),
        peak_rss_kb=int(max_rss) if max_rss else None,
        peak_tree_rss_kb=sampler.peak_kb,
        source=f"measured in this run: {' '.join(command)}",
    )


def read_build_figures(path: Path) -> BuildFigures:
    """Build figures recorded earlier (a JSON object with ``BuildFigures``'s fields)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    fields = BuildFigures.__dataclass_fields__
    return BuildFigures(**{key: data.get(key) for key in fields})


# --------------------------------------------------------------------------------- 2. query latency


@dataclass
class Percentiles:
    """Latency summary in milliseconds."""

    n: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, values: list[float]) -> Percentiles:
        """Nearest-rank percentiles of ``values``."""
        return cls(
            len(values),
            percentile(values, 0.50),
            percentile(values, 0.95),
            percentile(values, 0.99),
            max(values, default=None),
        )


def app_latency(index: Path, mix: list[MixQuery], repeat: int, log: Path) -> dict[str, Any]:
    """The mix through ``/search`` of the real service over loopback, one request at a time (module docstring)."""
    per_query: dict[str, list[float]] = {query.qid: [] for query in mix}
    core_ms: dict[str, list[float]] = {query.qid: [] for query in mix}
    answers: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    service = Service(index, 1, log)
    try:
        service.start(mix[0])
        assert service.ready_s is not None and service.first_search_ms is not None
        with httpx.Client(base_url=service.url, timeout=60) as client:
            ready = client.get("/readyz").json()

            def send(query: MixQuery) -> float:
                begun = time.perf_counter()
                response = client.get("/search", params=query.params())
                ms = (time.perf_counter() - begun) * 1000
                if response.status_code != 200:
                    failures.append(f"{query.qid} {query.label()}: {response.status_code} {response.text[:300]}")
                    return ms
                body = response.json()
                core_ms[query.qid].append(float(body["took_ms"]))
                answers[query.qid] = {"total": body["total"], "match": body["match"], "hits": len(body["hits"])}
                return ms

            cold_pass = [service.first_search_ms] + [send(query) for query in mix[1:]]
            for _ in range(repeat):
                for query in mix:
                    per_query[query.qid].append(send(query))
            round_trips = []
            for _ in range(200):
                begun = time.perf_counter()
                client.get("/healthz")
                round_trips.append((time.perf_counter() - begun) * 1000)
    finally:
        service.stop()
    every = [ms for values in per_query.values() for ms in values]
    medians = {qid: sorted(values)[len(values) // 2] for qid, values in per_query.items() if values}
    labels = {query.qid: f"{query.kind}: {query.label()}" for query in mix}
    slowest = sorted(medians, key=lambda qid: medians[qid], reverse=True)[:12]
    by_kind: dict[str, list[float]] = {}
    for query in mix:
        by_kind.setdefault(query.kind, []).extend(per_query[query.qid])
    return {
        "open_s": service.ready_s,
        "documents": ready.get("documents"),
        "cold_query": labels[mix[0].qid],
        "cold_first_query_ms": service.first_search_ms,
        "cold_pass": asdict(Percentiles.of(cold_pass)),
        "warm": asdict(Percentiles.of(every)),
        "core_took_ms": asdict(Percentiles.of([ms for values in core_ms.values() for ms in values[1:]])),
        "healthz_round_trip": asdict(Percentiles.of(round_trips)),
        "by_kind": {kind: asdict(Percentiles.of(values)) for kind, values in by_kind.items()},
        "slowest": [
            {
                "query": labels[qid],
                "median_ms": medians[qid],
                "max_ms": max(per_query[qid]),
                **answers.get(qid, {}),
            }
            for qid in slowest
        ],
        "failures": failures,
        "repeat": repeat,
    }


def core_latency(index: Path, texts: list[str], repeat: int) -> list[float]:
    """The search core alone on ``texts`` (no filters, no snippets; facets are still counted), warm."""
    from newssearch import Archive, SearchRequest, Settings

    timings = []
    with Archive.open(Settings(index_dir=index)) as archive:
        for text in texts:  # warm-up
            archive.search(SearchRequest(text, highlight=False))
        for _ in range(repeat):
            for text in texts:
                begun = time.perf_counter()
                archive.search(SearchRequest(text, highlight=False))
                timings.append((time.perf_counter() - begun) * 1000)
    return timings


# ---------------------------------------------------------------------------------------- 3. service


class Service:
    """``newssearch serve`` in its own process group; logs go to a file."""

    def __init__(self, index: Path, workers: int, log: Path) -> None:
        self.index, self.workers, self.log = index, workers, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_s: float | None = None
        self.first_search_ms: float | None = None

    def start(self, first_query: MixQuery, timeout: float = 600.0) -> None:
        """Launch, wait for ``/readyz`` 200 (timing it), then time one ``/search``."""
        command = [
            str(NEWSSEARCH),
            "serve",
            "--index",
            str(self.index),
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        env = {**os.environ, "NEWSSEARCH_LOG_JSON": "true"}
        handle = self.log.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        handle.close()
        with httpx.Client(base_url=self.url, timeout=60) as client:
            wait_until_ready(client, self.process, self.log, timeout)
            self.ready_s = time.perf_counter() - started
            begun = time.perf_counter()
            client.get("/search", params=first_query.params())
            self.first_search_ms = (time.perf_counter() - begun) * 1000

    def serving_rss_kb(self) -> dict[str, int]:
        """RSS of every process of the service, keyed ``pid command`` (with several workers: the supervisor,
        each worker, and multiprocessing's helper)."""
        assert self.process is not None
        found = {}
        for pid in process_tree(self.process.pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found[f"{pid} {command[:120].strip()}"] = rss_kb(pid)
        return found

    def tracebacks(self) -> list[str]:
        """Tracebacks the service logged (the JSON logs keep them in the ``exception`` field)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        found = []
        for line in text.splitlines():
            if "Traceback" in line or '"exception"' in line or "Exception in ASGI" in line:
                found.append(line[:4000])
        return found

    def stop(self) -> None:
        """SIGTERM the service (the supervisor stops its workers), SIGKILL its group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def run_load(
    url: str, clients: int, seconds: float, hostile: float, mix: Path, transport: str = "raw"
) -> dict[str, Any]:
    """``bench/load.py`` in a second process (``transport``: its HTTP client, see ``load.RawConnection``); its
    JSON report."""
    command = [
        sys.executable,
        str(BENCH / "load.py"),
        "--url",
        url,
        "--clients",
        str(clients),
        "--seconds",
        str(seconds),
        "--hostile",
        str(hostile),
        "--mix",
        str(mix),
        "--transport",
        transport,
    ]
    note(f"load: {clients} clients, {seconds:.0f} s, hostile {hostile:.0%}, {transport} client → {url}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load.py failed ({done.returncode}): {done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def service_runs(
    index: Path,
    mix: list[MixQuery],
    mix_path: Path,
    out: Path,
    workers: list[int],
    clients: int,
    seconds: float,
    warm_seconds: float,
    hostile_seconds: float,
    hostile_share: float,
    transport: str = "raw",
) -> dict[str, Any]:
    """Sections 3 and 5: a service per worker count; the hostile pair of runs on the first (1 worker)."""
    results: dict[str, Any] = {"workers": {}, "hostile": None}
    for count in workers:
        service = Service(index, count, out / f"serve-{count}w.log")
        note(f"service: {count} worker(s), port {service.port}")
        try:
            service.start(mix[0])
            note(f"ready in {service.ready_s:.2f} s; first search {service.first_search_ms:.0f} ms")
            # Every worker keeps its own caches, and a keep-alive connection stays with one worker: warm up with
            # the same clients (16 connections reach every worker) for a fixed time, then measure.
            warm = run_load(service.url, clients, warm_seconds, 0.0, mix_path, transport)
            pids = process_tree(service.process.pid) if service.process else []
            served_before = {pid: cpu_seconds(pid) for pid in pids}
            client_before = children_cpu_seconds()
            load = run_load(service.url, clients, seconds, 0.0, mix_path, transport)
            # Where the two cores went during the measured load: the service's processes, and the load client
            # (which shares this machine; a newsroom's browsers would not; its interpreter's start is included).
            load["service_cpu_s"] = [round(cpu_seconds(pid) - served_before[pid], 2) for pid in pids]
            load["client_cpu_s"] = round(children_cpu_seconds() - client_before, 2)
            rss = service.serving_rss_kb()
            entry: dict[str, Any] = {
                "ready_s": service.ready_s,
                "first_search_ms": service.first_search_ms,
                "warm_up": warm,
                "load": load,
                "rss_kb": rss,
            }
            if hostile_seconds > 0 and results["hostile"] is None:
                plain = run_load(service.url, clients, hostile_seconds, 0.0, mix_path, transport)
                mixed = run_load(service.url, clients, hostile_seconds, hostile_share, mix_path, transport)
                results["hostile"] = {"workers": count, "plain": plain, "mixed": mixed}
                entry["rss_kb_after_hostile"] = service.serving_rss_kb()
            entry["tracebacks"] = service.tracebacks()
            results["workers"][str(count)] = entry
        finally:
            service.stop()
    return results


# -------------------------------------------------------------------------------------- 4. baselines


def baseline_runs(
    corpus: Path,
    limit: int | None,
    texts: list[str],
    out: Path,
    reuse: bool,
    repeat: int,
    threads: int,
) -> dict[str, Any]:
    """FTS5 and Tantivy (``bench/baselines.py``'s engines) on the corpus and the mix's query texts."""
    out.mkdir(parents=True, exist_ok=True)
    queries = {f"m{number:03d}": text for number, text in enumerate(texts)}
    docs: list[tuple[str, str, str]] = []
    results: dict[str, Any] = {}
    for name in ("fts5", "tantivy"):
        path = out / ("fts5.sqlite" if name == "fts5" else "tantivy")
        build_log = path.with_name(path.name + ".build.json")
        reused = reuse and path.exists() and build_log.exists()
        if reused:
            recorded = json.loads(build_log.read_text())
            if limit is not None and recorded["documents"] != limit:
                raise typer.BadParameter(f"{path} holds {recorded['documents']} documents, not {limit}")
        else:
            if not docs:
                note(f"baselines: reading {corpus}")
                docs = read_corpus(corpus)[:limit] if limit else read_corpus(corpus)
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            build_log.unlink(missing_ok=True)
        engine: Fts5 | Tantivy = Fts5(path) if name == "fts5" else Tantivy(path, threads)
        if not reused:
            note(f"baselines: indexing {len(docs):,} articles in {name}")
            begun = time.perf_counter()
            engine.build(docs)
            build_log.write_text(json.dumps({"documents": len(docs), "seconds": time.perf_counter() - begun}) + "\n")
        build = json.loads(build_log.read_text())
        if isinstance(engine, Tantivy):
            engine.open()
        note(f"baselines: {name}: {len(queries)} queries × {repeat} (after a warm-up pass)")
        run_queries(name, engine.search, queries)  # warm-up pass
        latencies: list[float] = []
        errors = 0
        for _ in range(repeat):
            result = run_queries(name, engine.search, queries)
            latencies += result.latencies_ms
            errors += result.errors
        results[name] = {
            "documents": build["documents"],
            "build_s": build["seconds"],
            "docs_per_s": build["documents"] / build["seconds"],
            "build_reused": reused,
            "size_bytes": dir_bytes(path),
            "latency": asdict(Percentiles.of(latencies)),
            "errors": errors,
        }
        if isinstance(engine, Fts5):
            engine.db.close()
    return results


# ------------------------------------------------------------------------------------------- report


def _cpu_split(load: dict[str, Any]) -> str:
    """The CPU seconds the service's processes and the load client used during a load (older runs: "-")."""
    if "service_cpu_s" not in load:
        return "-"
    processes = ", ".join(f"{v:.1f}" for v in load["service_cpu_s"])
    return f"{sum(load['service_cpu_s']):.1f} ({processes}) / {load['client_cpu_s']:.1f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**not met**")


def _ratio(value: float | None, base: float | None) -> str:
    return "-" if value is None or not base else f"{value / base:.3g}×"


def report_tables(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The results as ``(title, header, rows)`` tables."""
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    build: dict[str, Any] | None = results["build"]
    index_gb = results["index_bytes"] / 1e9
    rows: list[list[str]]
    if build is None:
        rows = [
            ["docs/s", "not measured", "", ""],
            ["wall time", "not measured", "≤ 10 min", "not measured"],
            ["peak RSS", "not measured", "≤ 2 GB", "not measured"],
        ]
    else:
        wall_ok = build["wall_s"] <= TARGET_BUILD_S
        rss = build.get("peak_rss_kb")
        tree = build.get("peak_tree_rss_kb")
        rows = [
            ["articles", f"{build['documents']:,}", "", ""],
            ["docs/s (wall)", f"{build['documents'] / build['wall_s']:,.0f}", "", ""],
            [
                "wall time",
                f"{build['wall_s'] / 60:.1f} min ({build['wall_s']:,.0f} s; "
                f"indexer says {build['indexer_s'] or 0:,.0f} s)",
                "≤ 10 min",
                _verdict(wall_ok),
            ],
            [
                "peak RSS, largest process (time -v)",
                f"{rss / 1024 / 1024:.2f} GB ({rss:,} kB)" if rss else "not measured",
                "≤ 2 GB",
                _verdict(rss <= TARGET_BUILD_RSS_KB) if rss else "not measured",
            ],
            [
                "peak RSS, indexer + children (sampled sum)",
                f"{tree / 1024 / 1024:.2f} GB ({tree:,} kB)" if tree else "not measured",
                "≤ 2 GB",
                _verdict(tree <= TARGET_BUILD_RSS_KB) if tree else "not measured",
            ],
        ]
    rows.append(["index size on disk", f"{index_gb:.2f} GB ({results['index_bytes']:,} bytes)", "", ""])
    tables.append(("1. Full index build", ["figure", "value", "target", ""], rows))

    app = results["app"]
    warm = app["warm"]
    rows = [
        ["service start to ready (1 worker)", f"{app['open_s']:.2f} s", "", ""],
        [f"cold first query ({app['cold_query']})", f"{_ms(app['cold_first_query_ms'])} ms", "", ""],
        [
            "cold first pass over the mix, p50 / p95",
            f"{_ms(app['cold_pass']['p50'])} / {_ms(app['cold_pass']['p95'])} ms",
            "",
            "",
        ],
        ["warm p50", f"{_ms(warm['p50'])} ms", "≤ 30 ms", _verdict(warm["p50"] <= TARGET_P50_MS)],
        ["warm p95", f"{_ms(warm['p95'])} ms", "≤ 100 ms", _verdict(warm["p95"] <= TARGET_P95_MS)],
        ["warm p99", f"{_ms(warm['p99'])} ms", "", ""],
        ["warm max", f"{_ms(warm['max'])} ms", "", ""],
        [
            "search core's took_ms p50 / p95",
            f"{_ms(app['core_took_ms']['p50'])} / {_ms(app['core_took_ms']['p95'])} ms",
            "",
            "",
        ],
        ["non-200 answers", str(len(app["failures"])), "0", _verdict(not app["failures"])],
    ]
    if "healthz_round_trip" in app:
        trip = app["healthz_round_trip"]
        rows.append(["/healthz round trip (HTTP and client, no search), p50", f"{_ms(trip['p50'])} ms", "", ""])
    tables.append(
        (
            f"2. /search latency, one at a time, {warm['n']:,} timed requests ({app['repeat']} passes)",
            ["figure", "value", "target", ""],
            rows,
        )
    )
    rows = [
        [kind, str(p["n"]), _ms(p["p50"]), _ms(p["p95"]), _ms(p["p99"]), _ms(p["max"])]
        for kind, p in app["by_kind"].items()
    ]
    tables.append(("2b. /search latency by kind of query (ms)", ["kind", "n", "p50", "p95", "p99", "max"], rows))
    rows = [
        [
            s["query"],
            _ms(s["median_ms"]),
            _ms(s["max_ms"]),
            f"{s.get('total', '-'):,}" if "total" in s else "-",
            s.get("match", "-"),
        ]
        for s in app["slowest"]
    ]
    tables.append(
        ("2c. Slowest queries (median of the timed passes)", ["query", "median ms", "max ms", "total", "match"], rows)
    )

    service = results.get("service")
    if service:
        rows = []
        rps: dict[str, float] = {}
        for count, entry in service["workers"].items():
            load = entry["load"]
            rps[count] = load["rps"]
            serving = sum(entry["rss_kb"].values())
            rows.append(
                [
                    count,
                    f"{entry['ready_s']:.2f} s",
                    f"{entry['first_search_ms']:,.0f} ms",
                    f"{entry['warm_up']['rps']:.1f}" if "warm_up" in entry else "-",
                    f"{load['rps']:.1f}",
                    str(load["errors"]),
                    f"{_ms(load['normal_p50_ms'])} / {_ms(load['normal_p95_ms'])} / {_ms(load['normal_p99_ms'])}",
                    f"{serving / 1024:,.0f} MB ({', '.join(f'{v / 1024:,.0f}' for v in entry['rss_kb'].values())})",
                    _cpu_split(load),
                ]
            )
        tables.append(
            (
                f"3. HTTP service, {next(iter(service['workers'].values()))['load']['clients']} clients, "
                f"{next(iter(service['workers'].values()))['load']['target_seconds']:.0f} s, loopback",
                [
                    "workers",
                    "start to ready",
                    "first /search",
                    "warm-up req/s",
                    "req/s",
                    "errors",
                    "p50 / p95 / p99 ms",
                    "RSS after load (per process)",
                    "CPU s: service (per process) / client",
                ],
                rows,
            )
        )
        one, two = rps.get("1"), rps.get("2")
        first = next(iter(service["workers"].values()))
        errors = sum(entry["load"]["errors"] for entry in service["workers"].values())
        rows = [
            [
                "start to ready, 1 worker",
                f"{service['workers'].get('1', first)['ready_s']:.2f} s",
                "≤ 2 s",
                _verdict(service["workers"].get("1", first)["ready_s"] <= TARGET_START_S),
            ],
            ["errors under load (5xx + transport)", str(errors), "0", _verdict(errors == 0)],
            [
                "throughput, 2 workers / 1 worker",
                _ratio(two, one),
                "> 1×",
                _verdict(two > one) if one and two else "not measured",
            ],
        ]
        tables.append(("3b. Service targets", ["figure", "value", "target", ""], rows))

    baselines = results.get("baselines")
    if baselines:
        ours = results["core_text_only"]
        http = results["app_text_only"]
        rows = [
            [
                "newssearch /search (HTTP app, snippets + facets)",
                "-",
                "-",
                _ms(http["p50"]),
                _ms(http["p95"]),
                "1.00×",
                "",
            ],
            [
                "newssearch core (no snippets; facets counted)",
                "-",
                "-",
                _ms(ours["p50"]),
                _ms(ours["p95"]),
                "",
                "1.00×",
            ],
        ]
        build_rate = build["documents"] / build["wall_s"] if build else None
        for name, entry in baselines.items():
            lat = entry["latency"]
            rows.append(
                [
                    name,
                    f"{entry['docs_per_s']:,.0f}"
                    + (f" ({_ratio(entry['docs_per_s'], build_rate)} ours)" if build_rate else ""),
                    f"{entry['size_bytes'] / 1e9:.2f} GB ({_ratio(entry['size_bytes'], results['index_bytes'])} ours)",
                    _ms(lat["p50"]),
                    _ms(lat["p95"]),
                    _ratio(lat["p50"], http["p50"]),
                    _ratio(lat["p50"], ours["p50"]),
                ]
            )
        tables.append(
            (
                f"4. Baselines, same corpus, the mix's {results['text_queries']} query texts (no filters), top 10",
                ["system", "index docs/s", "index size", "p50 ms", "p95 ms", "p50 ÷ /search p50", "p50 ÷ core p50"],
                rows,
            )
        )

    hostile = service.get("hostile") if service else None
    if hostile:
        plain, mixed = hostile["plain"], hostile["mixed"]
        valid = plain["answered"] > 0 and mixed["answered"] > 0 and plain["errors"] + mixed["errors"] == 0
        ratio = mixed["normal_p99_ms"] / plain["normal_p99_ms"] if valid and plain["normal_p99_ms"] else None
        rows = [
            [
                "requests (normal / hostile)",
                f"{plain['normal']:,} / 0",
                f"{mixed['normal']:,} / {mixed['hostile']:,}",
                "",
                "",
            ],
            ["req/s", f"{plain['rps']:.1f}", f"{mixed['rps']:.1f}", "", ""],
            [
                "errors (5xx + transport)",
                str(plain["errors"]),
                str(mixed["errors"]),
                "0",
                _verdict(plain["errors"] + mixed["errors"] == 0),
            ],
            [
                "hostile answers by status",
                "-",
                ", ".join(f"{k}: {v}" for k, v in mixed["hostile_status"].items()),
                "",
                "",
            ],
            ["normal p50 ms", _ms(plain["normal_p50_ms"]), _ms(mixed["normal_p50_ms"]), "", ""],
            ["normal p99 ms", _ms(plain["normal_p99_ms"]), _ms(mixed["normal_p99_ms"]), "", ""],
            [
                "p99 with ÷ without",
                "",
                f"{ratio:.2f}×" if ratio else "-",
                "≤ 1.2×",
                _verdict(ratio <= TARGET_HOSTILE_P99_RATIO) if ratio else "not measured (a run had errors)",
            ],
        ]
        tables.append(
            (
                f"5. Hostile load (issue 8): {plain['clients']} clients, {plain['target_seconds']:.0f} s, "
                f"{hostile['workers']} worker, {mixed['hostile_share']:.0%} hostile",
                ["figure", "without hostile", "with hostile", "target", ""],
                rows,
            )
        )
    return tables


def markdown(tables: list[tuple[str, list[str], list[list[str]]]]) -> str:
    """The tables in Markdown."""
    parts = []
    for title, header, rows in tables:
        cells = [header, *rows]
        lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in cells[1:]]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.rstrip("\n")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": os.getloadavg(),
        "git": _git("rev-parse", "--short", "HEAD"),
        "git_dirty_src": _git("status", "--short", "--", "src").splitlines(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# ---------------------------------------------------------------------------------------------- main


@contextlib.contextmanager
def section(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Time one section of the run."""
    note(f"── {name}")
    begun = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - begun


def main(
    corpus: Annotated[Path, typer.Option(help="JSON Lines corpus (.jsonl.gz).")] = DEFAULT_CORPUS,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N articles.")] = None,
    index: Annotated[
        Path | None, typer.Option(help="Where to build the index [default: bench/out/bench-<name>/ix].")
    ] = None,
    reuse_index: Annotated[Path | None, typer.Option(help="Measure this existing index; no build.")] = None,
    build_figures: Annotated[
        Path | None, typer.Option(help="With --reuse-index: JSON of an earlier build's figures.")
    ] = None,
    procs: Annotated[int, typer.Option(min=1, help="Indexer writer processes.")] = 2,
    mix_path: Annotated[Path, typer.Option("--mix", help="Query mix TSV.")] = MIX,
    repeat: Annotated[int, typer.Option(min=1, help="Timed passes over the mix (section 2).")] = 5,
    workers: Annotated[str, typer.Option(help="Worker counts to serve with, comma-separated.")] = "1,2",
    clients: Annotated[int, typer.Option(min=1, help="Concurrent load clients.")] = 16,
    seconds: Annotated[float, typer.Option(min=1, help="Load duration per worker count.")] = 30.0,
    warm_seconds: Annotated[
        float, typer.Option(min=1, help="Untimed load before each measured one (every worker warms its caches).")
    ] = 60.0,
    hostile_seconds: Annotated[float, typer.Option(min=0, help="Duration of each hostile-load run (0: skip).")] = 60.0,
    hostile_share: Annotated[float, typer.Option(min=0, max=1, help="Share of hostile requests.")] = 0.02,
    load_transport: Annotated[
        str, typer.Option(help="The load client's HTTP: raw (light, the default) or httpx (as before 2026-12-03).")
    ] = "raw",
    baselines_dir: Annotated[
        Path | None,
        typer.Option(help="Baseline indexes [default: bench/out/vietnews/baselines for the full corpus]."),
    ] = None,
    reuse_baselines: Annotated[
        bool, typer.Option(help="Reuse FTS5/Tantivy indexes already in --baselines-dir.")
    ] = False,
    baseline_repeat: Annotated[int, typer.Option(min=1, help="Timed passes of the baselines.")] = 3,
    skip: Annotated[str, typer.Option(help="Sections to skip, comma-separated: service, baselines.")] = "",
    out: Annotated[Path | None, typer.Option(help="Output folder [default: bench/out/bench-<name>].")] = None,
    report_only: Annotated[
        Path | None, typer.Option(help="Measure nothing: print the tables of an earlier results.json.")
    ] = None,
) -> None:
    """Measure build, query latency, service throughput, baselines and hostile load; print one set of tables."""
    if report_only is not None:
        print_tables(json.loads(report_only.read_text(encoding="utf-8")), report_only.parent)
        return
    name = f"limit{limit}" if limit else "full"
    out = out or OUT / f"bench-{name}"
    out.mkdir(parents=True, exist_ok=True)
    skipped = {s.strip() for s in skip.split(",") if s.strip()}
    mix = read_mix(mix_path)
    timings: dict[str, float] = {}
    results: dict[str, Any] = {
        "command": " ".join(["python", "bench/bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "corpus": str(corpus),
        "limit": limit,
        "queries": len(mix),
    }
    source = limited_corpus(corpus, limit, out / f"corpus-first{limit}.jsonl.gz") if limit else corpus

    with section("build", timings):
        if reuse_index is not None:
            ix = reuse_index
            figures = read_build_figures(build_figures) if build_figures else None
        else:
            ix = index or out / "ix"
            figures = build_index(source, ix, procs, out)
        results["index"] = str(ix)
        results["build"] = asdict(figures) if figures else None
        results["index_bytes"] = dir_bytes(ix)

    with section("query latency", timings):
        results["app"] = app_latency(ix, mix, repeat, out / "serve-latency.log")

    if "service" not in skipped:
        with section("service", timings):
            counts = [int(w) for w in workers.split(",") if w.strip()]
            results["service"] = service_runs(
                ix,
                mix,
                mix_path,
                out,
                counts,
                clients,
                seconds,
                warm_seconds,
                hostile_seconds,
                hostile_share,
                load_transport,
            )

    if "baselines" not in skipped:
        with section("baselines", timings):
            texts = [query.q for query in mix]
            results["text_queries"] = len(texts)
            results["core_text_only"] = asdict(Percentiles.of(core_latency(ix, texts, baseline_repeat)))
            results["app_text_only"] = app_text_only(ix, texts, baseline_repeat, out / "serve-text-only.log")
            folder = baselines_dir or (OUT / "vietnews" / "baselines" if limit is None else out / "baselines")
            results["baselines_dir"] = str(folder)
            results["baselines"] = baseline_runs(
                source, limit, texts, folder, reuse_baselines, baseline_repeat, threads=procs
            )

    results["timings_s"] = timings
    results["machine"]["loadavg_end"] = os.getloadavg()
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print_tables(results, out)


def print_tables(results: dict[str, Any], out: Path) -> None:
    """Print the tables and write them to ``out/results.md``."""
    tables = report_tables(results)
    (out / "results.md").write_text(markdown(tables), encoding="utf-8")
    for title, header, rows in tables:
        table = Table(*header, title=title, title_justify="left")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    console.print(f"results in {out}/results.json and results.md")


def app_text_only(index: Path, texts: list[str], repeat: int, log: Path) -> dict[str, Any]:
    """``/search`` latency on the query texts alone (the baselines' input), via the real service."""
    text_mix = [MixQuery(f"t{number:03d}", "text", text) for number, text in enumerate(texts)]
    warm: dict[str, Any] = app_latency(index, text_mix, repeat, log)["warm"]
    return warm


if __name__ == "__main__":
    typer.run(main)
