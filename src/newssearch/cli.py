"""The ``newssearch`` command: a thin Typer layer over :class:`~newssearch.archive.Archive`; a command is one call.

Exit codes (for cron): 0 done; 1 failed; 2 usage error; 3 done, but some corpus files or lines were skipped
(listed on stderr); 4 another indexer is running on this index; 5 (``index --check``) the index differs from the
corpus. Articles read from a legacy encoding or font are indexed, listed on stderr as ``converted`` and counted,
but do not make the exit code 3: nothing was lost.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newssearch import evaluation
from newssearch.archive import EXPORT_MAX_ROWS, Archive, IndexNotReady
from newssearch.config import Settings, get_settings
from newssearch.engine.results import PlaceUnits, SearchResult
from newssearch.engine.search import SearchError, SearchRequest, Sort, UnknownPlace
from newssearch.export import ExportFormat, export_chunks
from newssearch.index.indexer import IndexVerificationError
from newssearch.logs import configure_logging, get_logger
from newssearch.store.generations import GenerationDamaged, IndexerBusy
from newssearch.text.dates import InvalidDate, read_typed_date
from newssearch.text.variants import load_abbreviations

__all__ = ["app"]

EXIT_FAILED, EXIT_SKIPPED, EXIT_BUSY, EXIT_DIFFERENT = 1, 3, 4, 5
#: Ids of each kind of difference that ``index --check`` lists on stderr (the counts are always whole).
CHECK_SHOWN = 50

app = typer.Typer(
    help="Full-text search over Vietnamese news archives.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

IndexOption = Annotated[
    Path | None,
    typer.Option("--index", help="Index root folder.", envvar="NEWSSEARCH_INDEX_DIR", show_default=False),
]


def _settings(index: Path | None) -> Settings:
    """The settings, with the index folder given on the command line (if any) in place of the configured one;
    exit 2 with one line naming the setting when the environment holds a bad one."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        wrong = "; ".join(
            f"NEWSSEARCH_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        err.print(f"error: invalid setting: {wrong}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except SettingsError as exc:
        err.print(f"error: invalid setting: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    return settings if index is None else settings.model_copy(update={"index_dir": index})


def _require_abbreviations(settings: Settings) -> None:
    """Read the newsroom's abbreviations file now (it is cached), so that an unreadable one is one clear line and
    exit 2, not a traceback from the first search or from every worker of the service."""
    try:
        load_abbreviations(settings.abbreviations)
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"error: cannot read the abbreviations file: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


@contextmanager
def _opened(index: Path | None) -> Iterator[Archive]:
    """The archive for a reading command; exit 2 with one line when the newsroom's abbreviations file cannot be
    read, 1 while there is no usable index."""
    settings = _settings(index)
    _require_abbreviations(settings)
    archive = Archive(settings)
    try:
        yield archive
    except IndexNotReady as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        archive.close()


def _cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@app.command("index")
def index_command(
    corpus: Annotated[list[Path] | None, typer.Argument(help="Corpus folders or files (default: settings).")] = None,
    index: IndexOption = None,
    rebuild: Annotated[bool, typer.Option(help="Build a fresh generation beside the live one, then switch.")] = False,
    procs: Annotated[
        int | None,
        typer.Option(min=1, help="Writer processes for a rebuild.", show_default="the machine's cores"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a one-line JSON summary (for cron).")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar even on a terminal.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Compare the index with the corpus (missing, stale, extra); change nothing.")
    ] = False,
) -> None:
    """Index the corpus: add new, update changed, delete gone articles (or --rebuild everything)."""
    configure_logging()
    log = get_logger("indexer")
    archive = Archive(_settings(index))
    if check:
        if rebuild:
            err.print("error: --check changes nothing; it cannot be combined with --rebuild")
            raise typer.Exit(2)
        _check(archive, corpus, as_json=as_json)
        return
    show_progress = not quiet and not as_json and err.is_terminal
    progress = Progress(
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TextColumn("{task.fields[articles]} articles"),
        TimeElapsedColumn(),
        console=err,
        disable=not show_progress,
    )
    try:
        with progress:
            task = progress.add_task("index", total=None, articles=0)
            stats = archive.index(
                corpus,
                rebuild=rebuild,
                procs=procs or _cores(),
                progress=lambda done, total, read: progress.update(task, completed=done, total=total, articles=read),
            )
    except IndexerBusy as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_BUSY) from None
    except (IndexVerificationError, GenerationDamaged, OSError) as exc:
        # The live generation is left as it was; one line for cron, no traceback.
        err.print(
            f"error: index run failed, the live index is unchanged: {exc}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_FAILED) from None
    for problem in stats.problems:
        err.print(f"skipped {problem}", highlight=False, markup=False, soft_wrap=True)
    for note in stats.converted:
        err.print(f"converted {note}", highlight=False, markup=False, soft_wrap=True)
    summary = stats.summary()
    log.info("index run", **summary)
    if as_json:
        out.print(json.dumps(summary, ensure_ascii=False), highlight=False, soft_wrap=True)
    else:
        out.print(
            f"indexed {stats.indexed}, updated {stats.updated}, unchanged {stats.unchanged}, "
            f"deleted {stats.deleted}, skipped {stats.skipped}"
            + (f", converted {len(stats.converted)}" if stats.converted else "")
            + f" in {stats.seconds:.1f} s; "
            f"{stats.documents} documents ({stats.generation})",
            highlight=False,
        )
    if stats.problems:
        raise typer.Exit(EXIT_SKIPPED)


def _check(archive: Archive, corpus: list[Path] | None, *, as_json: bool) -> None:
    """``index --check``: exit 0 when the index holds exactly the readable corpus, 5 when it differs (or there is
    no index, or it is damaged). Skipped corpus files and lines are listed with path, line and reason either way."""
    try:
        report = archive.check(corpus)
    except OSError as exc:
        err.print(f"error: cannot check {archive.root}: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None
    for problem in report.problems:
        err.print(f"skipped {problem}", highlight=False, markup=False, soft_wrap=True)
    for note in report.converted:
        err.print(f"converted {note}", highlight=False, markup=False, soft_wrap=True)
    for kind in ("missing", "stale", "extra", "duplicated"):
        ids: list[str] = getattr(report, kind)
        for doc_id in ids[:CHECK_SHOWN]:
            err.print(f"{kind} {doc_id}", highlight=False, markup=False, soft_wrap=True)
        if len(ids) > CHECK_SHOWN:
            err.print(f"{kind}: {len(ids) - CHECK_SHOWN} more", highlight=False, markup=False)
    for error in report.index_errors:
        err.print(f"index: {error}", highlight=False, markup=False, soft_wrap=True)
    summary = report.summary()
    get_logger("indexer").info("index check", **summary)
    if as_json:
        out.print(json.dumps(summary, ensure_ascii=False), highlight=False, soft_wrap=True)
    else:
        out.print(
            f"{'consistent' if report.consistent else 'DIFFERENT'}: {report.generation or 'no index'} holds "
            f"{report.documents} documents, the corpus {report.articles} articles; missing {len(report.missing)}, "
            f"stale {len(report.stale)}, extra {len(report.extra)}, duplicated {len(report.duplicated)}, "
            f"kept {len(report.kept)} (file unreadable), skipped {len(report.problems)}"
            + (f", converted {len(report.converted)}" if report.converted else ""),
            highlight=False,
        )
    if not report.consistent:
        raise typer.Exit(EXIT_DIFFERENT)


@app.command()
def stats(index: IndexOption = None, top: Annotated[int, typer.Option(help="Values per facet.")] = 10) -> None:
    """Document count, date range, top places and categories."""
    with _opened(index) as archive:
        status, everything = archive.stats()
    out.print(f"index {archive.root} generation {status.generation}: {status.documents} documents")
    if status.first_date and status.last_date:
        out.print(f"dates {status.first_date} … {status.last_date}")
    out.print(
        f"segments {status.segments}, {status.columnar_segments} read through a columnar companion"
        f" ({status.spanned_segments} through the span); {status.precomputed_arrays} precomputed arrays"
    )
    for facet in ("place", "district", "category", "author", "source", "year"):
        table = Table("value", "articles", title=facet)
        for value in everything.facets.get(facet, [])[:top]:
            table.add_row(value.value, str(value.count))
        out.print(table)


def _print_result(result: SearchResult) -> None:
    out.print(
        f"{result.total} results for [bold]{escape(result.query)}[/bold] ({result.took_ms} ms, match: {result.match})",
        highlight=False,
    )
    if result.suggestion:
        out.print(f"did you mean: [bold]{escape(result.suggestion)}[/bold]", highlight=False)
    if result.apart:
        out.print(f"{result.apart} more have these words apart (--apart lists them too)", highlight=False)
    for place in result.place_filters:
        read = place.label if place.values == [place.label] else f"{place.label} ({', '.join(place.values)})"
        out.print(f"place {escape(place.typed)!r} → [bold]{escape(read)}[/bold]", highlight=False)
        if place.note:
            parts = ", ".join(f"{p.value} {p.count}" for p in place.parts)
            out.print(f"  [dim]{escape(place.note)}{f' ({escape(parts)})' if parts else ''}[/dim]", highlight=False)
    for rank, hit in enumerate(result.hits, start=(result.page - 1) * result.size + 1):
        title = _marks_to_rich(hit.title)
        places = ", ".join(hit.places.get("about_provinces", hit.places.get("provinces", [])))
        byline = " · ".join(x for x in (hit.author, hit.source) if x)
        meta = escape(" ".join(x for x in (hit.date or "", places, byline, hit.id) if x))
        out.print(f"{rank:>3}. {title}  [dim]{meta}[/dim]", highlight=False)
        out.print(f"     {_marks_to_rich(hit.snippet)}", highlight=False)


def _marks_to_rich(html_text: str) -> str:
    parts = html_text.replace("</mark>", "<mark>").split("<mark>")
    return "".join(
        f"[bold yellow]{escape(html.unescape(p))}[/bold yellow]" if i % 2 else escape(html.unescape(p))
        for i, p in enumerate(parts)
    )


def _export(archive: Archive, request: SearchRequest, form: ExportFormat, limit: int) -> None:
    """``search --format csv|jsonl``: the whole result, ranked once, written to stdout as UTF-8 bytes."""
    ranked = archive.ranked_ids(request, limit)
    stream = sys.stdout.buffer
    for chunk in export_chunks(archive.articles(ranked.ids), form):
        stream.write(chunk.encode("utf-8"))
    stream.flush()
    if ranked.truncated:
        err.print(f"exported {len(ranked.ids)} of {ranked.total} results (--limit, at most {EXPORT_MAX_ROWS})")


@app.command("search")
def search_command(
    query: Annotated[str | None, typer.Argument(help="The query; diacritics optional.")] = None,
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
    size: Annotated[int, typer.Option(help="Results to show.")] = 10,
    batch: Annotated[Path | None, typer.Option(help="Read 'qid<TAB>query' lines; print a TREC run.")] = None,
    place: Annotated[
        list[str] | None,
        typer.Option(
            help="Filter by province or district, any spelling ('sai gon', 'TP.HCM'); repeat for any of several."
        ),
    ] = None,
    units: Annotated[
        str, typer.Option(help="--place as the unit of that name (all), the pre-2025 provinces or the 2025 ones.")
    ] = "all",
    mentioned: Annotated[
        bool, typer.Option("--mentioned", help="Filter on every place articles mention, not those they are about.")
    ] = False,
    author: Annotated[
        list[str] | None, typer.Option(help="Filter by byline, as `stats` lists it ('Thu Trang'); repeatable.")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Filter by outlet, as `stats` lists it ('dantri.com.vn'); repeatable.")
    ] = None,
    category: Annotated[list[str] | None, typer.Option(help="Filter by category ('health'); repeatable.")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="As on the page: 20/04/2021, 04/2021, 2021 (or 2021-04-20).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="As on the page: 20/04/2021, 04/2021, 2021 (its December).")
    ] = None,
    sort: Annotated[str, typer.Option(help="relevance, newest or oldest (no query: newest).")] = "",
    page: Annotated[int, typer.Option(min=1, help="Result page (of --size results).")] = 1,
    output: Annotated[
        str,
        typer.Option(
            "--format",
            help="text; json (the API's JSON, as --json); csv or jsonl: the whole result, up to --limit rows "
            "(CSV is UTF-8 with a BOM, for Excel and LibreOffice).",
        ),
    ] = "text",
    limit: Annotated[
        int, typer.Option(min=1, max=EXPORT_MAX_ROWS, help="Rows at most for --format csv|jsonl.")
    ] = EXPORT_MAX_ROWS,
    related_to: Annotated[str | None, typer.Option("--related", help="Articles most like this article id.")] = None,
    apart: Annotated[
        bool, typer.Option("--apart", help="A name's articles and those that have its words only apart.")
    ] = False,
) -> None:
    """Search the index; or, with --batch, run a query file and print a TREC run (top 100 per query)."""
    if batch is None and query is None and related_to is None:
        err.print("error: give a QUERY, --batch FILE or --related ID")
        raise typer.Exit(2)
    with _opened(index) as archive:
        if related_to is not None:
            hits = archive.related(related_to, size)
            if hits is None:
                err.print(f"error: no article with id {related_to!r}")
                raise typer.Exit(EXIT_FAILED)
            for rank, hit in enumerate(hits, start=1):
                out.print(f"{rank:>3}. {escape(html.unescape(hit.title))}  [dim]{hit.date or ''} {hit.id}[/dim]")
            return
        if batch is not None:
            for qid, result in archive.search_many(evaluation.read_queries(batch)):
                lines = evaluation.format_trec_run(qid, [(h.id, h.score) for h in result.hits])
                sys.stdout.write("".join(line + "\n" for line in lines))
            return
        if units not in ("all", "pre2025", "post2025"):
            err.print(f"error: --units must be all, pre2025 or post2025, not {units!r}")
            raise typer.Exit(2)
        place_units: PlaceUnits = "pre2025" if units == "pre2025" else "post2025" if units == "post2025" else "all"
        if output not in ("text", "json", "csv", "jsonl"):
            err.print(f"error: --format must be text, json, csv or jsonl, not {output!r}")
            raise typer.Exit(2)
        order: Sort = "newest" if sort == "newest" else "oldest" if sort == "oldest" else "relevance"
        if sort not in ("", "relevance", "newest", "oldest"):
            err.print(f"error: --sort must be relevance, newest or oldest, not {sort!r}")
            raise typer.Exit(2)
        if not sort and not (query or "").strip():
            order = "newest"  # as the page: relevance ranks nothing without a query
        try:
            first, last = read_typed_date(date_from), read_typed_date(date_to, end=True)
        except InvalidDate as exc:
            err.print(f"error: {exc}")
            raise typer.Exit(2) from None
        request = SearchRequest(
            query or "",
            first,
            last,
            place or [],
            category or [],
            order,
            page,
            size=size,
            place_units=place_units,
            place_scope="mentioned" if mentioned else "about",
            apart=apart,
            authors=author or [],
            sources=source or [],
        )
        try:
            if output in ("csv", "jsonl"):
                _export(archive, request, "csv" if output == "csv" else "jsonl", limit)
                return
            result = archive.search(request)
        except UnknownPlace as exc:
            err.print(f"error: unknown place {exc.typed!r}", highlight=False)
            if exc.suggestions:
                err.print(f"did you mean: {'; '.join(exc.suggestions)}", highlight=False)
            raise typer.Exit(2) from None
        except SearchError as exc:
            err.print(f"error: {exc}")
            raise typer.Exit(2) from None
    if as_json or output == "json":
        sys.stdout.write(json.dumps(dataclasses.asdict(result), ensure_ascii=False) + "\n")
    else:
        _print_result(result)


@app.command("eval")
def eval_command(
    queries: Annotated[Path, typer.Argument(help="qid<TAB>query file.")],
    qrels: Annotated[Path, typer.Argument(help="TREC qrels.")],
    index: IndexOption = None,
    run_out: Annotated[Path | None, typer.Option("--run", help="Also write the TREC run here.")] = None,
) -> None:
    """MRR@10, nDCG@10 and Recall@10 overall and per query kind (the qid suffix after the last ':')."""
    run: dict[str, list[str]] = {}
    lines: list[str] = []
    with _opened(index) as archive:
        for qid, result in archive.search_many(evaluation.read_queries(queries)):
            run[qid] = [h.id for h in result.hits]
            lines += evaluation.format_trec_run(qid, [(h.id, h.score) for h in result.hits])
    if run_out is not None:
        run_out.write_text("".join(line + "\n" for line in lines))
    report = evaluation.evaluate(run, evaluation.read_qrels(qrels))
    table = Table(*report.header, title=f"{queries.name}")
    for row in report.formatted_rows():
        table.add_row(*row)
    out.print(table)
    kinds = Counter(evaluation.kind_of(q) for q in run)
    if report.missing:
        err.print(f"{len(report.missing)} judged queries had no run entry ({dict(kinds)})")


@app.command()
def serve(
    index: IndexOption = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes, each with its own listening socket.")] = 1,
) -> None:
    """Serve the API and the search page."""
    import functools

    import uvicorn

    from newssearch.service.api import create_app
    from newssearch.service.serving import serve_workers

    settings = _settings(index)
    _require_abbreviations(settings)
    configure_logging()
    factory = functools.partial(create_app, settings)
    if workers > 1:
        from newssearch.archive import preload

        preload(settings)  # loaded once here and shared by the forked workers, not built by each
        # Not uvicorn's --workers: its workers share one socket and one of them takes most connections.
        serve_workers(factory, host or settings.host, port or settings.port, workers, log_level="info")
        return
    uvicorn.run(factory, factory=True, host=host or settings.host, port=port or settings.port, log_level="info")
