"""Array idioms the storage adapter and the engine share."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["flat_ranges"]


def flat_ranges(first: npt.NDArray[np.integer[Any]], lengths: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int64]:
    """The indices of the slices ``first[i] : first[i] + lengths[i]``, one after another: gathering many slices of
    an array (a term's postings in each segment, a document's facet values) in one numpy step instead of a Python
    loop over them."""
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.asarray(first, dtype=np.int64) - np.cumsum(lengths) + lengths
    at: npt.NDArray[np.int64] = np.repeat(starts, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    return at
