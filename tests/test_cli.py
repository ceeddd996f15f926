"""The newssearch command as a newsroom user and cron run it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newssearch.cli import app
from newssearch.config import get_settings
from newssearch.index.indexer import IndexStats
from support import CORPUS, SEED_ID

runner = CliRunner()


def test_index_prints_a_summary_and_json_for_cron(tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", str(CORPUS / "seed"), "--index", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "indexed 1" in result.output
    result = runner.invoke(app, ["index", str(CORPUS / "seed"), "--index", str(tmp_path), "--json"])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["unchanged"] == 1 and summary["indexed"] == 0


def test_index_with_bad_input_exits_3_and_names_the_file(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bad.jsonl").write_text('{"id": "x", "title": "t", "body": "b", "date": "2022-13"}\n')
    result = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 3
    assert "bad.jsonl:1" in result.output and "2022-13" in result.output


def test_search_prints_readable_results_and_json(bundled_index: tuple[Path, IndexStats]) -> None:
    root = str(bundled_index[0])
    result = runner.invoke(app, ["search", "ha tinh", "--index", root, "--size", "3"])
    assert result.exit_code == 0, result.output
    assert "Hà Tĩnh" in result.output and SEED_ID in result.output
    data = json.loads(runner.invoke(app, ["search", "ha tinh", "--index", root, "--json"]).stdout)
    assert data["hits"][0]["id"] == SEED_ID


def test_search_batch_prints_a_trec_run_and_eval_scores_it(
    bundled_index: tuple[Path, IndexStats], tmp_path: Path
) -> None:
    root = str(bundled_index[0])
    queries = tmp_path / "q.tsv"
    queries.write_text("s1:exact\tThị ủy Kỳ Anh\ns2:noaccent\tthi uy ky anh\n")
    qrels = tmp_path / "qrels"
    qrels.write_text(f"s1:exact 0 {SEED_ID} 1\ns2:noaccent 0 {SEED_ID} 1\n")
    run = runner.invoke(app, ["search", "--batch", str(queries), "--index", root])
    first = run.stdout.splitlines()[0].split()
    assert first[:4] == ["s1:exact", "Q0", SEED_ID, "1"] and first[5] == "newssearch"
    evaluated = runner.invoke(app, ["eval", str(queries), str(qrels), "--index", root])
    assert evaluated.exit_code == 0, evaluated.output
    assert "noaccent" in evaluated.output and "1.000" in evaluated.output


def test_stats_and_errors(bundled_index: tuple[Path, IndexStats], tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--index", str(bundled_index[0])])
    # Rich wraps the line at the terminal's width, and a longer index path moves the break.
    assert result.exit_code == 0 and "301 documents" in " ".join(result.output.split())
    missing = runner.invoke(app, ["search", "x", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "newssearch index" in missing.output
    bad = runner.invoke(app, ["search", "x", "--index", str(bundled_index[0]), "--from", "2022-13"])
    assert bad.exit_code == 2


def test_a_bad_setting_is_one_clear_line_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSSEARCH_CORS_ORIGINS", "[not json")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["stats", "--index", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert result.output.startswith("error: invalid setting: NEWSSEARCH_CORS_ORIGINS")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["search", "ha tinh"], ["serve", "--workers", "2"]], ids=["search", "serve"])
def test_an_unreadable_abbreviations_file_is_one_clear_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """The newsroom's own abbreviations file named but missing: ``serve`` said so with a traceback (from the
    supervisor, or from uvicorn's factory with one worker), as reading commands did before."""
    monkeypatch.setenv("NEWSSEARCH_ABBREVIATIONS", str(tmp_path / "newsroom-abbreviations.tsv"))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, [*command, "--index", str(tmp_path / "index")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: cannot read the abbreviations file:")
    assert "newsroom-abbreviations.tsv" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_rebuild_without_twice_the_index_size_free_fails_in_one_line_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ix"
    assert runner.invoke(app, ["index", str(CORPUS / "seed"), "--index", str(root)]).exit_code == 0
    live = (root / "CURRENT").read_text()
    size = sum(p.stat().st_size for p in (root / live.strip()).iterdir())
    real = shutil.disk_usage(root)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: real._replace(free=size))  # a nearly full disk
    result = runner.invoke(app, ["index", str(CORPUS / "seed"), "--index", str(root), "--rebuild"])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: index run failed") and "needs about 2× the index size free" in line
    assert (root / "CURRENT").read_text() == live
    assert sorted(p.name for p in root.glob("gen-*")) == [live.strip()]


def test_search_place_any_spelling_names_it_back(bundled_index: tuple[Path, IndexStats]) -> None:
    root = str(bundled_index[0])
    spelled = json.loads(runner.invoke(app, ["search", "", "--index", root, "--place", "sai gon", "--json"]).stdout)
    official = json.loads(
        runner.invoke(app, ["search", "", "--index", root, "--place", "Hồ Chí Minh", "--json"]).stdout
    )
    assert spelled["total"] == official["total"] > 0
    assert spelled["place_filters"][0]["label"] == "Hồ Chí Minh"
    shown = runner.invoke(app, ["search", "", "--index", root, "--place", "quang nam", "--units", "post2025"])
    assert shown.exit_code == 0
    assert "→ Đà Nẵng" in shown.stdout
    unknown = runner.invoke(app, ["search", "", "--index", root, "--place", "ha tihn"])
    assert unknown.exit_code == 2
    assert "Hà Tĩnh" in unknown.stderr
