"""Query shapes, through the real app over a real index: names as units, pasted leads by most of their words.

The corpus is written here, so each assertion is about articles whose words we chose. What makes each test able
to fail: a scattered-syllable article that scores higher on BM25 than the one with the name, a look-alike with other
diacritics or punctuation between the syllables, an event covered in other words by other outlets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from newssearch.config import Settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app

FILLER = "Theo báo cáo, công việc vẫn tiếp tục trong nhiều tháng tới và người dân được thông báo đầy đủ."

ARTICLES: list[tuple[str, str, str]] = [
    # A name, its syllables scattered (many times: high BM25), and look-alikes.
    ("name-together", "Mưa lớn ở Quảng Bình", f"Mưa lớn kéo dài ở Quảng Bình làm ngập nhiều xã. {FILLER}"),
    (
        "name-scattered",
        "Quảng trường mới và bình minh trên biển",
        "Quảng trường mới mở cửa. Bình minh trên biển, quảng trường đông người, bình yên, quảng bá du lịch. " + FILLER,
    ),
    ("pair-exact", "Chợ nổi Mỹ An đông khách", f"Chợ nổi ở xã Mỹ An tấp nập ghe thuyền. {FILLER}"),
    ("pair-dash", "Đối thoại Mỹ - Ấn về an ninh", f"Hai nước Mỹ - Ấn thảo luận hợp tác quốc phòng. {FILLER}"),
    ("pair-other-marks", "Mỹ ăn mừng ngày độc lập", f"Người Mỹ ăn mừng với pháo hoa rực rỡ. {FILLER}"),
    # A place's name: the article about it (a long one), and a short one that lists it with many others, three times.
    (
        "about-place",
        "Khánh thành cầu mới bắc qua sông Lam",
        "(Dân trí) - Sáng nay, tại huyện Nam Đàn, tỉnh Nghệ An khánh thành cây cầu mới bắc qua sông Lam. " + FILLER * 4,
    ),
    (
        "list-of-places",
        "Nghệ An, Hà Tĩnh, Quảng Trị, Thanh Hóa, Nam Định có học sinh giỏi",
        "Nghệ An, Hà Tĩnh, Quảng Trị, Thanh Hóa, Nam Định, Thái Bình có học sinh giỏi. Nghệ An dẫn đầu.",
    ),
    # One event, covered by three outlets in their own words; and an unrelated article sharing common words.
    (  # the article the lead was taken from: it has every word of it
        "event-a",
        "Cháy xưởng gỗ ở Bình Dương, hàng trăm công nhân tháo chạy",
        "Rạng sáng nay, xưởng gỗ ở thị xã Tân Uyên, tỉnh Bình Dương bốc cháy dữ dội khiến hàng trăm công nhân "
        "tháo chạy, lực lượng chữa cháy phải mất ba giờ mới khống chế được. Cứu hỏa huy động 12 xe chữa cháy.",
    ),
    (
        "event-b",
        "Hỏa hoạn thiêu rụi công ty chế biến gỗ ở Tân Uyên",
        "Ngọn lửa bùng phát tại công ty chế biến gỗ ở Tân Uyên khiến công nhân hoảng loạn. Cảnh sát phòng cháy "
        "điều 12 xe chữa cháy đến hiện trường; không có thương vong.",
    ),
    (
        "event-c",
        "Bình Dương: xưởng gỗ cháy lớn, khói đen bao trùm Tân Uyên",
        "Xưởng gỗ rộng hàng nghìn mét vuông ở Tân Uyên cháy lớn, cột khói đen cao hàng chục mét. Công nhân "
        "tháo chạy an toàn, cứu hỏa khống chế đám cháy sau ba giờ.",
    ),
    (
        "unrelated",
        "Giá gỗ nguyên liệu tăng mạnh",
        f"Giá gỗ nguyên liệu cho các xưởng chế biến tăng mạnh trong tháng này. {FILLER}",
    ),
]

LEAD = (
    "Rạng sáng nay, xưởng gỗ ở thị xã Tân Uyên, tỉnh Bình Dương bốc cháy dữ dội khiến hàng trăm công nhân "
    "tháo chạy, lực lượng chữa cháy phải mất ba giờ mới khống chế được"
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    corpus = tmp_path_factory.mktemp("shapes-corpus")
    lines = [json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False) for i, t, b in ARTICLES]
    (corpus / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("shapes-index")
    assert index_corpus([corpus], root).documents == len(ARTICLES)
    with TestClient(create_app(Settings(index_dir=root))) as client:
        yield client


def found(api: TestClient, query: str, **params: Any) -> dict[str, Any]:
    response = api.get("/search", params={"q": query, "size": 20, **params})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def ids(api: TestClient, query: str, **params: Any) -> list[str]:
    return [hit["id"] for hit in found(api, query, **params)["hits"]]


@pytest.mark.parametrize("query", ["Quảng Bình", "quang binh", "QUẢNG BÌNH"])
def test_a_name_lists_the_articles_that_have_it_and_counts_those_with_its_words_apart(
    api: TestClient, query: str
) -> None:
    result = found(api, query)
    listed = [hit["id"] for hit in result["hits"]]
    assert listed[0] == "name-together"
    assert "name-scattered" not in listed
    assert result["apart"] == 2, "the scattered article and the list (Quảng Trị … Thái Bình)"
    newest = ids(api, query, sort="newest")
    assert "name-scattered" not in newest, "sorted by date too, the name is read as a unit"
    everything = ids(api, query, apart="true")
    assert everything.index("name-together") < everything.index("name-scattered")


def test_a_name_typed_with_diacritics_ranks_the_very_marks_standing_together_first(api: TestClient) -> None:
    ranked = ids(api, "Mỹ An")
    assert ranked[0] == "pair-exact"
    assert set(ranked[1:]) >= {"pair-dash", "pair-other-marks"}, "look-alikes stay, below"
    plain = ids(api, "my an")
    assert set(plain[:3]) == {"pair-exact", "pair-dash", "pair-other-marks"}, "without diacritics all three match"


def test_an_article_about_the_place_named_ranks_above_one_that_lists_it(api: TestClient) -> None:
    for query in ("Nghệ An", "nghe an"):
        ranked = ids(api, query)
        assert ranked.index("about-place") < ranked.index("list-of-places"), query


def test_a_pasted_lead_finds_every_outlets_coverage_not_just_the_one_with_every_word(api: TestClient) -> None:
    result = found(api, LEAD)
    assert result["hits"][0]["id"] == "event-a", "the article with every word of the lead first"
    assert {hit["id"] for hit in result["hits"][:3]} == {"event-a", "event-b", "event-c"}
    assert result["query"] == LEAD, "the query is shown as typed"


def test_curly_quotes_make_a_phrase_as_straight_ones_do(api: TestClient) -> None:
    for quoted in ("“Quảng Bình”", "«Quảng Bình»", '"Quảng Bình"'):
        result = found(api, f"{quoted} mưa")
        assert [hit["id"] for hit in result["hits"]] == ["name-together"], quoted
        assert result["query"] == f"{quoted} mưa"


def test_telex_typed_by_mistake_is_read_when_the_words_as_typed_match_only_partly(api: TestClient) -> None:
    result = found(api, "Quangr Binhf")
    assert result["match"] == "all"
    assert result["hits"][0]["id"] == "name-together"
    assert result["query"] == "Quangr Binhf" and "<mark>Quảng Bình</mark>" in result["hits"][0]["title"]
