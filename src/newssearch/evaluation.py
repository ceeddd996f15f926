"""Offline evaluation of ranked runs against TREC qrels.

The files this module reads are the usual TREC ones:

- queries: ``qid<TAB>query`` per line;
- qrels: ``qid 0 docid rel`` per line (whitespace separated); ``rel > 0`` means relevant;
- runs: ``qid Q0 docid rank score tag`` per line.

Metrics are computed at a cutoff ``k`` (10 by default) by ``ir-measures`` (trec_eval's definitions): reciprocal
rank (MRR@k averaged over queries), nDCG@k with binary gains, recall@k and precision@k (the short-name figure).
Figures are given overall and per query *kind*, the part of the
qid after its last ``:`` (``unc-news_business_001:noaccent`` has kind ``noaccent``); a qid without ``:``
has kind :data:`DEFAULT_KIND`.

A query that has relevant documents in the qrels but no line in the run scores 0 on every metric. Queries
in the run but not in the qrels, and qrels queries with no relevant document, are not scored (as in
``trec_eval``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ir_measures

__all__ = [
    "DEFAULT_KIND",
    "OVERALL",
    "Qrels",
    "QueryScores",
    "Report",
    "Run",
    "Scores",
    "evaluate",
    "format_trec_run",
    "kind_of",
    "ndcg_at_k",
    "precision_at_k",
    "read_qrels",
    "read_queries",
    "read_run",
    "recall_at_k",
    "reciprocal_rank",
]

Run = dict[str, list[str]]
"""A run: query id -> document ids, best first."""

Qrels = dict[str, set[str]]
"""Relevance judgements: query id -> ids of the relevant documents."""

DEFAULT_KIND = "all"
"""Kind given to a query id that has no ``:``."""

OVERALL = "overall"
"""Label of the row that aggregates every query."""


def kind_of(qid: str) -> str:
    """Return the kind of a query id: the text after its last ``:``, or :data:`DEFAULT_KIND`."""
    head, sep, tail = qid.rpartition(":")
    return tail if sep and head and tail else DEFAULT_KIND


# --------------------------------------------------------------------------------------------- reading


def _lines(path: str | Path) -> Iterable[tuple[int, str]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            stripped = line.rstrip("\r\n")
            if stripped.strip() and not stripped.lstrip().startswith("#"):
                yield number, stripped


def read_queries(path: str | Path) -> dict[str, str]:
    """Read a ``qid<TAB>query`` file into a dict, in file order.

    Raises:
        ValueError: a line has no tab, or a qid appears twice.
    """
    queries: dict[str, str] = {}
    for number, line in _lines(path):
        qid, sep, text = line.partition("\t")
        if not sep or not qid.strip():
            raise ValueError(f"{path}:{number}: expected 'qid<TAB>query'")
        qid = qid.strip()
        if qid in queries:
            raise ValueError(f"{path}:{number}: duplicate qid {qid!r}")
        queries[qid] = text
    return queries


def read_qrels(path: str | Path) -> Qrels:
    """Read TREC qrels (``qid 0 docid rel``) into query id -> set of relevant document ids.

    Judgements with ``rel <= 0`` are read but not kept; a query whose judgements are all non-relevant maps
    to an empty set. Query ids keep the order of their first appearance.

    Raises:
        ValueError: a line does not have four fields or ``rel`` is not an integer.
    """
    qrels: Qrels = {}
    for number, line in _lines(path):
        fields = line.split()
        if len(fields) != 4:
            raise ValueError(f"{path}:{number}: expected 'qid 0 docid rel', got {len(fields)} fields")
        qid, _iteration, docid, rel = fields
        try:
            grade = int(rel)
        except ValueError:
            raise ValueError(f"{path}:{number}: relevance {rel!r} is not an integer") from None
        relevant = qrels.setdefault(qid, set())
        if grade > 0:
            relevant.add(docid)
    return qrels


def read_run(path: str | Path) -> Run:
    """Read a TREC run (``qid Q0 docid rank score tag``) into query id -> ranked document ids.

    Within a query, lines are ordered by score (highest first), then rank, then file order, the way
    ``trec_eval`` reads a run; a document listed twice for a query keeps its best position.

    Raises:
        ValueError: a line does not have six fields, or its rank or score is not a number.
    """
    entries: dict[str, list[tuple[float, int, int, str]]] = {}
    for number, line in _lines(path):
        fields = line.split()
        if len(fields) != 6:
            raise ValueError(f"{path}:{number}: expected 'qid Q0 docid rank score tag', got {len(fields)} fields")
        qid, _q0, docid, rank, score, _tag = fields
        try:
            key = (-float(score), int(rank), number, docid)
        except ValueError:
            raise ValueError(f"{path}:{number}: rank {rank!r} or score {score!r} is not a number") from None
        entries.setdefault(qid, []).append(key)
    return {qid: _dedupe(docid for *_, docid in sorted(rows)) for qid, rows in entries.items()}


def _dedupe(docids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(docids))


def format_trec_run(qid: str, docids_with_scores: Iterable[tuple[str, float]], tag: str = "newssearch") -> list[str]:
    """Format one query's results as TREC run lines ``qid Q0 docid rank score tag`` (rank from 1).

    The results are written in the order given, which should be best first.

    Raises:
        ValueError: the qid, a docid or the tag is empty or contains whitespace (the format could not be
            read back).
    """
    for name, value in (("qid", qid), ("tag", tag)):
        if not value or any(ch.isspace() for ch in value):
            raise ValueError(f"{name} {value!r} must be non-empty and contain no whitespace")
    lines = []
    for rank, (docid, score) in enumerate(docids_with_scores, start=1):
        if not docid or any(ch.isspace() for ch in docid):
            raise ValueError(f"docid {docid!r} must be non-empty and contain no whitespace")
        lines.append(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}")
    return lines


# --------------------------------------------------------------------------------------------- metrics


def _per_query(run: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]], k: int) -> dict[str, dict[str, float]]:
    """RR@k, nDCG@k, R@k and P@k of every query of ``run`` that has relevant documents, by ir-measures.

    trec_eval orders a run by score, so each document is given a score that falls with its rank: the ranking is
    exactly the run's order. nDCG uses binary gains (every judged document is relevant, gain 1).
    """
    measures = {
        "rr": ir_measures.RR @ k,
        "ndcg": ir_measures.nDCG @ k,
        "recall": ir_measures.R @ k,
        "p": ir_measures.P @ k,
    }
    judged = {qid: dict.fromkeys(relevant, 1) for qid, relevant in qrels.items() if relevant}
    scored = {qid: {d: float(-rank) for rank, d in enumerate(run[qid])} for qid in judged if run.get(qid)}
    figures: dict[str, dict[str, float]] = {qid: dict.fromkeys(measures, 0.0) for qid in judged}
    names = {measure: name for name, measure in measures.items()}
    if scored:
        for metric in ir_measures.iter_calc(list(measures.values()), {q: judged[q] for q in scored}, scored):
            figures[metric.query_id][names[metric.measure]] = float(metric.value)
    return figures


def _one(ranked: Sequence[str], relevant: set[str], k: int, name: str) -> float:
    """One metric of one ranking taken as it is: a repeated id takes its rank again (as a non-relevant one)."""
    seen: set[str] = set()
    distinct = []
    for rank, docid in enumerate(ranked):
        distinct.append(docid if docid not in seen else f"{docid}#repeat{rank}")
        seen.add(docid)
    return _per_query({"q": distinct}, {"q": relevant}, k).get("q", {}).get(name, 0.0)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Return 1/rank of the first relevant document within the top ``k``, or 0."""
    return _one(ranked, relevant, k, "rr")


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Return nDCG@k with binary gains: DCG / ideal DCG, where a hit at rank ``r`` gains ``1/log2(r+1)``."""
    return _one(ranked, relevant, k, "ndcg")


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Return the share of the relevant documents found in the top ``k``."""
    return _one(ranked, relevant, k, "recall")


def precision_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Return the share of the top ``k`` (always divided by ``k``) that is relevant: the short-name figure."""
    return _one(ranked, relevant, k, "p")


# --------------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class QueryScores:
    """The figures of one query."""

    qid: str
    kind: str
    rr: float
    ndcg: float
    recall: float
    retrieved: bool
    """False when the run had no line for this query."""
    precision: float = 0.0


@dataclass(frozen=True)
class Scores:
    """Mean figures over ``n`` queries."""

    n: int
    mrr: float
    ndcg: float
    recall: float
    precision: float = 0.0

    @classmethod
    def mean(cls, queries: Sequence[QueryScores]) -> Scores:
        """Average a group of per-query figures (all zero for an empty group)."""
        n = len(queries)
        if n == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0)
        return cls(
            n,
            sum(q.rr for q in queries) / n,
            sum(q.ndcg for q in queries) / n,
            sum(q.recall for q in queries) / n,
            sum(q.precision for q in queries) / n,
        )


@dataclass(frozen=True)
class Report:
    """Evaluation figures overall and per query kind.

    ``by_kind`` keeps the kinds in the order they first appear in the qrels.
    """

    k: int
    overall: Scores
    by_kind: dict[str, Scores]
    per_query: dict[str, QueryScores] = field(repr=False)

    @property
    def header(self) -> tuple[str, str, str, str, str, str]:
        """Column names of :meth:`rows`."""
        return ("kind", "n", f"MRR@{self.k}", f"nDCG@{self.k}", f"R@{self.k}", f"P@{self.k}")

    @property
    def missing(self) -> list[str]:
        """Query ids judged in the qrels that the run did not answer (scored 0)."""
        return [q.qid for q in self.per_query.values() if not q.retrieved]

    def rows(self, *, overall: bool = True) -> list[tuple[str, int, float, float, float, float]]:
        """Return one row per kind, then (if ``overall``) the :data:`OVERALL` row.

        Each row is ``(kind, n, MRR@k, nDCG@k, R@k, P@k)``.
        """
        groups = list(self.by_kind.items())
        if overall:
            groups.append((OVERALL, self.overall))
        return [(kind, s.n, s.mrr, s.ndcg, s.recall, s.precision) for kind, s in groups]

    def formatted_rows(self, *, digits: int = 3, overall: bool = True) -> list[tuple[str, ...]]:
        """Return :meth:`rows` as strings, figures rounded to ``digits`` places (ready for a table)."""
        return [
            (kind, str(n), *(f"{figure:.{digits}f}" for figure in figures))
            for kind, n, *figures in self.rows(overall=overall)
        ]


def evaluate(run: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]], k: int = 10) -> Report:
    """Score ``run`` against ``qrels`` at cutoff ``k``.

    Every qrels query with at least one relevant document is scored; one the run lacks scores 0.

    Raises:
        ValueError: ``k`` is smaller than 1.
    """
    if k < 1:
        raise ValueError(f"cutoff k must be at least 1, got {k}")
    figures = _per_query({qid: _dedupe(ranked) for qid, ranked in run.items()}, qrels, k)
    per_query = {
        qid: QueryScores(
            qid=qid,
            kind=kind_of(qid),
            rr=f["rr"],
            ndcg=f["ndcg"],
            recall=f["recall"],
            retrieved=qid in run,
            precision=f["p"],
        )
        for qid, f in figures.items()
    }
    groups: dict[str, list[QueryScores]] = {}
    for scores in per_query.values():
        groups.setdefault(scores.kind, []).append(scores)
    return Report(
        k=k,
        overall=Scores.mean(list(per_query.values())),
        by_kind={kind: Scores.mean(group) for kind, group in groups.items()},
        per_query=per_query,
    )
