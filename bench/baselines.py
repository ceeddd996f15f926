"""Run a query set on stock full-text engines, as baselines for newssearch.

Systems:

- ``fts5``: SQLite FTS5 (stdlib ``sqlite3``), ``tokenize="unicode61 remove_diacritics 2"``, ``bm25()``.
- ``tantivy``: Tantivy (PyPI ``tantivy``), analyzer ``simple`` tokenizer + ``remove_long(40)`` +
  ``lowercase`` + ``ascii_fold``, BM25.
- ``tantivy-and-phrase``: the same Tantivy index; every term is required (in the title or the body) and the
  whole query as a phrase (title or body) is an optional clause boosted x3.
- ``tantivy-pyvi`` and ``tantivy-pyvi-and-phrase``: Tantivy over text word-segmented by ``pyvi``
  (``ViTokenizer``: ``Hà Tĩnh`` -> ``Hà_Tĩnh``), analyzer ``regex(\\w+)`` (a segmented word stays one token)
  + ``lowercase`` + ``ascii_fold``; the query is segmented the same way, then answered as an OR of its words,
  or with every word required plus the phrase ^3. Titles, bodies and queries are NFC-normalised before
  segmenting. pyvi (with scikit-learn and python-crfsuite) is no dependency of newssearch, so it runs in its own
  interpreter (``--pyvi-python``, a venv with ``pip install pyvi``); the segmented corpus is cached in the output
  folder. Query latency of these two excludes segmenting the query (done for all queries first).

All index ``title`` and ``body`` and, unless said otherwise, answer each query as an OR of its
whitespace-separated terms, each term quoted (a term the engine splits, such as ``1.000`` or an NFD word,
becomes a phrase), with the engine's default BM25 ranking over both fields. The query text is passed as
given; ``--nfc`` adds the variants ``fts5+nfc`` and ``tantivy+nfc`` that NFC-normalise it first (on the same
indexes).

Indexing speed is documents per second for adding every article and committing (documents already in
memory); query latency is the median over the query set of building the query, searching and fetching
the ids of the top 10. A run of ``newssearch search --batch`` (TREC format) joins the table with
``--newssearch-run PATH``.

Outputs go to ``bench/out/<set>/baselines/``: one TREC run per system, ``results.json``, ``results.md``.

Run: ``python bench/baselines.py --help`` (see bench/README.md).
"""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
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

SHARED = Path(__file__).resolve().parents[2] / "shared"  # ../shared beside the clone
OUT = Path(__file__).resolve().parent / "out"
TOP_K = 10
Hits = list[tuple[str, float]]


class Preset(StrEnum):
    """Corpus and query set pairs known to this script."""

    vietnews = "vietnews"
    unc = "unc"
    unc_short = "unc-short"
    vietnews20k_short = "vietnews20k-short"
    vims_event = "vims-event"


DEV = SHARED / "eval/dev"
PRESET_LIMITS: dict[Preset, int] = {Preset.vietnews20k_short: 20_000}
"""Presets that index only the first N lines of their corpus."""

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
    Preset.unc_short: (SHARED / "corpus/unc.jsonl.gz", DEV / "unc-short.queries.tsv", DEV / "unc-short.qrels"),
    Preset.vietnews20k_short: (
        SHARED / "corpus/vietnews.jsonl.gz",
        DEV / "vietnews20k-short.queries.tsv",
        DEV / "vietnews20k-short.qrels",
    ),
    Preset.vims_event: (SHARED / "corpus/vims.jsonl.gz", DEV / "vims-event.queries.tsv", DEV / "vims-event.qrels"),
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


def read_corpus(path: Path, limit: int | None = None) -> list[tuple[str, str, str]]:
    """``(id, title, body)`` of every article (or the first ``limit`` lines) of a jsonl or jsonl.gz corpus."""
    docs = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
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

    def __init__(self, path: Path, threads: int, *, segmented: bool = False) -> None:
        import tantivy

        self.tantivy = tantivy
        self.threads = threads
        # pyvi joins the syllables of a word with "_": keep them one token
        tokenizer = tantivy.Tokenizer.regex(r"\w+") if segmented else tantivy.Tokenizer.simple()
        self.analyzer = (
            tantivy.TextAnalyzerBuilder(tokenizer)
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

    def _match(self, field_name: str, tokens: list[str]) -> Any:
        """A term query for one token, a phrase query for several."""
        query_cls = self.tantivy.Query
        if len(tokens) == 1:
            return query_cls.term_query(self.schema, field_name, tokens[0])
        return query_cls.phrase_query(self.schema, field_name, list[str | tuple[int, str]](tokens))

    def query(self, text: str) -> Any:
        """OR of the terms over title and body; a term the analyzer splits becomes a phrase."""
        occur = self.tantivy.Occur
        clauses = []
        for term in query_terms(text):
            tokens = self.analyzer.analyze(term)
            if tokens:
                clauses += [(occur.Should, self._match(field_name, tokens)) for field_name in ("title", "body")]
        return self.tantivy.Query.boolean_query(clauses) if clauses else None

    def query_and_phrase(self, text: str) -> Any:
        """Every term required (title or body; a split term as a phrase), plus the whole query as a phrase in
        the title or the body, an optional clause boosted x3 (only when the query has two tokens or more)."""
        query_cls, occur = self.tantivy.Query, self.tantivy.Occur
        clauses = []
        every: list[str] = []
        for term in query_terms(text):
            tokens = self.analyzer.analyze(term)
            if not tokens:
                continue
            every += tokens
            either = [(occur.Should, self._match(field_name, tokens)) for field_name in ("title", "body")]
            clauses.append((occur.Must, query_cls.boolean_query(either)))
        if not clauses:
            return None
        if len(every) > 1:
            phrase = query_cls.boolean_query(
                [(occur.Should, self._match(field_name, every)) for field_name in ("title", "body")]
            )
            clauses.append((occur.Should, query_cls.boost_query(phrase, 3.0)))
        return query_cls.boolean_query(clauses)

    def search(self, text: str) -> Hits:
        """Top 10 ``(docid, score)``, OR of the terms."""
        return self._search(self.query(text))

    def search_and_phrase(self, text: str) -> Hits:
        """Top 10 ``(docid, score)``, every term required plus the phrase ^3."""
        return self._search(self.query_and_phrase(text))

    def _search(self, query: Any) -> Hits:
        """Top 10 ``(docid, score)`` of a built query."""
        if query is None:
            return []
        hits = self.searcher.search(query, TOP_K, count=False).hits
        return [(str(self.searcher.doc(address)["docid"][0]), float(score)) for score, address in hits]


# ------------------------------------------------------------------------------------- pyvi segmenter

PYVI_SCRIPT = """
import json, sys, unicodedata
from pyvi import ViTokenizer
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
    for line in src:
        texts = json.loads(line)
        out = [ViTokenizer.tokenize(unicodedata.normalize("NFC", t)) if t.strip() else "" for t in texts]
        dst.write(json.dumps(out, ensure_ascii=False) + "\\n")
"""
"""Run by ``--pyvi-python``: each input line is a JSON list of texts, each output line the same list segmented."""


def pyvi_segment(python: str, rows: list[list[str]]) -> list[list[str]]:
    """Segment lists of texts with pyvi in the interpreter ``python`` (one subprocess for all of them)."""
    with tempfile.TemporaryDirectory(prefix="pyvi-") as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        subprocess.run([python, "-c", PYVI_SCRIPT, str(src), str(dst)], check=True)
        out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    if len(out) != len(rows):
        raise RuntimeError(f"pyvi returned {len(out)} rows for {len(rows)}")
    return out


def segmented_corpus(python: str, docs: list[tuple[str, str, str]], cache: Path) -> list[tuple[str, str, str]]:
    """The corpus with title and body segmented by pyvi, cached in ``cache`` (jsonl.gz, id/title/body)."""
    if cache.exists():
        return read_corpus(cache)
    start = time.perf_counter()
    rows = pyvi_segment(python, [[title, body] for _, title, body in docs])
    segmented = [(docid, title, body) for (docid, _, _), (title, body) in zip(docs, rows, strict=True)]
    with gzip.open(cache, "wt", encoding="utf-8") as handle:
        for docid, title, body in segmented:
            handle.write(json.dumps({"id": docid, "title": title, "body": body}, ensure_ascii=False) + "\n")
    typer.echo(f"pyvi: segmented {len(docs):,} documents in {time.perf_counter() - start:.0f} s", err=True)
    return segmented


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


def run_engine(
    name: str, engine: Fts5 | Tantivy, mode: str, queries: dict[str, str] | None, *, with_nfc: bool = False
) -> list[SystemResult]:
    """Run the queries on an engine in a query mode (``or`` or ``and-phrase``, Tantivy only); with ``with_nfc``,
    also on NFC-normalised queries (``NAME+nfc``)."""
    assert queries is not None
    search = engine.search_and_phrase if mode == "and-phrase" and isinstance(engine, Tantivy) else engine.search
    raw = run_queries(name, search, queries)
    if not with_nfc:
        return [raw]
    return [raw, run_queries(f"{name}+nfc", search, queries, normalise=nfc, previous=raw)]


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
        for kind, n, mrr, ndcg, recall, precision in report.rows():
            speed = ["", ""]
            if kind == OVERALL:
                speed = [
                    f"{result.docs_per_s:,.0f}" if result.docs_per_s else "-",
                    f"{result.p50_ms:.2f}" if result.p50_ms is not None else "-",
                ]
            yield [result.name, kind, str(n), f"{mrr:.3f}", f"{ndcg:.3f}", f"{recall:.3f}", f"{precision:.3f}", *speed]


HEADER = ["system", "kind", "n", "MRR@10", "nDCG@10", "R@10", "P@10", "index docs/s", "query p50 ms"]


def markdown(rows: list[list[str]]) -> str:
    """The results table in Markdown."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


SYSTEMS: dict[str, tuple[str, str]] = {
    "fts5": ("fts5", "or"),
    "tantivy": ("tantivy", "or"),
    "tantivy-and-phrase": ("tantivy", "and-phrase"),
    "tantivy-pyvi": ("tantivy-pyvi", "or"),
    "tantivy-pyvi-and-phrase": ("tantivy-pyvi", "and-phrase"),
}
"""System name -> (index it runs on, query mode)."""

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
    systems: Annotated[str, typer.Option(help="comma-separated: " + ", ".join(SYSTEMS))] = "fts5,tantivy",
    limit: Annotated[
        int | None, typer.Option(help="index only the first N lines of the corpus [vietnews20k-short: 20000]")
    ] = None,
    pyvi_python: Annotated[
        str, typer.Option(help="Python interpreter with pyvi installed (for the tantivy-pyvi systems)")
    ] = sys.executable,
    with_nfc: Annotated[bool, typer.Option("--nfc", help="also run each system on NFC-normalised queries")] = False,
    newssearch_run: Annotated[
        list[Path] | None, typer.Option(help="TREC run of `newssearch search --batch` to include (repeatable)")
    ] = None,
    threads: Annotated[int, typer.Option(min=1, help="Tantivy indexing threads")] = 2,
    reuse: Annotated[bool, typer.Option(help="reuse indexes left by an earlier run (no indexing speed)")] = False,
) -> None:
    """Index the corpus in each system, run the queries, score the runs and print one table."""
    default_corpus, default_queries, default_qrels = PRESETS[preset]
    if corpus is None and limit is None:
        limit = PRESET_LIMITS.get(preset)
    corpus = corpus or default_corpus
    queries = read_queries(queries_path or default_queries)
    qrels = read_qrels(qrels_path or default_qrels)
    out = out or OUT / preset.value / "baselines"
    out.mkdir(parents=True, exist_ok=True)
    wanted = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = set(wanted) - set(SYSTEMS)
    if unknown:
        raise typer.BadParameter(f"unknown systems {sorted(unknown)}")

    err = Console(stderr=True)
    docs: list[tuple[str, str, str]] = []
    if not reuse:
        err.print(f"reading {corpus} ..." + (f" (first {limit:,} lines)" if limit else ""))
        docs = read_corpus(corpus, limit)
        err.print(f"{len(docs):,} documents, {len(queries):,} queries")

    results: list[SystemResult] = []
    n_docs: int | None = len(docs) or None
    engines: dict[str, Fts5 | Tantivy] = {}
    index_times: dict[str, tuple[float | None, float | None]] = {}
    segmented_queries: dict[str, str] | None = None
    for name in wanted:
        index_name, mode = SYSTEMS[name]
        if index_name.endswith("pyvi") and segmented_queries is None:
            texts = list(queries.values())
            segmented_queries = dict(
                zip(queries, (row[0] for row in pyvi_segment(pyvi_python, [[t] for t in texts])), strict=True)
            )
        if index_name in engines:
            docs_per_s, index_s = index_times[index_name]
            err.print(f"{name}: on the {index_name} index built above")
            asked = segmented_queries if index_name.endswith("pyvi") else queries
            nfc_too = with_nfc and not index_name.endswith("pyvi")
            for result in run_engine(name, engines[index_name], mode, asked, with_nfc=nfc_too):
                result.docs_per_s, result.index_s = docs_per_s, index_s
                (out / f"{result.name}.run").write_text("\n".join(trec_lines(result)) + "\n", encoding="utf-8")
                results.append(result)
            continue
        engine: Fts5 | Tantivy
        index_path = out / ("fts5.sqlite" if index_name == "fts5" else index_name)
        build_log = index_path.with_name(index_path.name + ".build.json")
        fresh = not reuse or not index_path.exists()
        if fresh:
            if not docs:
                docs = read_corpus(corpus, limit)
            build_log.unlink(missing_ok=True)
            if index_path.is_dir():
                shutil.rmtree(index_path)
            else:
                index_path.unlink(missing_ok=True)
        if index_name == "fts5":
            err.print(f"SQLite {Fts5.check()}")
            engine = Fts5(index_path)
        else:
            engine = Tantivy(index_path, threads, segmented=index_name.endswith("pyvi"))
        if fresh:
            built = docs
            if index_name.endswith("pyvi"):
                built = segmented_corpus(pyvi_python, docs, out / "pyvi-corpus.jsonl.gz")
            err.print(f"{name}: indexing ...")
            start = time.perf_counter()
            engine.build(built)
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
        engines[index_name] = engine
        index_times[index_name] = (docs_per_s, index_s)
        engine.search(next(iter(queries.values()), ""))  # warm up caches before timing
        asked = segmented_queries if index_name.endswith("pyvi") else queries
        nfc_too = with_nfc and not index_name.endswith("pyvi")  # pyvi's input is NFC already
        for result in run_engine(name, engine, mode, asked, with_nfc=nfc_too):
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
