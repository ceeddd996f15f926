"""Power loss (issue 8): indexers killed with SIGKILL during commit and switch, then the newest files of the newest
generation truncated, zeroed or lost, as writes the disk never stored would be. The service must open the newest
generation that verifies, answer, and still hold every article a completed run acknowledged; the next run must
leave exactly the corpus. Also: when the last index run finished, in ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from whoosh import index as whoosh_index

from newssearch.config import Settings
from newssearch.index.check import check_index
from newssearch.index.corpus import Article, read_corpus
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app
from newssearch.store import generations
from support import ready_on
from test_reindex import TRIGGERS, WORDS, index_command, run_and_kill, run_index

pytestmark = pytest.mark.slow

ROUNDS = 8  # killed runs; with the first and the last run, 10 indexer processes (about 30 s on a busy CI box)
# "switched" makes sure at least one run dies with its (never acknowledged) generation live: lost writes there are
# what the service must fall back from; "switch" alone leaves that to timing.
KILL_AT = ["commit", "verify", "manifest", "switch", "switched"]
DAMAGE = ["truncate", "zero", "zero-tail", "lose"]


class GrowingCorpus:
    """A news archive that only grows (and has a few articles corrected): nothing acknowledged may disappear."""

    def __init__(self, folder: Path, rng: random.Random) -> None:
        self.folder, self.rng, self.next_id, self.files = folder, rng, 0, {}  # type: dict[str, list[dict[str, str]]]
        folder.mkdir(parents=True)

    def add_batch(self, articles: int) -> None:
        batch = []
        for _ in range(articles):
            n, self.next_id = self.next_id, self.next_id + 1
            words = " ".join(self.rng.choice(WORDS) for _ in range(40))
            batch.append({"id": f"bai-{n:05d}", "title": f"Tin số {n}", "body": words, "date": "2023-05-06"})
        self.files[f"batch-{len(self.files):03d}.jsonl"] = batch
        for article in self.rng.sample([a for arts in self.files.values() for a in arts], 5):
            article["body"] += " Đính chính."
        for name, arts in self.files.items():
            tmp = self.folder / (name + ".tmp")
            tmp.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in arts))
            tmp.replace(self.folder / name)

    def state(self) -> dict[str, str]:
        return {a.id: a.content_hash() for a in read_corpus([self.folder]) if isinstance(a, Article)}


def lose_unsynced_writes(gen: Path, rng: random.Random) -> str:
    """Damage the newest files of a generation the way lost writes would: only files it wrote itself (one link;
    the ones it shares with the generation before were written, and synced, by an earlier run)."""
    keep_manifest = rng.random() < 0.5  # the manifest is written last, but its data may survive what came before
    own = sorted(
        (
            p
            for p in gen.iterdir()
            if p.is_file()
            and p.stat().st_nlink == 1
            and "LOCK" not in p.name
            and not (keep_manifest and p.name == generations.MANIFEST)
        ),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    done = []
    for path in own[: rng.randint(1, 3)]:
        how, size = rng.choice(DAMAGE), path.stat().st_size
        if how == "lose":
            path.unlink()
        elif how == "truncate":
            with open(path, "r+b") as handle:
                handle.truncate(rng.randrange(size) if size else 0)
        else:
            start = 0 if how == "zero" else rng.randrange(size) if size else 0
            with open(path, "r+b") as handle:
                handle.seek(start)
                handle.write(bytes(size - start))
        done.append(f"{how} {path.name}")
    return ", ".join(done) or "nothing of its own"


def index_contents(gen: generations.Generation) -> dict[str, str]:
    with whoosh_index.open_dir(gen.path).reader() as reader:
        ids, hashes = reader.column_reader("id"), reader.column_reader("content_hash")
        live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
        contents = {ids[n]: hashes[n] for n in live}
        assert len(contents) == len(live), "duplicate ids"
        return contents


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(index_dir=tmp_path / "index"))) as client:
        yield client


def test_killed_indexers_and_lost_writes_never_lose_an_acknowledged_article(
    tmp_path: Path, service: TestClient
) -> None:
    rng = random.Random(20261128)
    corpus, root = GrowingCorpus(tmp_path / "corpus", rng), tmp_path / "index"
    assert service.get("/readyz").status_code == 503, "no index yet"
    corpus.add_batch(60)
    first = run_index(corpus.folder, root, "--json")
    assert first.returncode == 0, first.stderr
    acknowledged, ack_generation = corpus.state(), json.loads(first.stdout)["generation"]
    log, outcomes = [], {"fell back": 0, "newest": 0, "completed": 0}

    for round_ in range(ROUNDS):
        before = corpus.state()
        corpus.add_batch(rng.randint(15, 30))
        target = corpus.state()
        trigger = KILL_AT[round_ % len(KILL_AT)]
        delay = rng.uniform(0, TRIGGERS[trigger][1])
        code, _, stdout = run_and_kill(index_command(corpus.folder, root, "--json"), root, trigger, delay)
        damage = "none (acknowledged)"
        if code == 0:
            summary = json.loads(stdout.strip().splitlines()[-1])
            acknowledged, ack_generation = target, summary["generation"]
            outcomes["completed"] += 1
        else:
            newest = max(p for p in root.iterdir() if p.is_dir() and p.name.startswith("gen-"))
            if newest.name > ack_generation:  # written by the killed run: its writes were never acknowledged
                damage = lose_unsynced_writes(newest, rng)

        gen = generations.current_generation(root)
        assert gen is not None, f"round {round_}: nothing verifies"
        assert generations.verify_manifest(gen, checksums=True) is None
        assert gen.name >= ack_generation
        contents = index_contents(gen)
        lost = [i for i in acknowledged if i not in contents]
        assert not lost, f"round {round_}: {len(lost)} acknowledged articles lost ({damage})"
        assert contents in (before, target) or contents == acknowledged, f"round {round_}: a state in between"
        ready = ready_on(service, gen.name)
        if (root / generations.CURRENT).read_text().strip() != gen.name:
            # CURRENT names a generation that does not verify: the service, already on ``gen``, reopens it in the
            # background when it sees CURRENT change (the warm switch), and then says what it passed over.
            deadline = time.monotonic() + 30
            while not ready.get("detail") and time.monotonic() < deadline:
                time.sleep(0.05)
                ready = service.get("/readyz").json()
        assert ready["generation"] == gen.name and ready["documents"] == len(contents), ready
        found = service.get("/search", params={"q": "tin", "size": 1}).json()
        assert found["total"] == len(contents), "every title has 'Tin số'"
        for doc_id in rng.sample(sorted(acknowledged), 10):
            assert service.get(f"/articles/{doc_id}").status_code == 200
        outcomes["fell back" if ready.get("detail") else "newest"] += code != 0
        log.append(f"{round_} {trigger}+{delay:.3f}s exit {code} damage: {damage} -> {gen.name} {ready}")

    print("\n".join(log), outcomes)
    assert outcomes["fell back"] >= 1, f"no run left a damaged newest generation to fall back from: {log}"

    done = run_index(corpus.folder, root, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    gen = generations.current_generation(root)
    assert gen is not None and summary["generation"] == gen.name
    assert index_contents(gen) == corpus.state(), "0 lost, 0 extra, 0 duplicates"
    assert check_index([corpus.folder], root).consistent
    assert ready_on(service, gen.name)["generation"] == gen.name


def test_readyz_falls_back_to_the_previous_generation_and_names_the_damaged_one(tmp_path: Path) -> None:
    corpus, root = GrowingCorpus(tmp_path / "corpus", random.Random(1)), tmp_path / "index"
    corpus.add_batch(10)
    index_corpus([corpus.folder], root)
    corpus.add_batch(5)
    index_corpus([corpus.folder], root)
    newest = root / "gen-000002"
    toc = next(newest.glob("*.toc"))
    toc.write_bytes(bytes(toc.stat().st_size))  # same size, zeroed
    with TestClient(create_app(Settings(index_dir=root))) as client:
        ready = client.get("/readyz").json()
        assert (ready["generation"], ready["documents"]) == ("gen-000001", 10)
        assert ready["detail"] == f"serving gen-000001: gen-000002: {toc.name} fails its sampled check"
        index_corpus([corpus.folder], root)  # the next run replaces it; the service follows without a restart
        ready = ready_on(client, "gen-000002")
        assert (ready["generation"], ready["documents"], ready["detail"]) == ("gen-000002", 15, None)


def test_readyz_and_metrics_show_when_the_last_index_run_finished(tmp_path: Path) -> None:
    corpus, root = GrowingCorpus(tmp_path / "corpus", random.Random(2)), tmp_path / "index"
    corpus.add_batch(5)
    with TestClient(create_app(Settings(index_dir=root))) as client:
        unready = client.get("/readyz")
        assert unready.status_code == 503 and unready.json()["indexed_at"] is None
        assert "newssearch_last_index_run_timestamp_seconds 0.0" in client.get("/metrics").text

        first = run_index(corpus.folder, root, "--json")
        assert first.returncode == 0, first.stderr
        manifest = json.loads((root / "gen-000001" / generations.MANIFEST).read_text())
        ready = client.get("/readyz").json()
        indexed_at = dt.datetime.fromisoformat(ready["indexed_at"])
        assert ready["indexed_at"] >= manifest["finished_at"]
        assert abs((dt.datetime.now(dt.UTC) - indexed_at).total_seconds()) < 60 and indexed_at.tzinfo is not None

        time.sleep(1.1)  # the record has whole seconds
        unchanged = run_index(corpus.folder, root, "--json")  # changes nothing: no new generation, but a run
        assert unchanged.returncode == 0 and json.loads(unchanged.stdout)["generation"] == "gen-000001"
        again = client.get("/readyz").json()
        assert again["generation"] == "gen-000001" and again["indexed_at"] > ready["indexed_at"]
        last_run = json.loads((root / generations.LAST_RUN).read_text())
        assert last_run == {"finished_at": again["indexed_at"], "generation": "gen-000001", "documents": 5}
        stamp = dt.datetime.fromisoformat(again["indexed_at"]).timestamp()
        gauge = [
            line.split()[1]
            for line in client.get("/metrics").text.splitlines()
            if line.startswith("newssearch_last_index_run_timestamp_seconds ")
        ]
        assert [float(value) for value in gauge] == [stamp]
