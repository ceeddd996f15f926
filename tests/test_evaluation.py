"""Tests for newssearch.evaluation, with figures worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from newssearch.evaluation import (
    DEFAULT_KIND,
    OVERALL,
    evaluate,
    format_trec_run,
    kind_of,
    ndcg_at_k,
    read_qrels,
    read_queries,
    read_run,
    recall_at_k,
    reciprocal_rank,
)


def approx(value: float) -> object:
    return pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize(
    ("qid", "kind"),
    [
        ("unc-news_business_001:noaccent", "noaccent"),
        ("a:b:keywords", "keywords"),
        ("plain", DEFAULT_KIND),
        ("trailing:", DEFAULT_KIND),
        (":leading", DEFAULT_KIND),
    ],
)
def test_kind_of(qid: str, kind: str) -> None:
    assert kind_of(qid) == kind


# ------------------------------------------------------------------------------------------- metrics


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(["d1", "d2"], {"d1"}) == 1.0
    assert reciprocal_rank(["x", "d1"], {"d1"}) == 0.5
    assert reciprocal_rank(["x", "y", "d1", "d2"], {"d1", "d2"}) == approx(1 / 3)
    assert reciprocal_rank([], {"d1"}) == 0.0


def test_reciprocal_rank_respects_cutoff() -> None:
    ranked = [f"x{i}" for i in range(10)] + ["d1"]  # relevant at rank 11
    assert reciprocal_rank(ranked, {"d1"}, k=10) == 0.0
    assert reciprocal_rank(ranked, {"d1"}, k=11) == approx(1 / 11)


def test_ndcg_single_relevant() -> None:
    assert ndcg_at_k(["d1"], {"d1"}) == 1.0
    assert ndcg_at_k(["x", "d1"], {"d1"}) == approx(1 / math.log2(3))
    assert ndcg_at_k(["x", "y", "d1"], {"d1"}) == approx(0.5)  # 1/log2(4)
    assert ndcg_at_k(["x"] * 10 + ["d1"], {"d1"}) == 0.0


def test_ndcg_two_relevant() -> None:
    # hits at ranks 1 and 3: DCG = 1 + 1/2; ideal (ranks 1, 2) = 1 + 1/log2(3)
    expected = (1 + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["d1", "x", "d2"], {"d1", "d2"}) == approx(expected)
    # only one of two found, at rank 1
    assert ndcg_at_k(["d1"], {"d1", "d2"}) == approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_ideal_is_capped_at_k() -> None:
    relevant = {f"d{i}" for i in range(12)}
    ranked = sorted(relevant)[:10]
    assert ndcg_at_k(ranked, relevant, k=10) == approx(1.0)


def test_recall() -> None:
    assert recall_at_k(["d1", "x"], {"d1", "d2"}) == 0.5
    assert recall_at_k(["d2", "d1"], {"d1", "d2"}) == 1.0
    assert recall_at_k(["x"] * 10 + ["d1"], {"d1"}) == 0.0
    assert recall_at_k(["d1"], set()) == 0.0


# -------------------------------------------------------------------------------------------- evaluate


def test_evaluate_by_kind_and_overall() -> None:
    qrels = {
        "a:exact": {"a"},
        "a:noaccent": {"a"},
        "b:exact": {"b", "b2"},
        "b:noaccent": {"b", "b2"},
    }
    run = {
        "a:exact": ["a", "x"],  # RR 1, nDCG 1, R 1
        "a:noaccent": ["x", "a"],  # RR 1/2, nDCG 1/log2(3), R 1
        "b:exact": ["x", "y", "b"],  # RR 1/3, nDCG (1/2)/(1+1/log2 3), R 1/2
        # b:noaccent missing from the run: all zero
        "not-judged:exact": ["z"],  # ignored
    }
    report = evaluate(run, qrels)
    ideal2 = 1 + 1 / math.log2(3)

    exact = report.by_kind["exact"]
    assert exact.n == 2
    assert exact.mrr == approx((1 + 1 / 3) / 2)
    assert exact.ndcg == approx((1 + 0.5 / ideal2) / 2)
    assert exact.recall == approx((1 + 0.5) / 2)

    noaccent = report.by_kind["noaccent"]
    assert noaccent.n == 2
    assert noaccent.mrr == approx(0.5 / 2)
    assert noaccent.ndcg == approx((1 / math.log2(3)) / 2)
    assert noaccent.recall == approx(0.5)

    assert report.overall.n == 4
    assert report.overall.mrr == approx((1 + 0.5 + 1 / 3 + 0) / 4)
    assert report.overall.recall == approx((1 + 1 + 0.5 + 0) / 4)
    assert report.missing == ["b:noaccent"]
    assert set(report.per_query) == set(qrels)


def test_rows_keep_qrels_order_and_end_with_overall() -> None:
    qrels = {"q1:nfd": {"d"}, "q1:exact": {"d"}, "q2": {"e"}}
    report = evaluate({"q1:nfd": ["d"], "q1:exact": ["x", "d"], "q2": ["e"]}, qrels)
    rows = report.rows()
    assert [row[0] for row in rows] == ["nfd", "exact", DEFAULT_KIND, OVERALL]
    assert rows[1] == ("exact", 1, 0.5, approx(1 / math.log2(3)), 1.0, 0.1)
    assert report.header == ("kind", "n", "MRR@10", "nDCG@10", "R@10", "P@10")
    assert [row[0] for row in report.rows(overall=False)] == ["nfd", "exact", DEFAULT_KIND]
    assert report.formatted_rows()[1] == ("exact", "1", "0.500", "0.631", "1.000", "0.100")


def test_queries_without_relevant_documents_are_not_scored() -> None:
    report = evaluate({"q": ["d"]}, {"q": set(), "r:exact": {"d"}})
    assert report.overall.n == 1
    assert list(report.per_query) == ["r:exact"]


def test_duplicate_docids_in_a_run_count_once() -> None:
    report = evaluate({"q": ["x", "x", "d"]}, {"q": {"d"}})
    assert report.overall.mrr == 0.5


def test_empty_inputs_and_bad_cutoff() -> None:
    report = evaluate({}, {})
    assert report.overall.n == 0
    assert report.rows() == [(OVERALL, 0, 0.0, 0.0, 0.0, 0.0)]
    with pytest.raises(ValueError):
        evaluate({}, {}, k=0)


def test_cutoff_is_configurable() -> None:
    report = evaluate({"q": ["x", "x2", "d"]}, {"q": {"d"}}, k=2)
    assert report.overall.mrr == 0.0
    assert report.header[2] == "MRR@2"


# --------------------------------------------------------------------------------------------- files


def test_read_queries(tmp_path: Path) -> None:
    path = tmp_path / "queries.tsv"
    path.write_text("a:exact\tLãi suất ngân hàng\nb:noaccent\tlai suat\twith tab\n\n", encoding="utf-8")
    assert read_queries(path) == {"a:exact": "Lãi suất ngân hàng", "b:noaccent": "lai suat\twith tab"}


@pytest.mark.parametrize("text", ["no tab here\n", "a\tx\na\ty\n"])
def test_read_queries_rejects_bad_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "queries.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        read_queries(path)


def test_read_qrels(tmp_path: Path) -> None:
    path = tmp_path / "qrels"
    path.write_text("q1 0 d1 1\nq1 0 d2 0\nq1\t0\td3\t2\nq2 0 d4 0\n", encoding="utf-8")
    assert read_qrels(path) == {"q1": {"d1", "d3"}, "q2": set()}


@pytest.mark.parametrize("text", ["q1 0 d1\n", "q1 0 d1 yes\n"])
def test_read_qrels_rejects_bad_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "qrels"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        read_qrels(path)


def test_format_and_read_run_round_trip(tmp_path: Path) -> None:
    lines = format_trec_run("q1:exact", [("d1", 12.5), ("d2", 3.0)], tag="fts5")
    assert lines == ["q1:exact Q0 d1 1 12.500000 fts5", "q1:exact Q0 d2 2 3.000000 fts5"]
    path = tmp_path / "run"
    path.write_text("\n".join([*lines, *format_trec_run("q2", [])]) + "\n", encoding="utf-8")
    assert read_run(path) == {"q1:exact": ["d1", "d2"]}


def test_read_run_orders_by_score_then_rank(tmp_path: Path) -> None:
    path = tmp_path / "run"
    path.write_text(
        "q Q0 low 1 1.0 t\nq Q0 high 2 9.0 t\nq Q0 tie-b 4 5.0 t\nq Q0 tie-a 3 5.0 t\nq Q0 high 5 0.5 t\n",
        encoding="utf-8",
    )
    assert read_run(path) == {"q": ["high", "tie-a", "tie-b", "low"]}


@pytest.mark.parametrize("text", ["q Q0 d 1 1.0\n", "q Q0 d first 1.0 t\n", "q Q0 d 1 high t\n"])
def test_read_run_rejects_bad_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "run"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        read_run(path)


@pytest.mark.parametrize(
    ("qid", "docid", "tag"), [("q 1", "d", "t"), ("q", "d 1", "t"), ("q", "d", ""), ("", "d", "t")]
)
def test_format_trec_run_rejects_whitespace(qid: str, docid: str, tag: str) -> None:
    with pytest.raises(ValueError):
        format_trec_run(qid, [(docid, 1.0)], tag=tag)
