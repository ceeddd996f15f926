"""newssearch: full-text search over Vietnamese news archives.

The public API is the :class:`Archive` façade and the types its verbs take and return::

    from newssearch import Archive, SearchRequest, Settings

    with Archive.open(Settings(index_dir=Path("index"))) as archive:
        archive.index([Path("corpus")])
        for hit in archive.search(SearchRequest("ha tinh")).hits:
            print(hit.id, hit.title)

Layers, each a subpackage that imports only those before it: ``text`` (Vietnamese normalisation, places,
variants) → ``store`` (the one adapter that imports Whoosh) and ``index`` (corpus, change plan, indexer, check)
→ ``engine`` (query language, scoring, facets, snippets, search) → ``archive`` → ``service`` (HTTP) and ``cli``.
"""

from newssearch.archive import Archive, ArchiveStatus, IndexNotReady
from newssearch.config import Settings
from newssearch.engine.results import Article, FacetValue, Hit, Related, SearchResult
from newssearch.engine.search import SearchError, SearchRequest
from newssearch.index.check import CheckReport
from newssearch.index.indexer import IndexStats

__all__ = [
    "Archive",
    "ArchiveStatus",
    "Article",
    "CheckReport",
    "FacetValue",
    "Hit",
    "IndexNotReady",
    "IndexStats",
    "Related",
    "SearchError",
    "SearchRequest",
    "SearchResult",
    "Settings",
    "__version__",
]

__version__ = "0.1.0"
