"""One canonical syllable: typing slips, missing horns, fullwidth letters and invisible joiners find the right word."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from newssearch.config import Settings
from newssearch.index.indexer import index_corpus
from newssearch.service.api import create_app
from newssearch.text.analysis import normalize, syllables
from newssearch.text.orthography import canonical_syllable, is_syllable, strip_invisible

# underthesea's text_normalize cases: a slipped sentence and the one a reader meant.
SLIPPED = "Ðảm baỏ chất lựơng phòng thí nghịêm hoá học"
MEANT = "Đảm bảo chất lượng phòng thí nghiệm hóa học"


def test_a_sentence_with_slipped_marks_reads_as_the_meant_one() -> None:
    assert syllables(SLIPPED) == syllables(MEANT)
    assert normalize(SLIPPED) == normalize(MEANT)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("đaị", "đại"),  # the mark on the glide instead of the main vowel
        ("baỏ", "bảo"),
        ("nghịêm", "nghiệm"),  # on i instead of ê
        ("quỳên", "quyền"),
        ("lựơng", "lượng"),  # on ư instead of ơ
        ("giừơng", "giường"),
        ("mùơi", "mười"),  # the horn of ư missing as well
        ("đuợc", "được"),
        ("lưong", "lương"),  # ơ typed as o
        ("gỉang", "giảng"),  # the mark on the i of gi
        ("tòan", "toàn"),
        ("khủyu", "khuỷu"),
        ("qúy", "quý"),
    ],
)
def test_slips_have_the_canonical_form(typed: str, meant: str) -> None:
    assert canonical_syllable(typed) == meant
    assert syllables(typed.upper()) == [meant]


@pytest.mark.parametrize(
    "word",
    ["hòa", "thủy", "quỷ", "quý", "thuở", "huơ", "già", "gì", "gìn", "kìa", "người", "khuya", "café", "nestlé", "đắk"],
)
def test_well_spelled_and_foreign_words_are_untouched(word: str) -> None:
    assert canonical_syllable(word) == word


def test_old_placement_still_reads_as_new() -> None:
    assert syllables("hoà thuỷ uỷ quỷ") == ["hòa", "thủy", "ủy", "quỷ"]


def test_invisible_characters_no_longer_split_a_word() -> None:
    for joiner in "\u200d\u200c\u200b\u2060\u00ad\ufeff":
        assert syllables(f"Tĩ{joiner}nh") == ["tĩnh"]
        assert strip_invisible(f"Hà Tĩ{joiner}nh") == "Hà Tĩnh"


def test_a_zero_width_space_between_two_words_still_separates_them() -> None:
    assert syllables("Hà\u200bTĩnh") == ["hà", "tĩnh"]
    assert strip_invisible("Hà\u200bTĩnh và Nguyễ\u200bn Du, Goo\u200bgle\u200b.") == "Hà Tĩnh và Nguyễn Du, Google."


def test_fullwidth_letters_read_as_ascii_and_keep_the_length() -> None:
    assert syllables("Ｈà Ｔĩｎｈ") == syllables("Hà Tĩnh") == ["hà", "tĩnh"]
    assert len(normalize("Ｈà Ｔĩｎｈ")) == len("Ｈà Ｔĩｎｈ")


def test_syllable_check_tells_vietnamese_from_letter_salad() -> None:
    assert all(is_syllable(w) for w in ["Nghiêng", "ngả", "khuỷu", "tay", "người", "Đảng", "quyền"])
    assert not any(is_syllable(w) for w in ["Hµ", "TÜnh", "chaøo", "vieät", "áá", "bát̃", "chãt"])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A real index of three articles written the way archives really are."""
    tmp = tmp_path_factory.mktemp("orthography")
    corpus = tmp / "corpus"
    corpus.mkdir()
    articles = [
        {"id": "slips", "title": "Baỏ đảm chất lựơng", "body": "Phòng thí nghịêm hoá học đaị học."},
        {"id": "joiner", "title": "Mưa lớn ở Tĩ\u200dnh Gia", "body": "Huyện Tĩ\u200dnh Gia ngập sâu."},
        {"id": "fullwidth", "title": "Ｈà Ｔĩｎｈ đón khách", "body": "Du khách đến Ｈà Ｔĩｎｈ."},
    ]
    (corpus / "a.jsonl").write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles))
    index_corpus([corpus], tmp / "index")
    with TestClient(create_app(Settings(index_dir=tmp / "index"))) as test_client:
        yield test_client


def _first(client: TestClient, query: str) -> dict[str, str]:
    hits = client.get("/search", params={"q": query}).json()["hits"]
    assert hits, query
    return hits[0]


@pytest.mark.parametrize("query", ["chất lượng", "thí nghiệm", "đại học", "chất lựơng"])
def test_a_slipped_article_is_found_by_the_right_words_and_marked_as_written(client: TestClient, query: str) -> None:
    hit = _first(client, query)
    assert hit["id"] == "slips"
    assert "<mark>" in hit["title"] + hit["snippet"]


def test_a_slip_is_marked_where_it_stands(client: TestClient) -> None:
    hit = _first(client, "thí nghiệm")
    assert "<mark>thí nghịêm</mark>" in hit["snippet"]


def test_a_word_with_a_joiner_is_found_whole_and_stored_clean(client: TestClient) -> None:
    for query in ["Tĩnh Gia", "tinh gia", "Tĩ\u200dnh Gia"]:
        hit = _first(client, query)
        assert hit["id"] == "joiner"
        assert "<mark>Tĩnh Gia</mark>" in hit["title"]
    assert "\u200d" not in client.get("/articles/joiner").text


def test_fullwidth_letters_are_found_and_marked_as_written(client: TestClient) -> None:
    for query in ["Hà Tĩnh", "ha tinh", "Ｈà Ｔĩｎｈ"]:
        hit = _first(client, query)
        assert hit["id"] == "fullwidth"
        assert "<mark>Ｈà Ｔĩｎｈ</mark>" in hit["title"]
