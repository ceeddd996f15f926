"""What a search answers, declared once: these dataclasses are the engine's results and the API's response models.

FastAPI documents them in the OpenAPI schema from the ``Annotated`` descriptions; the CLI prints them or dumps the
same JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field

__all__ = ["Article", "FacetValue", "Hit", "Match", "Related", "SearchResult"]

Match = Literal["all", "partial", "none"]


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One facet value as a page renders it."""

    value: Annotated[str, Field(description="What to pass back as a filter (place=, category=, from/to for dates).")]
    label: Annotated[str, Field(description="How to show it (a category in Vietnamese, a month as 01/2022).")]
    count: int
    selected: bool


@dataclass(frozen=True)
class Hit:
    """One result. ``title`` and ``snippet`` are HTML: escaped text with ``<mark>`` around matched words."""

    id: str
    title: Annotated[str, Field(description="Escaped title with <mark> around matched words.")]
    date: Annotated[str | None, Field(description="YYYY-MM-DD or YYYY-MM.")]
    places: dict[str, list[str]]
    category: str | None
    category_label: Annotated[str | None, Field(description="The category as a page shows it.")]
    url: str | None
    source: str | None
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
    places: dict[str, list[str]]
    url: str | None
    source: str | None
    author: str | None
