"""BM25 over the index's posting arrays: the base score of every match."""

from __future__ import annotations

import numpy as np

from newssearch.engine import ranking
from newssearch.store.view import Array, Ids, Indices, PostingsView

__all__ = ["as_index", "bm25"]


#: Each field's length normalisation, per lengths array (one per field and generation): ``id`` → (the array, its
#: norms). The array is held, so its ``id`` cannot be reused while the entry lives; emptied when it grows past
#: :data:`_MAX_NORMS` (a few generations' worth).
_NORMS: dict[int, tuple[Array, Array]] = {}
_MAX_NORMS = 64


def _length_norms(lengths: Array, avg: float) -> Array:
    """``k1 × (1 − b + b × length / avg)`` of every document: computed once per field and generation instead of
    for each term's documents (the same float32 operations in the same order, so the same values)."""
    entry = _NORMS.get(id(lengths))
    if entry is not None and entry[0] is lengths:
        return entry[1]
    k1, b = np.float32(ranking.BM25_K1), np.float32(ranking.BM25_B)
    norms: Array = k1 * ((1 - b) + b * lengths / np.float32(avg))
    if len(_NORMS) >= _MAX_NORMS:
        _NORMS.clear()
    _NORMS[id(lengths)] = (lengths, norms)
    return norms


def as_index(ids: Ids) -> Indices:
    """``ids`` as numpy's own index type: a gather or scatter with int32 or uint32 numbers converts them on every
    use and takes about twice as long (a common word's 80,000 at 150k: 340 against 166 µs a scatter)."""
    return ids.astype(np.intp)


def bm25(view: PostingsView, field: str, term: str) -> tuple[Indices, Array]:
    """BM25 scores of ``term`` in ``field`` for each document that has it (Whoosh's BM25F formula, one field), and
    the documents' numbers as indices (:func:`as_index`) for the caller's scatters."""
    found, tfs = view.postings(field, term)
    ids = as_index(found)
    if not len(ids):
        return ids, np.zeros(0, dtype=np.float32)
    norm = _length_norms(view.lengths(field), view.average_length(field)).take(ids)
    n = max(view.doc_count, 1)
    idf = np.float32(np.log(n / (len(ids) + 1)) + 1.0)
    k1 = np.float32(ranking.BM25_K1)
    # ``idf × tfs × (k1 + 1) / (tfs + norm)`` in float32 (frequencies are uint8, uint16 or float32), computed in
    # the arrays already made rather than in four new ones: the same operations on the same values.
    scores: Array = tfs * (k1 + 1)
    scores *= idf
    norm += tfs
    scores /= norm
    return ids, scores
