"""Highlighted titles and snippets: what a reader sees marked, and which part of a long article is shown.

The marks are found by one regex over the stored text (not by tokenising every body); a property test holds them
to the plain definition — tokenise, compare each syllable's exact and folded forms — on any text.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from newssearch.engine.snippets import (
    QueryTerms,
    _best_window_start,
    _counted_window_start,
    _matches,
    _sliding_window_start,
    _snippet_query,
    highlight_all,
    snippet,
)
from newssearch.text.analysis import fold, fold_syllable, syllable_spans, syllables
from test_properties import ODD, VIETNAMESE_LETTERS, WORDS

FILLER = "Theo báo cáo của sở, công việc vẫn tiếp tục trong nhiều tháng tới. " * 6


def marked(html_text: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html_text)


def terms(query: str) -> QueryTerms:
    return QueryTerms.of(syllables(query))


def test_a_query_without_diacritics_marks_the_accented_words_as_one() -> None:
    body = "Sáng nay, UBND thị xã Kỳ Anh (Hà Tĩnh) đã họp."
    assert marked(snippet(body, terms("ha tinh"))) == ["Hà Tĩnh"]
    assert marked(snippet(body, terms("HÀ TĨNH"))) == ["Hà Tĩnh"]


def test_exact_diacritics_are_marked_and_shown_before_folded_look_alikes() -> None:
    body = "Cô giáo Dương đi dạy. " + FILLER + "Con đường mới đã thông xe."
    shown = snippet(body, terms("đường"))
    assert marked(shown) == ["đường"]
    assert "Dương" not in shown


def test_only_whole_syllables_are_marked() -> None:
    body = "Hoàn thành dự án ở Long An, ban ngành an tâm."
    assert marked(highlight_all(body, terms("an"))) == ["án", "An", "an"]  # not in Hoàn, ban


def test_numbers_are_marked_whole_not_in_part() -> None:
    body = "Giá 1.000 đồng, tăng 1 lần."
    assert marked(highlight_all(body, terms("1"))) == ["1"]
    assert marked(highlight_all(body, terms("1.000"))) == ["1.000"]


def test_the_look_alike_eth_is_marked_for_d() -> None:
    assert marked(highlight_all("Tin Ðà Nẵng hôm nay", terms("da nang"))) == ["Ðà Nẵng"]


def test_the_snippet_shows_where_the_query_words_stand_together() -> None:
    body = "Ông Hà nói chuyện. " + FILLER + "Mưa lớn ở Hà Tĩnh gây ngập. " + FILLER
    shown = snippet(body, terms("ha tinh"))
    assert "<mark>Hà Tĩnh</mark> gây ngập" in shown
    assert shown.startswith("…")


def test_a_body_without_the_query_words_shows_its_opening() -> None:
    body = "Câu mở đầu của bài. " + FILLER
    assert snippet(body, terms("lũ lụt")).startswith("Câu mở đầu của bài.")


def test_text_is_escaped_around_the_marks() -> None:
    shown = highlight_all("<b>Hà Nội</b> & <script>", terms("ha noi"))
    assert shown == "&lt;b&gt;<mark>Hà Nội</mark>&lt;/b&gt; &amp; &lt;script&gt;"


# ---------------------------------------------------------------------------------------- the definition


def reference_matches(text: str, query: QueryTerms) -> list[tuple[int, int]]:
    """The marks by definition: every syllable of the text, compared with every query syllable."""
    spans = syllable_spans(text)
    forms = [form for _, _, form in spans]
    present = set(forms)
    folded_query = [fold(wanted) for wanted in query.sequence]
    by_fold = [w == f or w not in present for w, f in zip(query.sequence, folded_query, strict=True)]
    hits = [
        {
            j
            for j, wanted in enumerate(query.sequence)
            if (fold_syllable(form) == folded_query[j] if by_fold[j] else form == wanted)
        }
        for form in forms
    ]
    marked_at: set[int] = set()
    covered: set[int] = set()
    for i in range(len(forms)):
        for j in hits[i]:
            length = 1
            while i + length < len(forms) and j + length in hits[i + length]:
                length += 1
            if length >= 2:
                marked_at.update(range(i, i + length))
                covered.update(range(j, j + length))
    marked_at.update(i for i, found in enumerate(hits) if found - covered)
    return [(spans[i][0], spans[i][1]) for i in sorted(marked_at)]


word = st.text(st.sampled_from(VIETNAMESE_LETTERS), min_size=1, max_size=6) | st.sampled_from(WORDS + ODD)
separator = st.sampled_from([" ", "  ", ", ", ". ", "\n", " - ", "/", " (", ") "])
# Stored text is NFC (the corpus reader normalises it); words stand apart, as in prose.
text = st.lists(st.tuples(word, separator), max_size=30).map(
    lambda parts: unicodedata.normalize("NFC", "".join(w + s for w, s in parts))
)
query_words = st.lists(
    st.sampled_from(WORDS) | st.text(st.sampled_from("ahntiđdươg"), min_size=1, max_size=4), max_size=5
)


@given(text, query_words)
@example("Hà Tĩnh, hà tĩnh, Ha Tinh 1.000.000 1 000", ["ha", "tinh", "1"])
@example("Thị uỷ Hà Tĩnh và Thị ủy", ["thị", "ủy"])
@example("Ông Hà nói Tĩnh Gia đẹp, tỉnh lỵ", ["ha", "tinh"])  # not side by side: each is marked
def test_marks_are_the_syllables_that_match_by_definition(body: str, words: list[str]) -> None:
    query = terms(" ".join(words))
    assert _matches(body, query) == reference_matches(body, query)


def reference_window_start(text: str, query: QueryTerms, max_chars: int) -> int | None:
    """The snippet window by definition, window by window: each occurrence (of the first 200) starts one, which
    holds the occurrences up to ``max_chars // 2`` further; it scores each distinct query syllable 2 (there as
    typed) or 1, plus each distinct query pair standing side by side; ties go to an exact first syllable, then
    to the earliest."""
    folded_query = [fold(w) for w in query.sequence]
    query_pairs = set(itertools.pairwise(folded_query))
    found = [
        (start, fold_syllable(form), form in query.sequence)
        for start, _, form in syllable_spans(text)
        if fold_syllable(form) in folded_query
    ][:200]
    best, best_score = None, (0, 0)
    for i, (start, _, first_exact) in enumerate(found):
        window = [hit for hit in found[i:] if hit[0] - start <= max_chars // 2]
        weights: dict[str, int] = {}
        for _, word, exact in window:
            weights[word] = max(weights.get(word, 0), 2 if exact else 1)
        pairs = {
            (a[1], b[1])
            for a, b in itertools.pairwise(window)
            if (a[1], b[1]) in query_pairs and b[0] - a[0] <= len(a[1]) + 2
        }
        score = (sum(weights.values()) + len(pairs), 2 if first_exact else 1)
        if score > best_score:
            best, best_score = start, score
    return best


# Few words, each in several spellings, so that windows tie, overlap and hold pairs.
NEAR_WORDS = ["Hà", "ha", "hạ", "Tĩnh", "tinh", "tỉnh", "Nội", "noi", "nói", "và", "1", "1.000", "Ð"]
near_text = st.lists(st.tuples(st.sampled_from(NEAR_WORDS), separator), max_size=60).map(
    lambda parts: unicodedata.normalize("NFC", "".join(w + s for w, s in parts))
)
near_query = st.lists(st.sampled_from(["hà", "ha", "tĩnh", "tinh", "nội", "noi", "và", "1", "đ"]), max_size=6)


@given(near_text | text, near_query | query_words, st.sampled_from([12, 20, 60, 240]))
@example("Hà Tĩnh ha tinh. Hà Tĩnh, tỉnh Hà Tĩnh", ["hà", "tĩnh"], 20)
@example("ha hà", ["hà"], 12)  # both windows score 2 (hà as typed): the one starting exactly wins
@example("hà tinh tĩnh Hà ha ha", ["tinh", "tĩnh", "ha"], 20)  # the pair before a window is not in it
def test_the_snippet_window_is_the_best_by_definition(body: str, words: list[str], max_chars: int) -> None:
    query = terms(" ".join(words))
    expected = reference_window_start(body, query, max_chars)
    assert _best_window_start(body, query, max_chars) == expected
    # Both ways of finding it (by the query's length one is used): the same window.
    if query.sequence:
        assert _sliding_window_start(body, _snippet_query(query), max_chars) == expected
        assert _counted_window_start(body, _snippet_query(query), max_chars) == expected
