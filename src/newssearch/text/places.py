"""Tag an article with the Vietnamese provinces and district-level units it mentions, and those it is about.

``mentioned`` (``PlaceTags.provinces``/``provinces_2025``/``districts``) is every unit named; ``about``
(``PlaceTags.about_*``) is the subset chosen by :mod:`newssearch.text.place_about` from where and how each mention is
used (headline, lead, locatives; never residence, routes, lists, organisations or clubs).

The gazetteer is ``vietnamadminunits``: its legacy 63-province list (with the districts as they stood just
before the 2025 reform) and its mapping from those provinces to the 2025 34-province list.

Why it is built this way:

- **Precision first.** A wrong facet ("Hòa Bình" for an article about peace) is worse than a missing one.
  Place names count only when every syllable is capitalised, so sentence case (``Hòa bình``) and common words
  do not match; a name right after a family name (``Phạm Bình Minh``) or an honorific (``chị Huế``) is a
  person; after ``xã``/``phường``/``đường``/``sông``/a house number it is a commune, a street or a river.
- **Districts need a type word** (``huyện X``, ``thị xã X``/``TX X``/``Thị ủy X``, ``quận X``, ``TP X``)
  because most district names are also given names or ordinary words. Two exceptions: a short list of famous
  cities that news names bare (``Đà Lạt``, ``Nha Trang``), and a multi-syllable name that is unique in a
  province the article is already tagged with. Districts imply their province.
- **Cheap per call.** The lookup (syllable n-grams → entries) is built once, lazily; a call tokenises with one
  C-level ``re.split`` and then only looks at capitalised tokens and their immediate left context.

Text is normalised through :mod:`newssearch.text.analysis`, so NFD input, old tone placement (``Thị uỷ``, ``Hoà``)
and ``Ð`` (U+00D0) match the gazetteer's spelling.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from newssearch.text.analysis import exact_form, fold, nfc, syllables
from newssearch.text.place_about import Mention, decide_about

__all__ = ["PlaceTags", "tag_places"]

# The 34-province list takes effect on this date (Resolution 202/2025/QH15); month precision is enough.
_REFORM_MONTH: Final = "2025-07"

# District types, canonical spelling, and a rank: a town is often upgraded (huyện → thị xã → thành phố), and
# the gazetteer holds the newest type, so an older article's "thị xã Từ Sơn" must still find "Thành phố Từ Sơn".
_HUYEN, _THI_XA, _THANH_PHO, _QUAN = "Huyện", "Thị xã", "Thành phố", "Quận"
_RANK: Final = {_HUYEN: 0, _THI_XA: 1, _THANH_PHO: 2, _QUAN: 2}
_PROVINCE = "tỉnh"  # context code for "tỉnh X" / "Tỉnh ủy X"

# Context words before a name, as exact-form syllables (lowercase, canonical tone placement).
_TYPE_WORDS_2: Final = {
    ("thị", "xã"): _THI_XA,
    ("thị", "ủy"): _THI_XA,
    ("thành", "phố"): _THANH_PHO,
    ("thành", "ủy"): _THANH_PHO,
    ("huyện", "ủy"): _HUYEN,
    ("quận", "ủy"): _QUAN,
    ("tỉnh", "ủy"): _PROVINCE,
    ("huyện", "đoàn"): _HUYEN,
    ("tỉnh", "đoàn"): _PROVINCE,
    ("thành", "đoàn"): _THANH_PHO,
}
_TYPE_WORDS_1: Final = {"tỉnh": _PROVINCE, "huyện": _HUYEN, "quận": _QUAN, "tp": _THANH_PHO, "tx": _THI_XA}
# Abbreviations that may be followed by a dot: "TP.HCM", "TX. Kỳ Anh".
_ABBREVIATIONS: Final = frozenset({"tp", "tx"})
# Words that may sit between a type word and the name: "huyện đảo Lý Sơn", "huyện miền núi Hương Sơn".
_MODIFIERS: Final = frozenset({"đảo", "núi", "miền", "biên", "giới", "vùng", "cao", "nghèo", "biển", "ven", "cảng"})
# A name after these is a commune, a street, a river or another feature that merely shares the name.
_REJECT_2: Final = frozenset({("thị", "trấn"), ("khu", "phố"), ("dân", "phố"), ("xa", "lộ"), ("đại", "lộ")})
_REJECT_1: Final = frozenset(
    {
        "xã", "phường", "thôn", "xóm", "làng", "bản", "ấp", "tdp", "kp", "tt", "đường", "phố", "ngõ", "ngách",
        "hẻm", "kiệt", "sông", "núi", "cầu", "chợ", "đèo", "suối", "kênh", "rạch", "đồi", "bến", "nobel",
        # Football clubs: "CLB Hải Phòng", "SHB Đà Nẵng", "HA Gia Lai", "đội Thanh Hóa".
        "clb", "fc", "đội", "shb", "ha", "hagl", "becamex", "topenland", "than", "nhơn",
    }
)  # fmt: skip
# Words before a province name that make it a football club: its bare mentions elsewhere are the club too.
_CLUB_WORDS: Final = frozenset({"clb", "fc", "đội", "shb", "ha", "hagl", "becamex", "topenland", "than", "nhơn"})
# A name after these is a person (or a nickname): "chị Huế", "anh Hòa Bình", "ca sĩ Hà Nội".
_HONORIFICS: Final = frozenset(
    {
        "ông", "bà", "anh", "chị", "em", "cô", "chú", "bác", "cụ", "cháu", "thầy", "cậu", "bé", "mợ", "dì",
        "thím", "dượng", "sĩ", "hlv", "bs", "ths", "ts", "pgs", "gs", "nsnd", "nsưt", "bn",
    }
)  # fmt: skip
# Vietnamese family names, exact form. A capitalised run starting with one of them is a person's name.
_FAMILY_NAMES: Final = frozenset(
    {
        "nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ", "hồ",
        "ngô", "dương", "lý", "đinh", "đoàn", "trương", "lâm", "mai", "trịnh", "đào", "cao", "lưu", "hà", "tạ",
        "tô", "chu", "châu", "quách", "lương", "thái", "kiều", "triệu", "mạc", "tăng", "vương", "phùng", "từ",
        "hứa", "khúc", "thân", "nông", "lò", "doãn", "diệp", "tôn", "lại", "đàm", "khổng", "lã", "bạch",
        "nghiêm", "quan", "tống", "đồng", "phí", "cù", "ôn", "âu", "văn", "ninh", "giáp", "hầu", "vi", "lục",
        "trình",
    }
)  # fmt: skip

# A capitalised compass word before a bare district name makes it a neighbouring area ("Nam Hội An").
_COMPASS: Final = frozenset({"nam", "bắc", "đông", "tây"})
# Provinces whose names are also common words or given names; a single bare mention is not enough for them.
_RISKY_PROVINCES: Final = frozenset(
    {
        "tinhhoabinh", "tinhthaibinh", "tinhlongan", "tinhhanam", "tinhhaiduong", "tinhbinhduong",
        "tinhthainguyen", "tinhvinhphuc", "tinhphutho", "tinhbinhdinh", "tinhbinhphuoc", "tinhbinhthuan",
        "tinhvinhlong", "tinhhagiang",
    }
)  # fmt: skip
# Province names that are also foreign places, with words that give the foreign one away when close by.
_FOREIGN_HOMONYMS: Final = {"tinhhanam": ("trung", "quốc")}  # Hà Nam, Henan

# Other spellings; each maps to the legacy key. "strong" aliases name the unit unambiguously on their own.
_PROVINCE_ALIASES: Final = {
    "thanhphohochiminh": (
        ("Sài Gòn", "risky"),
        ("TPHCM", "strong"),
        ("Hồ Chí Minh", "typed"),
        ("HCM", "typed"),
    ),
    "thanhphohue": (("Thừa Thiên Huế", ""), ("Thừa Thiên", "risky"), ("TT Huế", "strong")),
    "tinhbariavungtau": (("Bà Rịa Vũng Tàu", ""), ("BR VT", "strong"), ("BRVT", "strong")),
    "tinhdaklak": (("Đắc Lắc", ""), ("Đắk Lắc", ""), ("Daklak", ""), ("Đắc Lắk", "")),
    "tinhdaknong": (("Đắc Nông", ""), ("Daknong", "")),
    "tinhbackan": (("Bắc Cạn", ""),),
    "tinhkontum": (("Kontum", ""),),
}
# Legacy display names that differ from the package's (it already calls the legacy Huế "Thành phố Huế").
_LEGACY_DISPLAY: Final = {"thanhphohue": "Thừa Thiên Huế"}

# Districts that news names without a type word, unambiguous and rarely anything else.
_BARE_CITIES: Final = (
    "Đà Lạt", "Nha Trang", "Vũng Tàu", "Hạ Long", "Phú Quốc", "Buôn Ma Thuột", "Pleiku", "Quy Nhơn",
    "Phan Thiết", "Biên Hòa", "Hội An", "Sa Pa", "Côn Đảo", "Tam Kỳ", "Cam Ranh", "Mỹ Tho", "Rạch Giá",
    "Long Xuyên", "Châu Đốc", "Thủ Dầu Một", "Móng Cái", "Cẩm Phả", "Uông Bí", "Sầm Sơn", "Đồng Hới",
    "Tuy Hòa", "Bảo Lộc", "Thủ Đức", "Củ Chi", "Cần Giờ", "Vân Đồn", "Lý Sơn", "Mộc Châu", "Tam Đảo",
    "Phan Rang Tháp Chàm", "Cô Tô",
)  # fmt: skip
# Former districts merged before the gazetteer's snapshot, still named in 2019-2021 news:
# (type, name) → (province key, district key of the successor).
_FORMER_DISTRICTS: Final = {
    (_QUAN, "2"): ("thanhphohochiminh", "thanhphothuduc"),
    (_QUAN, "9"): ("thanhphohochiminh", "thanhphothuduc"),
    (_QUAN, "Thủ Đức"): ("thanhphohochiminh", "thanhphothuduc"),
}
# Capitalised phrases that contain a province name but are not about it; matched longest-first like names.
_STOP_PHRASES: Final = (
    "Thái Bình Dương", "Nobel Hòa Bình", "Hòa Bình Xanh", "Sài Gòn Thương Tín", "Sài Gòn Hà Nội",
    "Sài Gòn Công Thương", "Sài Gòn Giải Phóng", "Hà Nội Mới", "Hà Nội FC", "Hoàng Anh Gia Lai",
    "Sài Gòn FC", "Sông Lam Nghệ An", "Hồng Lĩnh Hà Tĩnh", "Đông Á Thanh Hóa", "Nam Định FC",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlaceTags:
    """The places an article mentions (``provinces``…) and is about (``about_*``), ready to index as facets.

    The ``about_*`` fields use exactly the same value spelling as their mentioned counterparts and are always
    subsets of them.

    ``provinces`` uses the names in force at the article's date, so a 2020 article is filed under "Bình Dương"
    and a 2025-08 one under "Hồ Chí Minh"; ``provinces_2025`` always uses the 34-province list, so one facet
    spans both periods. ``districts`` are labelled "Thị xã Kỳ Anh, Hà Tĩnh" (legacy province name), unique
    across the country. The legacy name of Huế is "Thừa Thiên Huế" for every date before July 2025 (the package
    already calls it "Huế", its name from January 2025), so the legacy facet has one value for it.
    """

    provinces: tuple[str, ...] = ()
    provinces_2025: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    about_provinces: tuple[str, ...] = ()
    about_provinces_2025: tuple[str, ...] = ()
    about_districts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _District:
    key: str
    province: str
    type: str
    label: str


@dataclass(slots=True)
class _Entry:
    """Everything one syllable sequence can denote."""

    provinces: list[str] = field(default_factory=list)
    districts: list[_District] = field(default_factory=list)
    province_mode: str = ""  # "" plain, "risky", "typed" (needs a type word), "strong" (alias that is enough)
    bare_city: bool = False
    stop: bool = False


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    entries: dict[tuple[str, ...], _Entry]
    longest: dict[str, int]  # first syllable → longest entry starting with it
    legacy_name: dict[str, str]
    successor: dict[str, str]  # legacy key → 2025 display name
    district_by_key: dict[tuple[str, str], _District]
    numbered: dict[str, _District]  # "1" → Quận 1 (Hồ Chí Minh)
    splitter: re.Pattern[str]


def _key(text: str) -> tuple[str, ...]:
    return tuple(syllables(text))


def _load(name: str) -> dict[str, Any]:
    """One of the package's data files, read without importing the package.

    Importing ``vietnamadminunits`` (as ``importlib.resources.files`` does) runs its parsers' imports: shapely,
    geopy, requests and its own copies of these files, decoded and kept for good. Measured in a serving process
    (150k index, our 2-core machine): 27 MB of heap and 0.36 s, of which the gazetteer uses nothing.
    """
    spec = importlib.util.find_spec("vietnamadminunits")  # a top-level package is found, not run
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits")
    path = Path(next(iter(spec.submodule_search_locations)), "data", name)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _district_type_and_name(full: str) -> tuple[str, str]:
    """``"Thành Phố Bắc Kạn"`` → ``("Thành phố", "Bắc Kạn")``; the package capitalises types inconsistently."""
    for kind in (_THANH_PHO, _THI_XA, _HUYEN, _QUAN):
        if full.lower().startswith(kind.lower() + " "):
            return kind, full[len(kind) + 1 :]
    raise ValueError(f"unknown district type in {full!r}")


@functools.cache
def _gazetteer() -> _Gazetteer:
    """Build the lookup once: about 0.1 s, then every call is dictionary look-ups."""
    legacy = _load("parser_legacy.json")
    new = _load("parser_from_2025.json")
    converter = _load("converter_2025.json")

    legacy_name = {
        key: _LEGACY_DISPLAY.get(key, info["provinceShort"]) for key, info in legacy["DICT_PROVINCE"].items()
    }
    successor = {
        old: new["DICT_PROVINCE"][new_key]["provinceShort"]
        for new_key, olds in converter["DICT_PROVINCE"].items()
        for old in olds
    }
    entries: dict[tuple[str, ...], _Entry] = {}

    def entry(name: str) -> _Entry:
        return entries.setdefault(_key(name), _Entry())

    for key, info in legacy["DICT_PROVINCE"].items():
        e = entry(info["provinceShort"])
        e.provinces.append(key)
        e.province_mode = "risky" if key in _RISKY_PROVINCES else ""
    for key, aliases in _PROVINCE_ALIASES.items():
        for alias, mode in aliases:
            e = entry(alias)
            e.provinces.append(key)
            e.province_mode = mode

    district_by_key: dict[tuple[str, str], _District] = {}
    numbered: dict[str, _District] = {}
    for province, units in legacy["DICT_PROVINCE_DISTRICT"].items():
        for dkey, info in units.items():
            kind, name = _district_type_and_name(info["district"])
            unit = _District(dkey, province, kind, f"{kind} {name}, {legacy_name[province]}")
            district_by_key[province, dkey] = unit
            if name.isdigit():
                numbered[name] = unit
            else:
                entry(name).districts.append(unit)
    for (kind, name), (province, dkey) in _FORMER_DISTRICTS.items():
        unit = district_by_key[province, dkey]
        former = _District(dkey, province, kind, unit.label)
        if name.isdigit():
            numbered[name] = former
        else:
            entry(name).districts.append(former)
    for name in _BARE_CITIES:
        entries[_key(name)].bare_city = True
    entries[_key("Sapa")] = entries[_key("Sa Pa")]
    for phrase in _STOP_PHRASES:
        entry(phrase).stop = True

    longest: dict[str, int] = {}
    for syls in entries:
        longest[syls[0]] = max(longest.get(syls[0], 0), len(syls))
    # Tokens are split with their separators kept: [gap, token, gap, token, ..., gap].
    splitter = re.compile(r"([^\W_]+)")
    return _Gazetteer(entries, longest, legacy_name, successor, district_by_key, numbered, splitter)


@functools.lru_cache(maxsize=1 << 16)
def _exact(token: str) -> str:
    """Cached :func:`exact_form`: news vocabulary is small, so most tokens are a dictionary hit."""
    return exact_form(token)


def _gap_kind(gap: str) -> str:
    """Classify the text between two tokens: ``" "``, ``"-"``, ``"."``, ``","`` or ``"x"`` (anything else)."""
    if gap == " ":
        return " "
    stripped = gap.strip(" \t\u00a0")
    if not stripped:
        return " " if "\n" not in gap else "x"
    if stripped in ("-", "–", "—"):
        return "-"
    if stripped in (".", ","):
        return stripped
    return "x"


@dataclass(slots=True)
class _Evidence:
    """What one article says about each place, gathered in one left-to-right scan."""

    tokens: list[str]
    gaps: list[str]

    typed: dict[str, int] = field(default_factory=dict)  # province → typed/strong mentions
    bare: dict[str, int] = field(default_factory=dict)  # province → bare mentions
    in_title: set[str] = field(default_factory=set)
    first: dict[str, int] = field(default_factory=dict)  # province or district label → first position
    districts: dict[str, int] = field(default_factory=dict)  # label → mentions
    district_units: dict[str, _District] = field(default_factory=dict)
    ambiguous: list[tuple[list[_District], int, int]] = field(default_factory=list)  # typed, several candidates
    bare_names: list[tuple[tuple[str, ...], int, int]] = field(default_factory=list)  # (name, start, end)
    mentions: list[Mention] = field(default_factory=list)  # every recorded occurrence, for the "about" decision
    clubs: set[str] = field(default_factory=set)  # provinces named as a football club somewhere ("CLB Hà Nội")

    def province(self, key: str, pos: int, end: int, *, typed: bool, title: bool) -> None:
        target = self.typed if typed else self.bare
        target[key] = target.get(key, 0) + 1
        self.first.setdefault(key, pos)
        if title:
            self.in_title.add(key)
        self.mentions.append(Mention(pos, end, key, "", typed))

    def district(self, unit: _District, pos: int, end: int, *, typed: bool) -> None:
        self.districts[unit.label] = self.districts.get(unit.label, 0) + 1
        self.district_units[unit.label] = unit
        self.first.setdefault(unit.label, pos)
        self.mentions.append(Mention(pos, end, unit.province, unit.label, typed))


def _context(tokens: list[str], gaps: list[str], i: int) -> str:
    """The word(s) right before token ``i``: a type code, ``"reject"``, ``"person"`` or ``""``.

    ``gaps[i]`` is the separator before ``tokens[i]``.
    """
    gap = _gap_kind(gaps[i])
    j = i - 1
    if j < 0 or gap not in (" ", "."):
        return ""
    prev = _exact(tokens[j])
    if gap == "." and prev not in _ABBREVIATIONS:
        return ""
    if tokens[j][:1].isdigit():
        return "reject"  # "123 Điện Biên Phủ": a street address
    # Skip modifiers: "huyện miền núi Hương Sơn", "thành phố biển Nha Trang".
    k, word = j, prev
    while word in _MODIFIERS and k > 0 and _gap_kind(gaps[k]) == " " and not tokens[k][:1].isupper():
        k -= 1
        word = _exact(tokens[k])
    before = _exact(tokens[k - 1]) if k > 0 and _gap_kind(gaps[k]) == " " else ""
    if (before, word) in _TYPE_WORDS_2:
        return _TYPE_WORDS_2[before, word]
    if word in _TYPE_WORDS_1:
        return _TYPE_WORDS_1[word]
    before = _exact(tokens[j - 1]) if j > 0 and _gap_kind(gaps[j]) == " " else ""
    if (before, prev) in _REJECT_2 or prev in _REJECT_1:
        return "reject"
    if prev in _HONORIFICS:
        return "person"
    return ""


def _fits(unit: _District, kind: str, *, unique: bool) -> bool:
    """Whether a district of the gazetteer can be what ``kind X`` names (exactly, or before an upgrade)."""
    if unit.type == kind:
        return True
    if not unique or kind == _PROVINCE:
        return False
    return kind != _QUAN and unit.type != _QUAN and _RANK[kind] < _RANK[unit.type]


def _foreign(tokens: list[str], start: int, end: int, marker: tuple[str, str]) -> bool:
    """Whether ``marker`` (e.g. "Trung Quốc") occurs within a few tokens of ``tokens[start:end]``."""
    window = [_exact(t) for t in tokens[max(0, start - 8) : end + 8]]
    return any(window[n : n + 2] == list(marker) for n in range(len(window) - 1))


def _numbered(tokens: list[str], gaps: list[str], i: int, gaz: _Gazetteer) -> _District | None:
    """``Quận 1``, ``quận 10``, ``Q.3``: Hồ Chí Minh City's numbered districts."""
    if i + 1 < len(tokens) and tokens[i + 1].isdigit() and _gap_kind(gaps[i + 1]) in (" ", "."):
        return gaz.numbered.get(tokens[i + 1].lstrip("0"))
    return None


def _scan(text: str, title_tokens: int, gaz: _Gazetteer) -> _Evidence:
    """One pass over the capitalised tokens, recording every place mention with its context."""
    parts = gaz.splitter.split(text)
    tokens = parts[1::2]
    gaps = parts[0::2]  # gaps[i] precedes tokens[i]; one extra at the end
    ev = _Evidence(tokens=tokens, gaps=gaps)
    entries, longest = gaz.entries, gaz.longest
    n = len(tokens)
    last_end, last_kind = -2, ""  # for lists: "các huyện Kỳ Anh, Cẩm Xuyên và Thạch Hà"
    i = 0
    while i < n:
        token = tokens[i]
        if token == "quận" or token == "Quận" or token == "Q" or token == "QUẬN":
            unit = _numbered(tokens, gaps, i, gaz)
            if unit is not None:
                ev.district(unit, i, i + 2, typed=True)
                last_end, last_kind = i + 2, _QUAN
                i += 2
                continue
        if not token[0].isupper():
            i += 1
            continue
        first = _exact(token)
        match: _Entry | None = None
        length = 0
        span = longest.get(first, 0)
        if span:
            syls = [first]
            for j in range(i + 1, min(n, i + span)):
                if not tokens[j][0].isupper() or _gap_kind(gaps[j]) not in (" ", "-"):
                    break
                syls.append(_exact(tokens[j]))
            for size in range(len(syls), 0, -1):
                candidate = entries.get(tuple(syls[:size]))
                if candidate is not None:
                    match, length = candidate, size
                    break
        if match is None:
            i += _person_length(tokens, gaps, i, first, gaz) or 1
            continue
        if match.stop:
            i += length
            continue
        end = i + length
        kind = _context(tokens, gaps, i)
        if kind in ("reject", "person"):
            if match.provinces and i and _exact(tokens[i - 1]) in _CLUB_WORDS:
                ev.clubs.add(match.provinces[0])
            i = end
            continue
        if not kind and last_kind:
            # A list continues the type word: ", Cẩm Xuyên" or "và Thạch Hà" right after a typed name.
            gap = _gap_kind(gaps[i])
            if (last_end == i and gap == ",") or (
                last_end == i - 1 and _exact(tokens[i - 1]) == "và" and _gap_kind(gaps[i - 1]) == " "
            ):
                kind = "list:" + last_kind
        if not kind and "(" in gaps[i] and gaps[end].startswith(")"):
            kind = "paren"  # "huyện Chư Păh (Gia Lai)", "chị N.T (Bắc Ninh)": a place in apposition
        elif not kind and i and gaps[i] == " " and tokens[i - 1][0].isupper() and _exact(tokens[i - 1]) in _COMPASS:
            kind = "compass"
        recorded = _record(match, kind, tokens, i, end, i < title_tokens, ev)
        if recorded:
            last_end, last_kind = end, ("" if recorded == "bare" else recorded)
            i = end
            continue
        i += _person_length(tokens, gaps, i, first, gaz) or length
    return ev


def _person_length(tokens: list[str], gaps: list[str], i: int, first: str, gaz: _Gazetteer) -> int:
    """If ``tokens[i]`` starts a person's name (family name + capitalised given names), its length, else 0.

    The given names are at most three syllables; a province name (not a name needing a type word) that starts
    after two of them ends the name early, so "Trần Thế Dũng Hà Tĩnh" still yields Hà Tĩnh.
    """
    if first not in _FAMILY_NAMES:
        return 0
    n = len(tokens)
    j = i + 1
    while j < n and j <= i + 3 and tokens[j][0].isupper() and _gap_kind(gaps[j]) == " ":
        if j == i + 3:
            nxt = gaz.entries.get((_exact(tokens[j]), _exact(tokens[j + 1]) if j + 1 < n else ""))
            if nxt is not None and nxt.provinces and nxt.province_mode != "typed":
                break
        j += 1
    return j - i if j > i + 1 else 0


def _record(match: _Entry, kind: str, tokens: list[str], start: int, end: int, title: bool, ev: _Evidence) -> str:
    """Record one name occurrence under its context; return the type it was read as, ``"bare"``, or ``""``."""
    listed = kind.startswith("list:")
    kind = kind.removeprefix("list:")
    if kind in (_HUYEN, _THI_XA, _QUAN) or (kind == _THANH_PHO and match.districts and not listed):
        # A province name is never upgraded: "Thị ủy Hà Tĩnh" is a slip for the province, not TP Hà Tĩnh.
        unique = len(match.districts) == 1 and not match.provinces
        fits = [d for d in match.districts if d.type == kind] or [
            d for d in match.districts if not listed and _fits(d, kind, unique=unique)
        ]
        if len(fits) == 1:
            ev.district(fits[0], start, end, typed=True)
            return kind
        if fits:
            ev.ambiguous.append((fits, start, end))
            return kind
        if not match.provinces:
            return ""
    if match.provinces:
        key = match.provinces[0]
        homonym = _FOREIGN_HOMONYMS.get(key)
        if homonym is not None and _foreign(tokens, start, end, homonym):
            return ""
        typed = kind in (_PROVINCE, _THANH_PHO, "paren") or match.province_mode == "strong"
        if match.province_mode == "typed" and not typed:
            return ""
        ev.province(key, start, end, typed=typed, title=title)
        return kind if typed and kind != "paren" else "bare"
    if kind and kind not in ("paren", "compass"):
        return ""
    if kind == "compass":
        return ""  # "Nam Hội An" (South Hội An) is a resort area outside the city: no bare district
    if match.bare_city:
        for unit in match.districts:
            ev.district(unit, start, end, typed=False)
        return "bare"
    syls = tuple(_exact(t) for t in tokens[start:end])
    if len(syls) >= 2 and syls[0] not in _FAMILY_NAMES:
        ev.bare_names.append((syls, start, end))
    return ""


def _decide(ev: _Evidence, gaz: _Gazetteer, lowered: str) -> tuple[list[str], list[str]]:
    """Turn mentions into tags: province keys and district labels, most-mentioned first."""
    counts: dict[str, int] = {}
    for label, unit in ev.district_units.items():
        counts[unit.province] = counts.get(unit.province, 0) + ev.districts[label]
    for key, number in ev.typed.items():
        counts[key] = counts.get(key, 0) + number
    for key, number in ev.bare.items():
        risky = key in _RISKY_PROVINCES
        if key in counts or not risky or number >= 2 or key in ev.in_title:
            counts[key] = counts.get(key, 0) + number
    for label, unit in list(ev.district_units.items()):
        ev.first.setdefault(unit.province, ev.first[label])
    accepted = set(counts)

    for candidates, pos, end in ev.ambiguous:
        local = [d for d in candidates if d.province in accepted]
        if len(local) == 1:
            ev.district(local[0], pos, end, typed=True)
    for name, pos, end in ev.bare_names:
        entry = gaz.entries[name]
        local = [d for d in entry.districts if d.province in accepted]
        if len({d.label for d in local}) > 1:
            # "Kỳ Anh" bare, with both a huyện and a thị xã: the one already named with its type, or the one
            # whose type word the article uses.
            named = [d for d in local if d.label in ev.districts]
            local = named or [d for d in local if fold(d.type) in lowered]
        if len({d.label for d in local}) == 1:
            ev.district(local[0], pos, end, typed=False)

    provinces = sorted(accepted, key=lambda k: (-counts[k], ev.first.get(k, 0)))
    districts = sorted(ev.districts, key=lambda label: (-ev.districts[label], ev.first[label]))
    return provinces, districts


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def tag_places(title: str, body: str, date: str | None = None) -> PlaceTags:
    """The provinces and districts an article mentions, and the subset it is about.

    ``date`` is ``YYYY-MM-DD``, ``YYYY-MM`` or ``None``; it only chooses which names ``provinces`` uses
    (legacy 63-province names before July 2025 or when unknown, the 34-province names from then on).
    """
    gaz = _gazetteer()
    title = nfc(title)
    body = nfc(body)
    text = f"{title}\n{body}"
    title_tokens = len(gaz.splitter.findall(title))
    ev = _scan(text, title_tokens, gaz)
    if not ev.typed and not ev.bare and not ev.districts and not ev.bare_names and not ev.ambiguous:
        return PlaceTags()
    keys, districts = _decide(ev, gaz, fold(text) if ev.bare_names else "")
    # Many titles are the lead's first sentence (sometimes cut with "…"): the lead starts after that copy.
    headline = title.rstrip("…. \u00a0")
    body_start = title_tokens
    if headline and body.startswith(headline):
        body_start += len(gaz.splitter.findall(headline))
    about_keys, about_districts = decide_about(
        ev.mentions,
        ev.tokens,
        ev.gaps,
        title_tokens=title_tokens,
        body_start=body_start,
        accepted=set(keys),
        clubs=ev.clubs,
    )
    new_names = date is not None and date[:7] >= _REFORM_MONTH
    successors = _unique(gaz.successor[k] for k in keys)
    about_successors = _unique(gaz.successor[k] for k in about_keys)
    if new_names:
        provinces, about = successors, about_successors
    else:
        provinces = _unique(gaz.legacy_name[k] for k in keys)
        about = _unique(gaz.legacy_name[k] for k in about_keys)
    return PlaceTags(provinces, successors, tuple(districts), about, about_successors, tuple(about_districts))
