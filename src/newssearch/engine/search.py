"""Query → ranked hits, facet counts and highlighted snippets. Knows nothing of HTTP.

A query is parsed by :mod:`newssearch.engine.querylang` and analysed exactly as documents are. Each syllable becomes a
clause over the folded fields (recall: ``ha tinh`` finds ``Hà Tĩnh``) plus, when typed with diacritics, the exact
fields (so exact matches rank first); adjacent syllables add optional folded-bigram clauses (proximity). Every
clause must match; when no article has them all, the best partial matches are returned and ``match`` says so.
Weights live in :mod:`newssearch.engine.ranking`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from newssearch.engine import ranking
from newssearch.engine.best import best_within
from newssearch.engine.budget import DEFAULT_BUDGET_MS, Budget
from newssearch.engine.errors import SearchError, UnknownPlace
from newssearch.engine.expand import expand_query
from newssearch.engine.facets import FacetIndex, table_name
from newssearch.engine.labels import facet_label
from newssearch.engine.likeness import likeness_scores
from newssearch.engine.placefilter import ResolvedPlaces, docs_about, place_breakdown, resolve_places
from newssearch.engine.querylang import ParsedQuery, limit_syllables, parse_query
from newssearch.engine.results import Article, Hit, Match, PlaceScope, PlaceUnits, SearchResult
from newssearch.engine.scoring import FILTER_FIELDS, Evaluation, evaluate_query
from newssearch.engine.shapes import LONG_QUERY_WORDS
from newssearch.engine.snippets import QueryTerms, highlight_all, plain_title, snippet
from newssearch.engine.suggest import suggest
from newssearch.store.view import Array, IndexView, Mask, Stored
from newssearch.text.analysis import nfc
from newssearch.text.dates import InvalidDate, date_bounds, parse_date
from newssearch.text.variants import Abbreviations, load_abbreviations

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_RESULT_WINDOW",
    "SearchError",
    "SearchRequest",
    "UnknownPlace",
    "article",
    "related",
    "search",
]

MAX_PAGE_SIZE = 100
#: page × size beyond this is refused: deep paging costs a full sort, and nobody reads result 1,001.
MAX_RESULT_WINDOW = 1000
MAX_QUERY_CHARS = 1000
#: Syllables of a query that are searched (the first ones typed);
#: see :func:`~newssearch.engine.querylang.limit_syllables`.
MAX_QUERY_SYLLABLES = 64
#: A page of more hits than this is known to be expensive from the start (:meth:`Budget.expect_heavy`): the web
#: page asks for 10, and each hit reads its stored article and scans up to 20,000 characters of it.
HEAVY_PAGE_SIZE = 20
Sort = Literal["relevance", "newest", "oldest"]


@dataclass(frozen=True)
class SearchRequest:
    """One search, as a page or the CLI asks for it."""

    q: str = ""
    date_from: str | None = None
    date_to: str | None = None
    places: Sequence[str] = ()
    categories: Sequence[str] = ()
    sort: Sort = "relevance"
    page: int = 1
    size: int = 10
    #: Snippets and highlighted titles; batch evaluation turns them off.
    highlight: bool = True
    #: A name query keeps only the articles where the name stands together; this includes those with its words apart.
    apart: bool = False
    #: What a ``places`` value means: the unit of that name, or the pre-2025 / 2025 units (the 2025 merger).
    place_units: PlaceUnits = "all"
    #: Filter and count the places articles are about (default) or every place they mention.
    place_scope: PlaceScope = "about"
    #: Bylines (the ``author`` facet's values, as written); several: any of them.
    authors: Sequence[str] = ()
    #: Outlets (the ``source`` facet's values, such as ``dantri.com.vn``); several: any of them.
    sources: Sequence[str] = ()


def validate(request: SearchRequest) -> SearchRequest:
    """The request with its dates normalised; :class:`SearchError` when it is out of bounds or malformed."""
    if request.page < 1:
        raise SearchError("page must be 1 or more")
    if not 1 <= request.size <= MAX_PAGE_SIZE:
        raise SearchError(f"size must be between 1 and {MAX_PAGE_SIZE}")
    if request.page * request.size > MAX_RESULT_WINDOW:
        raise SearchError(f"page × size must not exceed {MAX_RESULT_WINDOW}; narrow the search instead")
    if len(request.q) > MAX_QUERY_CHARS:
        raise SearchError(f"query is longer than {MAX_QUERY_CHARS} characters")
    dates: dict[str, str | None] = {}
    for name, value in (("from", request.date_from), ("to", request.date_to)):
        try:
            dates[name] = parse_date(value)
        except InvalidDate as exc:
            raise SearchError(f"{name}: {exc}") from None
    date_from, date_to = dates["from"], dates["to"]
    if date_from and date_to and date_bounds(date_from)[0] > date_bounds(date_to)[1]:
        raise SearchError("from must not be after to")
    # A value typed twice selects nothing more (a hostile request sent "Hà Tĩnh" 500 times: 44 ms to read them).
    return replace(
        request,
        date_from=date_from,
        date_to=date_to,
        places=tuple(dict.fromkeys(request.places)),
        categories=tuple(dict.fromkeys(request.categories)),
        authors=tuple(dict.fromkeys(request.authors)),
        sources=tuple(dict.fromkeys(request.sources)),
    )


@dataclass(frozen=True)
class _Filters:
    """A request's filters, kept apart by facet so each facet can be counted without its own selection."""

    places: ResolvedPlaces
    categories: Mask | None
    dates: Mask | None
    authors: Mask | None = None
    sources: Mask | None = None

    def allowed(self, without: str = "") -> Mask | None:
        """Documents every filter allows (but the one named ``without``), or ``None`` when none applies."""
        allowed: Mask | None = None
        for name, mask in (
            ("place", self.places.mask),
            ("category", self.categories),
            ("date", self.dates),
            ("author", self.authors),
            ("source", self.sources),
        ):
            if mask is None or name == without:
                continue
            allowed = mask if allowed is None else allowed & mask
        return allowed


def _filters(view: IndexView, facets: FacetIndex, request: SearchRequest) -> _Filters:
    """The request's filters; :class:`UnknownPlace` for a place value that names no place."""
    places = resolve_places(facets, request.places, request.place_units, request.place_scope)
    categories = facets.docs_with("category", list(request.categories)) if request.categories else None
    dates: Mask | None = None
    if request.date_from or request.date_to:
        lo, hi = view.column("date_lo"), view.column("date_hi")
        dates = lo > 0
        if request.date_from:
            dates &= lo >= date_bounds(request.date_from)[0]
        if request.date_to:
            dates &= hi <= date_bounds(request.date_to)[1]
    authors = facets.docs_with("author", list(request.authors)) if request.authors else None
    sources = facets.docs_with("source", list(request.sources)) if request.sources else None
    return _Filters(places, categories, dates, authors, sources)


def _page(view: IndexView, mask: Mask, scores: Array, request: SearchRequest, by_date: bool) -> list[int]:
    """Document numbers of the requested page: by score (ties: index order), or by date (undated last)."""
    limit = request.page * request.size
    if by_date:
        candidates = np.flatnonzero(mask)
        dates = view.column("date_lo")[candidates]
        newest = request.sort != "oldest"
        key = np.where(dates > 0, -dates if newest else dates, np.iinfo(np.int64).max)
        ranked = candidates[np.lexsort((candidates, key))]
    else:
        ranked = best_within(scores, mask, limit)  # ties in index order, so the order is the same on every page
    return [int(d) for d in ranked[(request.page - 1) * request.size : limit]]


def _opening(text: str, max_chars: int = 240) -> str:
    return text[:max_chars] + ("…" if len(text) > max_chars else "")


def _category_label(stored: Stored) -> str | None:
    category = stored.get("category")
    return facet_label("category", category) if category else None


def _hit(stored: Stored, score: float, terms: QueryTerms, highlight: bool = True) -> Hit:
    places = stored.get("places") or {}
    return Hit(
        id=stored["id"],
        title=highlight_all(stored.get("title", ""), terms) if highlight else plain_title(stored.get("title", "")),
        date=stored.get("date"),
        places={k: list(v) for k, v in places.items()},
        category=stored.get("category"),
        category_label=_category_label(stored),
        url=stored.get("url"),
        source=stored.get("source"),
        author=stored.get("author"),
        score=round(score, 4),
        snippet=snippet(stored.get("body", ""), terms) if highlight else html.escape(_opening(stored.get("body", ""))),
    )


#: Syllables typed (alternatives included) from which a search is known to be expensive before it runs: a pasted
#: lead, a headline, a long phrase or OR of words; each syllable's postings are read over the whole archive, with
#: bigrams and, for a lead, "more like this" feedback (50–120 ms at 150k). A name is 2–4.
COSTLY_SYLLABLES = LONG_QUERY_WORDS
#: Filter values (places, categories, authors, outlets) beyond which a search is known to be expensive from the
#: start: each is looked up and its articles OR'ed over the whole archive before the first word is read.
HEAVY_FILTER_VALUES = 20
#: A query finding fewer articles than this is retried as Telex/VNI keystrokes and gets a "did you mean".
FEW_RESULTS = 3


def _evaluate(
    view: IndexView, parsed: ParsedQuery, allowed: Mask | None, budget: Budget, apart: bool
) -> tuple[Evaluation, Match]:
    if parsed.is_empty and not parsed.excluded:
        mask = view.live if allowed is None else view.live & allowed
        everything = Evaluation(mask, np.zeros(view.doc_count_all, dtype=np.float32), partial=False)
        return everything, "all" if mask.any() else "none"
    evaluation = evaluate_query(view, parsed, allowed, budget, apart=apart)
    match: Match = "partial" if evaluation.partial else "all"
    return evaluation, match if evaluation.mask.any() else "none"


def _with_about_place(facets: FacetIndex, request: SearchRequest, found: Evaluation) -> Array:
    """The found articles' scores; a name query that names a place ranks the articles about it first."""
    about = docs_about(facets, request.q) if found.name else None
    if about is None:
        return found.scores
    # A multiply: np.where over a whole archive is ten times slower.
    return found.scores + np.multiply(about, np.float32(ranking.ABOUT_PLACE), dtype=np.float32)


@dataclass(frozen=True)
class _Matching:
    """What a request matches: the query as typed and as searched, its filters, the articles found."""

    typed: ParsedQuery
    parsed: ParsedQuery
    filters: _Filters
    found: Evaluation
    match: Match
    total: int
    suggestion: str | None


def _costly_from_the_start(request: SearchRequest, typed: ParsedQuery) -> bool:
    """Whether the request is known to be expensive before it runs: a big page, many filter values, or a query of
    many syllables (alternatives included)."""
    filter_values = len(request.places) + len(request.categories) + len(request.authors) + len(request.sources)
    return (
        request.size > HEAVY_PAGE_SIZE
        or filter_values > HEAVY_FILTER_VALUES
        or sum(len(clause.syllables) for clause in typed.positive_clauses()) >= COSTLY_SYLLABLES
    )


def _matching(
    view: IndexView,
    facets: FacetIndex,
    request: SearchRequest,
    abbreviations: Abbreviations | None,
    budget: Budget,
    *,
    suggestions: bool = True,
) -> _Matching:
    """The articles a (validated) request matches, read as keystrokes when that finds more (see :func:`search`)."""
    typed = limit_syllables(parse_query(nfc(request.q)), MAX_QUERY_SYLLABLES)
    if _costly_from_the_start(request, typed):
        budget.expect_heavy()  # a short search that comes in meanwhile goes first
    budget.expired()  # one known to be expensive waits for the turn here, before any of its work
    abbreviations = abbreviations if abbreviations is not None else load_abbreviations()
    parsed = expand_query(typed, abbreviations, view.known)
    filters = _filters(view, facets, request)
    allowed = filters.allowed()
    found, match = _evaluate(view, parsed, allowed, budget, request.apart)
    total = int(found.mask.sum())
    suggestion = None
    # Articles left out only because a name's words stand apart in them still show the words are known.
    if (total + found.apart < FEW_RESULTS or match == "partial") and not typed.is_empty and not budget.expired():
        keyed = expand_query(typed, abbreviations, view.known, keystrokes=True)
        keyed_won = False
        if str(keyed) != str(parsed):
            keyed_found, keyed_match = _evaluate(view, keyed, allowed, budget, request.apart)
            # Read as keystrokes, every word matched: better than a partial match, or than fewer articles.
            keyed_won = keyed_match == "all" and (match == "partial" or int(keyed_found.mask.sum()) > total)
            if keyed_won:
                parsed, found, match, total = keyed, keyed_found, keyed_match, int(keyed_found.mask.sum())
        # Once the keystrokes are read as words and those articles are shown, no other query is proposed.
        suggestion = None if keyed_won or not suggestions else suggest(view, typed, budget.expired, budget.expect_heavy)
    return _Matching(typed, parsed, filters, found, match, total, suggestion)


def search(
    view: IndexView,
    facets: FacetIndex,
    request: SearchRequest,
    abbreviations: Abbreviations | None = None,
    budget_ms: float = DEFAULT_BUDGET_MS,
    arrived: float | None = None,
) -> SearchResult:
    """Run one search: a ranked page of hits, the total, and facet counts over every matching document.

    The query is expanded with abbreviations and spelling variants (:mod:`newssearch.text.variants`); when it finds
    fewer than :data:`FEW_RESULTS` articles or only partial matches, words the archive does not know are also read
    as Telex/VNI keystrokes, and a correction is suggested from the archive's vocabulary
    (:mod:`newssearch.engine.suggest`).

    Reading postings, choosing snippets and looking for a correction stop after ``budget_ms``
    (:mod:`newssearch.engine.budget`, where expensive searches also take turns); the result then says ``timed_out``
    and holds what was found in time (hits show their openings). The budget runs from ``arrived`` (a
    ``time.monotonic()`` reading: when the request came in) when given, so time spent waiting for a thread counts.
    """
    started = time.perf_counter()
    request = validate(request)
    budget = Budget(budget_ms) if arrived is None else Budget(budget_ms, started=arrived)
    try:
        return _search(view, facets, request, abbreviations, budget, started)
    finally:
        budget.release()


def _search(
    view: IndexView,
    facets: FacetIndex,
    request: SearchRequest,
    abbreviations: Abbreviations | None,
    budget: Budget,
    started: float,
) -> SearchResult:
    matching = _matching(view, facets, request, abbreviations, budget)
    typed, parsed, filters, found = matching.typed, matching.parsed, matching.filters, matching.found
    match, total, suggestion = matching.match, matching.total, matching.suggestion
    mask, scores = found.mask, _with_about_place(facets, request, found)
    # An abbreviation's other forms find articles but are not marked: "TP.HCM" would mark every "chí" and "chỉ".
    marked = [
        s for c in parsed.positive_clauses() if c.field not in FILTER_FIELDS and not c.expansion for s in c.syllables
    ]
    terms = QueryTerms.of(marked)
    by_date = request.sort != "relevance" or parsed.is_empty
    page = _page(view, mask, scores, request, by_date) if total else []
    # Highlighting scans each hit's text (a bounded part of it): once the budget is spent, hits show their openings.
    hits = [_hit(view.stored(d), float(scores[d]), terms, request.highlight and not budget.expired()) for d in page]
    place_filters = filters.places.filters
    selected = {
        "place": [v for f in place_filters if f.kind == "province" for v in f.values],
        "district": [v for f in place_filters if f.kind == "district" for v in f.values],
        "category": list(request.categories),
        "author": list(request.authors),
        "source": list(request.sources),
    }
    # Disjunctive facets: the values of one facet are OR'ed, so each facet with a selection is counted over the
    # results without it (the query again, with the other filters); the place and district lists are one facet.
    own: dict[str, Mask] = {}
    groups = (
        ("place", ("place", "district")),
        ("category", ("category",)),
        ("author", ("author",)),
        ("source", ("source",)),
    )
    for group, names in groups:
        if any(selected[name] for name in names):
            wider, _ = _evaluate(view, parsed, filters.allowed(without=group), budget, request.apart)
            own.update(dict.fromkeys(names, wider.mask))
    tables = {
        "place": table_name("place", request.place_units, request.place_scope),
        "district": table_name("district", "all", request.place_scope),
    }
    facet_counts = facets.counts(mask, selected, own=own, tables=tables)
    return SearchResult(
        query=request.q,
        understood=str(typed),
        total=total,
        apart=found.apart,
        page=request.page,
        size=request.size,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        match=match,
        hits=hits,
        facets=facet_counts.values,
        facets_truncated=facet_counts.truncated,
        place_filters=place_breakdown(facets, place_filters, mask, request.place_scope),
        place_units=request.place_units,
        place_scope=request.place_scope,
        suggestion=suggestion,
        timed_out=budget.exhausted,
    )


def ranked(
    view: IndexView,
    facets: FacetIndex,
    request: SearchRequest,
    limit: int,
    abbreviations: Abbreviations | None = None,
    budget_ms: float = DEFAULT_BUDGET_MS,
) -> tuple[list[int], int]:
    """The document numbers of the first ``limit`` results in the request's order, and the total, ranked once.

    The whole result is sorted in one pass (what an export or a feed reads), not page by page; ``page`` and ``size``
    of the request are ignored.
    """
    request = validate(replace(request, page=1, size=1))
    budget = Budget(budget_ms)
    try:
        matching = _matching(view, facets, request, abbreviations, budget, suggestions=False)
        if not matching.total or limit < 1:
            return [], matching.total
        by_date = request.sort != "relevance" or matching.parsed.is_empty
        whole = replace(request, page=1, size=limit)
        scores = _with_about_place(facets, request, matching.found)
        return _page(view, matching.found.mask, scores, whole, by_date), matching.total
    finally:
        budget.release()


def related(view: IndexView, article_id: str, size: int = 5) -> list[Hit] | None:
    """The articles most like ``article_id`` (``None`` when there is no such article): "more like this" over its
    title and lede (:func:`~newssearch.engine.likeness.likeness_scores`)."""
    docnum = view.docnum(article_id)
    if docnum is None:
        return None
    scores = likeness_scores(view, [docnum])
    scores[docnum] = 0
    top = [int(d) for d in np.argsort(-scores, kind="stable")[:size] if scores[d] > 0]
    no_terms = QueryTerms.of([])
    return [_hit(view.stored(d), float(scores[d]), no_terms, highlight=False) for d in top]


def article(view: IndexView, article_id: str, query: str = "") -> Article | None:
    """The stored article with this id, whole (``None`` when there is none); with a ``query``, its title and body
    also as escaped HTML with ``<mark>`` around the query's words (as a hit's snippet marks them)."""
    docnum = view.docnum(article_id)
    if docnum is None:
        return None
    stored = view.stored(docnum)
    body = view.whole_body(docnum, stored)
    marked_title = marked_body = None
    if query.strip() and len(query) <= MAX_QUERY_CHARS:
        typed = limit_syllables(parse_query(nfc(query)), MAX_QUERY_SYLLABLES)
        clauses = [c for c in typed.positive_clauses() if c.field not in FILTER_FIELDS]
        terms = QueryTerms.of([s for c in clauses for s in c.syllables])
        marked_title = highlight_all(stored.get("title", ""), terms)
        marked_body = highlight_all(body, terms, max_chars=max(len(body), 1))  # the whole text, once
    return Article(
        id=stored["id"],
        title=stored.get("title", ""),
        body=body,
        date=stored.get("date"),
        category=stored.get("category"),
        category_label=_category_label(stored),
        places=stored.get("places") or {},
        url=stored.get("url"),
        source=stored.get("source"),
        author=stored.get("author"),
        marked_title=marked_title,
        marked_body=marked_body,
    )
