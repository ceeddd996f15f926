"""How an :class:`~newssearch.index.corpus.Article` and its place tags become an index document.

The field names are those of :func:`newssearch.store.schema.build_schema`; text goes to the exact, folded and
bigram fields, facets are keyword fields, and dates become an inclusive day range (``date_lo``..``date_hi``).
"""

from __future__ import annotations

from typing import Any

from newssearch.index.corpus import Article
from newssearch.store.schema import FACET_SEPARATOR
from newssearch.text.dates import date_bounds
from newssearch.text.places import PlaceTags, tag_places

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
    return article_document(article, tag_places(article.title, article.body, article.date))


def article_document(article: Article, tags: PlaceTags) -> dict[str, Any]:
    """The index document for one article and its place tags.

    The stored ``places`` holds the mentioned units (``provinces``, ``provinces_2025``, ``districts``) and those
    the article is about (``about_provinces``, ``about_provinces_2025``, ``about_districts``); ``place_text``
    (what ``place:`` searches) holds every mentioned one.
    """
    lede = _words(article.body, BIGRAM_LEDE_WORDS)
    # The byline is searched as words of the article too (a plain ``Thu Trang`` finds it), not stored in its body.
    byline = f"\n{article.author}" if article.author else ""
    provinces, provinces_2025, districts = tags.provinces, tags.provinces_2025, tags.districts
    places = {
        "provinces": list(provinces),
        "provinces_2025": list(provinces_2025),
        "districts": list(districts),
        "about_provinces": list(tags.about_provinces),
        "about_provinces_2025": list(tags.about_provinces_2025),
        "about_districts": list(tags.about_districts),
    }
    doc: dict[str, Any] = {
        "id": article.id,
        "content_hash": article.content_hash(),
        "path": article.path,
        "title": article.title,
        "title_fold": article.title,
        "body": article.body,
        "body_fold": article.body + byline,
        "bigram": f"{article.title}\n{lede}",
        "pair": f"{article.title}\n{_words(article.body, PAIR_LEDE_WORDS)}{byline}",
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
    if article.author:
        doc["author_text"] = article.author
        doc["author_facet"] = article.author.replace(FACET_SEPARATOR, " ")
    if article.source:
        doc["outlet"] = article.source.replace(FACET_SEPARATOR, " ")
    if provinces:
        doc["province"] = FACET_SEPARATOR.join(provinces)
    if provinces_2025:
        doc["province_2025"] = FACET_SEPARATOR.join(provinces_2025)
    if districts:
        doc["district"] = FACET_SEPARATOR.join(districts)
    for field, values in (
        ("place_about", tags.about_provinces),
        ("place_about_2025", tags.about_provinces_2025),
        ("district_about", tags.about_districts),
    ):
        if values:
            doc[field] = FACET_SEPARATOR.join(values)
    if article.date:
        doc["date_lo"], doc["date_hi"] = date_bounds(article.date)
        doc["month"], doc["year"] = article.date[:7], article.date[:4]
    return doc
