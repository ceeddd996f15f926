"""Indexing runs: incremental by content hash, nothing lost on bad input, one indexer at a time."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from newssearch.engine import search as core
from newssearch.engine.facets import FacetIndex
from newssearch.index import indexer
from newssearch.index.corpus import Article
from newssearch.index.indexer import IndexStats, index_corpus
from newssearch.store import generations, parallel
from newssearch.store.derived import DerivedRecipe, lacks_derived
from newssearch.store.generations import IndexerBusy
from newssearch.store.pool import SearcherPool
from support import CORPUS


def write_articles(path: Path, articles: list[dict]) -> None:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles))


def article(n: int, **extra: str) -> dict:
    return {
        "id": f"a{n}",
        "title": f"Tin số {n} ở Hà Tĩnh",
        "body": f"Nội dung bài {n}.",
        "date": "2021-05-02",
        **extra,
    }


def live_ids(root: Path) -> list[str]:
    gen = generations.current_generation(root)
    assert gen is not None
    with whoosh_index.open_dir(gen.path).searcher() as searcher:
        return sorted(fields["id"] for fields in searcher.all_stored_fields())


def test_bundled_corpus_is_indexed_whole(bundled_index: tuple[Path, IndexStats]) -> None:
    root, stats = bundled_index
    assert (stats.indexed, stats.skipped, stats.documents) == (301, 0, 301)
    assert len(live_ids(root)) == 301


def test_incremental_runs_add_update_delete_and_leave_unchanged_alone(tmp_path: Path) -> None:
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1), article(2), article(3)])
    first = index_corpus([corpus], root)
    assert (first.indexed, first.documents) == (3, 3)

    again = index_corpus([corpus], root)
    assert (again.indexed, again.updated, again.unchanged, again.deleted) == (0, 0, 3, 0)
    assert again.generation == first.generation, "a run that changes nothing makes no new generation"

    os.utime(corpus / "a.jsonl")  # a touched file with the same content is still unchanged
    assert index_corpus([corpus], root).unchanged == 3

    write_articles(corpus / "a.jsonl", [article(1), article(2, body="Sửa lại nội dung."), article(4)])
    changed = index_corpus([corpus], root)
    assert (changed.indexed, changed.updated, changed.unchanged, changed.deleted) == (1, 1, 1, 1)
    assert live_ids(root) == ["a1", "a2", "a4"]
    assert changed.generation != first.generation


def test_a_derived_file_that_fails_again_makes_no_new_generation_for_an_unchanged_corpus(tmp_path: Path) -> None:
    """The nightly run on an unchanged corpus tries again to write what the live generation lacks; when that fails
    again, it keeps the live generation (a switch would only empty every worker's caches), and once the write
    succeeds it switches to a generation that has the file."""
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1), article(2)])
    attempts: list[int] = []

    def failing(view: object) -> dict:
        attempts.append(1)
        raise OSError("disk full")

    broken = DerivedRecipe("always-fails", "always-fails/1", failing)
    first = index_corpus([corpus], root, derive=[broken])
    assert first.generation is not None and lacks_derived(root / first.generation, broken)
    again = index_corpus([corpus], root, derive=[broken])
    assert len(attempts) == 2, "the unchanged run tried again"
    assert again.generation == first.generation and again.documents == 2
    assert sorted(p.name for p in root.glob("gen-*")) == [first.generation], "no half-made generation is left"

    mended = DerivedRecipe("always-fails", "always-fails/1", lambda view: {"ok": True})
    fixed = index_corpus([corpus], root, derive=[mended])
    assert fixed.generation != first.generation
    assert fixed.generation is not None and not lacks_derived(root / fixed.generation, mended)


def test_a_bad_file_is_reported_and_its_articles_are_not_deleted(tmp_path: Path) -> None:
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1), article(2)])
    write_articles(corpus / "b.jsonl", [article(3)])
    index_corpus([corpus], root)
    (corpus / "a.jsonl").write_bytes(
        b'{"id": "a1", "title": "x", "body": "\xff"}\n' + (corpus / "a.jsonl").read_bytes()
    )
    stats = index_corpus([corpus], root)
    assert stats.skipped == 1 and "UTF-8" in stats.problems[0].reason
    assert live_ids(root) == ["a1", "a2", "a3"]


def test_rebuild_switches_to_a_new_generation_and_keeps_the_previous(tmp_path: Path) -> None:
    corpus, root = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1)])
    first = index_corpus([corpus], root)
    rebuilt = index_corpus([corpus], root, rebuild=True)
    assert rebuilt.rebuilt and rebuilt.generation != first.generation
    assert (root / str(first.generation)).is_dir()
    assert generations.verify_manifest(generations.current_generation(root)) is None
    index_corpus([corpus], root, rebuild=True)
    assert not (root / str(first.generation)).exists(), "only two generations are kept"


def test_a_second_indexer_exits_at_once(tmp_path: Path) -> None:
    with generations.indexer_lock(tmp_path), pytest.raises(IndexerBusy):
        index_corpus([tmp_path], tmp_path)


def test_duplicate_ids_keep_the_first_and_report_the_second(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_articles(corpus / "a.jsonl", [article(1), article(1, body="khác")])
    stats = index_corpus([corpus], tmp_path / "index")
    assert stats.documents == 1 and "duplicate" in stats.problems[0].reason


def _ranked(root: Path, query: str) -> list[tuple[str, float]]:
    pool = SearcherPool(root, FacetIndex)
    try:
        with pool.view() as (view, opened):
            result = core.search(view, opened.attached, core.SearchRequest(q=query, size=20))
        return [(hit.id, round(hit.score, 3)) for hit in result.hits]
    finally:
        pool.close()


def test_parallel_rebuild_gives_the_same_index_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small segments, so each worker closes several of them and the index has many.
    monkeypatch.setattr(parallel, "SEGMENT_DOCS", 40)
    single = index_corpus([CORPUS], tmp_path / "single", rebuild=True)
    multi = index_corpus([CORPUS], tmp_path / "multi", rebuild=True, procs=2)
    assert multi.summary() | {"seconds": 0, "generation": None} == single.summary() | {"seconds": 0, "generation": None}
    assert live_ids(tmp_path / "multi") == live_ids(tmp_path / "single")
    gen = generations.current_generation(tmp_path / "multi")
    assert gen is not None
    assert len(whoosh_index.open_dir(gen.path).reader().leaf_readers()) >= 301 // 40
    for query in ("ha tinh", "Thị ủy Kỳ Anh", '"kinh tế"', "bóng đá"):
        assert _ranked(tmp_path / "multi", query) == _ranked(tmp_path / "single", query), query
    # The parallel index takes incremental runs like any other.
    extra = tmp_path / "extra"
    extra.mkdir()
    write_articles(extra / "new.jsonl", [article(1)])
    after = index_corpus([CORPUS, extra], tmp_path / "multi")
    assert (after.indexed, after.unchanged, after.documents) == (1, 301, 302)


def _failing_document(article: Article) -> dict[str, object]:
    raise ValueError(f"cannot index {article.id}")


def test_a_failing_worker_fails_the_run_and_keeps_the_live_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root)
    before = generations.current_generation(root)
    monkeypatch.setattr(indexer, "_document", _failing_document)
    with pytest.raises(parallel.WorkerFailed, match="cannot index"):
        index_corpus([CORPUS], root, rebuild=True, procs=2)
    assert before is not None
    assert generations.current_generation(root) == before
    # No half-built generation is left beside the live one.
    assert [g.name for g in generations._generations(root)] == [before.name]
    assert len(live_ids(root)) == 301


def test_a_duplicate_id_is_reported_with_its_path_and_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    lines = [{"id": "a", "title": "Một", "body": "Tin một"}, {"id": "b", "title": "Hai", "body": "Tin hai"}]
    lines.append({"id": "a", "title": "Ba", "body": "Tin ba"})
    (corpus / "feed.jsonl").write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    stats = index_corpus([corpus], tmp_path / "ix")
    [problem] = stats.problems
    assert str(problem) == f"{corpus / 'feed.jsonl'}:3: duplicate id 'a': first one kept"
