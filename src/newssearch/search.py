"""Query → ranked hits, facet counts and highlighted snippets. Knows nothing of HTTP.

A query is parsed by :mod:`newssearch.querylang` and analysed exactly as documents are. Each syllable becomes a
clause over the folded fields (recall: ``ha tinh`` finds ``Hà Tĩnh``) plus, when typed with diacritics, the exact
fields (so exact matches rank first); adjacent syllables add optional folded-bigram clauses (proximity). Every
clause must match; when no article has them all, the best partial matches are returned and ``match`` says so.
Weights live in :mod:`newssearch.ranking`.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from whoosh import query as Q
from whoosh.searching import Searcher

from newssearch import ranking
from newssearch.analysis import fold, nfc
from newssearch.corpus import CorpusError, parse_date
from newssearch.facets import FacetCount, FacetIndex
from newssearch.querylang import Clause, ParsedQuery, parse_query
from newssearch.schema import date_bounds
from newssearch.snippets import QueryTerms, highlight_all, snippet

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_RESULT_WINDOW",
    "Hit",
    "SearchError",
    "SearchRequest",
    "SearchResult",
    "search",
]

MAX_PAGE_SIZE = 100
#: page × size beyond this is refused: deep paging costs a full sort, and nobody reads result 1,001.
MAX_RESULT_WINDOW = 1000
MAX_QUERY_CHARS = 1000
MAX_QUERY_CLAUSES = 64
Sort = Literal["relevance", "newest", "oldest"]


class SearchError(ValueError):
    """A request that cannot be answered as asked; the message says what to change."""


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


@dataclass(frozen=True)
class Hit:
    """One result. ``title`` and ``snippet`` are HTML: escaped text with ``<mark>`` around matched words."""

    id: str
    title: str
    date: str | None
    places: dict[str, list[str]]
    category: str | None
    url: str | None
    source: str | None
    score: float
    snippet: str


@dataclass
class SearchResult:
    """Hits of one page, with totals and facets over the whole result set."""

    query: str
    total: int
    page: int
    size: int
    took_ms: float
    match: Literal["all", "partial", "none"]
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)


def validate(request: SearchRequest) -> None:
    """Raise :class:`SearchError` for a request that is out of bounds or malformed."""
    if request.page < 1:
        raise SearchError("page must be 1 or more")
    if not 1 <= request.size <= MAX_PAGE_SIZE:
        raise SearchError(f"size must be between 1 and {MAX_PAGE_SIZE}")
    if request.page * request.size > MAX_RESULT_WINDOW:
        raise SearchError(f"page × size must not exceed {MAX_RESULT_WINDOW}; narrow the search instead")
    if len(request.q) > MAX_QUERY_CHARS:
        raise SearchError(f"query is longer than {MAX_QUERY_CHARS} characters")
    for name, value in (("from", request.date_from), ("to", request.date_to)):
        try:
            parse_date(value)
        except CorpusError as exc:
            raise SearchError(f"{name}: {exc}") from None
    if request.date_from and request.date_to and date_bounds(request.date_from)[0] > date_bounds(request.date_to)[1]:
        raise SearchError("from must not be after to")


def _exact_bonus(child: Q.Query) -> Q.Query:
    """A constant score for matching with the diacritics as typed: exact-diacritic articles rank first."""
    return Q.ConstantScoreQuery(child, score=ranking.EXACT_BONUS)


def _syllable_query(syllable: str, fields: tuple[str, ...]) -> Q.Query:
    """One syllable over the folded fields, plus the exact-diacritic bonus when it was typed with diacritics."""
    folded = fold(syllable)
    subs: list[Q.Query] = []
    for name in fields:
        boost = ranking.TITLE if name == "title" else 1.0
        subs.append(Q.Term(f"{name}_fold", folded, boost=boost * ranking.FOLDED))
    if syllable != folded:
        subs.append(_exact_bonus(Q.Or([Q.Term(name, syllable) for name in fields])))
    return subs[0] if len(subs) == 1 else Q.Or(subs)


def _phrase_query(syllables: tuple[str, ...], fields: tuple[str, ...]) -> Q.Query:
    folded = [fold(s) for s in syllables]
    subs: list[Q.Query] = []
    for name in fields:
        boost = ranking.TITLE * ranking.PHRASE_TITLE if name == "title" else 1.0
        subs.append(Q.Phrase(f"{name}_fold", folded, boost=boost * ranking.FOLDED))
    if list(syllables) != folded:
        # The exact body keeps no positions (index size): its bonus asks for the exact syllables in any order.
        exact = [
            Q.Phrase(name, list(syllables)) if name == "title" else Q.And([Q.Term(name, s) for s in syllables])
            for name in fields
        ]
        subs.append(_exact_bonus(Q.Or(exact)))
    return subs[0] if len(subs) == 1 else Q.Or(subs)


def _clause_query(clause: Clause) -> Q.Query:
    if clause.field == "place":
        folded = [fold(s) for s in clause.syllables]
        return Q.Term("place_text", folded[0]) if len(folded) == 1 else Q.Phrase("place_text", folded)
    fields = ("title",) if clause.field == "title" else ("title", "body")
    if len(clause.syllables) == 1:
        return _syllable_query(clause.syllables[0], fields)
    return _phrase_query(clause.syllables, fields)


def _bigram_queries(parsed: ParsedQuery) -> list[Q.Query]:
    """Optional clauses for each pair of adjacent query syllables that stand together in an article."""
    sequence = [
        fold(s) for group in parsed.groups if len(group) == 1 and group[0].field != "place" for s in group[0].syllables
    ]
    pairs = dict.fromkeys(f"{a}_{b}" for a, b in itertools.pairwise(sequence))
    return [Q.Term("bigram", pair, boost=ranking.BIGRAM) for pair in pairs]


def build_queries(parsed: ParsedQuery) -> tuple[Q.Query, Q.Query]:
    """The strict query (every clause) and the lenient one (any clause) for a parsed user query."""
    musts = [
        Q.Or([_clause_query(c) for c in group]) if len(group) > 1 else _clause_query(group[0])
        for group in parsed.groups[:MAX_QUERY_CLAUSES]
    ]
    bigrams = _bigram_queries(parsed)
    strict: Q.Query = Q.And(musts) if len(musts) > 1 else musts[0]
    if bigrams:
        strict = Q.AndMaybe(strict, Q.Or(bigrams))
    lenient: Q.Query = Q.Or(musts + bigrams)
    if parsed.excluded:
        excluded = Q.Or([_clause_query(c) for c in parsed.excluded])
        strict, lenient = Q.AndNot(strict, excluded), Q.AndNot(lenient, excluded)
    return strict, lenient


def _filter_docs(searcher: Searcher, facets: FacetIndex, request: SearchRequest) -> set[int] | None:
    """Documents allowed by the filters, or ``None`` when there is no filter."""
    allowed: set[int] | None = None
    if request.places:
        allowed = facets.docs_with("place", list(request.places)) | facets.docs_with("district", list(request.places))
    if request.categories:
        cats = facets.docs_with("category", list(request.categories))
        allowed = cats if allowed is None else allowed & cats
    if request.date_from or request.date_to:
        parts: list[Q.Query] = []
        if request.date_from:
            parts.append(Q.NumericRange("date_lo", date_bounds(request.date_from)[0], None))
        if request.date_to:
            parts.append(Q.NumericRange("date_hi", None, date_bounds(request.date_to)[1]))
        dated = set(Q.And(parts).docs(searcher))
        allowed = dated if allowed is None else allowed & dated
    return allowed


def _live_docs(searcher: Searcher) -> set[int]:
    reader = searcher.reader()
    return {n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)}


def _score_all(searcher: Searcher, query: Q.Query, allowed: set[int] | None) -> dict[int, float]:
    """Score every matching document in one pass over the matchers.

    One walk gives both the result set (for totals and facets) and the scores (for ranking). Whoosh's top-N
    collector would walk the matches again, and its matcher-replacement shortcut was seen to drop hits under a
    ``ConstantScoreQuery`` (a page of 5 lacked the second-best hit a page of 10 had).
    """
    scores: dict[int, float] = {}
    context = searcher.context()
    for leaf, offset in searcher.leaf_searchers():
        matcher = query.matcher(leaf, context)
        while matcher.is_active():
            docnum = matcher.id() + offset
            if allowed is None or docnum in allowed:
                scores[docnum] = matcher.score()
            matcher.next()
    return scores


def _page(searcher: Searcher, scores: dict[int, float], request: SearchRequest, by_date: bool) -> list[int]:
    """The document numbers of the requested page: by score (ties: index order) or by date."""
    limit = request.page * request.size
    if by_date:
        dates = searcher.reader().column_reader("date_lo")
        newest = request.sort != "oldest"

        # Undated articles go last either way.
        def key(d: int) -> tuple[int, int]:
            value = dates[d] or 0
            return (value if newest else -value if value else -(10**9), -d)

        top = heapq.nlargest(limit, scores, key=key)
    else:
        top = heapq.nlargest(limit, scores, key=lambda d: (scores[d], -d))
    return top[(request.page - 1) * request.size :]


def _hit(stored: dict[str, Any], score: float, terms: QueryTerms) -> Hit:
    places = stored.get("places") or {}
    return Hit(
        id=stored["id"],
        title=highlight_all(stored.get("title", ""), terms),
        date=stored.get("date"),
        places={k: list(v) for k, v in places.items()},
        category=stored.get("category"),
        url=stored.get("url"),
        source=stored.get("source"),
        score=round(score, 4),
        snippet=snippet(stored.get("body", ""), terms),
    )


def search(searcher: Searcher, facets: FacetIndex, request: SearchRequest) -> SearchResult:
    """Run one search: ranked page of hits, total, and facet counts over every matching document."""
    started = time.perf_counter()
    validate(request)
    parsed = parse_query(nfc(request.q))
    allowed = _filter_docs(searcher, facets, request)
    match: Literal["all", "partial", "none"] = "all"
    if parsed.is_empty:
        docs = _live_docs(searcher) if allowed is None else allowed
        scores = dict.fromkeys(docs, 0.0)
    else:
        strict, lenient = build_queries(parsed)
        scores = _score_all(searcher, strict, allowed)
        if not scores:
            scores, match = _score_all(searcher, lenient, allowed), "partial"
    if not scores:
        match = "none"
    terms = QueryTerms.of([s for c in parsed.positive_clauses() if c.field != "place" for s in c.syllables])
    by_date = request.sort != "relevance" or parsed.is_empty
    hits = [_hit(searcher.stored_fields(d), scores[d], terms) for d in _page(searcher, scores, request, by_date)]
    docs = set(scores)
    selected = {
        "place": list(request.places),
        "district": list(request.places),
        "category": list(request.categories),
    }
    return SearchResult(
        query=str(parsed),
        total=len(docs),
        page=request.page,
        size=request.size,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        match=match,
        hits=hits,
        facets=facets.counts(docs, selected),
    )
