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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh.analysis import Analyzer, RegexTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence, Frequency, Positions
from whoosh.index import Index
from whoosh.system import pack_uint

from newssearch.analysis import (
    accented_analyzer,
    accented_terms,
    bigram_analyzer,
    bigram_terms,
    folded_analyzer,
    folded_terms,
)
from newssearch.corpus import Article

__all__ = [
    "FACET_FIELDS",
    "FACET_SEPARATOR",
    "article_document",
    "build_schema",
    "create_index",
    "date_bounds",
    "open_index",
]

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


class SyllableText(TEXT):
    """A ``TEXT`` field that indexes a string from a plain list of its terms instead of Whoosh's token stream.

    ``terms`` must return exactly what ``analyzer`` yields (``analysis.folded_terms`` for
    ``folded_analyzer()``, …); queries and highlights still use the analyzer. Profiled on VietNews, the token
    stream (a generator step and attribute writes per token per filter) was about a quarter of indexing time.
    The (term, frequency, weight, value) items are the ones ``TEXT.index`` gives; tests compare them.
    """

    def __init__(self, analyzer: Analyzer, terms: Callable[[str], list[str]], **kwargs: Any) -> None:
        super().__init__(analyzer=analyzer, **kwargs)
        self.terms = terms

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str) or kwargs:
            yield from super().index(value, **kwargs)
            return
        form, boost = self.format, self.format.field_boost
        terms = self.terms(value)
        if isinstance(form, Positions):
            positions: defaultdict[str, list[int]] = defaultdict(list)
            for position, term in enumerate(terms):
                positions[term].append(position)
            for term, found in positions.items():
                yield term.encode(), len(found), float(len(found)) * boost, form.encode(found)
        elif isinstance(form, Frequency):
            for term, count in Counter(terms).items():
                yield term.encode(), count, float(count) * boost, pack_uint(count)
        elif isinstance(form, Existence):
            for term in set(terms):
                yield term.encode(), 1, boost, b""
        else:
            yield from super().index(value, **kwargs)


def _folded_field() -> SyllableText:
    """Folded syllables with positions: BM25 and phrases."""
    return SyllableText(folded_analyzer(), folded_terms, phrase=True)


def _facet_field() -> KEYWORD:
    """A multi-valued keyword field whose values are separated by :data:`FACET_SEPARATOR`, case kept."""
    field = KEYWORD(scorable=False)
    field.analyzer = RegexTokenizer(r"[^|]+")
    return field


def _exact_field() -> SyllableText:
    """Stored text whose index holds only its accented syllables, as presence (no frequencies, positions, lengths).

    The exact fields answer one question, "does this article have ``đường`` exactly?" (the exact-diacritic bonus);
    phrases and BM25 use the folded fields. Measured on 1,000 VietNews articles: 531,090 postings instead of
    580,529 (most Vietnamese syllables carry a mark, so the exact field stays nearly as large as the folded one).
    """
    field = SyllableText(accented_analyzer(), accented_terms, stored=True, phrase=False)
    field.format = Existence()
    field.scorable = False
    return field


def build_schema() -> Schema:
    """The index schema. Analyzers are built here, never at import time."""
    return Schema(
        # Columns (sortable) let the incremental indexer read every id and hash without loading stored bodies.
        id=ID(stored=True, unique=True, sortable=True),
        content_hash=ID(sortable=True),
        path=ID(stored=True, sortable=True),
        title=_exact_field(),
        title_fold=_folded_field(),
        body=_exact_field(),
        body_fold=_folded_field(),
        bigram=SyllableText(bigram_analyzer(), bigram_terms, phrase=False),
        place_text=_folded_field(),
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


def _storage(path: Path) -> FileStorage:
    """Index files read with plain file reads, not ``mmap``.

    With ``mmap``, whoosh3's compound segment storage wraps each memory-mapped file in a ``BytesIO``
    (``structfile.BufferFile``), which *copies* it: every reader held a private copy of the postings. Measured on
    the 150,703-article VietNews index: 2.3 GB and 1.1 s per reader opened, 4.6 GB before the first search, one
    more copy per concurrent search. Without ``mmap`` a reader costs a few kilobytes and reads through the OS page
    cache.
    """
    return FileStorage(str(path), supports_mmap=False)


def open_index(path: Path) -> Index:
    """Open the Whoosh index in ``path`` (see :func:`_storage` for why not ``whoosh.index.open_dir``)."""
    return _storage(path).open_index()


def create_index(path: Path) -> Index:
    """Create an empty index with :func:`build_schema` in ``path``, opened like :func:`open_index`."""
    return _storage(path).create_index(build_schema())


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
