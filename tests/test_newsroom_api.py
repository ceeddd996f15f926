"""Issue 18, the newsroom's daily tools over HTTP: bylines and outlets, export, feeds and suggestions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support import SEED_ID

SEED_AUTHOR = "Thu Trang"
OUTLET = "dantri.com.vn"


def ids(response_json: dict) -> list[str]:
    return [hit["id"] for hit in response_json["hits"]]


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
