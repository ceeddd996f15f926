"""Run a known-item query set on two stock full-text engines, as baselines for newssearch.

Systems:

- ``fts5``: SQLite FTS5 (stdlib ``sqlite3``), ``tokenize="unicode61 remove_diacritics 2"``, ``bm25()``.
- ``tantivy``: Tantivy (PyPI ``tantivy``), analyzer ``simple`` tokenizer + ``remove_long(40)`` +
  ``lowercase`` + ``ascii_fold``, BM25.

Both index ``title`` and ``body`` and answer each query as an OR of its whitespace-separated terms, each
term quoted (a term the engine splits, such as ``1.000`` or an NFD word, becomes a phrase), with the
engine's default BM25 ranking over both fields. The query text is passed as given; ``--nfc`` adds the
variants ``fts5+nfc`` and ``tantivy+nfc`` that NFC-normalise it first (on the same indexes).

Indexing speed is documents per second for adding every article and committing (documents already in
memory); query latency is the median over the query set of building the query, searching and fetching
the ids of the top 10. A run of ``newssearch search --batch`` (TREC format) joins the table with
``--newssearch-run PATH``.

Outputs go to ``bench/out/<set>/baselines/``: one TREC run per system, ``results.json``, ``results.md``.

Run: ``python bench/baselines.py --help`` (see bench/README.md).
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import statistics
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from newssearch.evaluation import OVERALL, Report, evaluate, format_trec_run, read_qrels, read_queries, read_run

SHARED = Path("/work/shared")
OUT = Path(__file__).resolve().parent / "out"
TOP_K = 10
Hits = list[tuple[str, float]]


class Preset(StrEnum):
    """Corpus and query set pairs known to this script."""

    vietnews = "vietnews"
    unc = "unc"


PRESETS: dict[Preset, tuple[Path, Path, Path]] = {
    Preset.vietnews: (
        SHARED / "corpus/vietnews.jsonl.gz",
        OUT / "vietnews-all/queries.tsv",
        OUT / "vietnews-all/qrels",
    ),
    Preset.unc: (
        SHARED / "corpus/unc.jsonl.gz",
        SHARED / "eval/dev/unc-known-item.queries.tsv",
        SHARED / "eval/dev/unc-known-item.qrels",
    ),
}


@dataclass
class SystemResult:
    """What one system produced: its run, and its speed where measured."""

    name: str
    run: dict[str, list[str]]
    docs_per_s: float | None = None
    index_s: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    hits: dict[str, Hits] = field(default_factory=dict)

    @property
    def p50_ms(self) -> float | None:
        """Median query latency."""
        return statistics.median(self.latencies_ms) if self.latencies_ms else None

    @property
    def p95_ms(self) -> float | None:
        """95th percentile query latency."""
        if len(self.latencies_ms) < 2:
            return self.p50_ms
        return statistics.quantiles(self.latencies_ms, n=20)[-1]


def read_corpus(path: Path) -> list[tuple[str, str, str]]:
    """``(id, title, body)`` of every article of a jsonl.gz corpus."""
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            doc: dict[str, Any] = json.loads(line)
            docs.append((str(doc["id"]), str(doc.get("title") or ""), str(doc.get("body") or "")))
    return docs


def query_terms(text: str) -> list[str]:
    """Whitespace-separated terms of a query that contain at least one letter or digit."""
    return [term for term in text.split() if any(ch.isalnum() for ch in term)]


# --------------------------------------------------------------------------------------------- FTS5


FTS5_TOKENIZE = "unicode61 remove_diacritics 2"


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression: the terms, each a quoted string (quotes doubled), joined by OR."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in query_terms(text))


class Fts5:
    """SQLite FTS5 over title and body."""

    name = "fts5"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)

    @staticmethod
    def check() -> str:
        """Return the SQLite version, or raise if FTS5 or ``remove_diacritics 2`` is missing."""
        db = sqlite3.connect(":memory:")
        try:
            db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{FTS5_TOKENIZE}')")
        except sqlite3.OperationalError as exc:
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} lacks FTS5 or {FTS5_TOKENIZE!r}: {exc}") from exc
        finally:
            db.close()
        return sqlite3.sqlite_version

    def build(self, docs: list[tuple[str, str, str]]) -> None:
        """Create the table and insert every document in one transaction."""
        self.db.execute(
            f"CREATE VIRTUAL TABLE docs USING fts5(docid UNINDEXED, title, body, tokenize='{FTS5_TOKENIZE}')"
        )
        with self.db:
            self.db.executemany("INSERT INTO docs (docid, title, body) VALUES (?, ?, ?)", docs)

    def search(self, text: str) -> Hits:
        """Top 10 ``(docid, score)``, score = -bm25 (higher is better)."""
        expression = fts5_query(text)
        if not expression:
            return []
        rows = self.db.execute(
            "SELECT docid, bm25(docs) AS score FROM docs WHERE docs MATCH ? ORDER BY score LIMIT ?",
            (expression, TOP_K),
        ).fetchall()
        return [(str(docid), -float(score)) for docid, score in rows]


# ------------------------------------------------------------------------------------------ Tantivy


class Tantivy:
    """Tantivy over title and body, with an ASCII-folding, lowercasing analyzer."""

    name = "tantivy"
    analyzer_name = "fold"

    def __init__(self, path: Path, threads: int) -> None:
        import tantivy

        self.tantivy = tantivy
        self.threads = threads
        self.analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build()
        )
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("docid", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name=self.analyzer_name)
        builder.add_text_field("body", tokenizer_name=self.analyzer_name)
        self.schema = builder.build()
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path))
        self.index.register_tokenizer(self.analyzer_name, self.analyzer)
        self.searcher: Any = None

    def build(self, docs: list[tuple[str, str, str]]) -> None:
        """Add every document, commit and wait for merges."""
        writer = self.index.writer(heap_size=512 * 1024 * 1024, num_threads=self.threads)
        document = self.tantivy.Document
        for docid, title, body in docs:
            writer.add_document(document(docid=docid, title=title, body=body))
        writer.commit()
        writer.wait_merging_threads()

    def open(self) -> None:
        """Reload the index and take a searcher."""
        self.index.reload()
        self.searcher = self.index.searcher()

    def query(self, text: str) -> Any:
        """OR of the terms over title and body; a term the analyzer splits becomes a phrase."""
        query_cls, occur = self.tantivy.Query, self.tantivy.Occur
        clauses = []
        for term in query_terms(text):
            tokens = self.analyzer.analyze(term)
            for field_name in ("title", "body"):
                if len(tokens) == 1:
                    clauses.append((occur.Should, query_cls.term_query(self.schema, field_name, tokens[0])))
                elif tokens:
                    clauses.append(
                        (
                            occur.Should,
                            query_cls.phrase_query(self.schema, field_name, list[str | tuple[int, str]](tokens)),
                        )
                    )
        return query_cls.boolean_query(clauses) if clauses else None

    def search(self, text: str) -> Hits:
        """Top 10 ``(docid, score)``."""
        query = self.query(text)
        if query is None:
            return []
        hits = self.searcher.search(query, TOP_K, count=False).hits
        return [(str(self.searcher.doc(address)["docid"][0]), float(score)) for score, address in hits]


# ------------------------------------------------------------------------------------------- running


def run_queries(
    name: str,
    search: Callable[[str], Hits],
    queries: dict[str, str],
    *,
    normalise: Callable[[str], str] | None = None,
    previous: SystemResult | None = None,
) -> SystemResult:
    """Answer every query, timing each.

    With ``normalise``, each query is normalised first; a query it leaves unchanged reuses ``previous``'s
    answer and timing (the same search on the same index) instead of being run again.
    """
    result = SystemResult(name=name, run={})
    for number, (qid, text) in enumerate(queries.items()):
        query = normalise(text) if normalise else text
        if previous is not None and query == text and qid in previous.hits:
            result.hits[qid] = previous.hits[qid]
            result.latencies_ms.append(previous.latencies_ms[number])
            continue
        start = time.perf_counter()
        try:
            hits = search(query)
        except (sqlite3.Error, ValueError) as exc:
            result.errors += 1
            typer.echo(f"{name}: {qid}: {exc}", err=True)
            hits = []
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        result.hits[qid] = hits
    result.run = {qid: [docid for docid, _ in hits] for qid, hits in result.hits.items()}
    return result


def trec_lines(result: SystemResult) -> list[str]:
    """The TREC run lines of a result."""
    tag = result.name.replace("+", "_")
    return [line for qid, hits in result.hits.items() for line in format_trec_run(qid, hits, tag=tag)]


def nfc(text: str) -> str:
    """NFC-normalised text."""
    return unicodedata.normalize("NFC", text)


def table_rows(results: list[SystemResult], reports: dict[str, Report]) -> Iterator[list[str]]:
    """Rows of the results table: per system, one per kind then the overall row with speed figures."""
    for result in results:
        report = reports[result.name]
        for kind, n, mrr, ndcg, recall, _precision in report.rows():
            speed = ["", ""]
            if kind == OVERALL:
                speed = [
                    f"{result.docs_per_s:,.0f}" if result.docs_per_s else "-",
                    f"{result.p50_ms:.2f}" if result.p50_ms is not None else "-",
                ]
            yield [result.name, kind, str(n), f"{mrr:.3f}", f"{ndcg:.3f}", f"{recall:.3f}", *speed]


HEADER = ["system", "kind", "n", "MRR@10", "nDCG@10", "R@10", "index docs/s", "query p50 ms"]


def markdown(rows: list[list[str]]) -> str:
    """The results table in Markdown."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0] if __doc__ else None)


@app.command()
def main(
    preset: Annotated[Preset, typer.Option(help="corpus and query set (overridden by the options below)")] = (
        Preset.vietnews
    ),
    corpus: Annotated[Path | None, typer.Option(help="jsonl.gz corpus (id, title, body)")] = None,
    queries_path: Annotated[Path | None, typer.Option("--queries", help="qid<TAB>query file")] = None,
    qrels_path: Annotated[Path | None, typer.Option("--qrels", help="TREC qrels")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder [default: bench/out/<preset>/baselines]")] = None,
    systems: Annotated[str, typer.Option(help="comma-separated: fts5, tantivy")] = "fts5,tantivy",
    with_nfc: Annotated[bool, typer.Option("--nfc", help="also run each system on NFC-normalised queries")] = False,
    newssearch_run: Annotated[
        list[Path] | None, typer.Option(help="TREC run of `newssearch search --batch` to include (repeatable)")
    ] = None,
    threads: Annotated[int, typer.Option(min=1, help="Tantivy indexing threads")] = 2,
    reuse: Annotated[bool, typer.Option(help="reuse indexes left by an earlier run (no indexing speed)")] = False,
) -> None:
    """Index the corpus in each system, run the queries, score the runs and print one table."""
    default_corpus, default_queries, default_qrels = PRESETS[preset]
    corpus = corpus or default_corpus
    queries = read_queries(queries_path or default_queries)
    qrels = read_qrels(qrels_path or default_qrels)
    out = out or OUT / preset.value / "baselines"
    out.mkdir(parents=True, exist_ok=True)
    wanted = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = set(wanted) - {"fts5", "tantivy"}
    if unknown:
        raise typer.BadParameter(f"unknown systems {sorted(unknown)}")

    err = Console(stderr=True)
    docs: list[tuple[str, str, str]] = []
    if not reuse:
        err.print(f"reading {corpus} ...")
        docs = read_corpus(corpus)
        err.print(f"{len(docs):,} documents, {len(queries):,} queries")

    results: list[SystemResult] = []
    n_docs: int | None = len(docs) or None
    for name in wanted:
        engine: Fts5 | Tantivy
        index_path = out / ("fts5.sqlite" if name == "fts5" else "tantivy")
        build_log = index_path.with_name(index_path.name + ".build.json")
        fresh = not reuse or not index_path.exists()
        if fresh:
            if not docs:
                docs = read_corpus(corpus)
            build_log.unlink(missing_ok=True)
            if index_path.is_dir():
                shutil.rmtree(index_path)
            else:
                index_path.unlink(missing_ok=True)
        if name == "fts5":
            err.print(f"SQLite {Fts5.check()}")
            engine = Fts5(index_path)
        else:
            engine = Tantivy(index_path, threads)
        if fresh:
            err.print(f"{name}: indexing ...")
            start = time.perf_counter()
            engine.build(docs)
            seconds = time.perf_counter() - start
            build_log.write_text(json.dumps({"documents": len(docs), "seconds": seconds}) + "\n")
        build = json.loads(build_log.read_text()) if build_log.exists() else None
        index_s = build["seconds"] if build else None
        docs_per_s = build["documents"] / build["seconds"] if build else None
        if build:
            n_docs = build["documents"]
            err.print(f"{name}: {build['documents']:,} documents in {index_s:.1f} s ({docs_per_s:,.0f} docs/s)")
        if isinstance(engine, Tantivy):
            engine.open()
        engine.search(next(iter(queries.values()), ""))  # warm up caches before timing
        raw = run_queries(name, engine.search, queries)
        variants = [raw]
        if with_nfc:
            variants.append(run_queries(f"{name}+nfc", engine.search, queries, normalise=nfc, previous=raw))
        for result in variants:
            result.docs_per_s, result.index_s = docs_per_s, index_s
            (out / f"{result.name}.run").write_text("\n".join(trec_lines(result)) + "\n", encoding="utf-8")
            results.append(result)

    for path in newssearch_run or []:
        label = "newssearch" if len(newssearch_run or []) == 1 else f"newssearch:{path.stem}"
        results.append(SystemResult(name=label, run=read_run(path)))

    reports = {result.name: evaluate(result.run, qrels, k=TOP_K) for result in results}
    rows = list(table_rows(results, reports))
    table = Table(*HEADER, title=f"{preset.value}: {n_docs or '?'} documents, {len(queries)} queries")
    table.columns[0].no_wrap = True
    for row in rows:
        table.add_row(*row, end_section=row[1] == OVERALL)
    Console().print(table)

    (out / "results.md").write_text(markdown(rows), encoding="utf-8")
    summary = {
        "corpus": str(corpus),
        "documents": n_docs,
        "queries": len(queries),
        "systems": {
            result.name: {
                "index_s": result.index_s,
                "docs_per_s": result.docs_per_s,
                "query_p50_ms": result.p50_ms,
                "query_p95_ms": result.p95_ms,
                "errors": result.errors,
                "missing": len(reports[result.name].missing),
                "figures": reports[result.name].rows(),
            }
            for result in results
        },
    }
    (out / "results.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    err.print(f"runs and results in {out}")


if __name__ == "__main__":
    app()
