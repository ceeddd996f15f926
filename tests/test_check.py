"""``check_index``: the live index compared with the corpus (missing, stale, extra), read-only."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner
from whoosh import index as whoosh_index

from newssearch.cli import app
from newssearch.index import indexer
from newssearch.index.check import check_index
from newssearch.index.corpus import MAX_BODY_CHARS
from newssearch.index.indexer import IndexVerificationError, index_corpus
from newssearch.store import generations


def write_articles(path: Path, articles: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles))


def article(n: int, **extra: str) -> dict[str, str]:
    return {
        "id": f"a{n}",
        "title": f"Tin số {n} ở Đà Nẵng",
        "body": f"Nội dung bài {n}.",
        "date": "2022-03-04",
        **extra,
    }


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under the index root with its size and mtime, to show a check changed nothing."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def make_index(tmp_path: Path, articles: list[dict[str, str]]) -> tuple[Path, Path]:
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", articles)
    index_corpus([corpus], root)
    return corpus, root


def test_a_freshly_indexed_corpus_is_consistent(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2), article(3)])
    report = check_index([corpus], root)
    assert report.consistent
    assert (report.generation, report.documents, report.articles) == ("gen-000001", 3, 3)
    assert report.missing == report.stale == report.extra == report.duplicated == report.kept == []
    assert report.problems == report.index_errors == []
    summary = report.summary()
    assert summary["consistent"] is True and summary["examples"] == {}
    json.dumps(summary)  # one JSON line for cron


def test_missing_stale_and_extra_are_found_and_nothing_is_changed(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2), article(3)])
    write_articles(corpus / "a.jsonl", [article(1), article(2, body="Sửa lại."), article(4), article(5)])
    before = snapshot(root)

    report = check_index([corpus], root)
    assert not report.consistent
    assert (report.missing, report.stale, report.extra) == (["a4", "a5"], ["a2"], ["a3"])
    assert (report.documents, report.articles) == (3, 4)
    summary = report.summary()
    assert (summary["missing"], summary["stale"], summary["extra"]) == (2, 1, 1)
    assert summary["examples"] == {"missing": ["a4", "a5"], "stale": ["a2"], "extra": ["a3"]}
    assert snapshot(root) == before, "a check is read-only"

    index_corpus([corpus], root)
    assert check_index([corpus], root).consistent


def test_touching_a_file_does_not_make_it_stale(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1)])
    os.utime(corpus / "a.jsonl", (1, 1))
    assert check_index([corpus], root).consistent


def test_no_index_is_reported_with_every_article_missing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1), article(2)])
    report = check_index([corpus], tmp_path / "index")
    assert not report.consistent and report.generation is None
    assert report.missing == ["a1", "a2"]
    assert "no live generation" in report.index_errors[0]
    assert not (tmp_path / "index").exists(), "a check creates nothing"


def test_corpus_problems_are_reported_and_articles_of_unreadable_files_are_kept_not_extra(tmp_path: Path) -> None:
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1), article(2)])
    write_articles(corpus / "b.jsonl", [article(3)])
    index_corpus([corpus], root)
    (corpus / "a.jsonl").write_bytes(b'{"id": "a1", "title": "x", "body": "\xff"}\n' + b'{"id": "a2", "body": ""}\n')
    write_articles(corpus / "c.jsonl", [article(3, body="trùng id")])

    report = check_index([corpus], root)
    assert report.consistent, "the indexer keeps articles whose file cannot be read: not a difference"
    assert report.kept == ["a1", "a2"] and report.extra == []
    reasons = sorted(p.reason for p in report.problems)
    assert len(reasons) == 3
    assert "UTF-8" in reasons[2] and reasons[1] == "empty body" and reasons[0].startswith("duplicate id 'a3'")
    assert report.summary()["skipped"] == 3


def test_a_missing_corpus_root_keeps_its_articles(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1)])
    (corpus / "a.jsonl").unlink()
    corpus.rmdir()
    report = check_index([corpus], root)
    assert report.kept == ["a1"] and report.problems[0].reason == "no such file or folder"


def test_a_damaged_generation_is_not_served_and_the_previous_one_is_compared(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2)])
    write_articles(corpus / "a.jsonl", [article(1), article(2), article(3)])
    index_corpus([corpus], root)
    gen = generations.current_generation(root)
    assert gen is not None and gen.name == "gen-000002"
    segment = max((p for p in gen.path.iterdir() if p.stat().st_nlink == 1 and p.suffix == ".seg"), key=os.path.getsize)
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different content: a small file is sampled whole
    segment.write_bytes(bytes(data))

    report = check_index([corpus], root)
    assert not report.consistent
    assert report.index_errors == [f"gen-000002: {segment.name} fails its sampled check: not served"]
    assert report.generation == "gen-000001" and report.missing == ["a3"], "what the service falls back to"

    index_corpus([corpus], root)  # the next run replaces the damaged generation
    assert check_index([corpus], root).consistent


def test_damage_the_cheap_check_cannot_see_fails_the_full_checksum(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1, body=big_body(5)), article(2)])
    gen = generations.current_generation(root)
    assert gen is not None
    segment = max((p for p in gen.path.iterdir() if p.suffix == ".seg"), key=os.path.getsize)
    size = segment.stat().st_size
    assert size > 400_000, "big enough to be sampled, not read whole"
    edge, block, blocks = 64 << 10, 4 << 10, 16
    offset = edge + block + ((size - 2 * edge - block) // blocks - block) // 2  # between two sampled blocks
    with open(segment, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert generations.verify_manifest(gen, checksums=False) is None

    report = check_index([corpus], root)
    assert report.generation == gen.name and not report.consistent
    assert report.index_errors == [f"{gen.name}: {segment.name} fails its checksum"]


def test_a_manifest_with_the_wrong_document_count_is_reported(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2)])
    gen = generations.current_generation(root)
    assert gen is not None
    manifest = gen.path / generations.MANIFEST
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "documents": 7}))
    report = check_index([corpus], root)
    # The service does not serve a generation whose document count disagrees with its manifest; nor does the check.
    assert report.index_errors[0] == "gen-000001: 2 documents, the manifest records 7: not served"
    assert not report.consistent and report.generation is None


def test_an_id_held_twice_in_the_index_is_reported(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2)])
    gen = generations.current_generation(root)
    assert gen is not None
    with whoosh_index.open_dir(gen.path).writer() as writer:  # bypass the indexer: add, not update
        writer.add_document(id="a1", content_hash="x", path="p", title="t", body="b")
    generations.write_manifest(gen, documents=3)  # as a faulty indexer would: the files are whole
    report = check_index([corpus], root)
    assert report.duplicated == ["a1"] and not report.consistent
    assert report.documents == 3


def test_an_unreadable_index_is_reported_not_raised(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1)])
    gen = generations.current_generation(root)
    assert gen is not None
    for toc in gen.path.glob("*.toc"):
        toc.unlink()
    report = check_index([corpus], root)
    assert not report.consistent and report.generation is None
    assert report.index_errors[0].endswith(".toc is missing: not served")
    generations.write_manifest(gen, documents=1)  # the files are all there, yet Whoosh cannot read them
    report = check_index([corpus], root)
    assert not report.consistent
    assert any("cannot read the index" in e for e in report.index_errors)


# --- `newssearch index --check` through the real command ---------------------------------------------------------

runner = CliRunner()


def big_body(seed: int) -> str:
    """A body whose segment is large enough to be sampled rather than read whole by the cheap check."""
    rng = random.Random(seed)
    return " ".join("".join(rng.choice("abcdefghiklmnopqrstuvxy") for _ in range(8)) for _ in range(40_000))


def test_check_command_exits_0_when_equal_and_lists_quarantined_lines_with_path_line_and_reason(
    tmp_path: Path,
) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2)])
    bad = corpus / "bad.jsonl"
    bad.write_bytes(
        b'{"id": "b1", "title": "t", "body": "\xff\xfe"}\n'
        + json.dumps({"id": "b2", "title": "t", "body": "a\x00b"}).encode()
        + b"\n"
        + b'{"id": "b3", "title": "t", "body": "x\\ud800y"}\n'
        + json.dumps({"id": "b4", "title": "t", "body": "x" * (MAX_BODY_CHARS + 1)}).encode()
        + b"\n"
        + json.dumps({"id": "b5", "title": "t", "body": "b", "date": "2022-13"}).encode()
        + b"\n"
    )
    before = snapshot(root)
    result = runner.invoke(app, ["index", str(corpus), "--index", str(root), "--check"])
    assert result.exit_code == 0, result.output
    assert "consistent: gen-000001 holds 2 documents, the corpus 2 articles" in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert [line.split(": ", 1)[0] for line in lines] == [f"skipped {bad}:{n}" for n in range(1, 6)]
    reasons = ["UTF-8", "NUL byte", "lone surrogate", "exceeds", "invalid date '2022-13'"]
    for line, reason in zip(lines, reasons, strict=True):
        assert reason in line, line
    assert snapshot(root) == before


def test_check_command_exits_5_on_differences_and_lists_them(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2), article(3)])
    write_articles(corpus / "a.jsonl", [article(1), article(2, body="Sửa lại."), article(4)])
    before = snapshot(root)
    result = runner.invoke(app, ["index", str(corpus), "--index", str(root), "--check", "--json"])
    assert result.exit_code == 5, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["missing"], summary["stale"], summary["extra"], summary["consistent"]) == (1, 1, 1, False)
    assert summary["last_run"] is not None
    assert {"missing a4", "stale a2", "extra a3"} <= set(result.stderr.splitlines())
    assert snapshot(root) == before, "--check changes nothing"

    assert runner.invoke(app, ["index", str(corpus), "--index", str(root), "--quiet"]).exit_code == 0
    assert runner.invoke(app, ["index", str(corpus), "--index", str(root), "--check"]).exit_code == 0


def test_check_command_without_an_index_exits_5_and_refuses_rebuild(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1)])
    result = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "ix"), "--check"])
    assert result.exit_code == 5 and "no live generation" in result.stderr
    assert not (tmp_path / "ix").exists()
    both = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "ix"), "--check", "--rebuild"])
    assert both.exit_code == 2


def test_index_failures_are_one_line_errors_with_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1)])
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = runner.invoke(app, ["index", str(corpus), "--index", str(not_a_folder)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines()[-1].startswith("error: index run failed, the live index is unchanged: [Errno")
    assert "Traceback" not in result.output

    def failing_verify(gen: generations.Generation, expected: int) -> int:
        raise IndexVerificationError(f"{gen.name}: 0 documents, expected {expected}")

    monkeypatch.setattr(indexer, "_verify", failing_verify)
    result = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: index run failed, the live index is unchanged: gen-000001: 0 documents, expected 1"
    )
    assert generations.current_generation(tmp_path / "ix") is None


def test_damage_to_an_inherited_file_is_caught_at_switch_time(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1, body=big_body(1)), article(2)])
    live = generations.current_generation(root)
    assert live is not None
    segment = max((p for p in live.path.iterdir() if p.suffix == ".seg"), key=os.path.getsize)
    with open(segment, "r+b") as handle:  # a flipped bit the cheap check does not sample
        handle.seek((64 << 10) + (4 << 10) + 1000)  # after the head and the first sampled block
        handle.write(b"\x00\x01\x02")
    write_articles(corpus / "b.jsonl", [article(3)])
    result = runner.invoke(app, ["index", str(corpus), "--index", str(root)])
    assert result.exit_code == 1, result.output
    assert "no longer matches the checksum" in result.stderr and "--rebuild" in result.stderr
    assert generations.current_generation(root) == live, "nothing was switched to"
    rebuilt = runner.invoke(app, ["index", str(corpus), "--index", str(root), "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert check_index([corpus], root).consistent
