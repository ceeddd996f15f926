"""What a search answers, declared once: these dataclasses are the engine's results and the API's response models.

FastAPI documents them in the OpenAPI schema from the ``Annotated`` descriptions; the CLI prints them or dumps the
same JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field

__all__ = [
    "Article",
    "FacetValue",
    "Hit",
    "Match",
    "PlaceFilter",
    "PlaceScope",
    "PlaceUnits",
    "Related",
    "SearchResult",
    "Suggestion",
    "SuggestionKind",
    "Suggestions",
]

Match = Literal["all", "partial", "none"]
#: Which units a place filter means: the unit by the name given ("all": a 2025 name its 2025 extent, an old name its
#: old one), the pre-2025 provinces ("pre2025") or the 2025 provinces ("post2025").
PlaceUnits = Literal["all", "pre2025", "post2025"]
#: Which places the facets and the place filter use: those an article is about, or every one it mentions.
PlaceScope = Literal["about", "mentioned"]


_PLACES = (
    "Places the article is about (about_provinces, about_provinces_2025, about_districts) and every place it mentions "
    "(provinces, provinces_2025, districts). *_2025 use the 34 provinces of 2025; provinces the names at its date."
)


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One facet value as a page renders it."""

    value: Annotated[str, Field(description="What to pass back as a filter (place=, category=, from/to for dates).")]
    label: Annotated[str, Field(description="How to show it (a category in Vietnamese, a month as 01/2022).")]
    count: int
    selected: bool


@dataclass(frozen=True)
class PlaceFilter:
    """How one ``place=`` value was read: the unit it names and what the filter matched."""

    typed: Annotated[
        str, Field(description="The value as given (any spelling: 'sai gon', 'TP.HCM', 'tinh Quang Nam').")
    ]
    label: Annotated[str, Field(description="The unit it names, as the page shows it ('Hồ Chí Minh').")]
    kind: Literal["province", "district"]
    values: Annotated[
        list[str], Field(description="The facet values the filter matched (several for an ambiguous district).")
    ]
    units: PlaceUnits
    former_provinces: Annotated[
        list[str],
        Field(description="A 2025 province formed by a merger: the pre-2025 provinces it includes (itself first)."),
    ] = field(default_factory=list)
    successor: Annotated[
        str | None, Field(description="A pre-2025 province merged away in 2025: the 2025 province it is part of.")
    ] = None
    parts: Annotated[
        list[FacetValue],
        Field(description="A merged 2025 province: how many of the results each pre-2025 province it includes has."),
    ] = field(default_factory=list)
    note: Annotated[
        str | None, Field(description="What the 2025 merger means for this filter, in Vietnamese (shown on the page).")
    ] = None


@dataclass(frozen=True)
class Hit:
    """One result. ``title`` and ``snippet`` are HTML: escaped text with ``<mark>`` around matched words."""

    id: str
    title: Annotated[str, Field(description="Escaped title with <mark> around matched words.")]
    date: Annotated[str | None, Field(description="YYYY-MM-DD or YYYY-MM.")]
    places: Annotated[dict[str, list[str]], Field(description=_PLACES)]
    category: str | None
    category_label: Annotated[str | None, Field(description="The category as a page shows it.")]
    url: str | None
    source: Annotated[str | None, Field(description="The outlet (JSON Lines 'source').")]
    author: Annotated[str | None, Field(description="The byline.")]
    score: float
    snippet: Annotated[str, Field(description="Escaped excerpt of the body with <mark> around matched words.")]


@dataclass
class SearchResult:
    """Hits of one page, with totals and facets over the whole result set."""

    query: Annotated[str, Field(description="The query as typed.")]
    understood: Annotated[
        str,
        Field(description="The words searched, normalised (repeats and words beyond the first 64 syllables dropped)."),
    ]
    total: int
    page: int
    size: int
    took_ms: float
    match: Annotated[
        Match,
        Field(description="'all': every word matched; 'partial': no article had them all, best partial matches."),
    ]
    apart: Annotated[
        int,
        Field(
            description="A name read as a unit: articles left out because they have its words only apart "
            "(search again with apart=true to include them)."
        ),
    ] = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    place_filters: Annotated[
        list[PlaceFilter], Field(description="Each place= value as read: the unit it names, and the 2025 merger notes.")
    ] = field(default_factory=list)
    place_units: PlaceUnits = "all"
    place_scope: PlaceScope = "about"
    facets_truncated: Annotated[
        list[str], Field(description="Facets that have more values than are listed (the most frequent are).")
    ] = field(default_factory=list)
    suggestion: Annotated[
        str | None, Field(description='"Did you mean": a corrected query when this one found little.')
    ] = None
    timed_out: Annotated[
        bool,
        Field(
            description="The time budget ran out: words not yet read were left out; hits and total are what was found."
        ),
    ] = False


@dataclass(frozen=True)
class Related:
    """The articles most like one article."""

    id: str
    hits: list[Hit]


@dataclass(frozen=True)
class Article:
    """A stored article, whole."""

    id: str
    title: str
    body: str
    date: str | None
    category: str | None
    category_label: str | None
    places: Annotated[dict[str, list[str]], Field(description=_PLACES)]
    url: str | None
    source: str | None
    author: str | None
    marked_title: Annotated[
        str | None, Field(description="With q=: the title as escaped HTML with <mark> around the query's words.")
    ] = None
    marked_body: Annotated[
        str | None, Field(description="With q=: the body as escaped HTML with <mark> around the query's words.")
    ] = None


#: What a suggestion is: a place (province or district), a byline, a name said in articles, a headline word.
SuggestionKind = Literal["place", "author", "name", "word"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion of what is being typed."""

    text: Annotated[str, Field(description="The query to search, with the archive's diacritics.")]
    kind: SuggestionKind
    count: Annotated[int, Field(description="Articles that have it (places, bylines: as the facets count them).")]


@dataclass(frozen=True)
class Suggestions:
    """Completions of a partly typed query, best first."""

    query: str
    suggestions: list[Suggestion]
    partial: Annotated[
        bool,
        Field(description="The names and words of a newly opened index are still being read: places and bylines only."),
    ] = False
