"""What the search engine sees of one index generation: arrays over document numbers, and stored articles.

:class:`IndexView` is the contract between the engine (:mod:`newssearch.engine`) and the storage adapter: the
engine never touches Whoosh, only these calls, so it can be tested on an in-memory view and the storage can be
changed underneath (a columnar companion file, another engine) without the ranking moving. Document numbers run
from 0 to ``doc_count_all``; deleted ones are false in ``live``. Every array handed out is read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from newssearch.store.derived import DerivedRecipe

__all__ = ["Array", "Frequencies", "Ids", "IndexView", "Indices", "Mask", "Positions", "PostingsView", "Stored"]

#: One float per document (scores) or per posting (term frequencies, BM25).
Array = npt.NDArray[np.float32]
#: Term frequencies of a term's postings: float32, or whole numbers in uint8 or uint16 (as cached, or as the mapped
#: companion holds them); arithmetic with a float32 gives float32 either way.
Frequencies = npt.NDArray[Any]
#: One flag per document.
Mask = npt.NDArray[np.bool_]
#: Document numbers: int32, or uint32 where they are the mapped companion's own array.
Ids = npt.NDArray[np.int32] | npt.NDArray[np.uint32]
#: Document numbers as numpy's index type, for gathers and scatters.
Indices = npt.NDArray[np.intp]
#: Sorted ``document << 24 | position`` keys of one term's occurrences.
Positions = npt.NDArray[np.int64]
#: A stored article: ``id``, ``title``, ``body``, ``date``, ``category``, ``places``, ``url``, ``source``, ``author``.
Stored = dict[str, Any]

#: Characters of an article's body its stored record holds (its ``body``): every hit reads that record, so a
#: book-length article (the hostile feed's 480,000 characters) costs a hit no more than a long news story.
#: Enough for everything a hit shows: snippets look at the first 20,000 characters and a window after them.
#: The whole body is read only for the article view and exports (:meth:`IndexView.whole_body`).
HIT_BODY_CHARS = 24_000


class PostingsView(Protocol):
    """The arrays of one opened generation: shared by every request (facet tables are built from it)."""

    @property
    def doc_count(self) -> int:
        """Live documents."""

    @property
    def doc_count_all(self) -> int:
        """Document numbers in use, deleted ones included (the length of every per-document array)."""

    @property
    def live(self) -> Mask:
        """Which document numbers are not deleted."""

    def empty_mask(self) -> Mask: ...

    def mask_of(self, ids: Ids) -> Mask: ...

    def postings(self, field: str, term: str) -> tuple[Ids, Frequencies]:
        """Live documents' numbers and term frequencies of ``term`` in ``field`` (empty when absent)."""

    def docs(self, field: str, term: str) -> Ids: ...

    def doc_frequency(self, field: str, term: str) -> int:
        """Documents with ``term`` in ``field``, from the term index only (no postings read)."""

    def doc_frequencies(self, field: str, terms: list[str]) -> npt.NDArray[np.int64]:
        """:meth:`doc_frequency` of each of many terms, looked up together."""

    def known(self, folded: str) -> bool:
        """Whether any article has this folded syllable in its title or body."""

    def terms(self, field: str) -> list[str]:
        """Every term of ``field``."""

    def terms_within(self, field: str, word: str, maxdist: int, stop: Callable[[], bool] | None = None) -> list[str]:
        """Terms of ``field`` within ``maxdist`` edits of ``word`` (those found before ``stop()`` said time is up)."""

    def phrase_docs(
        self,
        field: str,
        words: list[str],
        candidates: npt.NDArray[np.integer[Any]],
        stop: Callable[[], bool] | None = None,
    ) -> Ids:
        """Of ``candidates`` (sorted), the documents where ``words`` stand side by side, in order."""

    def lengths(self, field: str) -> Array:
        """Each document's length in ``field``."""

    def average_length(self, field: str) -> float: ...

    def column(self, field: str) -> npt.NDArray[np.int64]:
        """A numeric column (``date_lo``, ``date_hi``); 0 where a document has none."""

    def precomputed(self, recipe: str, name: str) -> npt.NDArray[Any] | None:
        """An array the engine computed for this generation by ``recipe`` when it was indexed
        (:mod:`newssearch.store.dense`), or ``None``: the engine then computes it, with the same values."""

    def derived(self, recipe: DerivedRecipe) -> Any | None:
        """Data the engine derived from this generation's articles by ``recipe`` when it was indexed
        (:mod:`newssearch.store.derived`), or ``None``: the engine then derives it, with the same result."""


class IndexView(PostingsView, Protocol):
    """One opened generation, as the engine reads it during one request: its arrays and its stored articles."""

    def stored(self, docnum: int) -> Stored:
        """The stored fields of one document; ``body`` is its first :data:`HIT_BODY_CHARS` characters (or more)."""

    def whole_body(self, docnum: int, stored: Stored) -> str:
        """The whole body of the document whose stored fields are ``stored``."""

    def docnum(self, article_id: str) -> int | None:
        """The document number of an article id, or ``None``."""
