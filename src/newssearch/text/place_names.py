"""Resolve a place name as a person types it to the facet values the index stores.

``resolve_place("sai gon")``, ``resolve_place("TP.HCM")`` and ``resolve_place("Thành phố Hồ Chí Minh")`` all
give the same :class:`PlaceMatch`. Accepted: any case, with or without diacritics (``quang nam``), old tone
placement, abbreviations and common names (``TPHCM``, ``HCM``, ``Sài Gòn``, ``HN``, ``Huế``, ``BRVT``), the
official long form with its type word (``tỉnh Quảng Nam``, ``thị xã Kỳ Anh``, ``Q.1``), the 63 legacy
provinces, the 34 provinces of 2025 and the legacy districts, optionally qualified by their province
(``Châu Thành, Tiền Giang``). Unknown text gives ``None``; :func:`suggest_places` then gives the closest names.

The values returned are exactly what :func:`newssearch.text.places.tag_places` produces and the index stores:
``provinces`` → the ``province`` facet (legacy names, "Thừa Thiên Huế" for Huế), ``provinces_2025`` → the
``province_2025`` facet (34-province names), ``districts`` → the ``district`` facet ("Thị xã Kỳ Anh, Hà Tĩnh").
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from typing import Final, Literal

from newssearch.text.analysis import fold, nfc
from newssearch.text.places import _gazetteer

__all__ = ["PlaceMatch", "preload", "province_names", "resolve_place", "suggest_places"]


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """The unit(s) a typed name denotes, as stored facet values.

    - ``kind="province"``: ``provinces`` holds the legacy province of that name (empty when the name only
      exists in 2025, which never happens with today's names but is allowed), ``provinces_2025`` the 2025
      province of that name (empty for a province merged away, e.g. "Quảng Nam"); filter ``province`` for
      pre-2025 units, ``province_2025`` for post-2025 ones.
    - ``kind="district"``: ``districts`` holds every district the name can be (several when ambiguous, e.g.
      "Kỳ Anh" is a huyện and a thị xã); ``provinces``/``provinces_2025`` are the provinces containing them.
    - ``former_provinces``: the legacy provinces that make up the 2025 province of that name when it merged
      several ("Đà Nẵng" → ("Đà Nẵng", "Quảng Nam")); empty when the 2025 province is one legacy province.
    - ``successor``: for a legacy province, the 2025 province it is now part of ("Quảng Nam" → "Đà Nẵng").
    """

    label: str
    kind: Literal["province", "district"]
    provinces: tuple[str, ...] = ()
    provinces_2025: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    former_provinces: tuple[str, ...] = ()
    successor: str | None = None


# Other names people type, folded (no diacritics, no spaces) → legacy province key.
_ALIASES: Final = {
    "thanhphohochiminh": ("hcm", "tphcm", "hochiminh", "saigon", "sg", "tpsaigon", "hochiminhcity", "hcmc"),
    "thanhphohanoi": ("hn", "tphn", "hanoi", "thudo"),
    "thanhphohue": ("hue", "thuathienhue", "tthue", "tth", "thuathien"),
    "thanhphodanang": ("danang", "tpdn"),
    "thanhphohaiphong": ("hp", "haiphong"),
    "thanhphocantho": ("cantho",),
    "tinhbariavungtau": ("brvt", "bariavungtau"),
    "tinhdaklak": ("daklak", "daclac", "daclak", "daklac"),
    "tinhdaknong": ("daknong", "dacnong"),
    "tinhbackan": ("baccan",),
    "tinhkontum": ("kontum",),
}
# Type words a query may start with (folded, spaces removed after them).
_PROVINCE_TYPES: Final = ("tinh", "thanhpho", "tp")
_DISTRICT_TYPES: Final = {
    "huyen": "Huyện",
    "quan": "Quận",
    "q": "Quận",
    "thixa": "Thị xã",
    "tx": "Thị xã",
    "thanhpho": "Thành phố",
    "tp": "Thành phố",
}
_TYPE_PREFIX: Final = re.compile(r"^(tinh|thanh pho|tp|thi xa|tx|huyen|quan|q)\b\s*")
_QUALIFIERS: Final = re.compile(r"\s*\b(cu|moi|truoc 2025|sau 2025|2025)\s*$")


@dataclass(frozen=True, slots=True)
class _Names:
    provinces: dict[str, str]  # folded key → legacy province key
    provinces_2025: dict[str, str]  # folded 2025 name → 2025 name
    districts: dict[str, list[tuple[str, str, str]]]  # folded name → [(type, label, legacy province key)]
    labels: dict[str, list[str]]  # folded spaced name → display labels, for suggestions


def _fold_key(text: str) -> str:
    return "".join(ch for ch in fold(nfc(text)) if ch.isalnum())


def _clean(text: str) -> str:
    """Folded, punctuation to spaces, single spaces: ``"TP.HCM"`` → ``"tp hcm"``, ``"Q1"`` → ``"q 1"``."""
    words = re.sub(r"[^0-9a-z]+", " ", fold(nfc(text))).split()
    return re.sub(r"^(q|quan)(\d+)$", r"\1 \2", " ".join(words))


@functools.cache
def _names() -> _Names:
    gaz = _gazetteer()
    provinces: dict[str, str] = {}
    labels: dict[str, list[str]] = {}

    def label(name: str, value: str) -> None:
        values = labels.setdefault(_clean(name), [])
        if value not in values:
            values.append(value)

    for key, name in gaz.legacy_name.items():
        provinces[_fold_key(name)] = key
        label(name, name)
    for key, aliases in _ALIASES.items():
        for alias in aliases:
            provinces[alias] = key
    provinces_2025 = {_fold_key(name): name for name in gaz.successor.values()}
    for name in gaz.successor.values():
        label(name, name)
    districts: dict[str, list[tuple[str, str, str]]] = {}
    for (province, _), unit in gaz.district_by_key.items():
        name = unit.label[len(unit.type) + 1 :].rsplit(", ", 1)[0]
        districts.setdefault(_fold_key(name), []).append((unit.type, unit.label, province))
        label(name, unit.label)
    return _Names(provinces, provinces_2025, districts, labels)


def province_names() -> list[str]:
    """Every province's name as written, before the 2025 merger and after it (``Đà Nẵng``, ``Thừa Thiên Huế``)."""
    gaz = _gazetteer()
    return sorted({*gaz.legacy_name.values(), *gaz.successor.values()})


def _province_match(key: str, label: str) -> PlaceMatch:
    gaz = _gazetteer()
    legacy = gaz.legacy_name[key]
    successor = gaz.successor[key]
    members = tuple(
        sorted((gaz.legacy_name[k] for k, s in gaz.successor.items() if s == successor), key=lambda m: m != successor)
    )
    same_name = _fold_key(successor) in (_fold_key(legacy), _fold_key(label)) or (
        key == "thanhphohue"  # Huế kept its city under both names
    )
    return PlaceMatch(
        label=legacy,
        kind="province",
        provinces=(legacy,),
        provinces_2025=(successor,) if same_name else (),
        former_provinces=members if same_name and len(members) > 1 else (),
        successor=successor,
    )


def _district_match(units: list[tuple[str, str, str]]) -> PlaceMatch:
    gaz = _gazetteer()
    labels = tuple(dict.fromkeys(label for _, label, _ in units))
    keys = list(dict.fromkeys(province for _, _, province in units))
    return PlaceMatch(
        label=labels[0] if len(labels) == 1 else " / ".join(labels),
        kind="district",
        provinces=tuple(gaz.legacy_name[k] for k in keys),
        provinces_2025=tuple(dict.fromkeys(gaz.successor[k] for k in keys)),
        districts=labels,
    )


def resolve_place(text: str) -> PlaceMatch | None:
    """The province or district(s) ``text`` names, or ``None`` when it names none (see the module doc)."""
    cleaned = _QUALIFIERS.sub("", _clean(text))
    if not cleaned:
        return None
    names = _names()
    whole = cleaned.replace(" ", "")
    # "Kỳ Anh, Hà Tĩnh" / "Châu Thành Tiền Giang": a district qualified by its province.
    if "," in text:
        head, _, tail = text.rpartition(",")
        outer = resolve_place(tail)
        inner = resolve_place(head)
        if outer is not None and inner is not None and inner.kind == "district" and outer.kind == "province":
            units = [u for u in names.districts.get(_district_key(head), []) if _legacy(u[2]) in outer.provinces]
            if units:
                return _district_match(units)
    if whole in names.provinces:  # "tphcm", "hcm", "ha noi", "thua thien hue"
        return _province_match(names.provinces[whole], cleaned)
    match = _TYPE_PREFIX.match(cleaned)
    kind = match.group(1).replace(" ", "") if match else ""
    name = cleaned[match.end() :].replace(" ", "") if match else whole
    if not name:
        return None
    province_key = names.provinces.get(name)
    if province_key is None and name in names.provinces_2025:
        province_key = next(k for k, s in _gazetteer().successor.items() if _fold_key(s) == name)
    units = names.districts.get(name, [])
    if kind in _DISTRICT_TYPES:
        numbered = _gazetteer().numbered.get(name.lstrip("0")) if name.isdigit() else None
        if numbered is not None:  # "Q.1", "quận 10": Hồ Chí Minh City's numbered districts
            units = [(numbered.type, numbered.label, numbered.province)]
        typed = [u for u in units if u[0] == _DISTRICT_TYPES[kind]]
        units = typed or units
    if province_key is not None and (
        kind in ("", "tinh") or (kind in ("thanhpho", "tp") and province_key.startswith("thanhpho")) or not units
    ):
        return _province_match(province_key, name)
    if units:
        return _district_match(units)
    if province_key is not None:
        return _province_match(province_key, name)
    return None


def _district_key(text: str) -> str:
    cleaned = _clean(text)
    match = _TYPE_PREFIX.match(cleaned)
    return (cleaned[match.end() :] if match else cleaned).replace(" ", "")


def preload() -> None:
    """Build the gazetteer and the place-name tables now rather than on the first place a search meets.

    A process that forks others (the service's supervisor) calls this first, so they share one copy.
    """
    _names()


def _legacy(key: str) -> str:
    return _gazetteer().legacy_name[key]


def suggest_places(text: str, n: int = 5) -> list[str]:
    """Up to ``n`` stored place names closest to ``text`` (provinces first on ties), for a "did you mean"."""
    cleaned = _QUALIFIERS.sub("", _clean(text))
    match = _TYPE_PREFIX.match(cleaned)
    if match and match.end() < len(cleaned):
        cleaned = cleaned[match.end() :]
    if not cleaned:
        return []
    names = _names()
    matcher = difflib.SequenceMatcher(b=cleaned, autojunk=False)
    scored: list[tuple[float, bool, str]] = []
    for key, values in names.labels.items():
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
            continue
        ratio = matcher.ratio()
        if ratio >= 0.6:
            scored.extend((ratio, ", " in value, value) for value in values)
    out: list[str] = []
    for _, _, value in sorted(scored, key=lambda item: (-item[0], item[1])):
        if value not in out:
            out.append(value)
    return out[:n]
