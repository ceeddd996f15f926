"""How an :class:`~newssearch.index.corpus.Article` and its place tags become an index document.

The field names are those of :func:`newssearch.store.schema.build_schema`; text goes to the exact, folded and
bigram fields, facets are keyword fields, and dates become an inclusive day range (``date_lo``..``date_hi``).
"""

from __future__ import annotations

from typing import Any

from newssearch.index.corpus import Article
from newssearch.store.schema import FACET_SEPARATOR
from newssearch.text.dates import date_bounds
from newssearch.text.places import tag_places

__all__ = ["BIGRAM_LEDE_WORDS", "article_document", "document_of"]

#: Bigrams are indexed for the title and the lede (the body's first words), where a news article says what it is
#: about. Over the whole body they were 58% of indexing time (500 Dân Trí articles: 20.8 → 49.9 docs/s without)
#: for a proximity signal that the lede and the title already give.
BIGRAM_LEDE_WORDS = 120


#: Exact syllable pairs are indexed for the title and this many words of the body: where an article names what it
#: is about. Over whole bodies they doubled the index (VietNews, 20,000 articles: 240 → 491 MB).
PAIR_LEDE_WORDS = 200


def _words(text: str, count: int) -> str:
    """The first ``count`` whitespace-separated words of ``text``."""
    return " ".join(text.split(maxsplit=count)[:count])


def document_of(article: Article) -> dict[str, Any]:
    """The index document of one article, with its places tagged (what the writers and workers add)."""
    tags = tag_places(article.title, article.body, article.date)
    return article_document(article, tags.provinces, tags.provinces_2025, tags.districts)


def article_document(
    article: Article, provinces: tuple[str, ...], provinces_2025: tuple[str, ...], districts: tuple[str, ...]
) -> dict[str, Any]:
    """The index document for one article and its place tags."""
    lede = _words(article.body, BIGRAM_LEDE_WORDS)
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
        "pair": f"{article.title}\n{_words(article.body, PAIR_LEDE_WORDS)}",
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
