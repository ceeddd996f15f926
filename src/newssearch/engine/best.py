"""The best few of a whole archive's scores, without partitioning all of them.

A pasted lead or a headline matches most of the archive (the stream's at 150,703 articles: about 144,000 each, as
a long query needs only most of its words), and the page wants its best 10, the feedback its best 3. Gathering the
matches' scores and partitioning them took 0.92 ms each time (150,708 scores, 96% of them matches); the best of each
block of :data:`BLOCK` scores says which few blocks can hold the winners, and only those are sorted: 0.12 ms.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from newssearch.store.view import Array, Mask

__all__ = ["BLOCK", "best_within", "top_stable"]

#: Scores per block whose best is compared first (a row of 1 KB of float32).
BLOCK = 256

Positions = npt.NDArray[np.intp]


def top_stable(values: Array, k: int) -> Positions:
    """Positions of the ``k`` largest ``values``, largest first, ties in position order: what a stable sort of
    ``-values`` starts with, without sorting them all."""
    if len(values) > 4 * k:
        threshold = values[np.argpartition(-values, k)[:k]].min()
        tied = np.flatnonzero(values >= threshold)  # every value that may be among the k, in position order
        return tied[np.argsort(-values[tied], kind="stable")[:k]]
    return np.argsort(-values, kind="stable")[:k]


def best_within(scores: Array, within: Mask, k: int) -> Positions:
    """The documents ``within`` with the ``k`` highest ``scores`` (never below 0), highest first, ties in document
    order: what a stable sort of the matches by score starts with (fewer when fewer match).

    The ``k``-th best of the blocks' bests is at most the ``k``-th best score (the blocks' bests are ``k`` scores),
    so every score that can be among the ``k`` is in a block whose best reaches it. When that threshold is 0 (fewer
    than ``k`` matches score above 0), a 0 outside ``within`` could not be told from one inside: the matches are
    then gathered and ranked whole.
    """
    if k < 1:
        return np.zeros(0, dtype=np.intp)
    rows = len(scores) // BLOCK
    if rows > 4 * k:
        # Scores are never below 0, so outside ``within`` they become 0 (a multiply: cheaper than ``np.where``).
        kept = np.multiply(scores, within, dtype=np.float32)
        row_best = kept[: rows * BLOCK].reshape(rows, BLOCK).max(axis=1)
        threshold = np.partition(row_best, rows - k)[rows - k]
        if threshold > 0:
            picked = np.flatnonzero(row_best >= threshold)
            positions = (picked[:, np.newaxis] * BLOCK + np.arange(BLOCK)).ravel()
            tail = np.arange(rows * BLOCK, len(kept))  # the last, partial block, read as it is
            positions = np.concatenate((positions, tail[kept[tail] >= threshold]))
            values = kept[positions]
            reach = values >= threshold
            positions, values = positions[reach], values[reach]
            best: Positions = positions[np.argsort(-values, kind="stable")[:k]]
            return best
    candidates = np.flatnonzero(within)
    return candidates[top_stable(scores[candidates], k)]
