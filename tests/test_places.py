"""Place tagging: the cases from the issue, each as the sentence that exercises it."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from newssearch.text.places import PlaceTags, tag_places

SEED = Path(__file__).resolve().parents[1] / "corpus" / "seed" / "000_9dadb441269e12e8.txt"

# Key sentences of the seed article (Báo Hà Tĩnh, 2022-01), kept inline so the tests run without ../shared.
SEED_TITLE = "Nỗ lực xây dựng thị xã Kỳ Anh sớm trở thành thành phố trực thuộc tỉnh Hà Tĩnh"
SEED_BODY = (
    "Phó Bí thư Thường trực Tỉnh ủy Hà Tĩnh Trần Thế Dũng đề nghị thị xã Kỳ Anh tiếp tục bám sát các chủ "
    "trương của Trung ương.\n\n"
    "Sáng 6/1, Thị ủy Kỳ Anh tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2021.\n\n"
    "Phó Bí thư Thường trực Thị uỷ Kỳ Anh Phan Duy Vĩnh báo cáo tổng kết công tác xây dựng Đảng năm 2021.\n\n"
    "Ông Nguyễn Xuân Hải - Bí thư Chi bộ TDP Hưng Hoà, phường Hưng Trí: Một số nơi sinh hoạt điểm còn hình "
    "thức.\n\n"
    "Bí thư Đảng ủy phường Kỳ Thịnh Lê Văn Nga: Chế độ hỗ trợ đối với Bí thư chi bộ thôn đã được quan tâm.\n\n"
    "Trong phát triển KT-XH, TX Kỳ Anh cần làm tốt công tác quy hoạch, gắn với sự phát triển của KKT Vũng Áng."
)
SEED_TAGS = PlaceTags(
    ("Hà Tĩnh",),
    ("Hà Tĩnh",),
    ("Thị xã Kỳ Anh, Hà Tĩnh",),
    about_provinces=("Hà Tĩnh",),
    about_provinces_2025=("Hà Tĩnh",),
    about_districts=("Thị xã Kỳ Anh, Hà Tĩnh",),
)


@pytest.mark.shared
@pytest.mark.skipif(not SEED.exists(), reason="corpus/seed is absent")
def test_seed_article_from_file() -> None:
    head, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    _, date, title = head.split(" ", 2)
    assert tag_places(title, body, date) == SEED_TAGS


def test_seed_sentences() -> None:
    assert tag_places(SEED_TITLE, SEED_BODY, "2022-01") == SEED_TAGS


@pytest.mark.parametrize(
    "text",
    ["Thị uỷ Kỳ Anh họp", "Thị ủy Kỳ Anh họp", "TX Kỳ Anh", "TX. Kỳ Anh", "thị xã Kỳ Anh", "THỊ XÃ KỲ ANH"],
)
def test_town_of_ky_anh(text: str) -> None:
    tags = tag_places(text, "")
    assert tags.districts == ("Thị xã Kỳ Anh, Hà Tĩnh",)
    assert tags.provinces == ("Hà Tĩnh",)


def test_district_of_ky_anh_is_not_the_town() -> None:
    assert tag_places("Mưa lớn ở huyện Kỳ Anh", "").districts == ("Huyện Kỳ Anh, Hà Tĩnh",)


def test_bare_ky_anh_follows_the_type_word_used_elsewhere() -> None:
    body = "Tỉnh Hà Tĩnh có nhiều dự án. Kỳ Anh đang xây dựng để sớm trở thành thành phố; thị xã có cảng biển."
    assert tag_places("Đầu tư", body).districts == ("Thị xã Kỳ Anh, Hà Tĩnh",)


def test_bare_ky_anh_without_any_hint_is_left_out() -> None:
    assert tag_places("Đầu tư", "Tỉnh Hà Tĩnh có nhiều dự án. Kỳ Anh có cảng biển.").districts == ()


def test_nfd_input() -> None:
    title = unicodedata.normalize("NFD", "Nỗ lực xây dựng thị xã Kỳ Anh, tỉnh Hà Tĩnh")
    assert tag_places(title, "") == SEED_TAGS


def test_icelandic_eth_reads_as_d() -> None:
    assert tag_places("\u00d0à Nẵng mưa lớn", "").provinces == ("Đà Nẵng",)
    assert tag_places("Tỉnh \u00d0ồng Nai", "").provinces == ("Đồng Nai",)


@pytest.mark.parametrize(
    "sentence",
    [
        "Ông Nguyễn Xuân Hải phát biểu.",
        "Phó Bí thư Trần Thế Dũng dự hội nghị.",
        "Bí thư Lê Văn Nga cho biết.",
        "Phó Thủ tướng Phạm Bình Minh tiếp khách.",
        "Trung vệ Trần Thái Bình ghi bàn.",
        "Chị Huế và anh Hòa Bình cùng đến.",
        "Chủ tịch Hồ Chí Minh và tư tưởng Hồ Chí Minh.",
    ],
)
def test_person_names_are_not_places(sentence: str) -> None:
    assert tag_places("Tin tức", sentence) == PlaceTags()


def test_person_name_followed_by_province() -> None:
    assert tag_places("Tin", "Bí thư Tỉnh ủy Hoàng Trung Dũng Hà Tĩnh làm việc.").provinces == ("Hà Tĩnh",)


@pytest.mark.parametrize(
    "text",
    ["TP.HCM", "TPHCM", "TP HCM", "TP. Hồ Chí Minh", "Tp.Hồ Chí Minh", "Thành phố Hồ Chí Minh", "Sài Gòn và Sài Gòn"],
)
def test_ho_chi_minh_city_variants(text: str) -> None:
    tags = tag_places("Giá nhà", f"Giá nhà ở {text} tăng mạnh.")
    assert tags.provinces == ("Hồ Chí Minh",)
    assert tags.provinces_2025 == ("Hồ Chí Minh",)


def test_hcm_numbered_districts() -> None:
    tags = tag_places("Quận 1 và Quận 9", "Người dân quận 10 đi làm.")
    assert tags.provinces == ("Hồ Chí Minh",)
    assert set(tags.districts) == {
        "Quận 1, Hồ Chí Minh",
        "Quận 10, Hồ Chí Minh",
        "Thành phố Thủ Đức, Hồ Chí Minh",
    }


@pytest.mark.parametrize("text", ["Lễ hội ở Huế", "tỉnh Thừa Thiên Huế", "TT-Huế", "Thừa Thiên - Huế"])
def test_hue_is_one_province(text: str) -> None:
    tags = tag_places(text, "")
    assert tags.provinces == ("Thừa Thiên Huế",)
    assert tags.provinces_2025 == ("Huế",)
    assert tag_places(text, "", "2025-08-02").provinces == ("Huế",)


def test_hue_street_in_hanoi_is_not_hue() -> None:
    assert tag_places("Cửa hàng trên phố Huế", "").provinces == ()


def test_centrally_governed_cities() -> None:
    tags = tag_places("Hà Nội, Đà Nẵng, Hải Phòng và Cần Thơ", "")
    assert tags.provinces == ("Hà Nội", "Đà Nẵng", "Hải Phòng", "Cần Thơ")
    assert tags.districts == ()


def test_no_place() -> None:
    body = (
        "Hòa bình là khát vọng chung. Giải Nobel Hòa Bình năm nay được trao cho một tổ chức quốc tế. "
        "Các nước ven Thái Bình Dương họp bàn về thương mại."
    )
    assert tag_places("Khát vọng hòa bình", body) == PlaceTags()


def test_risky_province_needs_more_than_one_bare_mention() -> None:
    assert tag_places("Tin", "Dự án Hòa Bình được khởi công.").provinces == ()
    assert tag_places("Tin", "Dự án ở tỉnh Hòa Bình được khởi công.").provinces == ("Hòa Bình",)
    assert tag_places("Hòa Bình mưa lũ", "Mưa lớn khiến Hòa Bình ngập.").provinces == ("Hòa Bình",)


def test_commune_and_street_are_not_the_province() -> None:
    assert tag_places("Tin", "Ông A ở xã Hòa Bình, đường Hà Nội, sông Đồng Nai.").provinces == ()


def test_district_needs_a_type_word() -> None:
    assert tag_places("Tin", "Cẩm Xuyên có mưa.").districts == ()
    assert tag_places("Tin", "Huyện Cẩm Xuyên có mưa.").districts == ("Huyện Cẩm Xuyên, Hà Tĩnh",)


def test_district_unique_in_tagged_province_needs_no_type_word() -> None:
    tags = tag_places("Hà Tĩnh mưa lớn", "Nhiều nơi ở Cẩm Xuyên bị ngập.")
    assert tags.districts == ("Huyện Cẩm Xuyên, Hà Tĩnh",)


def test_list_after_a_type_word() -> None:
    tags = tag_places("Tin", "Các huyện Hương Sơn, Cẩm Xuyên và Thạch Hà có mưa.")
    assert tags.districts == ("Huyện Hương Sơn, Hà Tĩnh", "Huyện Cẩm Xuyên, Hà Tĩnh", "Huyện Thạch Hà, Hà Tĩnh")


def test_ambiguous_district_resolved_by_province() -> None:
    tags = tag_places("Tin", "Tại huyện Châu Thành, tỉnh Tiền Giang.")
    assert tags.districts == ("Huyện Châu Thành, Tiền Giang",)
    assert tag_places("Tin", "Tại huyện Châu Thành có mưa.").districts == ()


def test_upgraded_town_found_under_its_older_type() -> None:
    assert tag_places("Tin", "Thị xã Từ Sơn đông dân.").districts == ("Thành phố Từ Sơn, Bắc Ninh",)


def test_foreign_homonym() -> None:
    assert tag_places("Tin", "Lũ lụt ở tỉnh Hà Nam, Trung Quốc.").provinces == ()
    assert tag_places("Tin", "Ca bệnh ở tỉnh Hà Nam.").provinces == ("Hà Nam",)


def test_2025_article_uses_the_34_province_names() -> None:
    tags = tag_places("Tin", "Ngày 5/8, tỉnh Bình Dương (cũ) và huyện Kỳ Anh có mưa.", "2025-08")
    assert tags.provinces == ("Hồ Chí Minh", "Hà Tĩnh")
    assert tags.provinces_2025 == ("Hồ Chí Minh", "Hà Tĩnh")
    assert tags.districts == ("Huyện Kỳ Anh, Hà Tĩnh",)


@pytest.mark.parametrize("date", [None, "2021-03-04", "2025-06", "2025-06-30"])
def test_pre_2025_article_keeps_old_name_and_successor(date: str | None) -> None:
    tags = tag_places("Tin", "Khánh thành cầu ở tỉnh Bình Dương và tỉnh Quảng Nam.", date)
    assert tags.provinces == ("Bình Dương", "Quảng Nam")
    assert tags.provinces_2025 == ("Hồ Chí Minh", "Đà Nẵng")


def test_merged_provinces_share_one_successor() -> None:
    tags = tag_places("Tin", "Tỉnh Hà Nam, tỉnh Nam Định và tỉnh Ninh Bình.", "2025-07-01")
    assert tags.provinces == ("Ninh Bình",)
    assert tags.provinces_2025 == ("Ninh Bình",)


def test_the_place_tables_load_without_running_the_gazetteer_package() -> None:
    """Only vietnamadminunits' data files are read: importing the package would load its address parsers (shapely,
    geopy, requests, its own decoded copies of the files), 27 MB in every serving process, used by nothing here."""
    code = (
        "import sys\n"
        "from newssearch.archive import preload\n"
        "from newssearch.text.place_names import resolve_place\n"
        "preload()\n"
        "match = resolve_place('ha tinh')\n"
        "assert match is not None and match.provinces == ('Hà Tĩnh',), match\n"
        "assert 'vietnamadminunits' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
