"""Issue 16: the places an article is *about*, and the forgiving place filter's resolver."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from newssearch.text.place_names import resolve_place, suggest_places
from newssearch.text.places import tag_places
from support import CORPUS, SEED_ID, shared_path


def _read_seed() -> tuple[str, str, str]:
    head, _, body = (CORPUS / SEED_ID).read_text(encoding="utf-8").partition("\n")
    _, date, title = head.split(" ", 2)
    return title, body, date


# --- about ---------------------------------------------------------------------------------------------------


def test_seed_article_is_about_ha_tinh_and_ky_anh_town() -> None:
    tags = tag_places(*_read_seed())
    assert tags.about_provinces == ("Hà Tĩnh",)
    assert tags.about_provinces_2025 == ("Hà Tĩnh",)
    assert tags.about_districts == ("Thị xã Kỳ Anh, Hà Tĩnh",)
    # Nothing is read off the people named in it ("Ông Nguyễn Xuân Hải - Bí thư Chi bộ ...").
    assert not any("Xuân Hải" in value for value in (*tags.about_districts, *tags.districts))


def test_list_of_many_provinces_is_about_none_of_them() -> None:
    title = "Danh sách học sinh giỏi quốc gia được tặng bằng khen"
    body = (
        "Bộ GD&ĐT vừa tặng bằng khen cho 1.355 học sinh đoạt giải. Các em đến từ nhiều địa phương: "
        "Hà Nội, Hải Phòng, Nghệ An, Hà Tĩnh, Thanh Hóa, Quảng Nam và Đà Nẵng. Hà Nội có nhiều giải nhất."
    )
    tags = tag_places(title, body)
    assert tags.about_provinces == ()
    assert len(tags.provinces) >= 7  # still mentioned: searchable with place:, shown on the article


def test_hometown_and_residence_are_not_what_the_article_is_about() -> None:
    title = "Trường ĐH Bách khoa Hà Nội khai giảng năm học mới tại Hà Nội"
    body = (
        "Sáng 5/9, lễ khai giảng diễn ra tại hội trường của trường ở quận Hai Bà Trưng, Hà Nội. "
        "GS Nguyễn Văn A, quê Hà Tĩnh, phát biểu. Tân sinh viên Trần Thị B (18 tuổi, trú tại Nghệ An) chia sẻ."
    )
    tags = tag_places(title, body)
    assert tags.about_provinces == ("Hà Nội",)
    assert tags.about_districts == ("Quận Hai Bà Trưng, Hà Nội",)
    assert {"Hà Tĩnh", "Nghệ An"} <= set(tags.provinces)


def test_event_location_in_lead_beats_a_passing_mention() -> None:
    title = "Cháy lớn tại xưởng gỗ"
    body = (
        "Rạng sáng 3/4, một xưởng gỗ tại huyện Yên Thành, tỉnh Nghệ An bốc cháy dữ dội. Lực lượng cứu hỏa "
        "huyện Yên Thành đã dập tắt đám cháy. Chủ xưởng trước đây làm ăn ở Bình Dương."
    )
    tags = tag_places(title, body)
    assert tags.about_provinces == ("Nghệ An",)
    assert tags.about_districts == ("Huyện Yên Thành, Nghệ An",)


def test_football_clubs_are_not_places() -> None:
    tags = tag_places("CLB Hà Nội bị CLB Thanh Hóa cầm hòa", "Tiếp Thanh Hóa trên sân Hàng Đẫy, CLB Hà Nội hòa 1-1.")
    assert tags.about_provinces == ()


def test_route_endpoints_are_not_places_the_article_is_about() -> None:
    body = "Dự án cao tốc Hà Nội - Hải Phòng vừa được thông xe sau 5 năm thi công."
    assert tag_places("Thông xe cao tốc", body).about_provinces == ()


def test_capital_as_venue_of_a_national_meeting() -> None:
    tags = tag_places("Đại hội cổ đông ngân hàng ABC", "Phiên họp đại hội cổ đông diễn ra tại Hà Nội sáng 29/4.")
    assert tags.provinces == ("Hà Nội",)
    assert tags.about_provinces == ()


def test_about_uses_the_names_in_force_at_the_date() -> None:
    tags = tag_places("Mưa lớn ở tỉnh Quảng Nam", "Mưa lớn kéo dài tại tỉnh Quảng Nam.", "2025-08-01")
    assert tags.about_provinces == ("Đà Nẵng",)
    assert tags.about_provinces_2025 == ("Đà Nẵng",)
    assert tag_places("Mưa lớn ở tỉnh Quảng Nam", "", "2024-08-01").about_provinces == ("Quảng Nam",)


def test_about_is_a_subset_of_mentioned() -> None:
    tags = tag_places("Khánh thành cầu ở tỉnh Bình Dương", "Cây cầu nối tỉnh Bình Dương với TPHCM.")
    assert set(tags.about_provinces) <= set(tags.provinces)
    assert set(tags.about_districts) <= set(tags.districts)


# --- resolver -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["sai gon", "Sài Gòn", "TP.HCM", "TPHCM", "tp hcm", "HCM", "Hồ Chí Minh", "Thành phố Hồ Chí Minh"]
)
def test_ho_chi_minh_city_spellings_resolve_to_one_unit(typed: str) -> None:
    match = resolve_place(typed)
    assert match is not None
    assert match.kind == "province"
    assert match.provinces == ("Hồ Chí Minh",)
    assert match.provinces_2025 == ("Hồ Chí Minh",)


@pytest.mark.parametrize(
    ("typed", "provinces", "provinces_2025"),
    [
        ("quang nam", ("Quảng Nam",), ()),
        ("tỉnh Quảng Nam", ("Quảng Nam",), ()),
        ("HN", ("Hà Nội",), ("Hà Nội",)),
        ("Huế", ("Thừa Thiên Huế",), ("Huế",)),
        ("thua thien hue", ("Thừa Thiên Huế",), ("Huế",)),
        ("Đắc Lắc", ("Đắk Lắk",), ("Đắk Lắk",)),
    ],
)
def test_province_spellings(typed: str, provinces: tuple[str, ...], provinces_2025: tuple[str, ...]) -> None:
    match = resolve_place(typed)
    assert match is not None
    assert (match.provinces, match.provinces_2025) == (provinces, provinces_2025)


@pytest.mark.parametrize(
    ("typed", "districts"),
    [
        ("thị xã Kỳ Anh", ("Thị xã Kỳ Anh, Hà Tĩnh",)),
        ("TX. Kỳ Anh", ("Thị xã Kỳ Anh, Hà Tĩnh",)),
        ("huyen ky anh", ("Huyện Kỳ Anh, Hà Tĩnh",)),
        ("Kỳ Anh", ("Huyện Kỳ Anh, Hà Tĩnh", "Thị xã Kỳ Anh, Hà Tĩnh")),
        ("Q.1", ("Quận 1, Hồ Chí Minh",)),
        ("Châu Thành, Tiền Giang", ("Huyện Châu Thành, Tiền Giang",)),
        ("thành phố Hà Tĩnh", ("Thành phố Hà Tĩnh, Hà Tĩnh",)),
    ],
)
def test_district_spellings(typed: str, districts: tuple[str, ...]) -> None:
    match = resolve_place(typed)
    assert match is not None
    assert match.kind == "district"
    assert match.districts == districts


def test_merged_province_reports_its_former_members() -> None:
    match = resolve_place("Đà Nẵng")
    assert match is not None
    assert match.provinces == ("Đà Nẵng",) and match.provinces_2025 == ("Đà Nẵng",)
    assert set(match.former_provinces) == {"Đà Nẵng", "Quảng Nam"}
    quang_nam = resolve_place("Quảng Nam")
    assert quang_nam is not None and quang_nam.successor == "Đà Nẵng" and quang_nam.former_provinces == ()


def test_unknown_text_gives_none_and_close_suggestions() -> None:
    assert resolve_place("quang nom") is None
    assert resolve_place("Atlantis") is None
    assert suggest_places("quang nom")[0] == "Quảng Nam"
    assert "Hà Nội" in suggest_places("Ha Noii")
    assert suggest_places("zzzz qqqq") == []


@pytest.mark.parametrize(
    ("sentence", "typed"),
    [
        ("Mưa lớn ở tỉnh Quảng Nam.", "quang nam"),
        ("Lễ hội ở Huế.", "hue"),
        ("Giá nhà ở TP.HCM tăng.", "sai gon"),
        ("Sáng nay, thị xã Kỳ Anh tổ chức hội nghị.", "tx ky anh"),
        ("Cháy nhà ở quận 1.", "Q1"),
    ],
)
def test_resolver_values_are_the_stored_facet_values(sentence: str, typed: str) -> None:
    tags = tag_places("Tin", sentence)
    match = resolve_place(typed)
    assert match is not None
    stored = set(tags.provinces) | set(tags.districts)
    assert set(match.districts or match.provinces) <= stored
    assert set(match.provinces_2025) <= set(tags.provinces_2025)


# --- the dev gold (../shared) ---------------------------------------------------------------------------------


def _dev_rows() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    gold = shared_path("eval", "dev", "places-about.jsonl")
    corpus = shared_path("corpus", "unc.jsonl.gz")
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        articles = {a["id"]: a for a in map(json.loads, lines)}
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row, articles[row["id"]]) for row in rows]


@pytest.mark.shared
def test_dev_gold_province_precision_and_recall() -> None:
    tp = fp = fn = mentioned_fp = 0
    for row, article in _dev_rows():
        tags = tag_places(article["title"], article["body"], article["date"])
        got = {"Huế" if p == "Thừa Thiên Huế" else p for p in tags.about_provinces}
        mentioned = {"Huế" if p == "Thừa Thiên Huế" else p for p in tags.provinces}
        gold = set(row["provinces"])
        tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
        mentioned_fp += len(mentioned - gold)
    assert tp / (tp + fp) >= 0.85  # measured 0.895; the target on the held-out set is 0.90
    assert tp / (tp + fn) >= 0.70
    assert fp < mentioned_fp  # "about" removes most of what mentioned tags wrongly
