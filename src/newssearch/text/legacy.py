"""Read Vietnamese text saved before Unicode: legacy byte encodings and legacy-font text inside UTF-8.

A newsroom archive spans decades. Two kinds of old text reach the indexer:

* **Bytes in a legacy encoding** (not valid UTF-8): Windows-1258, TCVN3 (TCVN 5712:1993, the "ABC" fonts' code),
  VISCII, or UTF-16 with a byte-order mark. :func:`decode_legacy` decodes the bytes with each candidate and keeps
  the one whose words are well-formed Vietnamese syllables (:func:`newssearch.text.orthography.is_syllable`): a right
  decoding reads ``Hà Tĩnh``, a wrong one letter salad. When no candidate reads as Vietnamese, or two different
  ones do about equally well, it raises :class:`LegacyDecodeError`: the caller skips and reports, never guesses.
* **Font-encoded text** (valid UTF-8, meant for a legacy font): the bytes of TCVN3 or VNI-Windows text were read
  as Windows-1252 somewhere along the way, so ``Hà Tĩnh`` arrives as ``Hµ TÜnh`` (TCVN3) and ``Xin chào các bạn``
  as ``Xin chaøo caùc baïn`` (VNI-Windows, which writes a toned vowel as a letter and a mark glyph).
  :func:`convert_font_text` spots such a field by characters Vietnamese Unicode text does not use, converts it,
  and keeps the conversion only when it turns letter salad into syllables.

Tables and their sources (tests check the iconv ones byte for byte wherever ``iconv`` exists):

* Windows-1258: Python's own ``cp1258`` codec (it decodes tone marks as combining characters, so the result is
  put in NFC); identical to glibc iconv's ``CP1258``.
* TCVN3 and VISCII: generated from glibc iconv's ``TCVN5712-1`` and ``VISCII`` charmaps, one byte at a time.
* VNI-Windows (not in iconv): the ``VNI[]`` table of xvnkb's ``vni.h`` (Dao Hai Lam, 2002,
  github.com/lamdao/xvnkb), which lists each Vietnamese letter as the VNI glyphs that write it.

Pure Python: the standard library and :mod:`newssearch.text.orthography`.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from dataclasses import dataclass

from newssearch.text.orthography import is_syllable

__all__ = ["Decoded", "LegacyDecodeError", "convert_font_text", "decode_legacy"]

#: The names a report gives each source.
WINDOWS_1258, TCVN3, VISCII, UTF16 = "Windows-1258", "TCVN3 (TCVN 5712)", "VISCII", "UTF-16"
TCVN3_FONT, VNI_FONT = "TCVN3 font text", "VNI-Windows font text"

# glibc iconv TCVN5712-1, bytes 0x80-0xFF (0xB0-0xB4 are combining tone marks), and the C0 bytes it uses for
# capital letters.
_TCVN3_HIGH = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"
    "\xa0ĂÂÊÔƠƯĐăâêôơưđẰ\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịò"
    "ỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"
)
_TCVN3_LOW = {
    0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ",
    0x12: "Ự", 0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ",
}  # fmt: skip
# glibc iconv VISCII, bytes 0x80-0xFF, and the C0 bytes it uses for capital letters.
_VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"
    "ÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯ"
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứÒÓÔạỷừửÙÚỹỵÝỡư"
    "àáâãảăữẫèéêẻìíĩỉđựòóôõỏọụùúũủýợỮ"
)
_VISCII_LOW = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}

# xvnkb vni.h, VNI[]: each row is a vowel and its five toned forms (sắc, huyền, hỏi, ngã, nặng) as VNI glyphs
# read through Windows-1252; then Đ. The Unicode letters are the same rows, composed below.
_VNI_ROWS = (
    ("A", "A AÙ AØ AÛ AÕ AÏ"),
    ("Â", "AÂ AÁ AÀ AÅ AÃ AÄ"),
    ("Ă", "AÊ AÉ AÈ AÚ AÜ AË"),
    ("E", "E EÙ EØ EÛ EÕ EÏ"),
    ("Ê", "EÂ EÁ EÀ EÅ EÃ EÄ"),
    ("O", "O OÙ OØ OÛ OÕ OÏ"),
    ("Ô", "OÂ OÁ OÀ OÅ OÃ OÄ"),
    ("Ơ", "Ô ÔÙ ÔØ ÔÛ ÔÕ ÔÏ"),
    ("U", "U UÙ UØ UÛ UÕ UÏ"),
    ("Ư", "Ö ÖÙ ÖØ ÖÛ ÖÕ ÖÏ"),
    ("I", "I Í Ì Æ Ó Ò"),
    ("Y", "Y YÙ YØ YÛ YÕ Î"),
)
_VNI_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")

#: A decoding is accepted when at least this share of its non-ASCII words are Vietnamese syllables.
MIN_SYLLABLE_SHARE = 0.8
#: ... and a different decoding of the same bytes scores at least this much less (else: ambiguous).
MIN_MARGIN = 0.2
#: Font text is converted only when the unconverted field reads this badly (real Vietnamese reads near 1.0).
MAX_SHARE_BEFORE_CONVERSION = 0.5

_TYPOGRAPHY = re.compile("[\u2000-\u206f\u20ac\u2122]")
_WORD_RE = re.compile(r"[^\W\d_]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


class LegacyDecodeError(ValueError):
    """Bytes that are not UTF-8 and not recognisably Vietnamese in any legacy encoding; the message says why."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from a legacy encoding, NFC, and the encoding's name for the report."""

    text: str
    encoding: str


def _charmap(high: str, low: dict[int, str]) -> str:
    """A 256-character ``codecs.charmap_decode`` table: ASCII, the C0 capitals, the high half."""
    table = [chr(b) for b in range(128)] + list(high)
    for byte, char in low.items():
        table[byte] = char
    return "".join(table)


@functools.cache
def _tables() -> dict[str, str]:
    return {TCVN3: _charmap(_TCVN3_HIGH, _TCVN3_LOW), VISCII: _charmap(_VISCII_HIGH, _VISCII_LOW)}


def decode_with(data: bytes, encoding: str) -> str:
    """``data`` decoded as one of :data:`WINDOWS_1258`, :data:`TCVN3`, :data:`VISCII`, in NFC.

    Raises :class:`UnicodeDecodeError` on a byte the encoding does not define (Windows-1258 has a few).
    """
    if encoding == WINDOWS_1258:
        text = data.decode("cp1258")
    else:
        text, _ = codecs.charmap_decode(data, "strict", _tables()[encoding])
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=50_000)
def _is_syllable(word: str) -> bool:
    return is_syllable(word)


def syllable_share(text: str) -> tuple[float, int]:
    """The share of ``text``'s non-ASCII words that are Vietnamese syllables, and how many such words there are.

    ASCII words read the same in every candidate, so they carry no evidence; a control character counts as a
    bad word (a wrong decoding of C0/C1 bytes).
    """
    good, bad = 0, len(_CONTROL_RE.findall(text))
    for word in _WORD_RE.findall(text):
        if not word.isascii():
            if _is_syllable(word):
                good += 1
            else:
                bad += 1
    total = good + bad
    return (good / total if total else 0.0), total


def decode_legacy(data: bytes) -> Decoded:
    """Decode bytes that are not UTF-8 as the legacy encoding that reads as Vietnamese.

    UTF-16 is taken on its byte-order mark. Otherwise each of Windows-1258, TCVN3 and VISCII is tried; the one
    whose non-ASCII words are at least :data:`MIN_SYLLABLE_SHARE` syllables wins, provided every other decoding
    that differs scores :data:`MIN_MARGIN` less. Raises :class:`LegacyDecodeError` otherwise.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(unicodedata.normalize("NFC", data.decode("utf-16")), UTF16)
        except UnicodeDecodeError as exc:
            raise LegacyDecodeError(f"not valid UTF-8, nor UTF-16 despite its byte-order mark ({exc.reason})") from None
    scored: list[tuple[float, str, str]] = []
    for encoding in (WINDOWS_1258, TCVN3, VISCII):
        try:
            text = decode_with(data, encoding)
        except UnicodeDecodeError:
            continue
        share, words = syllable_share(text)
        if words:
            scored.append((share, encoding, text))
    scored.sort(key=lambda s: -s[0])
    tried = ", ".join(f"{encoding} {share:.0%}" for share, encoding, _ in scored) or "no Vietnamese words"
    if not scored or scored[0][0] < MIN_SYLLABLE_SHARE:
        raise LegacyDecodeError(f"not valid UTF-8, nor Vietnamese in a legacy encoding (syllables read: {tried})")
    best_share, best, text = scored[0]
    rivals = [enc for share, enc, other in scored[1:] if other != text and share > best_share - MIN_MARGIN]
    if rivals:
        raise LegacyDecodeError(f"not valid UTF-8; legacy encoding ambiguous (syllables read: {tried})")
    return Decoded(text, best)


@functools.cache
def _tcvn3_font() -> dict[str, str]:
    """Windows-1252 (or Latin-1) glyph of each TCVN3 byte → the letter it stands for.

    Curly quotes, dashes, bullets, ``…``, ``€`` and ``™`` stay themselves: the ABC fonts wrote no capital toned
    letters at those bytes (their capitals were separate fonts), and a real article is full of such punctuation.
    """
    mapping: dict[str, str] = {}
    for byte in range(0x80, 0x100):
        letter = _TCVN3_HIGH[byte - 0x80]
        for glyph in {chr(byte), bytes([byte]).decode("cp1252", errors="ignore")} - {""}:
            if glyph != letter and not _TYPOGRAPHY.match(glyph):
                mapping[glyph] = letter
    return mapping


@functools.cache
def _vni_font() -> dict[str, str]:
    """VNI-Windows glyph sequence → the letter it stands for, both cases, also a capital with a small mark."""
    mapping: dict[str, str] = {"Ñ": "Đ", "ñ": "đ"}
    for letter, row in _VNI_ROWS:
        for glyphs, tone in zip(row.split(), _VNI_TONES, strict=True):
            upper = unicodedata.normalize("NFC", letter + tone)
            for source, target in ((glyphs, upper), (glyphs.lower(), upper.lower())):
                if source != target:
                    mapping[source] = target
            if len(glyphs) == 2:
                mapping.setdefault(glyphs[0] + glyphs[1].lower(), upper)  # ``Aù``: a capital, a small mark
    return mapping


def _pattern(mapping: dict[str, str]) -> re.Pattern[str]:
    """Longest glyph sequences first, so ``aù`` is one letter and not ``a`` then ``ù``."""
    return re.compile("|".join(re.escape(g) for g in sorted(mapping, key=len, reverse=True)))


@functools.cache
def _fonts() -> tuple[tuple[str, dict[str, str], re.Pattern[str]], ...]:
    return tuple(
        (name, table, _pattern(table)) for name, table in ((TCVN3_FONT, _tcvn3_font()), (VNI_FONT, _vni_font()))
    )


@functools.cache
def _telltale_re() -> re.Pattern[str]:
    """Glyphs both fonts use that Vietnamese Unicode text never contains (``µ``, ``Ü``, ``ø``, ``ï``...)."""
    vietnamese = {
        unicodedata.normalize("NFC", base + tone)
        for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
        for tone in ("", *_VNI_TONES[1:])
    } | set("đĐ")
    glyphs = {ch for _, table, _ in _fonts() for glyphs in table for ch in glyphs}
    telltales = sorted(ch for ch in glyphs - vietnamese if not ch.isascii())
    return re.compile("[" + "".join(re.escape(ch) for ch in telltales) + "]")


def _convert(text: str, table: dict[str, str], pattern: re.Pattern[str]) -> str:
    return unicodedata.normalize("NFC", pattern.sub(lambda m: table[m.group()], text))


def convert_font_text(text: str) -> tuple[str, str] | None:
    """``(Unicode text, font name)`` when ``text`` is TCVN3 or VNI-Windows font text, else ``None``.

    Cheap for ordinary text: one regex search for a tell-tale glyph. A field with one (``25°C``, ``Zürich``) is
    converted both ways, and a conversion is kept only when the field read badly and now reads as Vietnamese.
    """
    if text.isascii() or not _telltale_re().search(text):
        return None
    before, _ = syllable_share(text)
    if before >= MAX_SHARE_BEFORE_CONVERSION:
        return None
    best: tuple[float, str, str] | None = None
    for name, table, pattern in _fonts():
        converted = _convert(text, table, pattern)
        share, words = syllable_share(converted)
        if words and share >= MIN_SYLLABLE_SHARE and (best is None or share > best[0]):
            best = (share, name, converted)
    return (best[2], best[1]) if best is not None else None
