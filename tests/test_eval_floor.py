"""Regression floor: MRR@10 per query kind on the development query set must not fall below a floor.

Indexes ``../shared/corpus/unc.jsonl.gz`` (2,653 Dân Trí articles) into a temporary folder, runs every query of
``../shared/eval/dev/`` through the search core exactly as ``newssearch eval`` does (100 hits, no highlighting),
and scores the run with :func:`newssearch.evaluation.evaluate`. Skipped when ``../shared`` is not beside the clone.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newssearch import evaluation
from newssearch.engine.facets import FacetIndex
from newssearch.engine.search import SearchRequest, search
from newssearch.index.indexer import index_corpus
from newssearch.store.pool import SearcherPool

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "unc.jsonl.gz"
DEV = SHARED / "eval" / "dev"

# Floors, not targets: a little under the figures measured on 2025-11-28 (MRR@10: exact 1.000, noaccent 1.000,
# nfd 1.000, keywords 0.988, tone 1.000), so that noise-free refactoring passes and a real regression fails.
MRR_FLOORS = {"exact": 0.97, "noaccent": 0.97, "nfd": 0.97, "keywords": 0.96, "tone": 0.97}


@pytest.mark.shared
@pytest.mark.slow
def test_dev_set_mrr_stays_above_the_floor_per_query_kind(tmp_path: Path) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the shared corpus and query sets live beside the developers' and CI's clones")
    queries_path, qrels_path = DEV / "unc-known-item.queries.tsv", DEV / "unc-known-item.qrels"
    for path in (CORPUS, queries_path, qrels_path):
        if not path.exists():
            pytest.skip(f"{path} is absent from {SHARED}")

    started = time.perf_counter()
    stats = index_corpus([CORPUS], tmp_path / "index", procs=2)
    indexed = time.perf_counter()
    assert stats.documents == 2653 and not stats.problems, stats.summary()

    queries = evaluation.read_queries(queries_path)
    run: dict[str, list[str]] = {}
    pool = SearcherPool(tmp_path / "index", FacetIndex)
    try:
        with pool.view() as (view, opened):
            for qid, text in queries.items():
                request = SearchRequest(text, size=100, highlight=False)
                result = search(view, opened.attached, request)
                run[qid] = [hit.id for hit in result.hits]
    finally:
        pool.close()
    report = evaluation.evaluate(run, evaluation.read_qrels(qrels_path))
    searched = time.perf_counter()

    figures = {kind: round(scores.mrr, 3) for kind, scores in report.by_kind.items()}
    print(
        f"\nMRR@10 {figures} overall {report.overall.mrr:.3f}; "
        f"indexed in {indexed - started:.1f} s, {len(queries)} queries in {searched - indexed:.1f} s"
    )
    assert set(MRR_FLOORS) <= set(report.by_kind), f"query kinds missing from the dev set: {sorted(report.by_kind)}"
    assert not report.missing
    below = {
        kind: (round(report.by_kind[kind].mrr, 3), floor)
        for kind, floor in MRR_FLOORS.items()
        if report.by_kind[kind].mrr < floor
    }
    misses = [q.qid for q in report.per_query.values() if q.rr < 1 and q.kind in below]
    assert not below, f"MRR@10 below its floor (measured, floor): {below}; queries not at rank 1: {misses[:20]}"
