"""The Whoosh schema, and how an :class:`~newssearch.corpus.Article` becomes an index document.

Text is indexed three ways (see :mod:`newssearch.ranking` for how they are weighted):

* ``title``/``body``: accent-preserving syllables, so exact diacritics rank first;
* ``title_fold``/``body_fold``: folded syllables, so ``ha tinh`` finds ``Hà Tĩnh``;
* ``bigram``: folded syllable pairs of the title and the lede, so syllables that stand together (``thành phố``) rank
  above scattered ones.

Facets are plain keyword fields (one term per value), which the facet counter reads as posting lists. Dates are
kept as an inclusive day range (``date_lo``..``date_hi``, ``YYYYMMDD`` integers): a month-only date such as the
seed's ``2022-01`` spans its whole month, so it falls inside any date range that covers that month.
"""

from __future__ import annotations

import calendar
from typing import Any

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from newssearch.analysis import bigram_analyzer, exact_analyzer, folded_analyzer
from newssearch.corpus import Article

__all__ = ["FACET_FIELDS", "FACET_SEPARATOR", "article_document", "build_schema", "date_bounds"]

#: Facet name -> index field. ``place`` filters match the province as named then, its 2025 successor, or a district.
FACET_FIELDS = {
    "province": "province",
    "district": "district",
    "month": "month",
    "year": "year",
    "category": "category",
}
#: Stored with every document; enough to show a hit without reading the corpus again.
STORED_FIELDS = ("id", "title", "body", "date", "category", "url", "source", "author", "places")


#: Bigrams are indexed for the title and the lede (the body's first words), where a news article says what it is
#: about. Over the whole body they were 58% of indexing time (500 Dân Trí articles: 20.8 → 49.9 docs/s without)
#: for a proximity signal that the lede and the title already give.
BIGRAM_LEDE_WORDS = 120

#: Separates the values of a multi-valued facet field (district labels contain commas).
FACET_SEPARATOR = "|"


def _facet_field() -> KEYWORD:
    """A multi-valued keyword field whose values are separated by :data:`FACET_SEPARATOR`, case kept."""
    field = KEYWORD(scorable=False)
    field.analyzer = RegexTokenizer(r"[^|]+")
    return field


def build_schema() -> Schema:
    """The index schema. Analyzers are built here, never at import time."""
    exact, folded, bigrams = exact_analyzer(), folded_analyzer(), bigram_analyzer()
    return Schema(
        # Columns (sortable) let the incremental indexer read every id and hash without loading stored bodies.
        id=ID(stored=True, unique=True, sortable=True),
        content_hash=ID(sortable=True),
        path=ID(stored=True, sortable=True),
        title=TEXT(analyzer=exact, stored=True, phrase=True),
        title_fold=TEXT(analyzer=folded, phrase=True),
        # No positions for the exact body: phrases match on body_fold, exact syllables add their bonus as terms.
        body=TEXT(analyzer=exact, stored=True, phrase=False),
        body_fold=TEXT(analyzer=folded, phrase=True),
        bigram=TEXT(analyzer=bigrams, phrase=False),
        place_text=TEXT(analyzer=folded, phrase=True),
        date=STORED(),
        date_lo=NUMERIC(int, bits=32, signed=False, sortable=True, stored=False),
        date_hi=NUMERIC(int, bits=32, signed=False, sortable=True, stored=False),
        month=ID(),
        year=ID(),
        category=ID(stored=True),
        province=_facet_field(),
        province_2025=_facet_field(),
        district=_facet_field(),
        places=STORED(),
        url=STORED(),
        source=STORED(),
        author=STORED(),
        abstract=STORED(),
    )


def date_bounds(date: str) -> tuple[int, int]:
    """``2022-01-06`` → (20220106, 20220106); ``2022-01`` → (20220101, 20220131)."""
    year, month = int(date[:4]), int(date[5:7])
    if len(date) >= 10:
        day = int(date[8:10])
        return (year * 10000 + month * 100 + day,) * 2
    last = calendar.monthrange(year, month)[1]
    return year * 10000 + month * 100 + 1, year * 10000 + month * 100 + last


def article_document(
    article: Article, provinces: tuple[str, ...], provinces_2025: tuple[str, ...], districts: tuple[str, ...]
) -> dict[str, Any]:
    """The Whoosh document for one article and its place tags."""
    lede = " ".join(article.body.split(maxsplit=BIGRAM_LEDE_WORDS)[:BIGRAM_LEDE_WORDS])
    places = {
        "provinces": list(provinces),
        "provinces_2025": list(provinces_2025),
        "districts": list(districts),
    }
    doc: dict[str, Any] = {
        "id": article.id,
        "content_hash": article.content_hash(),
        "path": article.path,
        "title": article.title,
        "title_fold": article.title,
        "body": article.body,
        "body_fold": article.body,
        "bigram": f"{article.title}\n{lede}",
        "place_text": "\n".join(sorted({*provinces, *provinces_2025, *districts})),
        "date": article.date,
        "places": places,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "abstract": article.abstract,
    }
    if article.category:
        doc["category"] = article.category
    if provinces:
        doc["province"] = FACET_SEPARATOR.join(provinces)
    if provinces_2025:
        doc["province_2025"] = FACET_SEPARATOR.join(provinces_2025)
    if districts:
        doc["district"] = FACET_SEPARATOR.join(districts)
    if article.date:
        doc["date_lo"], doc["date_hi"] = date_bounds(article.date)
        doc["month"], doc["year"] = article.date[:7], article.date[:4]
    return doc
