"""Ranking quality of newssearch side by side with the baselines, from TREC runs, and where it loses.

``table`` scores any number of runs (``NAME=PATH``) against one qrels file with :mod:`newssearch.evaluation`
(MRR@10, nDCG@10 with binary gains, Recall@10, Precision@10, per query kind; a query missing from a run scores 0)
and writes one Markdown table: every kind, every system, the best figure of the set's main metric (``--main``)
in bold. With ``--reference`` it adds, per kind, how many queries the
``--system`` run (the last by default) wins, loses and ties against the reference on reciprocal rank.

``losses`` lists, per kind, the queries where one run (``--run``) ranks the target lower than another
(``--against``): the query, the relevant ids, the rank each run gave the first relevant article (the run's
full depth, 100 for ``newssearch search --batch``), the run's top-1 article, and for the target and that
top-1 the signals newssearch ranks on: how many of the query's folded syllables occur in the headline and in
the body, how many of its adjacent pairs stand together, how many accented syllables match exactly, and the
headline's length. Each loss is also classed (``absent``: the target lacks a query syllable, so the AND of
every syllable excludes it; ``deep``: matched but below the run's depth; ``outranked``). Its output holds
headlines and queries: keep it in ``bench/out/`` (git-ignored), never commit it.

Run: ``python bench/relevance.py --help``; the commands behind bench/RELEVANCE.md are listed there.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from newssearch.evaluation import OVERALL, Report, Scores, evaluate, kind_of, read_qrels, read_queries, read_run
from newssearch.text.analysis import fold_syllable, syllable_spans, syllables

TOP_K = 10

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.split("\n\n")[0] if __doc__ else None)


def parse_runs(specs: Iterable[str]) -> dict[str, Path]:
    """``NAME=PATH`` options as an ordered name -> path dict (a bare path is named after its stem)."""
    runs: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = Path(spec).stem, spec
        if name in runs:
            raise typer.BadParameter(f"run name {name!r} given twice")
        runs[name] = Path(path)
    return runs


def first_relevant_rank(ranked: list[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant document in the whole run, or None."""
    return next((rank for rank, docid in enumerate(ranked, start=1) if docid in relevant), None)


def reciprocal(rank: int | None) -> float:
    """Reciprocal rank at the cutoff."""
    return 1.0 / rank if rank is not None and rank <= TOP_K else 0.0


# ---------------------------------------------------------------------------------------------- table


def markdown_table(header: list[str], rows: Iterable[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def kinds_in_order(report: Report) -> list[str]:
    """The kinds of a report, then the overall row."""
    return [*report.by_kind, OVERALL]


@app.command()
def table(
    qrels_path: Annotated[Path, typer.Option("--qrels", help="TREC qrels")],
    run_specs: Annotated[list[str], typer.Option("--run", help="NAME=PATH of a TREC run (repeatable, in order)")],
    reference: Annotated[
        str | None, typer.Option(help="run name to compare --system with, query by query (wins/losses)")
    ] = None,
    system: Annotated[str | None, typer.Option(help="run compared with --reference [default: the last run]")] = None,
    title: Annotated[str, typer.Option(help="heading of the Markdown output")] = "",
    main: Annotated[str, typer.Option(help="metric whose best figure per kind is bold: mrr, ndcg, precision")] = "mrr",
    out: Annotated[Path | None, typer.Option(help="also write the Markdown here")] = None,
) -> None:
    """Score every run against the qrels; print one Markdown table (kind x system); with --out, also a JSON summary."""
    qrels = read_qrels(qrels_path)
    runs = {name: read_run(path) for name, path in parse_runs(run_specs).items()}
    reports = {name: evaluate(run, qrels, k=TOP_K) for name, run in runs.items()}
    first = next(iter(reports))
    system = system or list(reports)[-1]
    parts = [f"### {title}\n" if title else ""]

    def scores_of(report: Report, kind: str) -> Scores | None:
        return report.overall if kind == OVERALL else report.by_kind.get(kind)

    metrics = ("mrr", "ndcg", "recall", "precision")
    if main not in metrics:
        raise typer.BadParameter(f"--main must be one of {metrics}")
    rows = []
    for kind in kinds_in_order(reports[first]):
        best = max((getattr(s, main) for r in reports.values() if (s := scores_of(r, kind))), default=0.0)
        for name, report in reports.items():
            scores = scores_of(report, kind)
            if scores is None:
                continue
            cells = []
            for metric in metrics:
                value = getattr(scores, metric)
                cell = f"{value:.3f}"
                cells.append(f"**{cell}**" if metric == main and abs(value - best) < 5e-4 else cell)
            rows.append(
                [
                    f"**{kind}**" if kind == OVERALL else kind,
                    str(scores.n),
                    name,
                    *cells,
                    str(len(report.missing)) if kind == OVERALL else "",
                ]
            )
    header = ["kind", "n", "system", "MRR@10", "nDCG@10", "R@10", "P@10", "unanswered"]
    parts.append(markdown_table(header, rows))

    summary: dict[str, Any] = {
        "qrels": str(qrels_path),
        "runs": {name: str(path) for name, path in parse_runs(run_specs).items()},
        "figures": {name: report.rows() for name, report in reports.items()},
    }
    if reference:
        if reference not in reports or system not in reports:
            raise typer.BadParameter(f"--reference {reference!r} and --system {system!r} must name runs")
        paired = []
        counts: dict[str, Counter[str]] = {}
        for qid, mine in reports[system].per_query.items():
            theirs = reports[reference].per_query[qid]
            attr = "rr" if main == "mrr" else main
            a, b = getattr(mine, attr), getattr(theirs, attr)
            outcome = "win" if a > b + 1e-9 else "loss" if a < b - 1e-9 else "tie"
            counts.setdefault(mine.kind, Counter())[outcome] += 1
            counts.setdefault(OVERALL, Counter())[outcome] += 1
        for kind in kinds_in_order(reports[first]):
            c = counts.get(kind, Counter())
            paired.append([kind, str(c["win"]), str(c["loss"]), str(c["tie"])])
        label = {"mrr": "reciprocal rank", "ndcg": "nDCG", "recall": "recall", "precision": "precision"}[main]
        parts.append(f"\n{system} against {reference}, query by query ({label} at 10):\n\n")
        parts.append(markdown_table(["kind", f"{system} better", f"{reference} better", "same"], paired))
        summary["paired"] = {kind: dict(c) for kind, c in counts.items()}
    text = "".join(parts)
    typer.echo(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class Signals:
    """What newssearch ranks on, for one article and one query."""

    title_hits: int
    body_hits: int
    pairs: int
    exact: int
    title_len: int

    def describe(self, n: int, n_pairs: int, n_accented: int) -> str:
        """Short text: ``title 3/4, body 4/4, pairs 2/3, exact 1/2, title 12 syl``."""
        return (
            f"title {self.title_hits}/{n}, body {self.body_hits}/{n}, pairs {self.pairs}/{n_pairs}, "
            f"exact {self.exact}/{n_accented}, title {self.title_len} syl"
        )


def signals(query: list[str], title: str, body: str) -> Signals:
    """Coverage of the query's syllables in an article (exact forms in, folded compared)."""
    title_syl, body_syl = syllables(title), syllables(body)
    folded_title = {fold_syllable(s) for s in title_syl}
    folded_body = {fold_syllable(s) for s in body_syl}
    folded_query = list(dict.fromkeys(fold_syllable(s) for s in query))
    article_pairs = {
        f"{fold_syllable(a)}_{fold_syllable(b)}" for seq in (title_syl, body_syl) for a, b in itertools.pairwise(seq)
    }
    query_pairs = {f"{fold_syllable(a)}_{fold_syllable(b)}" for a, b in itertools.pairwise(query)}
    exact_forms = set(title_syl) | set(body_syl)
    accented = {s for s in query if fold_syllable(s) != s}
    return Signals(
        title_hits=sum(s in folded_title for s in folded_query),
        body_hits=sum(s in folded_body for s in folded_query),
        pairs=len(query_pairs & article_pairs),
        exact=len(accented & exact_forms),
        title_len=len(title_syl),
    )


def read_articles(corpus: Path, wanted: set[str]) -> dict[str, tuple[str, str]]:
    """``id -> (title, body)`` of the wanted articles of a jsonl.gz corpus."""
    found: dict[str, tuple[str, str]] = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            docid = str(doc["id"])
            if docid in wanted:
                found[docid] = (str(doc.get("title") or ""), str(doc.get("body") or ""))
    return found


@app.command()
def losses(
    queries_path: Annotated[Path, typer.Option("--queries", help="qid<TAB>query file")],
    qrels_path: Annotated[Path, typer.Option("--qrels", help="TREC qrels")],
    corpus: Annotated[Path, typer.Option(help="jsonl.gz corpus the runs searched")],
    run_spec: Annotated[str, typer.Option("--run", help="NAME=PATH of the run to examine")],
    against_spec: Annotated[str, typer.Option("--against", help="NAME=PATH of the run it loses to")],
    per_kind: Annotated[int, typer.Option(help="losses listed per kind (largest first)")] = 10,
    out: Annotated[Path, typer.Option(help="Markdown report (holds corpus text: keep it in bench/out/)")] = Path(
        "bench/out/losses.md"
    ),
) -> None:
    """List, per kind, queries where --run ranks the target below --against, with the ranking signals."""
    queries, qrels = read_queries(queries_path), read_qrels(qrels_path)
    (name, run_path), (other, other_path) = (*parse_runs([run_spec]).items(), *parse_runs([against_spec]).items())
    run, against = read_run(run_path), read_run(other_path)

    lost: dict[str, list[tuple[float, str, int | None, int | None]]] = {}
    for qid, relevant in qrels.items():
        if not relevant:
            continue
        mine = first_relevant_rank(run.get(qid, []), relevant)
        theirs = first_relevant_rank(against.get(qid, []), relevant)
        deficit = reciprocal(theirs) - reciprocal(mine)
        if deficit > 0:
            lost.setdefault(kind_of(qid), []).append((deficit, qid, mine, theirs))
    wanted: set[str] = set()
    for items in lost.values():
        for _, qid, _, _ in items:
            wanted |= qrels[qid]
            wanted.update(run.get(qid, [])[:1])
    typer.echo(f"reading {len(wanted):,} articles from {corpus} ...", err=True)
    articles = read_articles(corpus, wanted)

    summary: dict[str, Counter[str]] = {}
    sections = []
    for kind, items in lost.items():
        items.sort(key=lambda item: (-item[0], item[1]))
        lines = [f"## {kind}: {len(items)} queries where {name} ranks the target below {other}\n"]
        for deficit, qid, mine, theirs in items:
            query = syllables(queries.get(qid, ""))
            target = sorted(qrels[qid])[0]
            target_title, target_body = articles.get(target, ("?", ""))
            target_signals = signals(query, target_title, target_body)
            n = len(dict.fromkeys(fold_syllable(s) for s in query))
            if target_signals.body_hits < n and target_signals.title_hits < n:
                folded_text = {fold_syllable(s) for s in syllables(target_title + " " + target_body)}
                missing = [s for s in query if fold_syllable(s) not in folded_text]
                cls = "absent" if mine is None else "partial-match"
            else:
                missing, cls = [], "deep" if mine is None else "outranked"
            summary.setdefault(kind, Counter())[cls] += 1
            if len(lines) > per_kind:
                continue
            ranked = run.get(qid, [])
            top = ranked[0] if ranked else None
            n_pairs = len({f"{fold_syllable(a)}_{fold_syllable(b)}" for a, b in itertools.pairwise(query)})
            n_accented = len({s for s in query if fold_syllable(s) != s})
            entry = [
                f"- `{qid}` [{cls}] query `{queries.get(qid, '')}`",
                f"  - relevant {sorted(qrels[qid])}; {name} rank {mine or '>' + str(len(ranked))}, "
                f"{other} rank {theirs or '-'} (RR deficit {deficit:.2f}); {len(ranked)} results",
                f"  - target `{target}`: {target_title}",
                f"    - {target_signals.describe(n, n_pairs, n_accented)}" + (f"; lacks {missing}" if missing else ""),
            ]
            if top and top not in qrels[qid]:
                top_title, top_body = articles.get(top, ("?", ""))
                entry += [
                    f"  - top-1 `{top}`: {top_title}",
                    f"    - {signals(query, top_title, top_body).describe(n, n_pairs, n_accented)}",
                ]
            lines.append("\n".join(entry))
        sections.append("\n".join(lines) + "\n")

    head = [
        f"# {name} against {other}: losses by kind\n",
        "| kind | losses | absent | partial-match | deep | outranked |",
    ]
    head.append("|---|---|---|---|---|---|")
    for kind, c in summary.items():
        total = sum(c.values())
        head.append(f"| {kind} | {total} | {c['absent']} | {c['partial-match']} | {c['deep']} | {c['outranked']} |")
    text = "\n".join(head) + "\n\n" + "\n".join(sections)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo("\n".join(head))
    typer.echo(f"details in {out}", err=True)


# ---------------------------------------------------------------------------------------------- worst


@dataclass(frozen=True)
class Placement:
    """How a query's syllables stand in one article (title, then body)."""

    grade: str
    """``exact``: together, only spaces between, with the very diacritics typed (kinds typed plain: any), first in
    the title or the first :data:`PAIR_WORDS` syllables of the body; ``exact-deep``: the same, but only further into
    the body; ``marks``: together with spaces only, other diacritics; ``punct``: together once folded but punctuation
    between (``Hà, tỉnh``); ``apart``: every syllable present, never together; ``partial``: some missing."""
    where: str
    """Where the best grade first occurs: ``title`` or ``body@N`` (N = syllable index in the body)."""
    shared: float
    """Share of the query's distinct folded syllables the article has."""


GRADES = ("exact", "exact-deep", "marks", "punct", "apart", "partial")
#: newssearch's ``pair`` field (exact syllable pairs) covers the title and this many words of the body.
PAIR_WORDS = 200


def placement(query: str, title: str, body: str, *, any_marks: bool) -> Placement:
    """Grade how the query's syllables stand in an article (see :class:`Placement`); with ``any_marks`` (a kind typed
    without diacritics), any diacritics count as the typed ones."""
    typed = syllables(query)
    folded_query = [fold_syllable(s) for s in typed]
    n = len(typed)
    best, where = len(GRADES) - 1, ""
    present: set[str] = set()
    for part, text in (("title", title), ("body", body)):
        spans = syllable_spans(text)
        folded = [fold_syllable(form) for _, _, form in spans]
        present.update(folded)
        for i in range(len(spans) - n + 1 if n else 0):
            if folded[i : i + n] != folded_query:
                continue
            spaces = all(text[spans[k][1] : spans[k + 1][0]].isspace() for k in range(i, i + n - 1))
            same = [form for _, _, form in spans[i : i + n]] == typed
            grade = 3 if not spaces else 2 if not (same or any_marks) else 0 if part == "title" or i < PAIR_WORDS else 1
            if grade < best:
                best, where = grade, "title" if part == "title" else f"body@{i}"
    distinct = set(folded_query)
    shared = len(distinct & present) / len(distinct) if distinct else 0.0
    if best == len(GRADES) - 1 and shared == 1.0:
        best = GRADES.index("apart")
    return Placement(GRADES[best], where, shared)


@app.command()
def worst(
    queries_path: Annotated[Path, typer.Option("--queries", help="qid<TAB>query file")],
    qrels_path: Annotated[Path, typer.Option("--qrels", help="TREC qrels")],
    corpus: Annotated[Path, typer.Option(help="jsonl(.gz) corpus the run searched")],
    run_path: Annotated[Path, typer.Option("--run", help="TREC run to examine")],
    metric: Annotated[str, typer.Option(help="per-query figure to sort by: rr, ndcg, precision")] = "precision",
    per_kind: Annotated[int, typer.Option(help="worst queries listed per kind")] = 5,
    limit: Annotated[int | None, typer.Option(help="read only the first N lines of the corpus")] = None,
    plain_kinds: Annotated[
        str, typer.Option(help="comma-separated kinds typed without diacritics (any marks count as typed)")
    ] = "plain,noaccent,keywords",
    out: Annotated[Path, typer.Option(help="Markdown report (holds headlines: keep it in bench/out/)")] = Path(
        "bench/out/worst.md"
    ),
) -> None:
    """The worst queries of each kind: what fills the top 10 instead of the relevant articles, and where the missed
    relevant articles have the query's words (graded: together with the typed marks, other marks, across
    punctuation, apart, partly). Counts over every query below 1 are printed; details go to --out."""
    queries, qrels, run = read_queries(queries_path), read_qrels(qrels_path), read_run(run_path)
    report = evaluate(run, qrels, k=TOP_K)
    plain = {kind.strip() for kind in plain_kinds.split(",")}
    below = [q for q in report.per_query.values() if getattr(q, metric) < 1.0 - 1e-9]
    wanted: set[str] = set()
    for q in below:
        wanted.update(run.get(q.qid, [])[:TOP_K])
        wanted.update(qrels[q.qid])
    typer.echo(f"{len(below)} queries below 1; reading {len(wanted):,} articles ...", err=True)
    articles: dict[str, tuple[str, str]] = {}
    opener: Any = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
            doc = json.loads(line)
            if str(doc["id"]) in wanted:
                articles[str(doc["id"])] = (str(doc.get("title") or ""), str(doc.get("body") or ""))

    intruders: dict[str, Counter[str]] = {}
    missed: dict[str, Counter[str]] = {}
    empty: Counter[str] = Counter()
    sections: dict[str, list[tuple[float, str]]] = {}
    for q in below:
        query, relevant, ranked = queries.get(q.qid, ""), qrels[q.qid], run.get(q.qid, [])
        top = ranked[:TOP_K]
        empty[q.kind] += TOP_K - len(top)
        lines = [
            f"- `{q.qid}` `{query}`: {metric} {getattr(q, metric):.2f}; {len(relevant)} relevant, "
            f"{sum(d in relevant for d in top)} in the top 10, {len(ranked)} results"
        ]
        for rank, docid in enumerate(top, start=1):
            if docid in relevant:
                continue
            title, body = articles.get(docid, ("?", ""))
            place = placement(query, title, body, any_marks=q.kind in plain)
            intruders.setdefault(q.kind, Counter())[place.grade] += 1
            lines.append(
                f"  - rank {rank} `{docid}` [{place.grade} {place.where}, shares {place.shared:.0%}]: {title[:80]}"
            )
        below_top = [d for d in sorted(relevant) if d not in top]
        for docid in below_top:
            title, body = articles.get(docid, ("?", ""))
            place = placement(query, title, body, any_marks=q.kind in plain)
            missed.setdefault(q.kind, Counter())[place.grade] += 1
        for docid in below_top[:3]:
            title, body = articles.get(docid, ("?", ""))
            place = placement(query, title, body, any_marks=q.kind in plain)
            found_at = first_relevant_rank(ranked, {docid})
            lines.append(
                f"  - missed `{docid}` (rank {found_at or '-'}) "
                f"[{place.grade} {place.where}, shares {place.shared:.0%}]: {title[:80]}"
            )
        sections.setdefault(q.kind, []).append((getattr(q, metric), "\n".join(lines)))

    head = [
        f"# Worst queries of {run_path.name} by {metric}@10\n",
        "Non-relevant articles in the top 10 (intruders) and relevant articles outside it (missed), by how the "
        "query's syllables stand in them.\n",
        "| kind | queries below 1 | empty top-10 slots | intruders: "
        + " / ".join(GRADES)
        + " | missed: "
        + " / ".join(GRADES)
        + " |",
        "|---|---|---|---|---|",
    ]
    for kind in report.by_kind:
        i, m = intruders.get(kind, Counter()), missed.get(kind, Counter())
        head.append(
            f"| {kind} | {len(sections.get(kind, []))} | {empty[kind]} | "
            + " / ".join(str(i[g]) for g in GRADES)
            + " | "
            + " / ".join(str(m[g]) for g in GRADES)
            + " |"
        )
    body_parts = []
    for kind, items in sections.items():
        items.sort(key=lambda item: item[0])
        body_parts.append(f"## {kind}\n\n" + "\n".join(text for _, text in items[:per_kind]) + "\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(head) + "\n\n" + "\n".join(body_parts), encoding="utf-8")
    typer.echo("\n".join(head))
    typer.echo(f"details in {out}", err=True)


# -------------------------------------------------------------------------------------------- explain


def _explain_query(view: Any, text: str, docids: list[tuple[str, str]]) -> list[str]:
    """How newssearch scores each ``(label, docid)`` for ``text``: the parsed, expanded query, then per article
    whether it passes each group and the exclusions, and its score split into headline BM25, body BM25,
    exact-diacritic bonus and bigram parts (for each group, the alternative that scores best for it)."""
    import numpy as np

    from newssearch.engine import ranking
    from newssearch.engine.bm25 import bm25
    from newssearch.engine.expand import expand_query
    from newssearch.engine.querylang import parse_query
    from newssearch.engine.scoring import _Evaluator  # a diagnostic: the very code search() scores with
    from newssearch.text.analysis import fold, nfc
    from newssearch.text.variants import load_abbreviations

    postings = view
    parsed = expand_query(parse_query(nfc(text)), load_abbreviations(), view.known)
    evaluator = _Evaluator(view, None)
    groups = [[(clause, *evaluator.clause(clause)) for clause in group] for group in parsed.groups]
    excluded = [evaluator.clause(clause)[0] for clause in parsed.excluded]
    bigrams = evaluator.bigrams(parsed)
    lines = [f"  - parsed: `{parsed}`" + (f"; excluded: {[str(c) for c in parsed.excluded]}" if excluded else "")]
    for label, docid in docids:
        number = view.docnum(docid)
        if number is None:
            lines.append(f"  - {label} `{docid}`: not in the index")
            continue
        clauses = bm25_title = bm25_body = exact = 0.0
        failed = []
        for group in groups:
            best = max(group, key=lambda item: float(item[2][number]) if item[1][number] else -1.0)
            clause, mask, scores = best
            if not mask[number]:
                failed.append(str(group[0][0]))
                continue
            clauses += float(scores[number])
            if clause.field == "place":
                continue
            fields = ("title",) if clause.field == "title" else ("title", "body")
            for syllable in clause.syllables:
                folded = fold(syllable)
                for name in fields:
                    ids, term_scores = bm25(view, f"{name}_fold", folded)
                    hit = np.flatnonzero(ids == number)
                    if len(hit):
                        part = float(term_scores[hit[0]]) * ranking.FOLDED
                        if name == "title":
                            bm25_title += part * ranking.TITLE
                        else:
                            bm25_body += part
                if syllable != folded and any(number in set(postings.docs(name, syllable).tolist()) for name in fields):
                    exact += ranking.EXACT_BONUS
        hit_excluded = [str(c) for c, m in zip(parsed.excluded, excluded, strict=True) if m[number]]
        total = clauses + float(bigrams[number])
        lines.append(
            f"  - {label} `{docid}`: score {total:.1f} = headline BM25x{ranking.TITLE:g} {bm25_title:.1f} + body BM25 "
            f"{bm25_body:.1f} + exact {exact:.0f} + bigrams {float(bigrams[number]):.1f} (+ phrase bonus "
            f"{clauses - bm25_title - bm25_body - exact:.1f})"
            + (f"; fails groups {failed}" if failed else "")
            + (f"; EXCLUDED by {hit_excluded}" if hit_excluded else "")
        )
    return lines


@app.command()
def explain(
    index: Annotated[Path, typer.Option(help="newssearch index root")],
    queries_path: Annotated[Path, typer.Option("--queries", help="qid<TAB>query file")],
    qrels_path: Annotated[Path, typer.Option("--qrels", help="TREC qrels")],
    run_path: Annotated[Path, typer.Option("--run", help="newssearch TREC run (for the top articles)")],
    qids: Annotated[list[str], typer.Option("--qid", help="query id to explain (repeatable)")],
    top: Annotated[int, typer.Option(help="explain the run's first N articles besides the targets")] = 1,
    out: Annotated[Path | None, typer.Option(help="also write here (holds queries: keep it in bench/out/)")] = None,
) -> None:
    """Split newssearch's score of the targets and the run's top articles into its parts, per query."""
    from newssearch.engine.facets import FacetIndex
    from newssearch.store.pool import SearcherPool

    queries, qrels, run = read_queries(queries_path), read_qrels(qrels_path), read_run(run_path)
    pool = SearcherPool(index, FacetIndex)
    lines: list[str] = []
    with pool.view() as (view, _):
        for qid in qids:
            ranked = run.get(qid, [])
            relevant = qrels.get(qid, set())
            labelled = [(f"target (rank {first_relevant_rank(ranked, {d}) or '-'})", d) for d in sorted(relevant)]
            labelled += [(f"rank {rank}", d) for rank, d in enumerate(ranked[:top], start=1) if d not in relevant]
            lines.append(f"- `{qid}` query `{queries.get(qid, '')}`")
            lines += _explain_query(view, queries.get(qid, ""), labelled)
    text = "\n".join(lines) + "\n"
    typer.echo(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    app()
