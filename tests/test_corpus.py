"""Reading corpus files: valid articles come through whole, bad ones are reported with path and line."""

from __future__ import annotations

import gzip
import json
import unicodedata
from pathlib import Path

from newssearch.index.corpus import Article, Problem, read_corpus
from support import CORPUS, SEED_ID


def _split(items: list[Article | Problem]) -> tuple[list[Article], list[Problem]]:
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def test_seed_article_is_read_with_month_date_title_and_byline() -> None:
    articles, problems = _split(list(read_corpus([CORPUS / "seed"])))
    assert problems == []
    [seed] = articles
    assert seed.id == "000_9dadb441269e12e8.txt"
    assert seed.date == "2022-01"
    assert seed.title.startswith("Nỗ lực xây dựng thị xã Kỳ Anh")
    assert seed.author == "Thu Trang"
    assert "Thu Trang" not in seed.body
    assert seed.body.startswith("Phó Bí thư Thường trực Tỉnh ủy Hà Tĩnh")


def test_txt_ids_are_paths_relative_to_the_corpus_root() -> None:
    ids = {a.id for a in read_corpus([CORPUS]) if isinstance(a, Article)}
    assert SEED_ID in ids
    assert len(ids) == 301


def _write_jsonl(path: Path, lines: list[str], *, compress: bool = False) -> None:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if compress else data)


def test_bad_lines_are_reported_with_path_and_line_and_the_rest_is_kept(tmp_path: Path) -> None:
    good = {"id": "a1", "title": "Hà Tĩnh", "body": "Nội dung", "date": "2021-05-02", "url": "https://x/1"}
    lines = [
        json.dumps(good, ensure_ascii=False),
        "{not json",
        json.dumps({**good, "id": "a2", "date": "2022-13"}),
        json.dumps({**good, "id": "a3", "body": ""}),
        json.dumps({**good, "id": "a4", "body": "nul\u0000byte"}),
        json.dumps({**good, "id": "a5", "title": "lone \ud800 surrogate"}),
        json.dumps({**good, "id": "a6", "date": None, "body": unicodedata.normalize("NFD", "Tĩnh")}),
    ]
    _write_jsonl(tmp_path / "feed.jsonl.gz", lines, compress=True)
    (tmp_path / "broken.jsonl").write_bytes(b'{"id": "b1", "title": "x", "body": "\xff\xfe"}\n')
    (tmp_path / "nodate.txt").write_text("Không có dòng ngày\nThân bài\n")
    articles, problems = _split(list(read_corpus([tmp_path])))
    assert [a.id for a in articles] == ["a1", "a6"]
    assert articles[1].body == "Tĩnh" and unicodedata.is_normalized("NFC", articles[1].body)
    reasons = {(Path(p.path).name, p.line): p.reason for p in problems}
    assert "bad JSON" in reasons[("feed.jsonl.gz", 2)]
    assert "2022-13" in reasons[("feed.jsonl.gz", 3)]
    assert "empty body" in reasons[("feed.jsonl.gz", 4)]
    assert "NUL" in reasons[("feed.jsonl.gz", 5)]
    assert "surrogate" in reasons[("feed.jsonl.gz", 6)]
    assert "UTF-8" in reasons[("broken.jsonl", 1)]
    assert "first line" in reasons[("nodate.txt", 1)]


def test_a_missing_corpus_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    [problem] = list(read_corpus([tmp_path / "nope"]))
    assert isinstance(problem, Problem) and "no such" in problem.reason


def test_content_hash_changes_with_content_only() -> None:
    a = Article(id="x", title="t", body="b", path="/one")
    assert a.content_hash() == Article(id="x", title="t", body="b", path="/two").content_hash()
    assert a.content_hash() != Article(id="x", title="t", body="b2").content_hash()


def test_ids_that_cannot_be_fetched_or_shown_safely_are_reported_with_path_and_line(tmp_path: Path) -> None:
    base = {"title": "Hà Tĩnh", "body": "Tin Hà Tĩnh"}
    hostile = ["a\u0000b", "a\rb", "a\tb", "a\nb", "\u202egnp.exe", "x" * 5000, "../../etc/passwd", "story/related"]
    lines = [json.dumps({**base, "id": doc_id}) for doc_id in [*hostile, "ok-1", "ok-1"]]
    _write_jsonl(tmp_path / "ids.jsonl", lines)
    articles, problems = _split(list(read_corpus([tmp_path])))
    assert [a.id for a in articles] == ["ok-1", "ok-1"]  # the plan, not the reader, keeps the first of a duplicate
    reasons = {p.line: p.reason for p in problems}
    assert sorted(reasons) == list(range(1, len(hostile) + 1)), reasons
    assert "U+0000" in reasons[1] or "NUL" in reasons[1]
    assert "U+000D" in reasons[2] and "U+0009" in reasons[3] and "U+000A" in reasons[4] and "U+202E" in reasons[5]
    assert "5000 characters" in reasons[6] and "'..'" in reasons[7] and "/related" in reasons[8]
    assert all(str(p).startswith(f"{tmp_path / 'ids.jsonl'}:") for p in problems)
