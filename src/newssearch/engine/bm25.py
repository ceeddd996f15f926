"""BM25 over the index's posting arrays: the base score of every match."""

from __future__ import annotations

import numpy as np

from newssearch.engine import ranking
from newssearch.store.view import Array, Ids, PostingsView

__all__ = ["bm25"]


def bm25(view: PostingsView, field: str, term: str) -> tuple[Ids, Array]:
    """BM25 scores of ``term`` in ``field`` for each document that has it (Whoosh's BM25F formula, one field)."""
    ids, tfs = view.postings(field, term)
    if not len(ids):
        return ids, tfs
    lengths = view.lengths(field)
    avg = view.average_length(field)
    n = max(view.doc_count, 1)
    idf = np.float32(np.log(n / (len(ids) + 1)) + 1.0)
    k1, b = np.float32(ranking.BM25_K1), np.float32(ranking.BM25_B)
    norm = k1 * ((1 - b) + b * lengths[ids] / np.float32(avg))
    scores: Array = (idf * (tfs * (k1 + 1)) / (tfs + norm)).astype(np.float32)
    return ids, scores
