"""Issue 18 at the command line: bylines and outlets, export formats, and the page's search options."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from newssearch.cli import app
from newssearch.index.indexer import IndexStats
from support import SEED_ID

runner = CliRunner()


def test_search_filters_by_author_and_source_and_shows_the_byline(bundled_index: tuple[Path, IndexStats]) -> None:
    root = str(bundled_index[0])
    result = runner.invoke(app, ["search", "", "--index", root, "--author", "Thu Trang"])
    assert result.exit_code == 0, result.output
    assert "1 results" in result.output and SEED_ID in result.output and "Thu Trang" in result.output
    result = runner.invoke(app, ["search", "ha tinh", "--index", root, "--source", "dantri.com.vn", "--size", "50"])
    assert result.exit_code == 0, result.output
    assert SEED_ID not in result.output and "dantri.com.vn" in result.output
    stats = runner.invoke(app, ["stats", "--index", root])
    assert "Thu Trang" in stats.output and "dantri.com.vn" in stats.output


def test_search_exports_csv_and_jsonl(bundled_index: tuple[Path, IndexStats]) -> None:
    root = str(bundled_index[0])
    result = runner.invoke(app, ["search", "ha tinh", "--index", root, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["id", "date", "title", "places", "author", "source", "url"]
    assert rows[1][0] == SEED_ID and "Hà Tĩnh" in rows[1][2]
    lines = runner.invoke(app, ["search", "kinh tế", "--index", root, "--format", "jsonl", "--limit", "5"]).stdout
    assert len(lines.splitlines()) == 5 and json.loads(lines.splitlines()[0])["source"] == "dantri.com.vn"
    data = json.loads(runner.invoke(app, ["search", "ha tinh", "--index", root, "--format", "json"]).stdout)
    assert data["hits"][0]["id"] == SEED_ID


def test_search_takes_the_pages_options_and_date_forms(bundled_index: tuple[Path, IndexStats]) -> None:
    root = str(bundled_index[0])
    as_json = ["--index", root, "--format", "json"]
    seed = json.loads(runner.invoke(app, ["search", "ky anh", *as_json, "--from", "2022", "--to", "01/2022"]).stdout)
    assert SEED_ID in [hit["id"] for hit in seed["hits"]]
    day = json.loads(runner.invoke(app, ["search", "ky anh", *as_json, "--from", "06/01/2022"]).stdout)
    assert SEED_ID not in [hit["id"] for hit in day["hits"]]  # a month-only date is not within a later day on
    health = json.loads(runner.invoke(app, ["search", "", *as_json, "--category", "health", "--sort", "oldest"]).stdout)
    assert health["total"] > 0 and {hit["category"] for hit in health["hits"]} == {"health"}
    dates = [hit["date"] for hit in health["hits"]]
    assert dates == sorted(dates)
    first = json.loads(runner.invoke(app, ["search", "", *as_json, "--category", "health", "--size", "5"]).stdout)
    second = json.loads(
        runner.invoke(app, ["search", "", *as_json, "--category", "health", "--size", "5", "--page", "2"]).stdout
    )
    assert second["page"] == 2 and len(second["hits"]) == 5
    assert not {h["id"] for h in second["hits"]} & {h["id"] for h in first["hits"]}
    bad = runner.invoke(app, ["search", "x", "--index", root, "--from", "31/02/2021"])
    assert bad.exit_code == 2 and "invalid date" in bad.output
