"""Property tests (hypothesis): the analysis, the query language and the search core on any text at all.

Text is drawn from Vietnamese syllables (NFC and NFD, upper and lower case, old and new tone placement), the
query language's own syntax and Lucene's (which ours does not have, so users will type it anyway), and odd
Unicode: lone combining marks, ``Ð``/``ð``, zero-width and bidi controls, emoji, non-Latin scripts, huge numbers.
Sizes stay CI-sized (a few seconds in all); ``HYPOTHESIS_PROFILE=thorough`` runs 20x more examples.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT

from newssearch.engine import search as core
from newssearch.engine.facets import FacetIndex
from newssearch.engine.querylang import parse_query
from newssearch.index.indexer import index_corpus
from newssearch.store import analyzers
from newssearch.store.pool import SearcherPool
from newssearch.store.schema import SyllableText, build_schema
from newssearch.text import analysis
from newssearch.text.variants import load_abbreviations
from support import CORPUS, SEED_ID

settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("thorough", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The 134 Vietnamese letters with marks (67 lower-case, their capitals), and the bare ones.
VIETNAMESE_LOWER = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
VIETNAMESE_LETTERS = VIETNAMESE_LOWER + VIETNAMESE_LOWER.upper() + "fjwzÐð"
WORDS = [
    "Hà", "Tĩnh", "Thị", "ủy", "uỷ", "Kỳ", "Anh", "hoà", "hòa", "thuỷ", "quỷ", "Đà", "Nẵng", "đường", "dương",
    "ở", "an", "to", "Ý", "TP.HCM", "1.000", "72.824", "162,6%", "02-NQ/ThU", "Vũng", "Áng", "nghiêng",
]  # fmt: skip
SYNTAX = [
    '"', "-", "OR", "AND", "NOT", "(", ")", "title:", "place:", "TITLE:", "*", "?", "~", "~2", "^", "^9", ":",
    "[", "]", "{", "}", "\\", "TO", "foo:", "||", "&&", "!", "+", "/", "'", "%", "_",
]  # fmt: skip
ODD = [
    "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302\u0306", "\u00d0", "\u00f0", "\u0130", "\u200b",
    "\u200c", "\u200d", "\ufeff", "\u202e", "\u202c", "\u2028", "\u00a0", "\t", "\n", "\x00", "\x1b", "\ufffd",
    "\uffff", "😀", "👨\u200d👩\u200d👧", "🇻🇳", "مرحبا", "שלום", "漢字", "𝐇𝐚", "ｈａ", "Ⅻ", "½", "²", "ß", "ǅ",
    "ﬁ", "ꙮ", "9" * 400, "1e308", "-0", "١٢٣", "\U0010ffff",
]  # fmt: skip


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


vietnamese_word = st.text(st.sampled_from(VIETNAMESE_LETTERS), min_size=1, max_size=8) | st.sampled_from(WORDS)
word = (
    vietnamese_word
    | vietnamese_word.map(_nfd)
    | st.sampled_from(SYNTAX)
    | st.sampled_from(ODD)
    | st.text(st.characters(codec="utf-8"), min_size=1, max_size=6)  # anything but lone surrogates
)
glue = st.sampled_from(["", " ", " ", "  ", "\t", '"', ":", "-"])
any_text = st.lists(st.tuples(word, glue), max_size=25).map(lambda parts: "".join(w + g for w, g in parts))
query_token = st.sampled_from(SYNTAX) | vietnamese_word | vietnamese_word.map(_nfd) | st.sampled_from(ODD[:22])
query_text = st.lists(st.tuples(query_token, glue), max_size=30).map(lambda parts: "".join(w + g for w, g in parts))
texts = any_text | query_text | st.text(st.characters(codec="utf-8"), max_size=60)


# ---------------------------------------------------------------------------------------------- analysis


SYLLABLE_FIELDS = {name: field for name, field in build_schema().items() if isinstance(field, SyllableText)}


@given(texts)
@example(_nfd("Thị uỷ Hà Tĩnh hoà hòa Ðà Nẵng, 1.000 người ở an to"))
def test_fast_field_indexing_gives_the_analyzers_terms(text: str) -> None:
    """The index writer's list-based path (``SyllableText.index``) indexes what the analyzers say, weights and
    encoded positions included: queries and highlights go through the analyzers."""
    assert set(SYLLABLE_FIELDS) >= {"title", "title_fold", "body", "body_fold", "bigram", "place_text"}
    for name, field in SYLLABLE_FIELDS.items():
        assert sorted(field.index(text)) == sorted(TEXT.index(field, text)), name


@given(texts)
@example("\u0301")
@example("Ð" + _nfd("Đà Nẵng Thị ủy"))
@example("İ\u0300")  # dotted I read as I, then composed with the grave: Ì
def test_normalisation_never_raises(text: str) -> None:
    nfc = analysis.nfc(text)
    assert unicodedata.is_normalized("NFC", nfc)
    assert "\u00d0" not in nfc and "\u00f0" not in nfc
    assert analysis.nfc(nfc) == nfc
    assert analysis.fold(text) == analysis.fold(nfc) == analysis.fold(_nfd(text))
    for syllable in analysis.syllables(text):
        assert syllable and analysis.exact_form(syllable) == syllable
    analysis.normalize(text)


@given(texts)
@example("İstanbul")  # U+0130 lower-cases to two characters: "i" and a combining dot
def test_normalize_keeps_the_nfc_length(text: str) -> None:
    """The module promises one character per character once text is NFC (offsets index the stored text)."""
    assert len(analysis.normalize(text)) == len(analysis.nfc(text))


@given(texts)
@example(_nfd("Thị uỷ Kỳ Anh, Hà Tĩnh: 72.824 tỷ đồng (162,6%)"))
@example("\u0300\u0301 \u0323")
@example("İ Hoà")
def test_analyzer_offsets_index_the_nfc_text(text: str) -> None:
    nfc = analysis.nfc(text)
    for token in analyzers.exact_analyzer()(text, positions=True, chars=True):
        assert token.text == analysis.exact_form(nfc[token.startchar : token.endchar])
    folded = [
        (t.text, t.pos, t.startchar, t.endchar) for t in analyzers.folded_analyzer()(text, positions=True, chars=True)
    ]
    for position, (token_text, pos, start, end) in enumerate(folded):
        assert pos == position
        assert 0 <= start < end <= len(nfc)
        assert analysis.fold(nfc[start:end]) == token_text
    bigrams = [(t.text, t.startchar, t.endchar) for t in analyzers.bigram_analyzer()(text, positions=True, chars=True)]
    assert len(bigrams) == max(0, len(folded) - 1)
    for (token_text, start, end), first, second in zip(bigrams, folded, folded[1:], strict=False):
        assert token_text == f"{first[0]}_{second[0]}"
        assert (start, end) == (first[2], second[3])
    # Query-time calls (no positions or offsets, as Whoosh makes them) give the same terms.
    assert [t.text for t in analyzers.folded_analyzer()(text, mode="query")] == [f[0] for f in folded]


@given(st.text(st.sampled_from(VIETNAMESE_LETTERS + " "), max_size=40))
def test_fold_gives_ascii_for_vietnamese_letters(text: str) -> None:
    for variant in (text, _nfd(text), text.upper()):
        folded = analysis.fold(variant)
        assert folded.isascii(), folded
        assert folded == analysis.fold(text)
        assert len(folded) == len(analysis.nfc(text))


def test_fold_of_the_alphabet() -> None:
    assert analysis.fold(VIETNAMESE_LETTERS) == analysis.fold(_nfd(VIETNAMESE_LETTERS))
    assert analysis.fold("Đà Nẵng Ðà ð") == "da nang da d"


# ---------------------------------------------------------------------------------------------- query language


@given(query_text | texts)
@example("(" * 1000 + "ha" + ")" * 1000)
@example("NOT OR x AND AND title: place: foo:bar")
@example('-"' + '"' * 51)
@example("OR OR -OR title:OR")
def test_parse_query_never_raises(text: str) -> None:
    parsed = parse_query(text)
    typed = set(analysis.syllables(text))
    for clause in [*parsed.positive_clauses(), *parsed.excluded]:
        assert clause.syllables, clause
        assert clause.field in (None, "title", "place")
        assert set(clause.syllables) <= typed
    assert all(group for group in parsed.groups)
    assert parsed.is_empty == (not parsed.groups)
    str(parsed)


@given(query_text)
def test_parsed_query_reads_back_as_itself(text: str) -> None:
    """``str(parsed)`` is shown to the user as the query understood: parsing it again changes nothing."""
    parsed = parse_query(text)
    again = parse_query(str(parsed))
    assert again.groups == parsed.groups
    assert again.excluded == parsed.excluded


# ---------------------------------------------------------------------------------------------- search core


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearcherPool]:
    """A real index of a dozen bundled articles (the seed and the first Dân Trí ones), built in a few seconds."""
    source = tmp_path_factory.mktemp("small-corpus")
    seed = CORPUS / SEED_ID
    (source / "seed").mkdir()
    (source / "seed" / seed.name).write_bytes(seed.read_bytes())
    with (CORPUS / "dantri" / "unc-sample.jsonl").open(encoding="utf-8") as lines:
        sample = [json.loads(next(lines)) for _ in range(12)]
    (source / "sample.jsonl").write_text("".join(json.dumps(a) + "\n" for a in sample), encoding="utf-8")
    root = tmp_path_factory.mktemp("small-index")
    index_corpus([source], root)
    pool = SearcherPool(Path(root), FacetIndex)
    yield pool
    pool.close()


valid_dates = st.none() | st.sampled_from(["2022-01", "2022-01-06", "2020-10-01", "2020-12"])
odd_dates = st.sampled_from(
    ["2023-02-30", "2022-13", "0000-00", "9999-12-31", " 2022-01", "2022-01 ", "\t2022-01-06", "2022-01-06T10:00",
     "2022-01T", "２０２２-01", ""]
) | st.text(st.sampled_from("0123456789-T :"), max_size=12)  # fmt: skip
places = st.lists(st.sampled_from(["Hà Tĩnh", "ha tinh", "Kỳ Anh", "", "\x00", "*"]), max_size=3)
categories = st.lists(st.sampled_from(["business", "", "<script>"]), max_size=2)
sorts = st.sampled_from(["relevance", "newest", "oldest"])


def _search(pool: SearcherPool, request: core.SearchRequest) -> None:
    """Run one search; a :class:`SearchError` (a 400) is a fine answer, anything else raised is a bug."""
    with pool.view() as (view, opened):
        try:
            result = core.search(view, opened.attached, request)
        except core.SearchError:
            return
    assert result.total >= len(result.hits)
    assert len(result.hits) <= request.size
    assert (result.match == "none") == (result.total == 0)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.builds(
        core.SearchRequest,
        q=query_text | texts,
        date_from=valid_dates,
        date_to=valid_dates,
        places=places,
        categories=categories,
        sort=sorts,
        page=st.integers(-2, 12) | st.just(10**30),
        size=st.integers(-1, 101),
    )
)
@example(core.SearchRequest(q="ha " * 333))
@example(core.SearchRequest(q="(" * 500 + ")" * 499))
def test_any_query_gives_a_result_or_a_search_error(small_index: SearcherPool, request: core.SearchRequest) -> None:
    _search(small_index, request)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.builds(core.SearchRequest, q=st.sampled_from(["", "ha tinh"]), date_from=odd_dates, date_to=odd_dates))
@example(core.SearchRequest(q="ha tinh", date_from=" 2022-01"))  # whitespace before a month: IllegalMonthError
def test_any_date_filter_gives_a_result_or_a_search_error(
    small_index: SearcherPool, request: core.SearchRequest
) -> None:
    _search(small_index, request)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(st.sampled_from([w for w in WORDS if len(analysis.syllables(w)) == 1]))
@example("tinh")
def test_excluding_a_word_removes_exactly_its_matches(small_index: SearcherPool, word: str) -> None:
    """``-word`` alone is every article but those ``word`` finds (not every article, exclusion ignored).

    A minus before a number is text (``B -2``, ``-5 độ``): ``-1.000`` finds what ``1.000`` finds.
    """
    with small_index.view() as (view, opened):

        def total(q: str) -> int:
            return core.search(view, opened.attached, core.SearchRequest(q=q)).total

        everything, matching, excluded = total(""), total(word), total(f"-{word}")
    if word[0].isdigit():
        assert excluded == matching
    else:
        assert excluded == everything - matching


def _folded_syllables(text: str) -> list[str]:
    return [analysis.fold(s) for s in analysis.syllables(text)]


def _has_run(sequence: list[str], run: list[str]) -> bool:
    return any(sequence[i : i + len(run)] == run for i in range(len(sequence) - len(run) + 1))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40, deadline=None)
@given(st.data())
def test_a_quoted_phrase_finds_exactly_the_articles_with_those_syllables_in_a_row(
    small_index: SearcherPool, data: st.DataObject
) -> None:
    """Checked against a plain scan of every stored title and body: runs taken from an article, and the same
    syllables reversed (which mostly occur nowhere in a row)."""
    with small_index.view() as (view, opened):
        stored = [view.stored(n) for n in range(view.doc_count_all)]
        article = data.draw(st.sampled_from(stored))
        words = _folded_syllables(article["body"])
        length = data.draw(st.integers(2, 3))
        start = data.draw(st.integers(0, len(words) - length))
        run = words[start : start + length]
        if data.draw(st.booleans()):
            run = run[::-1]
        if load_abbreviations().lookup(tuple(run)) is not None:
            return  # an abbreviation form also finds its other forms: not a plain phrase
        query = '"' + " ".join(run) + '"'
        result = core.search(view, opened.attached, core.SearchRequest(q=query, size=100))
    expected = {
        doc["id"]
        for doc in stored
        if _has_run(_folded_syllables(doc["title"]), run) or _has_run(_folded_syllables(doc["body"]), run)
    }
    assert {hit.id for hit in result.hits} == expected, query
    assert result.total == len(expected)


@pytest.mark.parametrize("field", ["body_fold", "title_fold"])
def test_posting_arrays_agree_with_whooshs_own_matchers(small_index: SearcherPool, field: str) -> None:
    """The cached arrays are read from whoosh3's blocks directly; they must equal what its public API says."""
    opened = small_index.current()
    reader = opened.index.reader()
    try:
        terms = [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon(field)]
        assert len(terms) > 50
        for term in terms:
            expected_ids, expected_tfs, expected_keys = [], [], []
            for leaf, offset in reader.leaf_readers():
                if (field, term) not in leaf:
                    continue
                matcher = leaf.postings(field, term)
                while matcher.is_active():
                    doc = matcher.id() + offset
                    expected_ids.append(doc)
                    expected_tfs.append(matcher.weight())
                    expected_keys += [(doc << 24) + p for p in matcher.value_as("positions")]
                    matcher.next()
            ids, tfs = opened.postings.postings(field, term)
            assert ids.tolist() == expected_ids, term
            assert tfs.tolist() == pytest.approx(expected_tfs), term
            assert opened.postings.positions(field, term).tolist() == expected_keys, term
    finally:
        reader.close()
