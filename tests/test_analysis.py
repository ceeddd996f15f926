"""Vietnamese analysis: what a user notices when text is typed or stored in its many forms."""

from __future__ import annotations

import unicodedata

import pytest

from newssearch.store.analyzers import bigram_analyzer, folded_analyzer
from newssearch.text.analysis import exact_form, fold, nfc, syllables


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("Thị uỷ", "Thị ủy"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("HOÀ BÌNH", "Hòa Bình"),
        ("toà", "tòa"),
    ],
)
def test_old_and_new_tone_placement_are_one(old: str, new: str) -> None:
    assert syllables(old) == syllables(new)


@pytest.mark.parametrize("word", ["quỷ", "quả", "hoàn", "huyền", "thuyền", "khuya"])
def test_tone_moves_only_where_the_pair_ends_the_syllable(word: str) -> None:
    assert exact_form(word) == word


def test_nfd_input_is_analysed_like_nfc() -> None:
    assert syllables(nfd("Hà Tĩnh")) == ["hà", "tĩnh"]
    tokens = [t.text for t in folded_analyzer()(nfd("Thị ủy Hà Tĩnh"))]
    assert tokens == ["thi", "uy", "ha", "tinh"]


def test_eth_lookalike_reads_as_d_with_stroke() -> None:
    assert nfc("ÐÀ NẴNG") == "ĐÀ NẴNG"
    assert syllables("Ðà Nẵng") == syllables("Đà Nẵng") == ["đà", "nẵng"]


def test_folding_takes_every_mark_off_and_d_with_stroke_to_d() -> None:
    assert fold("Đà Nẵng") == "da nang"
    assert fold("Hà Tĩnh") == "ha tinh"
    assert fold("Ðường") == "duong"


def test_exact_form_keeps_diacritics_apart() -> None:
    assert exact_form("đường") != exact_form("dương")
    assert fold("đường") == fold("dương")


def test_short_syllables_are_kept() -> None:
    assert syllables("an ở to Ý can") == ["an", "ở", "to", "ý", "can"]


def test_numbers_stay_findable() -> None:
    words = syllables("1.000 người, 72.824 tỷ, tăng 162,6% theo Nghị quyết 02-NQ/ThU")
    assert {"1.000", "72.824", "162,6", "02", "nq", "thu"} <= set(words)


def test_abbreviations_split_into_their_syllables() -> None:
    assert syllables("TP.HCM") == ["tp", "hcm"]
    assert syllables("UBND TX Kỳ Anh") == ["ubnd", "tx", "kỳ", "anh"]


def test_offsets_point_at_the_original_text() -> None:
    text = "Thị uỷ Kỳ Anh, tỉnh Hà Tĩnh"
    tokens = [(t.text, text[t.startchar : t.endchar]) for t in folded_analyzer()(text, chars=True)]
    assert ("uy", "uỷ") in tokens
    assert ("tinh", "Tĩnh") in tokens


def test_bigrams_join_neighbouring_folded_syllables_and_span_both() -> None:
    text = "tỉnh Hà Tĩnh"
    tokens = [(t.text, text[t.startchar : t.endchar]) for t in bigram_analyzer()(text, chars=True, positions=True)]
    assert tokens == [("tinh_ha", "tỉnh Hà"), ("ha_tinh", "Hà Tĩnh")]
