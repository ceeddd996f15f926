"""An abbreviation's written-out form counts where its words stand together, anywhere in the article: asked for
by the abbreviation (``QH`` → ``quốc hội``) or typed as a name; so does a province's name. With the indexer's
precomputed masks and without.

A real index of a few articles written here, through :class:`newssearch.Archive` as the CLI builds it, and the app
over it. In a large archive a name's common syllables are read as pairs in the headline and lede only
(:data:`newssearch.engine.shapes.COMMON_DOCS`); the tests lower that bar so this small archive is read that way too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from newssearch.config import Settings
from newssearch.engine import shapes
from newssearch.service.api import create_app
from newssearch.store.dense import DENSE_NAME
from support import copy_without, index_as_the_cli_does

ARTICLES = [
    # "Quốc hội" written out once, 150 words into the body: past the lede, where a report rarely spells it out.
    (
        "qh-cuoi-bai",
        "Góp ý dự thảo luật đất đai",
        " ".join(["Nhiều ý kiến đóng góp cho dự thảo luật được gửi về trong tuần."] * 12)
        + " Dự thảo sẽ được trình Quốc hội vào kỳ họp tới.",
    ),
    ("qh-viet-tat", "QH thông qua luật mới", "Sáng nay QH biểu quyết thông qua luật với đa số phiếu tán thành."),
    # Both syllables, never together: a trade fair (hội chợ) of state firms (quốc doanh).
    ("rai-rac", "Hội chợ hàng Việt", "Các doanh nghiệp quốc doanh mang hàng Việt tới hội chợ cuối năm."),
    # A province named once, late in the body; and its two syllables apart (đà tăng, nắng nóng).
    (
        "dn-cuoi-bai",
        "Mùa du lịch biển miền Trung",
        " ".join(["Các khách sạn ven biển kín phòng suốt những ngày cuối tuần qua."] * 12)
        + " Nhiều đoàn khách đã đặt tour đi Đà Nẵng cho tháng sau.",
    ),
    ("vang-nang-nong", "Giá vàng giữ đà tăng", "Giá vàng trong nước giữ đà tăng giữa những ngày nắng nóng."),
]


@pytest.fixture(scope="module", params=["precomputed", "computed"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    corpus = tmp_path_factory.mktemp("forms-corpus")
    lines = [json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False) for i, t, b in ARTICLES]
    (corpus / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("forms-index") / "ix"
    index_as_the_cli_does(corpus, root)
    if request.param == "computed":
        root = copy_without(root, tmp_path_factory.mktemp("forms-computed") / "ix", DENSE_NAME)
    with TestClient(create_app(Settings(index_dir=root))) as client:
        assert (client.get("/readyz").json()["precomputed_arrays"] > 0) == (request.param == "precomputed")
        yield client


@pytest.fixture(autouse=True)
def large_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "COMMON_DOCS", 1)


def found(client: TestClient, query: str) -> dict:
    response = client.get("/search", params={"q": query, "size": 50})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_abbreviation_finds_its_form_anywhere_and_never_its_syllables_apart(api: TestClient) -> None:
    assert {hit["id"] for hit in found(api, "QH")["hits"]} == {"qh-viet-tat", "qh-cuoi-bai"}


@pytest.mark.parametrize("query", ["quốc hội", "Quốc Hội", "quoc hoi"])
def test_the_form_typed_as_a_name_stands_together_deep_in_the_body(api: TestClient, query: str) -> None:
    result = found(api, query)
    assert {hit["id"] for hit in result["hits"]} == {"qh-cuoi-bai", "qh-viet-tat"}
    assert result["apart"] == 1  # the trade fair: one click away, not mixed in


@pytest.mark.parametrize("query", ["Đà Nẵng", "da nang", "Ðà Nẵng"])
def test_a_province_named_late_in_the_body_is_found_by_its_name(api: TestClient, query: str) -> None:
    result = found(api, query)
    assert [hit["id"] for hit in result["hits"]] == ["dn-cuoi-bai"]
    assert result["apart"] == 1  # gold keeps its momentum (đà) in the hot sun (nắng): not about Đà Nẵng
