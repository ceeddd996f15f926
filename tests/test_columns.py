"""The columnar companion of each segment (issue 19): the same postings as Whoosh's, written by every kind of index
run, read by the service, verified with the generation, and written again when it is missing.

Real indexes of the bundled corpus on disk; the companion is compared with what Whoosh itself decodes.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from newssearch import Archive, Settings
from newssearch.index.check import check_index
from newssearch.index.indexer import index_corpus
from newssearch.store import generations
from newssearch.store.columns import SUFFIX, ensure_columns, lacks_columns
from newssearch.store.generations import current_generation
from newssearch.store.opening import IndexNotReady
from newssearch.store.postings import PostingCache
from newssearch.store.schema import open_index
from newssearch.store.span import SPAN_NAME
from support import CORPUS, SEED_ID

QUERIES = ["ha tinh", "Hà Tĩnh", "kinh tế", '"Vũng Áng"', "thị xã Kỳ Anh", "giá vàng", "bóng đá", "TP.HCM"]
FIELDS = ["title", "title_fold", "body", "body_fold", "bigram", "pair", "place_about", "category", "id"]


def _live(root: Path) -> Path:
    return current_generation(root).path


def _results(root: Path, *, columnar: bool = True) -> dict[str, list[tuple[str, float]]]:
    with Archive.open(Settings(index_dir=root, columnar=columnar, search_budget_ms=120_000)) as archive:
        return {
            q: [(hit.id, round(hit.score, 4)) for hit in result.hits]
            for q, result in archive.search_many(dict(zip(QUERIES, QUERIES, strict=True)), size=50)
        }


def _columnar_segments(root: Path) -> tuple[int, int]:
    with Archive.open(Settings(index_dir=root)) as archive:
        status = archive.status()
    return status.columnar_segments, status.segments


def _same_arrays(path: Path) -> None:
    """Every array the engine reads, through the companion and decoded from Whoosh, for a sample of terms."""
    index = open_index(path)
    columns, whoosh = PostingCache(index, columnar=True), PostingCache(index, columnar=False)
    assert columns.companion_segments[0] == columns.companion_segments[1] > 0
    assert whoosh.companion_segments[0] == 0
    rng = random.Random(19)
    wanted = np.zeros(columns.doc_count_all, dtype=np.bool_)
    wanted[rng.sample(range(columns.doc_count_all), columns.doc_count_all // 3)] = True
    for field in FIELDS:
        terms = whoosh.terms(field)
        assert terms, field
        for term in [*rng.sample(terms, min(150, len(terms))), "không-có-từ-này"]:
            for a, b in zip(columns.postings(field, term), whoosh.postings(field, term), strict=True):
                assert np.array_equal(a, b), (field, term)
            assert columns.doc_frequency(field, term) == whoosh.doc_frequency(field, term)
            if field.endswith("_fold"):
                every = whoosh.positions(field, term)
                assert np.array_equal(columns.positions(field, term), every), (field, term)
                # A phrase reads only its candidates' positions (a third of the documents here).
                some = every[wanted[every >> 24]]
                assert np.array_equal(columns.positions_within(field, term, wanted), some), (field, term)
                assert np.array_equal(whoosh.positions_within(field, term, wanted), some), (field, term)
        sample = [*rng.sample(terms, min(300, len(terms))), "không-có-từ-này"]
        assert columns.doc_frequencies(field, sample).tolist() == [whoosh.doc_frequency(field, t) for t in sample]
        if field in ("title_fold", "body_fold"):
            assert np.array_equal(columns.lengths(field), whoosh.lengths(field))
    for name in ("date_lo", "date_hi"):
        assert np.array_equal(columns.column(name), whoosh.column(name))
    columns.close()
    whoosh.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("columns") / "ix"
    index_corpus([CORPUS], root, procs=2)
    return root


def test_a_rebuild_writes_a_companion_for_every_segment_with_whooshs_postings(built: Path) -> None:
    assert not lacks_columns(_live(built))
    _same_arrays(_live(built))


def test_a_companion_read_back_from_whoosh_is_byte_for_byte_the_one_the_rebuild_wrote(
    built: Path, tmp_path: Path
) -> None:
    """Two ways to write it (from the rebuild's postings in memory, from a segment Whoosh wrote or merged): one file."""
    copy = tmp_path / "gen"
    shutil.copytree(_live(built), copy)
    # Each segment's own companion (not the span, which merges them: see test_span.py).
    written = {path.name: path.read_bytes() for path in copy.glob(f"*{SUFFIX}") if path.name != SPAN_NAME}
    assert written
    for path in copy.glob(f"*{SUFFIX}"):
        path.unlink()
    assert lacks_columns(copy)
    assert ensure_columns(copy) == len(written)
    assert {path.name: path.read_bytes() for path in copy.glob(f"*{SUFFIX}")} == written


def test_ranking_is_the_same_through_the_companion_and_through_whoosh(built: Path) -> None:
    through_columns, through_whoosh = _results(built), _results(built, columnar=False)
    assert through_columns["ha tinh"][0][0] == SEED_ID
    assert through_columns == through_whoosh


def test_an_incremental_run_adds_a_companion_for_its_segment(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    root = tmp_path / "ix"
    index_corpus([corpus], root)
    seed = next(corpus.rglob("000_9dadb441269e12e8.txt"))
    nightly = seed.with_name("nightly.txt")
    nightly.write_text(seed.read_text(encoding="utf-8").replace("Kỳ Anh", "Kỳ Anh Zyxwvu"), encoding="utf-8")
    seed.unlink()  # and one deleted
    stats = index_corpus([corpus], root)
    assert (stats.indexed, stats.deleted) == (1, 1)
    assert _columnar_segments(root)[0] == _columnar_segments(root)[1] == 2
    _same_arrays(_live(root))
    with Archive.open(Settings(index_dir=root)) as archive:
        [hit] = archive.search_many({"q": "zyxwvu"}).__next__()[1].hits
        assert hit.id.endswith("nightly.txt")
        assert all(hit.id != SEED_ID for _, result in archive.search_many({"q": "ha tinh"}) for hit in result.hits)


def test_a_generation_without_companions_is_served_from_whoosh_and_the_next_run_writes_them(tmp_path: Path) -> None:
    """An index written before the companion existed: no companion files, none in its manifest."""
    root = tmp_path / "ix"
    stats = index_corpus([CORPUS], root)
    before = _results(root)
    live = current_generation(root)
    for path in live.path.glob(f"*{SUFFIX}"):
        path.unlink()
    generations.write_manifest(live, documents=stats.documents)
    assert _columnar_segments(root)[0] == 0
    assert _results(root) == before
    report = check_index([CORPUS], root)
    assert report.consistent and report.without_columns == 1
    stats = index_corpus([CORPUS], root)  # nothing changed in the corpus: the run still writes the companions
    assert stats.generation == "gen-000002" and not stats.rebuilt
    assert _columnar_segments(root) == (1, 1)
    assert _results(root) == before
    assert check_index([CORPUS], root).without_columns == 0


def test_a_damaged_companion_fails_verification_like_any_index_file(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root)
    [companion] = _live(root).glob(f"*{SUFFIX}")
    size = companion.stat().st_size
    with open(companion, "r+b") as handle:
        handle.seek(size // 3)
        handle.write(b"\xff" * (size // 3))
    with pytest.raises(IndexNotReady, match="gen-000001"):
        _columnar_segments(root)
