"""The span (issue 19): one merged companion for a generation's large segments, so a term is one look-up.

Real indexes of the bundled corpus on disk, cut into many small segments (the production sizes scaled down: a
segment every 40 articles, "small" under 20); every array read through the span is compared with what Whoosh
itself decodes, and rankings with those read through Whoosh alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from newssearch import Archive, Settings
from newssearch.index.indexer import index_corpus
from newssearch.store import columns, generations, parallel, span, writer
from newssearch.store.columns import ColumnsBuilder, columns_path, open_segment_columns
from newssearch.store.generations import current_generation
from newssearch.store.postings import PostingCache
from newssearch.store.schema import open_index
from support import CORPUS, SEED_ID
from test_columns import _results, _same_arrays


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "SEGMENT_DOCS", 40)
    monkeypatch.setattr(writer, "SMALL_SEGMENT_DOCS", 20)


def _status(root: Path) -> tuple[int, int, int]:
    """(segments, read through a companion, through the span) of the served generation."""
    with Archive.open(Settings(index_dir=root)) as archive:
        status = archive.status()
    return status.segments, status.columnar_segments, status.spanned_segments


def _span(root: Path) -> Path:
    return current_generation(root).path / span.SPAN_NAME


def _rebuilt_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the bundled corpus (for the test to change) and an index rebuilt from it: (corpus, index root)."""
    corpus, root = tmp_path / "corpus", tmp_path / "ix"
    shutil.copytree(CORPUS, corpus)
    index_corpus([corpus], root, rebuild=True, procs=2)
    return corpus, root


def _nightly(corpus: Path, name: str, articles: int) -> None:
    """A day's articles: copies of the seed with a word of their own."""
    seed = next(CORPUS.rglob("000_9dadb441269e12e8.txt")).read_text(encoding="utf-8")
    folder = corpus / name
    folder.mkdir()
    for n in range(articles):
        (folder / f"{n:03d}.txt").write_text(seed.replace("Kỳ Anh", f"Kỳ Anh {name}{n:03d}"), encoding="utf-8")


def test_a_rebuild_reads_all_its_segments_through_one_span_with_whooshs_postings(
    tmp_path: Path, small_segments: None
) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root, rebuild=True, procs=2)
    segments, columnar, spanned = _status(root)
    # 301 articles in two workers: 7 full segments of 40, each worker's remainder (under 20 here) after them, all
    # in the span: a remainder left beside it had most terms' postings assembled from two parts by every search.
    assert segments == 9 and columnar == 9 and spanned == 9
    _same_arrays(current_generation(root).path)
    cache = PostingCache(open_index(current_generation(root).path))
    ids, tfs = cache.postings("body_fold", "tinh")  # the span's own arrays: read-only, remembered for a warm switch
    assert len(ids) > 10 and not ids.flags.writeable and not tfs.flags.writeable
    assert ("postings", "body_fold", "tinh") in cache.hot_keys()
    through_span = _results(root)
    assert through_span["ha tinh"][0][0] == SEED_ID
    assert through_span == _results(root, columnar=False)


def test_a_nightly_run_keeps_the_span_and_reads_its_own_segment_beside_it(tmp_path: Path, small_segments: None) -> None:
    corpus, root = _rebuilt_copy(tmp_path)
    before = _span(root).stat().st_ino
    sample = corpus / "dantri" / "unc-sample.jsonl"
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    gone = {json.loads(line)["id"]: json.loads(line)["title"] for line in lines[:5]}  # most are in spanned segments
    sample.write_text("".join(lines[5:]), encoding="utf-8")
    _nightly(corpus, "zyxwvu", 3)
    stats = index_corpus([corpus], root)
    assert (stats.indexed, stats.deleted) == (3, 5)
    assert _span(root).stat().st_ino == before  # shared with the previous generation, not written again
    segments, columnar, spanned = _status(root)
    # The rebuild's remainders stay in the span, not merged away with the new articles' small segment.
    assert spanned == 9 and columnar == segments == 10
    _same_arrays(current_generation(root).path)
    with Archive.open(Settings(index_dir=root)) as archive:
        result = next(archive.search_many({"q": "zyxwvu001"}))[1]
        assert [hit.id for hit in result.hits] == ["zyxwvu/001.txt"]
        for title in gone.values():  # each deleted article's own headline finds others, never it
            found = {hit.id for hit in next(archive.search_many({"q": title}))[1].hits}
            assert found and not found & set(gone), title
    assert _results(root) == _results(root, columnar=False)


def test_nightly_runs_merge_their_small_segments_but_not_the_rebuilds_spanned_ones(
    tmp_path: Path, small_segments: None
) -> None:
    """Each day's few articles make a small segment; the runs merge those together (once two are waiting) and leave
    the rebuild's remainders, which the span covers, where they are: the span stays as it was written."""
    corpus, root = _rebuilt_copy(tmp_path)
    first = _span(root).stat().st_ino
    counts = []
    for day in range(3):
        _nightly(corpus, f"small{day}", 3)
        index_corpus([corpus], root)
        segments, columnar, spanned = _status(root)
        assert spanned == 9 and columnar == segments and _span(root).stat().st_ino == first
        counts.append(segments)
    assert counts == [10, 11, 10]  # the third run merged the first two days' segments into its own
    _same_arrays(current_generation(root).path)
    assert _results(root) == _results(root, columnar=False)


def test_the_span_is_written_again_once_too_many_segments_follow_it(tmp_path: Path, small_segments: None) -> None:
    corpus, root = _rebuilt_copy(tmp_path)
    first = _span(root).stat().st_ino
    for day in range(span.SPAN_SLACK + 1):  # each day's segment is large enough not to be merged away
        _nightly(corpus, f"day{day}", 25)
        index_corpus([corpus], root)
        segments, _, spanned = _status(root)
        if day < span.SPAN_SLACK:
            assert _span(root).stat().st_ino == first and spanned == 9
    assert _span(root).stat().st_ino != first
    segments, columnar, spanned = _status(root)
    assert columnar == spanned == segments  # each day's segment is large: all of them now
    _same_arrays(current_generation(root).path)


def test_a_span_that_does_not_match_its_generation_is_not_read_and_the_next_run_writes_one(
    tmp_path: Path, small_segments: None
) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root, rebuild=True, procs=2)
    before = _results(root)
    live = current_generation(root)
    assert live is not None
    # A span of the generation's segments but the first (as if written before a merge): it no longer matches.
    segments = [(s.segment_id(), s.doc_count_all()) for s in open_index(live.path)._segments()][1:7]
    companions = [open_segment_columns(columns_path(live.path, name), docs) for name, docs in segments]
    span.write_span(live.path / span.SPAN_NAME, segments, [c for c in companions if c is not None])
    generations.write_manifest(live, documents=301)
    assert _status(root)[2] == 0
    assert _results(root) == before
    stats = index_corpus([CORPUS], root)  # no corpus change: the run still writes a matching span
    assert not stats.rebuilt and stats.generation == "gen-000002"
    assert _status(root)[2] == 7
    assert _results(root) == before


def test_terms_that_share_a_hash_stay_apart_in_the_span(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every term of two segments given one hash: the merged table must still tell them apart by their bytes."""
    monkeypatch.setattr(columns, "term_hash", lambda term: 42)
    segments = {"a": ([b"ha", b"tinh", b"xa"], [1, 2, 1]), "b": ([b"ky", b"tinh", b"xa"], [1, 1, 2])}
    for name, (terms, counts) in segments.items():
        builder = ColumnsBuilder(docs=3)
        total = sum(counts)
        ids, tfs = np.arange(total, dtype=np.uint32) % 3, np.arange(1, total + 1, dtype=np.float32)
        builder.add_field("f", terms, counts, ids, tfs)
        builder.write(tmp_path / f"{name}.cols")
    parts = [open_segment_columns(tmp_path / f"{name}.cols", 3) for name in segments]
    assert all(part is not None for part in parts)
    span.write_span(tmp_path / "span.cols", [("a", 3), ("b", 3)], [p for p in parts if p is not None])
    merged = open_segment_columns(tmp_path / "span.cols", 6)
    assert merged is not None
    found = {
        term.decode(): tuple(a.tolist() for a in merged.postings("f", term, 42) or ())
        for term in (b"ha", b"ky", b"tinh", b"xa", b"zz")
    }
    assert found == {
        "ha": ([0], [1]),
        "ky": ([3], [1]),
        "tinh": ([1, 2, 4], [2, 3, 2]),
        "xa": ([0, 5, 3], [4, 3, 4]),
        "zz": (),
    }


def test_a_segment_without_its_companion_is_read_from_whoosh_in_its_place(tmp_path: Path, small_segments: None) -> None:
    root = tmp_path / "ix"
    index_corpus([CORPUS], root, rebuild=True, procs=2)
    live = current_generation(root)
    assert live is not None
    index = open_index(live.path)
    # Without the span (a rebuild's covers every segment), one segment loses its companion; the rest keep theirs.
    (live.path / span.SPAN_NAME).unlink()
    segment = index._segments()[7]
    columns_path(live.path, segment.segment_id()).unlink()
    through_parts, through_whoosh = PostingCache(index), PostingCache(index, columnar=False)
    assert through_parts.spanned_segments == 0 and through_parts.companion_segments == (8, 9)
    for field in ("body_fold", "bigram", "title"):
        for term in through_whoosh.terms(field)[::50]:
            for a, b in zip(through_parts.postings(field, term), through_whoosh.postings(field, term), strict=True):
                assert np.array_equal(a, b), (field, term)
