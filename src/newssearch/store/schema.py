"""The Whoosh schema: which fields an index document has and how each is indexed.

Text is indexed three ways (see :mod:`newssearch.engine.ranking` for how they are weighted):

* ``title``/``body``: accent-preserving syllables, so exact diacritics rank first;
* ``title_fold``/``body_fold``: folded syllables, so ``ha tinh`` finds ``Hà Tĩnh``;
* ``bigram``: folded syllable pairs of the title and the lede, so syllables that stand together (``thành phố``) rank
  above scattered ones;
* ``pair``: exact syllable pairs of the whole article, so a name typed with diacritics ranks the articles where it
  stands together with those very marks first.

:mod:`newssearch.index.documents` turns an article into the document these fields take.

Facets are plain keyword fields (one term per value), which the facet counter reads as posting lists. Places come
twice: every unit an article mentions (``province``, ``province_2025``, ``district``) and the units it is about
(``place_about``, ``place_about_2025``, ``district_about``; see :mod:`newssearch.text.place_about`). Dates are
kept as an inclusive day range (``date_lo``..``date_hi``, ``YYYYMMDD`` integers): a month-only date such as the
seed's ``2022-01`` spans its whole month, so it falls inside any date range that covers that month.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh.analysis import Analyzer, RegexTokenizer
from whoosh.columns import CompressedBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence, Frequency, Positions
from whoosh.index import Index
from whoosh.system import pack_uint

from newssearch.store.analyzers import accented_analyzer, bigram_analyzer, exact_pair_analyzer, folded_analyzer
from newssearch.store.view import HIT_BODY_CHARS
from newssearch.text.analysis import accented_terms, bigram_terms, exact_pair_terms, folded_terms

__all__ = [
    "FACET_SEPARATOR",
    "build_schema",
    "create_index",
    "has_current_schema",
    "index_exists",
    "open_index",
    "stored_layout",
]

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
        if isinstance(form, Positions):
            for term, count, weight, encoded, _ in self.index_with_positions(value):
                yield term, count, weight, encoded
            return
        syllables = self.terms(value)
        if isinstance(form, Frequency):
            for syllable, count in Counter(syllables).items():
                yield syllable.encode(), count, float(count) * boost, pack_uint(count)
        elif isinstance(form, Existence):
            for syllable in set(syllables):
                yield syllable.encode(), 1, boost, b""
        else:
            yield from super().index(value, **kwargs)

    def index_with_positions(self, value: str) -> Iterator[tuple[bytes, int, float, bytes, list[int]]]:
        """:meth:`index` of a field with positions, each item with its positions undecoded (the rebuild writer
        keeps them for the columnar companion, :mod:`newssearch.store.columns`)."""
        form, boost = self.format, self.format.field_boost
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for position, term in enumerate(self.terms(value)):
            positions[term].append(position)
        for term, found in positions.items():
            yield term.encode(), len(found), float(len(found)) * boost, form.encode(found), found


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


def _exact_pair_field() -> SyllableText:
    """Exact syllable pairs of the whole article, as presence: does ``Mỹ An`` stand together, with these marks?

    Positions are kept for folded syllables only; a name typed with diacritics is graded by these pairs instead
    (:mod:`newssearch.engine.shapes`).
    """
    field = SyllableText(exact_pair_analyzer(), exact_pair_terms, phrase=False)
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
        pair=_exact_pair_field(),
        place_text=_folded_field(),
        date=STORED(),
        date_lo=NUMERIC(int, bits=32, signed=False, sortable=True, stored=False),
        date_hi=NUMERIC(int, bits=32, signed=False, sortable=True, stored=False),
        month=ID(),
        year=ID(),
        category=ID(stored=True),
        # Places mentioned (every unit named: ``place:`` and the article's "also mentioned")…
        province=_facet_field(),
        province_2025=_facet_field(),
        district=_facet_field(),
        # …and the places the article is about (the facets and the ``place`` filter by default).
        place_about=_facet_field(),
        place_about_2025=_facet_field(),
        district_about=_facet_field(),
        # Bylines and outlets (issue 18): ``author:`` searches the folded byline; the facets filter by the whole name.
        author_text=_folded_field(),
        author_facet=_facet_field(),
        outlet=_facet_field(),
        places=STORED(),
        url=STORED(),
        source=STORED(),
        author=STORED(),
        abstract=STORED(),
        # The whole body of an article longer than HIT_BODY_CHARS, compressed, when its stored ``body`` holds only
        # the beginning (see ``stored_layout``): read for the article view and exports, never for a hit.
        body_whole=COLUMN(CompressedBytesColumn()),
    )


def stored_layout(schema: Schema, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as written into an index with ``schema``: a body longer than :data:`HIT_BODY_CHARS` is stored as
    its beginning (Whoosh's ``_stored_body``; the whole of it is still indexed) and kept whole in ``body_whole``.

    An index written before ``body_whole`` (its schema lacks it) stores every body whole, as it always did.
    """
    body = document.get("body")
    if "body_whole" not in schema or not isinstance(body, str) or len(body) <= HIT_BODY_CHARS:
        return document
    return {**document, "_stored_body": body[:HIT_BODY_CHARS], "body_whole": body.encode("utf-8")}


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


def index_exists(path: Path) -> bool:
    """Whether ``path`` holds a Whoosh index (a table of contents)."""
    return bool(_storage(path).index_exists()) if path.is_dir() else False


def has_current_schema(index: Index) -> bool:
    """Whether ``index`` has every field :func:`build_schema` declares (else it must be rebuilt to add to it)."""
    return set(build_schema().names()) <= set(index.schema.names())
