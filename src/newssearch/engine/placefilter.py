"""The ``place`` filter: any spelling a person types → the facet values the index stores, named back.

``sai gon``, ``TP.HCM``, ``Thành phố Hồ Chí Minh`` and ``Hồ Chí Minh`` all filter on the facet value
``Hồ Chí Minh`` (:func:`newssearch.text.place_names.resolve_place`). A value that is already one of the facet's
values (what a page passes back after a click) is taken as it is, so a facet count is always what its click gives.
Text that names no place is a :class:`UnknownPlace` error with the closest names, never a silent empty answer.

The 2025 merger is said, not hidden: ``Đà Nẵng`` (a 2025 province formed from the former Đà Nẵng and Quảng Nam)
reads by default as its 2025 extent and says so (``former_provinces``, ``parts``, ``note``); ``units="pre2025"``
keeps the pre-2025 unit of that name, ``units="post2025"`` reads an old name as the 2025 province it is part of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from newssearch.engine.errors import UnknownPlace
from newssearch.engine.facets import FacetIndex, table_name
from newssearch.engine.results import FacetValue, PlaceFilter, PlaceScope, PlaceUnits
from newssearch.store.view import Mask
from newssearch.text.analysis import nfc
from newssearch.text.place_names import PlaceMatch, resolve_place, suggest_places

__all__ = ["ResolvedPlaces", "place_breakdown", "resolve_places"]


@dataclass(frozen=True)
class ResolvedPlaces:
    """The place filter of one request: how each value was read, and the documents any of them allows."""

    filters: list[PlaceFilter]
    mask: Mask | None


def _merger_note(match: PlaceMatch, units: PlaceUnits) -> str | None:
    if match.kind != "province":
        return None
    if match.former_provinces and units != "pre2025":
        others = ", ".join(p for p in match.former_provinces if p != match.label)
        return (
            f"Từ 1/7/2025, {match.label} gồm cả {others} cũ; kết quả gồm các bài về cả những tỉnh này. "
            f"Chọn đơn vị trước 2025 để chỉ xem {match.label} cũ."
        )
    if match.successor and not match.provinces_2025:
        if units == "post2025":
            return f"{match.label} đã nhập vào {match.successor} từ 1/7/2025; kết quả là các bài về {match.successor}."
        return (
            f"{match.label} đã nhập vào {match.successor} từ 1/7/2025; bài sau sáp nhập được xếp vào "
            f"{match.successor}. Chọn đơn vị sau 2025 để xem cả {match.successor}."
        )
    if match.former_provinces and units == "pre2025":
        return f"Đơn vị trước 2025: {match.label} cũ, không gồm các tỉnh đã nhập vào từ 1/7/2025."
    return None


def _read(
    facets: FacetIndex, typed: str, units: PlaceUnits, scope: PlaceScope
) -> tuple[PlaceFilter, list[tuple[str, str]]]:
    """One value as read, and the (table, value) pairs its filter matches."""
    value = nfc(typed).strip()
    place_table = table_name("place", units, scope)
    district_table = table_name("district", "all", scope)
    # What a page passes back after a click: that very facet value, so the count shown is the total given.
    for table, kind in ((place_table, "province"), (district_table, "district")):
        if value and facets.has_value(table, value):
            match = resolve_place(value)
            found = PlaceFilter(
                typed=typed,
                label=value,
                kind="province" if kind == "province" else "district",
                values=[value],
                units=units,
                former_provinces=list(match.former_provinces) if match and kind == "province" else [],
                successor=match.successor if match and match.successor != value and kind == "province" else None,
                note=_merger_note(match, units) if match and match.label == value else None,
            )
            return found, [(table, value)]
    match = resolve_place(value) if value else None
    if match is None:
        raise UnknownPlace(typed, suggest_places(value))
    if match.kind == "district":
        filt = PlaceFilter(typed, match.label, "district", list(match.districts), units)
        return filt, [(district_table, d) for d in match.districts]
    if units == "post2025":
        values = list(match.provinces_2025) or ([match.successor] if match.successor else [])
    elif units == "pre2025":
        values = list(match.provinces)
    else:
        values = [match.label]
    filt = PlaceFilter(
        typed=typed,
        label=match.label if units != "post2025" or not values else values[0],
        kind="province",
        values=values,
        units=units,
        former_provinces=list(match.former_provinces),
        successor=match.successor if match.successor != match.label else None,
        note=_merger_note(match, units),
    )
    return filt, [(place_table, v) for v in values]


def resolve_places(
    facets: FacetIndex, places: Sequence[str], units: PlaceUnits = "all", scope: PlaceScope = "about"
) -> ResolvedPlaces:
    """Read every ``place`` value (OR'ed: any of them); :class:`UnknownPlace` for one that names no place."""
    filters: list[PlaceFilter] = []
    mask: Mask | None = None
    for typed in places:
        found, pairs = _read(facets, typed, units, scope)
        filters.append(found)
        for table, value in pairs:
            docs = facets.docs_with(table, [value])
            mask = docs if mask is None else mask | docs
    return ResolvedPlaces(filters, mask)


def place_breakdown(facets: FacetIndex, filters: list[PlaceFilter], docs: Mask, scope: PlaceScope) -> list[PlaceFilter]:
    """Each merged 2025 province's filter with how many of ``docs`` each pre-2025 province in it has."""
    table = table_name("place", "pre2025", scope)
    out: list[PlaceFilter] = []
    for found in filters:
        if found.former_provinces and found.units != "pre2025" and found.label in found.former_provinces:
            counts = facets.count_each(table, docs, found.former_provinces)
            parts = [
                FacetValue(p, f"{p} (trước 2025)", n, False)
                for p, n in zip(found.former_provinces, counts, strict=True)
            ]
            found = replace(found, parts=parts)
        out.append(found)
    return out


def docs_about(facets: FacetIndex, text: str) -> Mask | None:
    """The articles *about* the place ``text`` names (any spelling), or ``None`` when it names no place.

    A query that is a place's name ranks these first within their grade of adjacency
    (:data:`~newssearch.engine.ranking.ABOUT_PLACE`): the article about Hà Tĩnh above the one that lists it among
    twenty provinces.
    """
    if resolve_place(nfc(text).strip()) is None:
        return None
    _, pairs = _read(facets, text, "all", "about")
    mask: Mask | None = None
    for table, value in pairs:
        docs = facets.docs_with(table, [value])
        mask = docs if mask is None else mask | docs
    return mask
