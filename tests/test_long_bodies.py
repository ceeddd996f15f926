"""Book-length articles: a hit reads only the beginning of a body, the article view and exports the whole of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newssearch import Archive, Settings
from newssearch.engine.search import SearchRequest
from newssearch.engine.snippets import MAX_SCAN_CHARS, QueryTerms, snippet
from newssearch.store.view import HIT_BODY_CHARS

FILLER = "Người dân địa phương cho biết công trình đã hoàn thành đúng tiến độ. "


def long_body(chars: int, ending: str) -> str:
    return "Khánh thành cầu Bến Thủy mới. " + FILLER * (chars // len(FILLER)) + ending


def write_feed(path: Path, articles: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")


@pytest.fixture(scope="module")
def archive_with_long_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built by a rebuild with two workers (the grouped segment writer), then one article added incrementally
    (Whoosh's own writer): both ways of writing a document."""
    root = tmp_path_factory.mktemp("long")
    corpus = root / "corpus"
    corpus.mkdir()
    articles = [
        {
            "id": "long-1",
            "title": "Bài rất dài",
            "body": long_body(80_000, "Tin cuối từ Hà Tĩnh."),
            "date": "2022-01-01",
        },
        {"id": "short-1", "title": "Tin ngắn", "body": "Cầu Bến Thủy ở Nghệ An.", "date": "2022-01-02"},
    ]
    write_feed(corpus / "a.jsonl", articles)
    with Archive(Settings(index_dir=root / "index")) as archive:
        assert not archive.index([corpus], procs=2).problems
        later = {
            "id": "long-2",
            "title": "Bài dài thứ hai",
            "body": long_body(60_000, "Kết thúc ở Quảng Bình."),
            "date": "2022-01-03",
        }
        write_feed(corpus / "b.jsonl", [later])
        stats = archive.index([corpus])
        assert not stats.problems and not stats.rebuilt
    return root / "index"


@pytest.mark.parametrize(("article_id", "chars"), [("long-1", 80_000), ("long-2", 60_000)])
def test_the_article_view_and_exports_give_the_whole_body(
    archive_with_long_articles: Path, article_id: str, chars: int
) -> None:
    with Archive.open(Settings(index_dir=archive_with_long_articles)) as archive:
        article = archive.article(article_id, query="Hà Tĩnh")
        exported = list(archive.articles([article_id]))
    assert article is not None and len(article.body) > chars > HIT_BODY_CHARS
    assert article.body.startswith("Khánh thành cầu Bến Thủy mới.")
    assert article.body.endswith(("Tin cuối từ Hà Tĩnh.", "Kết thúc ở Quảng Bình."))
    assert exported[0].body == article.body
    if article_id == "long-1":  # the words at the very end are marked in the article view
        assert article.marked_body is not None and "<mark>Hà Tĩnh</mark>" in article.marked_body


def test_words_beyond_the_stored_beginning_still_find_the_article(archive_with_long_articles: Path) -> None:
    with Archive.open(Settings(index_dir=archive_with_long_articles)) as archive:
        end = archive.search(SearchRequest("quang binh"))
        start = archive.search(SearchRequest("Bến Thủy"))
    assert [hit.id for hit in end.hits] == ["long-2"]
    # No match in the part a snippet looks at: the hit shows the opening of its body.
    assert end.hits[0].snippet.startswith("Khánh thành cầu Bến Thủy mới.")
    assert {hit.id for hit in start.hits} == {"long-1", "long-2", "short-1"}
    assert all("<mark>Bến Thủy</mark>" in hit.snippet for hit in start.hits)


def test_a_snippet_from_the_stored_beginning_is_the_one_from_the_whole_body() -> None:
    # The stored beginning must hold every character a snippet can show, including its closing "…".
    for at in (0, MAX_SCAN_CHARS // 2, MAX_SCAN_CHARS - 30):
        body = (FILLER * (HIT_BODY_CHARS * 2 // len(FILLER)))[:at] + " Hà Tĩnh " + FILLER * 1000
        terms = QueryTerms.of(["hà", "tĩnh"])
        assert snippet(body[:HIT_BODY_CHARS], terms) == snippet(body, terms)


def test_a_hit_reads_only_the_beginning_of_a_long_body(archive_with_long_articles: Path) -> None:
    # What bounds a hit's cost (the stored record every hit decompresses); read through the archive's own view.
    with Archive.open(Settings(index_dir=archive_with_long_articles)) as archive:
        lengths = archive._read(
            lambda view, _: [len(view.stored(view.docnum(i) or 0)["body"]) for i in ("long-1", "long-2", "short-1")]
        )
    assert lengths == [HIT_BODY_CHARS, HIT_BODY_CHARS, len("Cầu Bến Thủy ở Nghệ An.")]
