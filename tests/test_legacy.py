"""Archives saved before Unicode: legacy encodings and legacy-font text are read, indexed and reported.

The legacy files are made here from the seed article with glibc's iconv (the reference the tables come from);
the tests that need it are skipped, with the reason, where iconv or one of its charmaps is missing.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newssearch.cli import app
from newssearch.config import Settings
from newssearch.index.check import check_index
from newssearch.index.corpus import Article, Problem, read_file
from newssearch.index.indexer import IndexStats, index_corpus
from newssearch.service.api import create_app
from newssearch.text import legacy
from support import CORPUS

SEED = CORPUS / "seed" / "000_9dadb441269e12e8.txt"
ICONV = shutil.which("iconv")


def iconv(data: bytes, source: str, target: str) -> bytes:
    """``data`` converted by glibc iconv (``//TRANSLIT`` makes ``“`` and ``…`` ASCII where the target lacks them)."""
    if ICONV is None:
        pytest.skip("iconv is not installed: the legacy files and tables are checked against it")
    result = subprocess.run([ICONV, "-f", source, "-t", target], input=data, capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"iconv cannot convert {source} to {target} here: {result.stderr.decode(errors='replace')}")
    return result.stdout


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def as_cp1252_glyphs(data: bytes) -> str:
    """Bytes as a Windows font shows them: Windows-1252, Latin-1 for the five bytes it leaves undefined."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def to_vni(text: str) -> str:
    """Unicode text written in VNI-Windows glyphs, by the module's table (checked on known words below)."""
    glyphs = {letter: vni for vni, letter in legacy._vni_font().items() if not (vni[0].isupper() and vni[1:].islower())}
    return "".join(glyphs.get(char, char) for char in text)


# --- tables against their references -------------------------------------------------------------------------


@pytest.mark.parametrize(("charmap", "ours"), [("TCVN5712-1", legacy.TCVN3), ("VISCII", legacy.VISCII)])
def test_tables_agree_with_iconv_byte_for_byte(charmap: str, ours: str) -> None:
    probe = [b for b in range(1, 256) if b != 0x0A]
    # One byte a line, so iconv cannot compose a combining mark with the byte before it.
    reference = iconv(b"\n".join(bytes([b]) for b in probe), charmap, "UTF-8").decode().split("\n")
    assert [legacy.decode_with(bytes([b]), ours) for b in probe] == reference


def test_windows_1258_agrees_with_iconv() -> None:
    defined = []
    for b in range(0x80, 0x100):
        try:
            defined.append((b, legacy.decode_with(bytes([b]), legacy.WINDOWS_1258)))
        except UnicodeDecodeError:
            continue
    reference = iconv(b"\n".join(bytes([b]) for b, _ in defined), "CP1258", "UTF-8").decode().split("\n")
    assert [char for _, char in defined] == reference


@pytest.mark.parametrize(("charmap", "ours"), [("TCVN5712-1", legacy.TCVN3), ("VISCII", legacy.VISCII)])
def test_a_whole_article_decodes_as_iconv_decodes_it(charmap: str, ours: str) -> None:
    encoded = iconv(seed_text().encode(), "UTF-8", f"{charmap}//TRANSLIT")
    assert legacy.decode_with(encoded, ours) == iconv(encoded, charmap, "UTF-8").decode()


# --- font text -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("glyphs", "meant", "font"),
    [
        ("Hµ TÜnh", "Hà Tĩnh", legacy.TCVN3_FONT),
        ("Th\u00adêng trùc TØnh ñy", "Thường trực Tỉnh ủy", legacy.TCVN3_FONT),
        ("Xin chaøo caùc baïn", "Xin chào các bạn", legacy.VNI_FONT),
        ("Vieät Nam", "Việt Nam", legacy.VNI_FONT),
        ("Ñaø Naüng", "Đà Nẵng", legacy.VNI_FONT),
        ("Haø Tónh, ngöôøi daân", "Hà Tĩnh, người dân", legacy.VNI_FONT),
        ("Thöôøng tröïc Tænh uûy", "Thường trực Tỉnh ủy", legacy.VNI_FONT),
    ],
)
def test_known_words_in_legacy_fonts(glyphs: str, meant: str, font: str) -> None:
    assert legacy.convert_font_text(glyphs) == (meant, font)


@pytest.mark.parametrize(
    "text",
    [
        "Nhiệt độ 25°C ở Zürich, còn ở Hà Nội 18°C",
        "Café Müller mở cửa ở phố Tràng Tiền · giá 50.000 đồng",
        "Xin chào các bạn",
        "“Nâng cao chất lượng” – bà Nguyễn Thị Ánh nói…",
    ],
)
def test_unicode_text_with_font_like_characters_is_left_alone(text: str) -> None:
    assert legacy.convert_font_text(text) is None


def test_the_seed_is_not_font_text() -> None:
    assert legacy.convert_font_text(seed_text()) is None


# --- detection never guesses ------------------------------------------------------------------------------------


def test_random_bytes_are_not_decoded() -> None:
    with pytest.raises(legacy.LegacyDecodeError, match="nor Vietnamese"):
        legacy.decode_legacy(random.Random(20).randbytes(4000))


def test_bytes_that_read_as_vietnamese_in_two_encodings_are_ambiguous() -> None:
    # 0xB5 is ``à`` in TCVN3 and ``ộ`` in VISCII: ``tà`` and ``tộ`` are both syllables.
    with pytest.raises(legacy.LegacyDecodeError, match="ambiguous"):
        legacy.decode_legacy(b"t\xb5 t\xb5 t\xb5")


def test_utf8_with_one_broken_byte_is_not_passed_off_as_a_legacy_encoding() -> None:
    broken = seed_text().encode()[:2000] + b"\xff" + seed_text().encode()[2000:4000]
    with pytest.raises(legacy.LegacyDecodeError):
        legacy.decode_legacy(broken)


# --- the real index ----------------------------------------------------------------------------------------------


@dataclass
class Legacy:
    corpus: Path
    root: Path
    stats: IndexStats
    expected: dict[str, str]  # article id -> the encoding or font its report names


def _seed_article() -> Article:
    [article] = [item for item in read_file(SEED.parent, SEED) if isinstance(item, Article)]
    return article


def _json_line(article_id: str, article: Article, convert: Callable[[str], str] | None = None) -> str:
    fields = {"title": article.title, "body": article.body, "author": article.author}
    if convert is not None:
        fields = {name: convert(value or "") for name, value in fields.items()}
    return json.dumps({"id": article_id, "date": article.date, **fields}, ensure_ascii=False)


def _tcvn3_glyphs(text: str) -> str:
    return as_cp1252_glyphs(iconv(text.encode(), "UTF-8", "TCVN5712-1//TRANSLIT"))


@pytest.fixture(scope="module")
def legacy_index(tmp_path_factory: pytest.TempPathFactory) -> Legacy:
    """One corpus holding the seed in every legacy form (and a file of random bytes), indexed once."""
    corpus = tmp_path_factory.mktemp("legacy") / "corpus"
    corpus.mkdir()
    seed, article = seed_text(), _seed_article()
    expected: dict[str, str] = {}
    for charmap, name in (("TCVN5712-1", legacy.TCVN3), ("VISCII", legacy.VISCII), ("CP1258", legacy.WINDOWS_1258)):
        path = corpus / f"seed-{charmap.lower()}.txt"
        path.write_bytes(iconv(seed.encode(), "UTF-8", f"{charmap}//TRANSLIT"))
        expected[path.name] = name
    (corpus / "seed-utf16.txt").write_bytes(seed.encode("utf-16"))
    expected["seed-utf16.txt"] = legacy.UTF16
    fonts = [_json_line("tcvn3-font", article, _tcvn3_glyphs), _json_line("vni-font", article, to_vni)]
    (corpus / "fonts.jsonl").write_text("\n".join(fonts) + "\n", encoding="utf-8")
    expected |= {"tcvn3-font": legacy.TCVN3_FONT, "vni-font": legacy.VNI_FONT}
    # A gzipped JSON-lines file whose second line alone is Windows-1258.
    plain = json.dumps({"id": "plain", "title": "Tin thời tiết", "body": "Trời nắng ở Vinh."}, ensure_ascii=False)
    cp1258_line = iconv(_json_line("cp1258-line", article).encode(), "UTF-8", "CP1258//TRANSLIT")
    (corpus / "mixed.jsonl.gz").write_bytes(gzip.compress(plain.encode() + b"\n" + cp1258_line + b"\n"))
    expected["cp1258-line"] = legacy.WINDOWS_1258
    (corpus / "random.txt").write_bytes(b"date 2022-01 " + random.Random(7).randbytes(3000))
    root = tmp_path_factory.mktemp("legacy-index")
    return Legacy(corpus, root, index_corpus([corpus], root), expected)


@pytest.fixture(scope="module")
def client(legacy_index: Legacy) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(index_dir=legacy_index.root))) as test_client:
        yield test_client


def _notes_by_article(notes: list[Problem]) -> dict[str, set[str]]:
    """Report lines keyed as article ids are: a .txt file's name, or the JSON line's id (by line number)."""
    line_ids = {("fonts.jsonl", 1): "tcvn3-font", ("fonts.jsonl", 2): "vni-font", ("mixed.jsonl.gz", 2): "cp1258-line"}
    keyed: dict[str, set[str]] = {}
    for note in notes:
        name = Path(note.path).name
        keyed.setdefault(line_ids.get((name, note.line or 0), name), set()).add(note.reason)
    return keyed


def test_every_legacy_form_is_indexed_once_and_random_bytes_are_skipped(legacy_index: Legacy) -> None:
    stats = legacy_index.stats
    assert stats.indexed == len(legacy_index.expected) + 1  # and the plain UTF-8 line
    assert [Path(p.path).name for p in stats.problems] == ["random.txt"]
    assert stats.skipped == 1
    assert stats.summary()["converted"] == len(stats.converted) >= len(legacy_index.expected)


def test_each_legacy_article_is_reported_with_its_encoding(legacy_index: Legacy) -> None:
    notes = _notes_by_article(legacy_index.stats.converted)
    assert set(notes) == set(legacy_index.expected)
    for article_id, source in legacy_index.expected.items():
        assert any(source in reason for reason in notes[article_id]), (article_id, notes[article_id])
    assert all(note.kind == "converted" for note in legacy_index.stats.converted)


@pytest.mark.parametrize("query", ["Kỳ Anh", "ky anh"])
def test_every_legacy_form_is_found_and_marked_in_unicode(legacy_index: Legacy, client: TestClient, query: str) -> None:
    hits = client.get("/search", params={"q": query, "size": 50}).json()["hits"]
    ids = [hit["id"] for hit in hits]
    assert sorted(ids) == sorted(legacy_index.expected)
    for hit in hits:
        assert "<mark>Kỳ Anh</mark>" in hit["title"], hit["id"]
        assert "Hà Tĩnh" in hit["title"]


def test_stored_text_is_the_seed_in_unicode(legacy_index: Legacy, client: TestClient) -> None:
    seed = _seed_article()
    for article_id in legacy_index.expected:
        stored = client.get(f"/articles/{article_id}").json()
        assert stored["title"] == seed.title, article_id
        # iconv's //TRANSLIT wrote curly quotes and the ellipsis as ASCII in the byte encodings.
        plain = seed.body.replace("“", '"').replace("”", '"').replace("…", "...")
        assert stored["body"] in (seed.body, plain), article_id


def test_check_counts_converted_articles_and_finds_the_index_consistent(legacy_index: Legacy) -> None:
    report = check_index([legacy_index.corpus], legacy_index.root)
    assert report.consistent
    assert report.summary()["converted"] == len(legacy_index.stats.converted)
    assert [Path(p.path).name for p in report.problems] == ["random.txt"]


def test_cli_lists_converted_articles_and_exits_0_when_nothing_was_skipped(
    legacy_index: Legacy, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(legacy_index.corpus, corpus)
    runner = CliRunner()
    with_random = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "a")])
    assert with_random.exit_code == 3, with_random.output
    assert "skipped " in with_random.output and "random.txt" in with_random.output
    (corpus / "random.txt").unlink()
    clean = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "b"), "--json"])
    assert clean.exit_code == 0, clean.output
    assert f"converted {corpus / 'seed-viscii.txt'}: read as VISCII" in clean.output
    summary = json.loads(clean.stdout.strip().splitlines()[-1])
    assert summary["skipped"] == 0 and summary["converted"] == len(legacy_index.stats.converted)
    checked = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "b"), "--check", "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout.strip().splitlines()[-1])["converted"] == summary["converted"]


def test_a_utf16_jsonl_file_is_read_whole_and_reported_once(tmp_path: Path) -> None:
    lines = [{"id": f"u{n}", "title": f"Tin {n} ở Hà Tĩnh", "body": "Thị xã Kỳ Anh."} for n in (1, 2)]
    path = tmp_path / "utf16.jsonl"
    path.write_bytes("\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode("utf-16"))
    items = list(read_file(tmp_path, path))
    assert [a.title for a in items if isinstance(a, Article)] == ["Tin 1 ở Hà Tĩnh", "Tin 2 ở Hà Tĩnh"]
    assert [(p.line, p.reason, p.kind) for p in items if isinstance(p, Problem)] == [
        (None, f"read as {legacy.UTF16}", "converted")
    ]


def test_a_converted_note_does_not_make_its_file_troubled(tmp_path: Path) -> None:
    """A file whose lines were read through a legacy encoding was read whole: an article it no longer holds is
    deleted, not kept as for an unreadable file, and nothing counts as skipped."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    gone = json.dumps({"id": "gone", "title": "Tin cũ", "body": "Trời mưa ở Vinh."}, ensure_ascii=False)
    line = {"id": "cp1258", "title": "Tin mới ở Hà Tĩnh", "body": "Thị xã Kỳ Anh có mưa lớn."}
    cp1258 = iconv(json.dumps(line, ensure_ascii=False).encode(), "UTF-8", "CP1258")
    path = corpus / "news.jsonl"
    path.write_bytes(gone.encode() + b"\n" + cp1258 + b"\n")
    root = tmp_path / "index"
    first = index_corpus([corpus], root)
    assert (first.indexed, first.skipped) == (2, 0)
    assert [(note.line, note.reason) for note in first.converted] == [(2, f"read as {legacy.WINDOWS_1258}")]
    path.write_bytes(cp1258 + b"\n")
    second = index_corpus([corpus], root)
    assert (second.deleted, second.skipped, len(second.converted), second.documents) == (1, 0, 1, 1)
    report = check_index([corpus], root)
    assert report.consistent and not report.kept and not report.problems and len(report.converted) == 1


def test_a_utf16_jsonl_file_that_does_not_decode_is_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_bytes('{"id": "a", "body": "Hà Tĩnh"}'.encode("utf-16") + b"\x00")  # an odd byte at the end
    [problem] = list(read_file(tmp_path, path))
    assert isinstance(problem, Problem)
    assert (problem.kind, problem.line) == ("unreadable", None)
    assert "UTF-16" in problem.reason
