"""``check_index``: the live index compared with the corpus (missing, stale, extra), read-only."""

from __future__ import annotations

import json
import os
from pathlib import Path

from whoosh import index as whoosh_index

from newssearch import generations
from newssearch.check import check_index
from newssearch.indexer import index_corpus


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


def test_a_damaged_generation_fails_its_manifest(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2)])
    gen = generations.current_generation(root)
    assert gen is not None
    segment = max((p for p in gen.path.iterdir() if p.suffix == ".seg"), key=lambda p: p.stat().st_size)
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different content
    segment.write_bytes(bytes(data))

    report = check_index([corpus], root)
    assert not report.consistent
    assert report.index_errors and "checksum" in report.index_errors[0]


def test_a_manifest_with_the_wrong_document_count_is_reported(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2)])
    gen = generations.current_generation(root)
    assert gen is not None
    manifest = gen.path / generations.MANIFEST
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "documents": 7}))
    report = check_index([corpus], root)
    assert report.index_errors == ["gen-000001: manifest records 7 documents, index has 2"]


def test_an_id_held_twice_in_the_index_is_reported(tmp_path: Path) -> None:
    corpus, root = make_index(tmp_path, [article(1), article(2)])
    gen = generations.current_generation(root)
    assert gen is not None
    with whoosh_index.open_dir(gen.path).writer() as writer:  # bypass the indexer: add, not update
        writer.add_document(id="a1", content_hash="x", path="p", title="t", body="b")
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
    assert not report.consistent
    assert any("cannot read the index" in e for e in report.index_errors)
