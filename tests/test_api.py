"""The HTTP API over a real index of the bundled corpus, as a front end or a newsroom user sees it."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from newssearch.config import Settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app
from support import SEED_ID


def ids(response_json: dict) -> list[str]:
    return [hit["id"] for hit in response_json["hits"]]


@pytest.mark.parametrize("query", ["ha tinh", "Thị ủy Kỳ Anh", '"Vũng Áng"', "ky anh 2022", "Thị uỷ Kỳ Anh"])
def test_seed_article_is_the_first_hit(client: TestClient, query: str) -> None:
    response = client.get("/search", params={"q": query})
    assert response.status_code == 200
    assert ids(response.json())[0] == SEED_ID


@pytest.mark.parametrize(
    "variant",
    [unicodedata.normalize("NFD", "Thị ủy Kỳ Anh"), "Thị uỷ Kỳ Anh", "thị ủy kỳ anh", "THỊ ỦY KỲ ANH", "Thi uy Ky Anh"],
)
def test_every_form_of_a_query_finds_the_same_articles(client: TestClient, variant: str) -> None:
    base = client.get("/search", params={"q": "Thị ủy Kỳ Anh", "size": 50}).json()
    other = client.get("/search", params={"q": variant, "size": 50}).json()
    assert set(ids(other)) >= set(ids(base))
    assert ids(other)[0] == SEED_ID


def test_unaccented_query_highlights_the_accented_original(client: TestClient) -> None:
    hit = client.get("/search", params={"q": "ha tinh"}).json()["hits"][0]
    assert "<mark>Hà Tĩnh</mark>" in hit["title"]
    assert "<mark>Hà Tĩnh</mark>" in hit["snippet"]


def test_hit_shows_date_places_and_source(client: TestClient) -> None:
    hit = client.get("/search", params={"q": "ha tinh"}).json()["hits"][0]
    assert hit["date"] == "2022-01"
    assert "Hà Tĩnh" in hit["places"]["provinces"]
    assert any("Kỳ Anh" in d for d in hit["places"]["districts"])


def test_exact_diacritics_rank_above_folded_only_matches(client: TestClient) -> None:
    hits = client.get("/search", params={"q": "đường", "size": 100}).json()["hits"]
    exact = [i for i, h in enumerate(hits) if "<mark>đường</mark>" in h["snippet"].lower()]
    folded_only = [i for i, h in enumerate(hits) if "<mark>đường</mark>" not in (h["snippet"] + h["title"]).lower()]
    assert exact and folded_only
    assert max(exact) < min(folded_only)


def test_a_date_range_that_excludes_the_seed(client: TestClient) -> None:
    inside = client.get("/search", params={"q": "ky anh", "from": "2022-01", "to": "2022-01"}).json()
    assert SEED_ID in ids(inside)
    day_range = client.get("/search", params={"q": "ky anh", "from": "2021-12-01", "to": "2022-02-28"}).json()
    assert SEED_ID in ids(day_range)
    outside = client.get("/search", params={"q": "ky anh", "from": "2022-02", "to": "2023-12"}).json()
    assert SEED_ID not in ids(outside)
    before = client.get("/search", params={"q": "ky anh", "to": "2021-12-31"}).json()
    assert SEED_ID not in ids(before)


@pytest.mark.parametrize("facet", ["place", "category", "year", "month"])
def test_facet_counts_agree_with_the_filtered_total(client: TestClient, facet: str) -> None:
    result = client.get("/search", params={"q": "kinh tế"}).json()
    values = result["facets"][facet][:3]
    assert values, f"no {facet} facet values"
    param = {"place": "place", "category": "category"}.get(facet)
    for value in values:
        if param:
            params = {"q": "kinh tế", param: value["value"]}
        else:
            lo = value["value"]
            params = {
                "q": "kinh tế",
                "from": lo if facet == "month" else f"{lo}-01",
                "to": lo if facet == "month" else f"{lo}-12",
            }
        filtered = client.get("/search", params=params).json()
        assert filtered["total"] == value["count"], (facet, value)
        if param:
            selected = [v for v in filtered["facets"][facet] if v["selected"]]
            assert selected and selected[0]["value"] == value["value"]


def test_facets_count_the_whole_result_set_not_the_page(client: TestClient) -> None:
    result = client.get("/search", params={"q": "kinh tế", "size": 1}).json()
    assert len(result["hits"]) == 1
    assert sum(v["count"] for v in result["facets"]["year"]) == result["total"] > 1  # every article is dated


def test_sort_newest_and_oldest(client: TestClient) -> None:
    newest = client.get("/search", params={"q": "kinh tế", "sort": "newest", "size": 20}).json()["hits"]
    oldest = client.get("/search", params={"q": "kinh tế", "sort": "oldest", "size": 20}).json()["hits"]
    dates = [h["date"] for h in newest if h["date"]]
    assert dates == sorted(dates, reverse=True)
    odates = [h["date"] for h in oldest if h["date"]]
    assert odates == sorted(odates)


def test_paging_walks_the_result_list(client: TestClient) -> None:
    first = client.get("/search", params={"q": "kinh tế", "size": 5, "page": 1}).json()
    second = client.get("/search", params={"q": "kinh tế", "size": 5, "page": 2}).json()
    both = client.get("/search", params={"q": "kinh tế", "size": 10}).json()
    assert ids(first) + ids(second) == ids(both)


def test_query_syntax_phrase_exclude_or_and_fields(client: TestClient) -> None:
    seed_words = client.get("/search", params={"q": "Kỳ Anh -Vũng"}).json()
    assert SEED_ID not in ids(seed_words)
    either = client.get("/search", params={"q": '"Vũng Áng" OR xyzzyq'}).json()
    assert ids(either)[0] == SEED_ID
    titled = client.get("/search", params={"q": "title:Kỳ title:Anh"}).json()
    assert SEED_ID in ids(titled)
    placed = client.get("/search", params={"q": 'place:"ha tinh"'}).json()
    assert SEED_ID in ids(placed)


def test_a_minus_before_a_number_is_part_of_the_words_not_an_exclusion(client: TestClient) -> None:
    # Model names and readings are typed "Su -22", "B -2", "-5 độ": excluding the number would hide the article.
    seed = client.get("/search", params={"q": "Kỳ Anh 2022"}).json()
    assert SEED_ID in ids(seed)
    minus = client.get("/search", params={"q": "Kỳ Anh -2022"}).json()
    assert SEED_ID in ids(minus)
    assert "-" not in minus["understood"] and minus["query"] == "Kỳ Anh -2022", "shown as typed, searched as words"
    assert SEED_ID not in ids(client.get("/search", params={"q": "Kỳ Anh -Thị"}).json())


def test_a_pasted_paragraph_is_searched_by_its_first_words(client: TestClient) -> None:
    # Beyond 64 syllables the rest of a paste is dropped (each costs posting lookups); repeats count once.
    paragraph = "Thị ủy Kỳ Anh Kỳ Anh " + " ".join(f"xq{i}" for i in range(120))
    result = client.get("/search", params={"q": paragraph}).json()
    assert SEED_ID in ids(result)
    searched = result["understood"].split()
    assert "xq59" in searched  # 4 syllables of "Thị ủy Kỳ Anh", then 60 more
    assert "xq60" not in searched


@pytest.mark.parametrize(
    "query", ['"unbalanced', "((ha tinh", "AND OR NOT", "-", "ha tinh)))", "*:*", "t*", "~5", "<>"]
)
def test_odd_syntax_is_searched_as_text_never_an_error(client: TestClient, query: str) -> None:
    response = client.get("/search", params={"q": query})
    assert response.status_code == 200


def test_partial_matches_when_no_article_has_every_word(client: TestClient) -> None:
    result = client.get("/search", params={"q": "Thị ủy Kỳ Anh zzqxv"}).json()
    assert result["match"] == "partial"
    assert ids(result)[0] == SEED_ID


def test_article_endpoint_returns_the_stored_article(client: TestClient) -> None:
    article = client.get(f"/articles/{SEED_ID}").json()
    assert article["author"] == "Thu Trang"
    assert article["body"].startswith("Phó Bí thư")
    missing = client.get("/articles/nope")
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"size": 0}, 422),
        ({"size": 101}, 422),
        ({"page": 0}, 422),
        ({"page": 200, "size": 100}, 400),
        ({"from": "2022-13"}, 400),
        ({"to": "yesterday"}, 400),
        ({"from": "2022-02", "to": "2022-01"}, 400),
        ({"sort": "random"}, 422),
        ({"q": "x" * 5000}, 400),
    ],
)
def test_bad_parameters_get_a_json_error(client: TestClient, params: dict, status: int) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 301
    assert ready["columnar_segments"] == ready["segments"] and ready["precomputed_arrays"] > 100
    metrics = client.get("/metrics").text
    assert "newssearch_index_documents 301.0" in metrics
    assert "newssearch_requests_total" in metrics


def test_openapi_documents_the_search_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["paths"]["/search"]["get"]["operationId"] == "search"
    assert "SearchResult" in spec["components"]["schemas"]


def test_article_text_is_escaped_in_titles_and_snippets(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    evil = {
        "id": "x1",
        "title": "<script>alert(1)</script> Hà Tĩnh",
        "body": "Tin <img src=x onerror=alert(1)> Hà Tĩnh",
    }
    (corpus / "evil.jsonl").write_text(json.dumps(evil) + "\n")
    index_corpus([corpus], tmp_path / "ix")
    with TestClient(create_app(Settings(index_dir=tmp_path / "ix"))) as local:
        hit = local.get("/search", params={"q": "ha tinh"}).json()["hits"][0]
    assert "<script>" not in hit["title"] and "&lt;script&gt;" in hit["title"]
    assert "<img" not in hit["snippet"] and "&lt;img" in hit["snippet"]
    assert "<mark>Hà Tĩnh</mark>" in hit["title"]


def test_service_without_an_index_is_not_ready_and_recovers(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(index_dir=tmp_path / "ix"))) as local:
        assert local.get("/readyz").status_code == 503
        assert local.get("/search", params={"q": "x"}).status_code == 503
        corpus = tmp_path / "c"
        corpus.mkdir()
        (corpus / "a.jsonl").write_text(json.dumps({"id": "a", "title": "Hà Nội", "body": "Tin Hà Nội"}) + "\n")
        index_corpus([corpus], tmp_path / "ix")
        assert local.get("/readyz").status_code == 200
        assert ids(local.get("/search", params={"q": "ha noi"}).json()) == ["a"]


def test_a_spent_time_budget_answers_with_what_was_found_and_says_so(
    client: TestClient, bundled_index: tuple[Path, object]
) -> None:
    # With no time left the search reads only the first word (and every exclusion), skips phrase positions,
    # and says so; it still answers 200 with hits, never an error.
    phrase, words = '"Kỳ Anh"', "Kỳ Anh"
    full_phrase = client.get("/search", params={"q": phrase}).json()
    full_words = client.get("/search", params={"q": words}).json()
    assert full_phrase["timed_out"] is False and full_words["timed_out"] is False
    with TestClient(create_app(Settings(index_dir=bundled_index[0], search_budget_ms=0))) as hurried:
        cut = hurried.get("/search", params={"q": phrase})
        assert cut.status_code == 200
        assert cut.json()["timed_out"] is True
        assert cut.json()["total"] < full_phrase["total"]
        first_word_only = hurried.get("/search", params={"q": words}).json()
        assert first_word_only["timed_out"] is True
        assert SEED_ID in ids(first_word_only)
        assert first_word_only["total"] >= full_words["total"]


def test_every_id_the_indexer_accepts_can_be_fetched_and_its_related_articles_too(tmp_path: Path) -> None:
    odd_ids = ["tin tức/2022 01?#%&+.html", "Hà Tĩnh/bài 1", "a/related/b", "100%", "x" * 256, "q=1&r=2;s"]
    corpus = tmp_path / "c"
    corpus.mkdir()
    lines = [{"id": doc_id, "title": f"Hà Tĩnh {i}", "body": "Tin Hà Tĩnh mưa lớn"} for i, doc_id in enumerate(odd_ids)]
    (corpus / "odd.jsonl").write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    assert index_corpus([corpus], tmp_path / "ix").problems == []
    with TestClient(create_app(Settings(index_dir=tmp_path / "ix"))) as local:
        for doc_id in odd_ids:
            fetched = local.get(f"/articles/{quote(doc_id, safe='/')}")
            assert fetched.status_code == 200 and fetched.json()["id"] == doc_id, doc_id
            related = local.get(f"/articles/{quote(doc_id, safe='/')}/related")
            assert related.status_code == 200 and related.json()["id"] == doc_id, doc_id


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/search?q=ha+tinh", f"/articles/{SEED_ID}", "/metrics", "/"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    head, get = client.head(path), client.get(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize("raw", ["q=%ed%a0%80", "q=%ff%fe", "q=ha+tinh&place=%c3", "q=%e1%ba"])
def test_a_query_string_that_is_not_utf8_is_refused_not_read_as_an_empty_query(client: TestClient, raw: str) -> None:
    response = client.get(f"/search?{raw}")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize("value", ["2022-01-01Tzzzz", "2022-01-01T", "2022-01-01T25:00"])
def test_a_date_with_trailing_garbage_is_refused(client: TestClient, value: str) -> None:
    response = client.get("/search", params={"q": "ha tinh", "from": value})
    assert response.status_code == 400 and "from" in response.json()["detail"]
    assert client.get("/search", params={"q": "ha tinh", "from": "2021-12-31T23:59:59+07:00"}).status_code == 200


def test_an_unavailable_index_does_not_show_its_path_to_clients(tmp_path: Path) -> None:
    root = tmp_path / "secret-place" / "ix"
    with TestClient(create_app(Settings(index_dir=root))) as local:
        for response in (local.get("/search", params={"q": "x"}), local.get("/readyz"), local.get("/articles/a")):
            assert response.status_code == 503
            assert "secret-place" not in response.text and str(tmp_path) not in response.text
            assert response.json()["detail"]


def test_redoc_is_not_served_from_a_cdn(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs").status_code == 200  # documented in the README


def test_any_origin_can_be_allowed_with_a_star(
    bundled_index: tuple[Path, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSSEARCH_CORS_ORIGINS", "*")
    monkeypatch.setenv("NEWSSEARCH_INDEX_DIR", str(bundled_index[0]))
    with TestClient(create_app(Settings())) as local:
        response = local.get("/healthz", headers={"Origin": "https://toa-soan.example"})
    assert response.headers["access-control-allow-origin"] == "*"


# ---------------------------------------------------------------- places an article is about (issue 16)


def test_hit_separates_places_about_from_places_mentioned(client: TestClient) -> None:
    hits = client.get("/search", params={"q": "ky anh", "size": 50}).json()["hits"]
    hit = next(h for h in hits if h["id"] == SEED_ID)
    assert hit["places"]["about_provinces"] == ["Hà Tĩnh"]
    assert hit["places"]["about_districts"] == ["Thị xã Kỳ Anh, Hà Tĩnh"]
    assert set(hit["places"]["about_provinces"]) <= set(hit["places"]["provinces"])


@pytest.mark.parametrize("typed", ["sai gon", "TP.HCM", "TPHCM", "Thành phố Hồ Chí Minh", "hồ chí minh"])
def test_every_spelling_of_a_place_filters_the_same_articles(client: TestClient, typed: str) -> None:
    base = client.get("/search", params={"place": "Hồ Chí Minh", "size": 100}).json()
    other = client.get("/search", params={"place": typed, "size": 100}).json()
    assert base["total"] > 0
    assert ids(other) == ids(base)
    assert other["place_filters"][0]["label"] == "Hồ Chí Minh"
    assert other["place_filters"][0]["typed"] == typed


def test_unknown_place_is_a_400_with_suggestions(client: TestClient) -> None:
    response = client.get("/search", params={"place": "ha tihn"})
    assert response.status_code == 400
    body = response.json()
    assert "ha tihn" in body["detail"]
    assert body["suggestions"][0] == "Hà Tĩnh"


def test_merged_province_says_so_and_lets_the_user_choose_the_units(client: TestClient) -> None:
    merged = client.get("/search", params={"place": "Đà Nẵng"}).json()
    (read,) = merged["place_filters"]
    assert read["former_provinces"] == ["Đà Nẵng", "Quảng Nam"]
    assert "Quảng Nam" in read["note"]
    assert sum(part["count"] for part in read["parts"]) >= merged["total"]
    old = client.get("/search", params={"place": "Đà Nẵng", "units": "pre2025"}).json()
    quang_nam = client.get("/search", params={"place": "quang nam"}).json()
    assert quang_nam["place_filters"][0]["successor"] == "Đà Nẵng"
    assert old["total"] + quang_nam["total"] >= merged["total"] > old["total"]
    new = client.get("/search", params={"place": "quang nam", "units": "post2025"}).json()
    assert new["place_filters"][0]["values"] == ["Đà Nẵng"]
    assert ids(new) == ids(merged)


def test_mentioned_places_can_still_be_filtered(client: TestClient) -> None:
    about = client.get("/search", params={"place": "Hà Tĩnh"}).json()
    mentioned = client.get("/search", params={"place": "Hà Tĩnh", "places": "mentioned"}).json()
    assert set(ids(about)) <= set(ids(mentioned))
    assert SEED_ID in ids(about)


@pytest.mark.parametrize(
    "others",
    [
        {},
        {"q": "kinh tế"},
        {"place": "Hà Nội"},
        {"q": "kinh tế", "place": ["Hà Nội", "Đà Nẵng"]},
        {"category": "society"},
        {"place": "Hà Nội", "category": "society", "from": "2010-01"},
    ],
)
@pytest.mark.parametrize("facet", ["place", "district", "category"])
def test_a_facet_count_is_the_total_of_that_value_alone(client: TestClient, facet: str, others: dict) -> None:
    """Disjunctive facets: a value's count is what selecting it as the only value of its facet gives."""
    result = client.get("/search", params=others).json()
    param = "category" if facet == "category" else "place"
    for value in result["facets"][facet][:4]:
        alone = {**others, param: value["value"]}
        assert client.get("/search", params=alone).json()["total"] == value["count"], (facet, value, others)
