"""A search as an Atom feed: its newest matches, so newsroom staff follow a search in any feed reader (no accounts).

``/feed.atom`` takes the ``/search`` parameters; the feed lists the :data:`FEED_ENTRIES` newest articles the search
finds, each linking to the article on the search page (its summary ends with the original's outlet and address). Written
with ``feedgen``, which produces valid Atom 1.0 (ids, ``updated`` dates, authors, self link).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from urllib.parse import urlencode

from feedgen.feed import FeedGenerator

from newssearch.engine.results import Article

__all__ = ["FEED_ENTRIES", "atom_feed", "feed_title"]

#: Entries in a feed: the newest matches (a reader polling daily sees every new article of a busy search).
FEED_ENTRIES = 30
SUMMARY_CHARS = 400
#: For a feed with no dated entry (feedgen needs an ``updated``): a fixed date, so an empty feed does not change.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


#: Characters XML 1.0 cannot hold (control characters, lone surrogates): a query may carry them, Atom may not.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _moment(date: str | None) -> dt.datetime | None:
    """``2022-01-06`` → midnight UTC that day; ``2022-01`` → the first of the month; else ``None``."""
    if not date:
        return None
    day = date if len(date) >= 10 else f"{date[:7]}-01"
    try:
        return dt.datetime.fromisoformat(day[:10]).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def feed_title(query: str, filters: Iterable[str] = ()) -> str:
    """``Tìm kiếm tin tức: “ha tinh” (Hà Tĩnh)``: the search the feed follows, as a reader lists it."""
    shown = f"“{query.strip()}”" if query.strip() else "bài mới"
    extra = ", ".join(value for value in filters if value)
    return f"Tìm kiếm tin tức: {shown}" + (f" ({extra})" if extra else "")


def atom_feed(articles: list[Article], *, title: str, self_url: str, page_url: str, article_url_base: str) -> bytes:
    """The Atom document (UTF-8) of ``articles`` (newest first) for the search at ``page_url``.

    ``self_url`` is the feed's own address (its id); ``article_url_base`` + ``?article=<id>`` opens an article on
    the search page.
    """
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(_xml(title) or "newssearch")
    feed.author({"name": "newssearch"})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language("vi")
    feed.generator("newssearch")
    dates = [moment for article in articles if (moment := _moment(article.date)) is not None]
    feed.updated(max(dates) if dates else EPOCH)
    for article in articles:
        entry = feed.add_entry(order="append")
        on_page = f"{article_url_base}?{urlencode({'article': article.id})}"
        entry.id(on_page)
        entry.title(_xml(article.title or article.id) or "—")
        entry.updated(_moment(article.date) or EPOCH)
        if article.date:
            entry.published(_moment(article.date) or EPOCH)
        # One link: feedgen 1.0 writes an entry's links without their rel, so a second one would be a second
        # "alternate" of the same type, which Atom forbids. The original's address goes in the summary.
        entry.link(href=on_page, rel="alternate", type="text/html")
        if article.author:
            entry.author({"name": _xml(article.author)})
        body = article.body
        summary = body[:SUMMARY_CHARS] + ("…" if len(body) > SUMMARY_CHARS else "")
        origin = " ".join(part for part in (article.source, article.url) if part)
        entry.summary(_xml(f"{summary}\n\nBài gốc: {origin}" if origin else summary))
        if article.category_label:
            entry.category(term=_xml(article.category or article.category_label), label=_xml(article.category_label))
    document: bytes = feed.atom_str(pretty=True)
    return document
