"""A result list as a file: CSV for spreadsheets and JSON Lines for scripts, written a chunk at a time.

The API (``/export``) and the CLI (``search --format csv|jsonl``) stream the articles
:meth:`~newssearch.archive.Archive.ranked_ids` and :meth:`~newssearch.archive.Archive.articles` return through
these writers. The CSV opens in Excel and LibreOffice with Vietnamese intact: UTF-8 with a byte-order mark (Excel
reads a file without one as the local ANSI code page), CRLF line ends, every field quoted as needed, and a cell
that would start a formula (``=``, ``+``, ``-``, ``@``) written after an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Literal

from newssearch.engine.results import Article

__all__ = ["COLUMNS", "CONTENT_TYPES", "ExportFormat", "export_chunks", "export_row"]

ExportFormat = Literal["csv", "jsonl"]
#: The columns of an export, in order (the keys of a JSON Lines row).
COLUMNS = ("id", "date", "title", "places", "author", "source", "url")
CONTENT_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
BOM = "\ufeff"
#: Rows written per chunk of the stream.
CHUNK_ROWS = 100


def _places(article: Article) -> list[str]:
    """The provinces and districts the article is about (the places a page shows for it), else those it names."""
    places = article.places
    about = [*places.get("about_provinces", []), *places.get("about_districts", [])]
    return about or [*places.get("provinces", []), *places.get("districts", [])]


def export_row(article: Article) -> dict[str, str | list[str] | None]:
    """One row: :data:`COLUMNS` of one article (``places`` a list; CSV joins it with ``; ``)."""
    return {
        "id": article.id,
        "date": article.date,
        "title": article.title,
        "places": _places(article),
        "author": article.author,
        "source": article.source,
        "url": article.url,
    }


#: A cell starting with one of these is a formula to Excel and LibreOffice (a title "=HYPERLINK(…)" would run):
#: such a cell is written after an apostrophe, which both show as text (OWASP's advice for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | list[str] | None) -> str:
    text = "; ".join(value) if isinstance(value, list) else (value or "")
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_chunks(articles: Iterable[Article]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    for count, article in enumerate(articles, start=1):
        row = export_row(article)
        writer.writerow([_cell(value) for value in row.values()])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_chunks(articles: Iterable[Article]) -> Iterator[str]:
    lines: list[str] = []
    for article in articles:
        lines.append(json.dumps(export_row(article), ensure_ascii=False) + "\n")
        if len(lines) == CHUNK_ROWS:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def export_chunks(articles: Iterable[Article], form: ExportFormat) -> Iterator[str]:
    """The export of ``articles`` in ``form``, as text chunks to write or stream in order."""
    return _csv_chunks(articles) if form == "csv" else _jsonl_chunks(articles)
