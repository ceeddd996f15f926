"""The page's and the feedback's best few documents: the same as sorting every match (hypothesis).

:func:`~newssearch.engine.best.best_within` reads only the blocks whose best score can reach the winners; these
tests compare it with a stable sort of every match, on archives of a few blocks with heavy ties, zero scores
inside and outside the matches, and a partial last block.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newssearch.engine.best import BLOCK, best_within


def _sorted_matches(scores: np.ndarray, within: np.ndarray, k: int) -> list[int]:
    """What a page shows: the matches by score, highest first, ties in document order."""
    matches = np.flatnonzero(within)
    order = np.lexsort((matches, -scores[matches]))
    return [int(d) for d in matches[order][:k]]


@st.composite
def _archives(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    size = draw(st.integers(1, 60 * BLOCK + BLOCK - 1))  # the blocks are compared from 4 × k of them
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Few distinct values, so ties are common; many zeros; the matches anything from none to all.
    levels = draw(st.integers(1, 6))
    scores = rng.integers(0, levels, size).astype(np.float32) * np.float32(draw(st.sampled_from([0.5, 1.0, 3.25])))
    within = rng.random(size) < draw(st.sampled_from([0.0, 0.001, 0.05, 0.5, 1.0]))
    return scores, within, draw(st.integers(1, 12))


@given(_archives())
def test_the_best_are_those_a_full_sort_puts_first(archive: tuple[np.ndarray, np.ndarray, int]) -> None:
    scores, within, k = archive
    assert best_within(scores, within, k).tolist() == _sorted_matches(scores, within, k)


def test_a_high_score_outside_the_matches_is_never_chosen() -> None:
    scores = np.zeros(40 * BLOCK + 17, dtype=np.float32)
    within = np.zeros(len(scores), dtype=bool)
    scores[5] = 100.0  # not a match
    within[[7, 3 * BLOCK, 40 * BLOCK + 3]] = True
    scores[[7, 3 * BLOCK, 40 * BLOCK + 3]] = [1.0, 2.0, 2.0]  # the last in the partial block at the end
    assert best_within(scores, within, 2).tolist() == [3 * BLOCK, 40 * BLOCK + 3]
    assert best_within(scores, within, 10).tolist() == [3 * BLOCK, 40 * BLOCK + 3, 7]
