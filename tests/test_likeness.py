""" "More like this" (related articles, a long query's feedback) weighs only the terms that can be among its best.

:func:`~newssearch.engine.likeness.likeness_scores` looks up the terms said once only when they could still reach
its best :data:`~newssearch.engine.likeness.LIKENESS_TERMS`; these tests compare it with weighing every term, on
a real index of the bundled corpus, for single articles (``/related``) and groups of three (the feedback).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from newssearch.engine import likeness
from newssearch.engine.bm25 import bm25
from newssearch.engine.facets import FacetIndex
from newssearch.index.indexer import IndexStats
from newssearch.store.pool import SearcherPool
from newssearch.store.view import IndexView
from newssearch.text.analysis import folded_terms


@pytest.fixture(scope="module")
def view(bundled_index: tuple[Path, IndexStats]) -> Iterator[IndexView]:
    """A search's view of the bundled index (stored articles and postings)."""
    pool = SearcherPool(bundled_index[0], FacetIndex)
    with pool.view() as (lent, _):
        yield lent
    pool.close()


def every_term_weighed(view: IndexView, docnums: list[int], terms: int = likeness.LIKENESS_TERMS) -> np.ndarray:
    """The definition: every syllable and pair of the articles' titles and ledes weighed, the best ``terms`` scored."""
    counts: Counter[str] = Counter()
    for docnum in docnums:
        words = folded_terms(likeness._text(view, docnum))
        counts.update(words)
        counts.update(f"{a}_{b}" for a, b in itertools.pairwise(words))
    n = view.doc_count
    weighted = []
    for field, wanted in (("body_fold", False), ("bigram", True)):
        of_field = [term for term in counts if ("_" in term) is wanted]
        for term, frequency in zip(of_field, view.doc_frequencies(field, of_field), strict=True):
            if 1 < frequency < n * likeness.MAX_SHARE:
                weighted.append((counts[term] * float(np.log(n / int(frequency))), field, term))
    scores = np.zeros(view.doc_count_all, dtype=np.float32)
    for weight, field, term in sorted(weighted, reverse=True)[:terms]:
        ids, term_scores = bm25(view, field, term)
        term_scores *= np.float32(weight)
        np.add.at(scores, ids, term_scores)
    return scores * view.live


def test_related_and_feedback_scores_are_those_of_every_term_weighed(view: IndexView) -> None:
    docs = view.doc_count_all
    groups = [[d] for d in range(0, docs, 7)] + [[d, (d * 7 + 3) % docs, (d * 13 + 5) % docs] for d in range(docs)]
    for group in groups:
        assert np.array_equal(likeness.likeness_scores(view, group), every_term_weighed(view, group)), group


def test_fewer_terms_asked_for_are_weighed_the_same_way(view: IndexView) -> None:
    for terms in (1, 3, 100, 10_000):
        assert np.array_equal(
            likeness.likeness_scores(view, [0, 1, 2], terms), every_term_weighed(view, [0, 1, 2], terms)
        )
