"""Issue 18, the newsroom's daily tools over HTTP: bylines and outlets, export, feeds and suggestions."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
from pathlib import Path

import feedparser
from fastapi.testclient import TestClient

from newssearch.config import Settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app
from support import SEED_ID

SEED_AUTHOR = "Thu Trang"
OUTLET = "dantri.com.vn"


def ids(response_json: dict) -> list[str]:
    return [hit["id"] for hit in response_json["hits"]]


def plain(highlighted: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", highlighted))


# --- bylines and outlets ------------------------------------------------------------------------------------------


def test_a_byline_is_found_by_author_and_by_plain_words(client: TestClient) -> None:
    for query in ['author:"Thu Trang"', "author:thu author:trang", "Thu Trang", '"thu trang"']:
        result = client.get("/search", params={"q": query}).json()
        assert ids(result) == [SEED_ID], query
        assert result["hits"][0]["author"] == SEED_AUTHOR


def test_author_is_a_field_not_two_words(client: TestClient) -> None:
    # Before issue 18 "author:" was read as words: no article says "author".
    result = client.get("/search", params={"q": "author:trang ha tinh"}).json()
    assert ids(result) == [SEED_ID]
    assert client.get("/search", params={"q": "author:dũng"}).json()["total"] == 0  # a name in the body, not a byline


def test_author_and_source_are_facets_and_filters(client: TestClient) -> None:
    everything = client.get("/search").json()
    authors = {v["value"]: v["count"] for v in everything["facets"]["author"]}
    sources = {v["value"]: v["count"] for v in everything["facets"]["source"]}
    assert authors == {SEED_AUTHOR: 1}
    assert sources[OUTLET] == 300
    by_author = client.get("/search", params={"author": SEED_AUTHOR}).json()
    assert ids(by_author) == [SEED_ID]
    assert by_author["facets"]["author"][0]["selected"] is True
    by_source = client.get("/search", params={"q": "kinh tế", "source": OUTLET}).json()
    assert by_source["total"] > 0
    assert all(hit["source"] == OUTLET for hit in by_source["hits"])
    assert SEED_ID not in ids(client.get("/search", params={"q": "ha tinh", "source": OUTLET, "size": 100}).json())


# --- export -------------------------------------------------------------------------------------------------------


def test_export_csv_is_the_whole_result_in_order_with_vietnamese_intact(client: TestClient) -> None:
    response = client.get("/export", params={"q": "kinh tế", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["id", "date", "title", "places", "author", "source", "url"]
    ranked = client.get("/search", params={"q": "kinh tế", "size": 100}).json()
    assert [row[0] for row in rows[1:]] == ids(ranked) and len(rows) - 1 == ranked["total"]
    everything = list(csv.reader(io.StringIO(client.get("/export").content.decode("utf-8-sig"), newline="")))[1:]
    assert len(everything) == 301  # more than any page of /search holds: the whole result, newest first
    for page in (1, 2, 3, 4):
        paged = client.get("/search", params={"page": page, "size": 100}).json()
        assert [row[0] for row in everything[(page - 1) * 100 : page * 100]] == ids(paged)
    seed = client.get("/export", params={"q": "ha tinh", "author": SEED_AUTHOR}).content.decode("utf-8-sig")
    seed_rows = list(csv.DictReader(io.StringIO(seed, newline="")))
    assert seed_rows[0]["title"].startswith("Nỗ lực xây dựng thị xã Kỳ Anh")
    assert "Hà Tĩnh" in seed_rows[0]["places"] and seed_rows[0]["author"] == SEED_AUTHOR


def test_export_jsonl_follows_filters_sort_and_limit(client: TestClient) -> None:
    params = {"source": OUTLET, "sort": "newest", "format": "jsonl", "limit": 25}
    response = client.get("/export", params=params)
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == 25 and response.headers["x-result-total"] == "300"
    assert all(row["source"] == OUTLET for row in rows)
    dates = [row["date"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert set(rows[0]) == {"id", "date", "title", "places", "author", "source", "url"}


def test_export_refuses_what_search_refuses(client: TestClient) -> None:
    assert client.get("/export", params={"from": "2022-13"}).status_code == 400
    assert client.get("/export", params={"limit": 10_001}).status_code == 422
    assert client.get("/export", params={"format": "xlsx"}).status_code == 422


# --- feeds --------------------------------------------------------------------------------------------------------


def test_a_search_has_an_atom_feed_of_its_newest_matches(client: TestClient) -> None:
    response = client.get("/feed.atom", params={"q": "kinh tế", "source": OUTLET})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert "kinh tế" in feed.feed.title
    newest = client.get("/search", params={"q": "kinh tế", "source": OUTLET, "sort": "newest", "size": 30}).json()
    assert [entry.title for entry in feed.entries] == [plain(hit["title"]) for hit in newest["hits"]]
    dates = [entry.updated_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    first = feed.entries[0]
    assert "?article=" in first.link and first.summary
    assert "Bài gốc: dantri.com.vn https://dantri.com.vn/" in first.summary
    assert any(link.rel == "self" and "feed.atom" in link.href for link in feed.feed.links)


def test_the_feed_of_a_byline_names_its_author_and_an_empty_search_is_still_valid(client: TestClient) -> None:
    feed = feedparser.parse(client.get("/feed.atom", params={"author": SEED_AUTHOR}).content)
    assert not feed.bozo
    assert [entry.author for entry in feed.entries] == [SEED_AUTHOR]
    assert feed.entries[0].title.startswith("Nỗ lực xây dựng thị xã Kỳ Anh")
    empty = feedparser.parse(client.get("/feed.atom", params={"q": "zzxqv"}).content)
    assert not empty.bozo and empty.entries == []
    assert client.get("/feed.atom", params={"place": "Atlantis"}).status_code == 400
    control = feedparser.parse(client.get("/feed.atom", params={"q": "ha\x01 tinh", "author": "\x1b"}).content)
    assert not control.bozo  # a query's control characters cannot go into XML: dropped from the feed's text


# --- the article view -----------------------------------------------------------------------------------------------


def test_an_article_asked_with_a_query_marks_its_words(client: TestClient) -> None:
    article = client.get(f"/articles/{SEED_ID}", params={"q": "ha tinh"}).json()
    assert "<mark>Hà Tĩnh</mark>" in article["marked_title"]
    assert article["marked_body"].count("<mark>Hà Tĩnh</mark>") == 2
    assert plain(article["marked_body"]) == article["body"]
    bare = client.get(f"/articles/{SEED_ID}").json()
    assert bare["marked_body"] is None and bare["author"] == SEED_AUTHOR


# --- suggestions while typing -------------------------------------------------------------------------------------


def suggestions(client: TestClient, typed: str, **params: object) -> list[dict]:
    """The completions once the archive's names and words are read (the first answers may have places alone)."""
    for _ in range(200):
        answer = client.get("/suggest", params={"q": typed, **params}).json()
        if not answer["partial"]:
            return list(answer["suggestions"])
        time.sleep(0.05)
    raise AssertionError("the vocabulary was never read")


def test_suggestions_complete_places_names_and_bylines_without_diacritics(client: TestClient) -> None:
    assert suggestions(client, "ha ti")[0] == {"text": "Hà Tĩnh", "kind": "place", "count": 4}
    assert suggestions(client, "thu tr")[0]["text"] == "Thu Trang"
    assert any(s["text"] == "Kỳ Anh" and s["kind"] == "place" for s in suggestions(client, "ky an"))
    assert suggestions(client, "tin ha ti")[0]["text"] == "tin Hà Tĩnh"  # the last words, after those typed
    assert suggestions(client, "Hà T")[0]["text"] == "Hà Tĩnh"
    assert suggestions(client, "zzxqv") == []
    assert suggestions(client, "") == []
    assert len(suggestions(client, "h", size=3)) == 3
    assert client.get("/suggest", params={"q": "x" * 201}).status_code == 422


# --- /docs offline --------------------------------------------------------------------------------------------------


def test_docs_load_swagger_ui_from_the_service_not_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert assets and all(url.startswith("/") for url in assets), assets
    for url in assets:
        assert client.get(url).status_code == 200, url
    assert "cdn" not in page.text.lower()
    assert client.get("/redoc").status_code != 200  # one browsable form: /docs


def test_a_tail_typed_with_diacritics_is_completed_with_those_marks_only(client: TestClient) -> None:
    assert not any(s["text"].endswith("trong") for s in suggestions(client, "nguyễn phú trọng"))


def test_an_exported_title_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(
        json.dumps({"id": "f1", "title": '=HYPERLINK("http://x","Bấm")', "body": "Giá vàng hôm nay", "author": "@An"})
        + "\n",
        encoding="utf-8",
    )
    index_corpus([corpus], tmp_path / "index")
    with TestClient(create_app(Settings(index_dir=tmp_path / "index"))) as own:
        rows = list(csv.DictReader(io.StringIO(own.get("/export").content.decode("utf-8-sig"), newline="")))
        jsonl = json.loads(own.get("/export", params={"format": "jsonl"}).text)
    assert rows[0]["title"] == '\'=HYPERLINK("http://x","Bấm")' and rows[0]["author"] == "'@An"
    assert jsonl["title"] == '=HYPERLINK("http://x","Bấm")'  # JSON Lines keeps the text as it is
