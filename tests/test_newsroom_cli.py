"""Issue 18 at the command line: bylines and outlets, export formats, and the page's search options."""

from __future__ import annotations

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
