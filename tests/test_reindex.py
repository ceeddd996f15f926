"""Reindexing for real: indexer processes killed with SIGKILL at chosen points, and a live service queried over
HTTP while the index is updated and rebuilt under it (issue 5: zero downtime, nothing lost).

Every kill is followed by the checks a cron job's next morning relies on: the live generation opens, answers a
query, and holds either the state before the killed run or the state after it (never something in between, never
a duplicate); the next run completes the work. At the end a clean run must hold exactly the corpus.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from newssearch.index.check import check_index
from newssearch.index.corpus import Article, read_corpus
from newssearch.service import serving as serving_module
from newssearch.store import generations

pytestmark = pytest.mark.slow

EXIT_OK, EXIT_BUSY = 0, 4
_VOCABULARY = (
    "người dân Hà Tĩnh Đà Nẵng thành phố kinh tế tăng trưởng học sinh bệnh viện giao thông đường bộ mưa lũ "
    "nông nghiệp xuất khẩu gạo cà phê du lịch biển đảo công an điều tra vụ án trường học giáo viên thi cử y tế "
    "Quảng Bình Nghệ An huyện xã ủy ban nhân dân tỉnh năm nay tháng trước dự án cầu cảng"
)
WORDS = _VOCABULARY.split()
RUN_TIMEOUT = 120  # seconds; a run that takes this long is a failure, not a slow machine


# --- a generated corpus that changes between runs -------------------------------------------------------------


@dataclass
class Corpus:
    """Small generated articles in a few ``.jsonl`` files, with add/modify/delete/move change sets."""

    folder: Path
    rng: random.Random
    files: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    next_id: int = 0
    edits: int = 0

    def new_article(self, marker: str = "") -> dict[str, str]:
        n, self.next_id = self.next_id, self.next_id + 1
        words = " ".join(self.rng.choice(WORDS) for _ in range(45))
        return {
            "id": f"bai-{n:05d}",
            "title": f"Tin số {n} {' '.join(self.rng.choice(WORDS) for _ in range(5))}",
            "body": f"{words}. {marker}".strip(),
            "date": f"20{18 + n % 6}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "category": self.rng.choice(["Xã hội", "Kinh tế", "Giáo dục", "Sức khỏe"]),
        }

    def populate(self, articles: int, files: int = 4) -> None:
        for f in range(files):
            self.files[f"part-{f}.jsonl"] = [self.new_article() for _ in range(articles // files)]
        self.write()

    def all_articles(self) -> list[dict[str, str]]:
        return [a for articles in self.files.values() for a in articles]

    def change(self) -> None:
        """One nightly batch: a new file, some edited, some deleted and some moved articles; now and then a whole
        file goes away."""
        rng = self.rng
        self.files[f"batch-{self.next_id}.jsonl"] = [self.new_article() for _ in range(rng.randint(20, 40))]
        for a in rng.sample(self.all_articles(), 20):
            self.edits += 1
            a["body"] += f" Cập nhật lần {self.edits}."
        for _ in range(rng.randint(10, 20)):
            name = rng.choice([n for n, arts in self.files.items() if arts])
            self.files[name].pop(rng.randrange(len(self.files[name])))
        source, target = rng.sample(sorted(self.files), 2)
        for _ in range(min(3, len(self.files[source]))):
            self.files[target].append(self.files[source].pop())  # moved: same content, another file
        batches = sorted(name for name in self.files if name.startswith("batch-"))
        if len(batches) > 2 and rng.random() < 0.3:
            del self.files[rng.choice(batches)]
        self.write()

    def write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob("*.jsonl"):
            if path.name not in self.files:
                path.unlink()
        for name, articles in self.files.items():
            tmp = self.folder / (name + ".tmp")
            tmp.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles))
            tmp.replace(self.folder / name)

    def state(self) -> dict[str, str]:
        """``id -> content hash`` of what the index should hold, read the way the indexer reads it."""
        items = list(read_corpus([self.folder]))
        articles = [a for a in items if isinstance(a, Article)]
        assert len(articles) == len(items), "the generated corpus has no bad lines"
        return {a.id: a.content_hash() for a in articles}


# --- the index as the service sees it ----------------------------------------------------------------------------


def live_state(root: Path) -> tuple[str | None, dict[str, str]]:
    """The live generation and its ``id -> content hash``; asserts it opens, is whole, answers, has no duplicate."""
    gen = generations.current_generation(root)
    if gen is None:
        return None, {}
    assert generations.verify_manifest(gen) is None
    with whoosh_index.open_dir(gen.path).reader() as reader:
        ids, hashes = reader.column_reader("id"), reader.column_reader("content_hash")
        live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
        counts = Counter(ids[n] for n in live)
        assert not [i for i, c in counts.items() if c > 1], f"{gen.name} holds duplicate ids"
        state = {ids[n]: hashes[n] for n in live}
    ix = whoosh_index.open_dir(gen.path)
    with ix.searcher() as searcher:  # a fresh searcher, as the service opens after each switch
        query = QueryParser("title_fold", ix.schema).parse("tin")
        assert searcher.search(query, limit=None).scored_length() == len(state), "every title has 'Tin số'"
    return gen.name, state


def index_command(corpus: Path, root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newssearch", "index", str(corpus), "--index", str(root), "--quiet", *extra]


def run_index(corpus: Path, root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        index_command(corpus, root, *extra), capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )


# --- killing an indexer at a chosen point ------------------------------------------------------------------------


@dataclass(frozen=True)
class Before:
    """What the index root looked like when an indexer was started, to tell its new files from leftovers."""

    current: str | None
    dirs: frozenset[tuple[str, int]]

    @classmethod
    def of(cls, root: Path) -> Before:
        gen = generations.current_generation(root)
        dirs = frozenset((p.name, p.stat().st_ino) for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        return cls(gen.name if gen else None, frozenset(dirs))

    def new_generation(self, root: Path) -> Path | None:
        """The folder the running indexer is writing (newer than CURRENT, and not a leftover of a crashed run)."""
        number = int(self.current[4:]) if self.current else 0
        try:
            for path in root.iterdir():
                if (
                    path.name.startswith("gen-")
                    and int(path.name[4:]) > number
                    and (path.name, path.stat().st_ino) not in self.dirs
                ):
                    return path
        except (FileNotFoundError, ValueError):
            return None
        return None


def _new_files(gen: Path | None, *suffixes: str) -> bool:
    """Whether the run has written a file of its own (one link only: not inherited from the live generation)."""
    if gen is None:
        return False
    try:
        for path in gen.iterdir():
            if path.name.endswith(suffixes) and path.stat().st_nlink == 1:
                return True
    except FileNotFoundError:
        return False
    return False


def _switched(root: Path, before: Before) -> bool:
    gen = generations.current_generation(root)
    return (root / "CURRENT.tmp").exists() or (gen.name if gen else None) != before.current


#: Kill points: a name, when the delay starts counting, and the longest delay after it (seconds).
Trigger = Callable[[Path, Before], bool]
TRIGGERS: dict[str, tuple[Trigger, float]] = {
    # imports, reading the live hashes, taking the lock
    "startup": (lambda root, before: True, 0.8),
    # the new generation's folder exists: hard-linking, opening the writer, adding documents
    "adding": (lambda root, before: before.new_generation(root) is not None, 1.5),
    # the writer has started flushing columns: commit in progress (postings, merge, segment files)
    "commit": (lambda root, before: _new_files(before.new_generation(root), ".col"), 0.4),
    # the new TOC is there: the commit is done; verifying, fsyncing, writing the manifest
    "verify": (lambda root, before: _new_files(before.new_generation(root), ".toc"), 0.03),
    # the manifest is being written or is written: about to switch
    "manifest": (lambda root, before: _new_files(before.new_generation(root), ".json.tmp", ".json"), 0.0),
    # the switch: CURRENT.tmp written, or CURRENT already replaced (pruning the generation before last)
    "switch": (_switched, 0.005),
    # CURRENT names the new generation (the indexer is pruning and recording the run): killed at once
    "switched": (lambda root, before: _current_name(root) not in (None, before.current), 0.0),
}


def _current_name(root: Path) -> str | None:
    try:
        return (root / generations.CURRENT).read_text().strip() or None
    except OSError:
        return None


def run_and_kill(cmd: list[str], root: Path, trigger: str, delay: float) -> tuple[int, float, str]:
    """Start an indexer, wait for the trigger, wait ``delay`` more, SIGKILL it.

    Returns its exit code (-9 when killed), the seconds it ran and its stdout.
    """
    condition, _ = TRIGGERS[trigger]
    before = Before.of(root)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while proc.poll() is None and not condition(root, before):
            if time.monotonic() - started > RUN_TIMEOUT:
                raise AssertionError(f"indexer still running after {RUN_TIMEOUT} s")
            time.sleep(0.001)
        fire_at = time.monotonic() + delay
        while proc.poll() is None and time.monotonic() < fire_at:
            time.sleep(0.001)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (EXIT_OK, -signal.SIGKILL), f"indexer exited {proc.returncode}: {stderr[-2000:]}"
    return proc.returncode, time.monotonic() - started, stdout


KILL_PLAN = [
    "startup",
    "adding",
    "commit",
    "verify",
    "manifest",
    "switch",
    "adding",
    "commit",
    "switch",
    "adding",
    "commit",
    "verify",
    "manifest",
    "switch",
]
KILLS = len(KILL_PLAN)


def test_indexers_killed_at_any_point_lose_nothing_and_the_next_run_completes(tmp_path: Path) -> None:
    rng = random.Random(20260505)
    corpus = Corpus(tmp_path / "corpus", rng)
    corpus.populate(200)
    root = tmp_path / "index"
    committed: dict[str, str] = {}  # what the last run known to have switched left in the index
    outcomes: Counter[str] = Counter()
    log: list[str] = []

    for round_ in range(KILLS):
        if round_:
            corpus.change()
        target = corpus.state()
        trigger = KILL_PLAN[round_ % len(KILL_PLAN)]
        delay = rng.uniform(0, TRIGGERS[trigger][1])
        rebuild = round_ % 5 == 4
        cmd = index_command(corpus.folder, root, *(["--rebuild"] if rebuild else []))
        code, seconds, _ = run_and_kill(cmd, root, trigger, delay)

        generation, state = live_state(root)
        if state == target:
            outcome = "new state" if code else "finished"
            committed = target
        else:
            assert code != EXIT_OK, f"round {round_}: a finished run must leave exactly the corpus"
            assert state == committed, (
                f"round {round_} (killed at {trigger}+{delay:.3f}s): the index is neither the state before the run "
                f"nor after it: {len(state.keys() - committed.keys())} unexpected ids, "
                f"{len(committed.keys() - state.keys())} lost, "
                f"{sum(1 for i in state.keys() & committed.keys() if state[i] != committed[i])} changed"
            )
            outcome = "old state"
        outcomes[outcome] += 1
        log.append(
            f"{round_:2d} {trigger:8s}+{delay:.3f}s {'rebuild' if rebuild else 'update '} {seconds:5.2f}s "
            f"exit {code:3d} -> {outcome} ({generation}, {len(state)} docs)"
        )
        gens = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        # kept: the live one and the one before; killed runs may leave one not yet pruned and one never switched to
        assert len(gens) <= (2 if code == EXIT_OK else 4), f"round {round_}: generations pile up: {gens}"
        if code == EXIT_OK:
            assert max(gens) == generation, f"round {round_}: a finished run left a crashed run's folder: {gens}"

    print("\n".join(log))
    killed = outcomes["old state"] + outcomes["new state"]
    # Kills at the end of a run race its exit on a busy machine: those runs finish, which is checked all the same.
    assert killed >= KILLS // 2 and outcomes["old state"] >= KILLS // 3, f"too few runs were killed: {dict(outcomes)}"

    # A clean run completes whatever the killed ones left: exactly the corpus, 0 lost, 0 duplicates.
    done = run_index(corpus.folder, root, "--json")
    assert done.returncode == EXIT_OK, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    generation, state = live_state(root)
    target = corpus.state()
    assert state == target, f"{len(target.keys() - state.keys())} lost, {len(state.keys() - target.keys())} extra"
    assert summary["documents"] == len(target) and summary["generation"] == generation
    report = check_index([corpus.folder], root)
    assert report.consistent, report.summary()
    leftovers = [p.name for p in root.iterdir() if p.is_dir() and p.name > str(generation)]
    assert not leftovers, f"folders of crashed runs were not cleaned up: {leftovers}"


def _lock_holder(root: Path) -> str:
    try:
        return (root / generations.LOCK).read_text().strip()
    except FileNotFoundError:
        return ""


def test_a_second_indexer_exits_4_at_once_and_a_killed_ones_lock_blocks_nothing(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path / "corpus", random.Random(7))
    corpus.populate(60)
    root = tmp_path / "index"
    first = subprocess.Popen(index_command(corpus.folder, root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while _lock_holder(root) != str(first.pid):
            assert first.poll() is None and time.monotonic() < deadline, "the first indexer never took the lock"
            time.sleep(0.005)
        first.send_signal(signal.SIGSTOP)  # frozen while holding the lock: a long run, deterministically

        started = time.monotonic()
        second = run_index(corpus.folder, root, "--json")
        took = time.monotonic() - started
        assert second.returncode == EXIT_BUSY, second.stderr
        assert "another indexer is running" in second.stderr
        assert took < 15, f"the second indexer took {took:.1f} s to give up (it must not wait for the lock)"

        first.send_signal(signal.SIGKILL)  # the holder crashes: its lock file stays behind, naming a dead pid
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert _lock_holder(root) == str(first.pid)

    third = run_index(corpus.folder, root, "--json")
    assert third.returncode == EXIT_OK, third.stderr
    assert json.loads(third.stdout)["documents"] == 60
    assert live_state(root)[1] == corpus.state()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from ``/proc``)."""
    found = []
    for proc_dir in Path("/proc").iterdir():
        if proc_dir.name.isdigit():
            with contextlib.suppress(OSError):  # ended meanwhile
                if parent_of(int(proc_dir.name)) == pid:
                    found.append(int(proc_dir.name))
    return found


def _kill_all(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_a_killed_rebuilds_workers_die_with_it_so_the_next_run_is_not_locked_out(tmp_path: Path) -> None:
    """The OOM killer or a ``kill -9`` takes the indexer, not its forked workers: they shared its lock's file, waited
    for batches forever, and every later nightly run failed with "another indexer is running"."""
    corpus = Corpus(tmp_path / "corpus", random.Random(11))
    corpus.populate(300)  # several batches: the workers live long enough to be seen
    root = tmp_path / "index"
    first = subprocess.Popen(
        index_command(corpus.folder, root, "--rebuild", "--procs", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while len(workers := _children(first.pid)) < 2:
            assert first.poll() is None and time.monotonic() < deadline, "the rebuild never started its workers"
            time.sleep(0.005)
        first.send_signal(signal.SIGSTOP)  # holding the lock, its workers forked: then killed outright
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    deadline = time.monotonic() + 10
    try:
        while left := [pid for pid in workers if _running(pid)]:
            assert time.monotonic() < deadline, f"the killed indexer's workers {left} are still running"
            time.sleep(0.01)
    finally:
        _kill_all(workers)  # whatever the outcome, nothing of this test keeps running

    second = run_index(corpus.folder, root, "--json")
    assert second.returncode == EXIT_OK, second.stderr
    assert json.loads(second.stdout)["documents"] == 300
    assert live_state(root)[1] == corpus.state()


# --- zero downtime: a live service queried while the index changes under it ----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(root: Path, workdir: Path, env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """``newssearch serve --index ROOT`` on a free loopback port, until it answers ``/readyz`` with 200."""
    port = free_port()
    log_path = workdir / "serve.log"
    command = [sys.executable, "-m", "newssearch", "serve", "--index", str(root), "--port", str(port)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            # up to 60 s to start on a busy machine; once it answers, 5 s more to be ready
            deadline, last = time.monotonic() + 60, "no answer"
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                try:
                    response = httpx.get(f"{base}/readyz", timeout=2)
                    if response.status_code == 200:
                        break
                    if last == "no answer":
                        deadline = min(deadline, time.monotonic() + 5)
                    last = f"{response.status_code} {response.text}"
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"the service did not become ready: {last}"
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSEARCH_")}
    return {**env, **extra}


def test_serve_uses_the_index_given_with_the_index_option(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path / "corpus", random.Random(3))
    corpus.populate(8, files=1)
    root = tmp_path / "elsewhere" / "index"
    assert run_index(corpus.folder, root).returncode == EXIT_OK
    # No NEWSSEARCH_INDEX_DIR, and no ./index in the working folder: only --index says where the index is.
    with serving(root, tmp_path, environment()) as base:
        assert httpx.get(f"{base}/readyz", timeout=10).json()["documents"] == 8


def serving_processes(port: int) -> set[int]:
    """Pids of ``newssearch serve --port PORT``: the supervisor and its forked workers share its command line."""
    found = set()
    for proc_dir in Path("/proc").iterdir():
        if proc_dir.name.isdigit():
            with contextlib.suppress(OSError):
                arguments = (proc_dir / "cmdline").read_bytes().split(b"\0")
                if b"serve" in arguments and str(port).encode() in arguments:
                    found.add(int(proc_dir.name))
    return found


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def listening_sockets(port: int) -> int:
    """How many sockets listen on loopback ``port`` (``/proc/net/tcp``, state 0A)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A")


def test_two_workers_listen_on_their_own_sockets_survive_a_crash_and_stop_together(tmp_path: Path) -> None:
    """``serve --workers 2``: the kernel spreads connections over two sockets (uvicorn's shared socket let one
    worker take nearly all of them); a killed worker is replaced without a failed request; SIGTERM stops all."""
    corpus = Corpus(tmp_path / "corpus", random.Random(5))
    corpus.populate(12, files=1)
    root = tmp_path / "index"
    assert run_index(corpus.folder, root).returncode == EXIT_OK
    # A place filter uses the place tables the supervisor loads once for its workers (and a replacement worker).
    searches = [{"q": "ha tinh"}, {"q": "kinh tế", "place": "ha tinh"}]
    with serving(root, tmp_path, environment(), workers=2) as base:
        port = int(base.rsplit(":", 1)[1])
        assert listening_sockets(port) == 2
        processes = serving_processes(port)
        assert len(processes) == 3, processes  # the supervisor and two workers
        for i in range(20):  # a new connection each time
            assert httpx.get(f"{base}/search", params=searches[i % 2], timeout=10).status_code == 200
        (supervisor,) = [pid for pid in processes if parent_of(pid) not in processes]
        worker = next(pid for pid in processes if pid != supervisor)
        time.sleep(serving_module.MIN_WORKER_LIFE_S)  # a worker that dies young is not restarted
        os.kill(worker, signal.SIGKILL)
        for i in range(20):  # connections that reach the dead worker's socket wait for its replacement
            assert httpx.get(f"{base}/search", params=searches[i % 2], timeout=30).status_code == 200
        deadline = time.monotonic() + 15
        while len(replaced := serving_processes(port)) != 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(replaced) == 3 and worker not in replaced and supervisor in replaced, replaced
    deadline = time.monotonic() + 15
    while serving_processes(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not serving_processes(port)
    assert listening_sockets(port) == 0


def test_workers_stop_when_their_supervisor_is_killed_outright(tmp_path: Path) -> None:
    """``kill -9`` or the OOM killer on the supervisor: its workers stop too (they went on answering on their own
    sockets, beside whatever service was started next on the port)."""
    corpus = Corpus(tmp_path / "corpus", random.Random(6))
    corpus.populate(6, files=1)
    root = tmp_path / "index"
    assert run_index(corpus.folder, root).returncode == EXIT_OK
    with serving(root, tmp_path, environment(), workers=2) as base:
        port = int(base.rsplit(":", 1)[1])
        processes = serving_processes(port)
        (supervisor,) = [pid for pid in processes if parent_of(pid) not in processes]
        os.kill(supervisor, signal.SIGKILL)
        deadline = time.monotonic() + 15
        try:
            while (left := serving_processes(port)) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not left, f"workers {sorted(left)} outlived their supervisor"
            assert listening_sockets(port) == 0
        finally:
            _kill_all(serving_processes(port))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, Path, Corpus]]:
    """An indexed corpus and the real service over it, as cron and a systemd unit would run them."""
    corpus = Corpus(tmp_path / "corpus", random.Random(11))
    corpus.populate(160)
    root = tmp_path / "index"
    first = run_index(corpus.folder, root)
    assert first.returncode == EXIT_OK, first.stderr
    # The index is named by the environment as well as by --index (see the test above for --index alone).
    with serving(root, tmp_path, environment(NEWSSEARCH_INDEX_DIR=str(root))) as base:
        yield base, root, corpus


@dataclass
class Hammer:
    """Client threads that query the service until told to stop, and keep every failure."""

    base: str
    article_ids: list[str]
    stop: threading.Event = field(default_factory=threading.Event)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    generations: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        queries = ["tin", "ha tinh", "kinh tế", "giao thông đường bộ", '"cà phê"', "tin -lũ", "cập nhật", "title:tin"]
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                kind = rng.choice(["search", "search", "search", "readyz", "article"])
                if kind == "search":
                    url, params = "/search", {"q": rng.choice(queries), "size": "10"}
                elif kind == "readyz":
                    url, params = "/readyz", {}
                else:
                    url, params = f"/articles/{rng.choice(self.article_ids)}", {}
                try:
                    response = client.get(url, params=params)
                except httpx.HTTPError as exc:
                    with self.lock:
                        self.failures.append(f"{url} {params}: {type(exc).__name__}: {exc}")
                    continue
                with self.lock:
                    self.statuses[f"{kind} {response.status_code}"] += 1
                    if response.status_code != 200:
                        self.failures.append(f"{url} {params}: {response.status_code} {response.text[:300]}")
                    elif kind == "readyz":
                        self.generations.add(response.json()["generation"])
                    elif (
                        kind == "search"
                        and params["q"] in ("tin", "title:tin")
                        and response.json()["total"] < len(self.article_ids)
                    ):
                        self.failures.append(f"{url} {params}: {response.json()['total']} hits")  # all of them


def server_errors(log: Path) -> list[str]:
    """The distinct exception lines the service logged (a 500's body says nothing)."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return sorted({line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", line)})


def wait_for_generation(base: str, generation: str, log: Path, timeout: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{base}/readyz", timeout=10)
        assert response.status_code == 200, f"/readyz {response.status_code}: {server_errors(log)}"
        ready: dict[str, object] = response.json()
        if ready["generation"] == generation:
            return ready
        assert time.monotonic() < deadline, f"the service still serves {ready['generation']}, not {generation}"
        time.sleep(0.05)


def test_the_service_answers_every_request_while_the_index_is_updated_and_rebuilt(
    service: tuple[str, Path, Corpus],
) -> None:
    base, root, corpus = service
    log = root.parent / "serve.log"
    before = set(corpus.state())
    # Tonight's batch: new articles (with a word no other article has), edits, deletions, a moved article.
    new = [corpus.new_article("Tin mới xuấthiện") for _ in range(40)]
    corpus.files["nightly.jsonl"] = new
    corpus.change()
    hammer = Hammer(base, sorted(before & set(corpus.state())))  # articles that exist throughout
    threads = [threading.Thread(target=hammer.run, args=(seed,), daemon=True) for seed in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        update = run_index(corpus.folder, root, "--json")
        assert update.returncode == EXIT_OK, update.stderr
        updated = json.loads(update.stdout)
        assert updated["indexed"] >= 40 and not updated["rebuilt"]
        ready = wait_for_generation(base, updated["generation"], log)
        assert ready["documents"] == len(corpus.state())

        rebuild = run_index(corpus.folder, root, "--rebuild", "--json")
        assert rebuild.returncode == EXIT_OK, rebuild.stderr
        rebuilt = json.loads(rebuild.stdout)
        assert rebuilt["rebuilt"] and rebuilt["generation"] != updated["generation"]
        ready = wait_for_generation(base, rebuilt["generation"], log)
        time.sleep(0.5)  # keep querying the rebuilt generation for a moment
    finally:
        hammer.stop.set()
        for thread in threads:
            thread.join(timeout=60)

    requests = sum(hammer.statuses.values())
    print(f"{requests} requests, {len(hammer.failures)} failed: {dict(hammer.statuses)}")
    assert not hammer.failures, (hammer.failures[:5], server_errors(log))
    assert requests >= 100, f"only {requests} requests were made: the test proves little"
    assert {updated["generation"], rebuilt["generation"]} <= hammer.generations | {ready["generation"]}

    # The new articles are served without a restart, from the rebuilt generation.
    assert ready["documents"] == len(corpus.state()) == rebuilt["documents"]
    found = httpx.get(f"{base}/search", params={"q": "xuấthiện", "size": 100}, timeout=10).json()
    assert sorted(hit["id"] for hit in found["hits"]) == sorted(a["id"] for a in new)
    assert httpx.get(f"{base}/articles/{new[0]['id']}", timeout=10).status_code == 200
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    number = int(str(rebuilt["generation"]).rsplit("-", 1)[1])
    assert f"newssearch_index_generation {float(number)}" in metrics
    assert f"newssearch_index_documents {float(rebuilt['documents'])}" in metrics
