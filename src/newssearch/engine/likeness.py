""" "More like this": the most distinctive words of some articles as one weighted OR query.

Used two ways: ``/articles/{id}/related`` (the articles most like one article), and feedback for a pasted lead
(:mod:`newssearch.engine.shapes`): the best few articles a lead finds say what else the coverage of that event
is likely to share (names, places, numbers the lead did not repeat), so other outlets' articles rank up. This is
Elasticsearch's ``more_like_this`` and classic pseudo-relevance feedback (Rocchio, RM3).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable

import numpy as np

from newssearch.engine.bm25 import bm25
from newssearch.engine.snippets import MAX_TITLE_CHARS
from newssearch.store.view import Array, IndexView
from newssearch.text.analysis import folded_terms

__all__ = ["LIKENESS_TERMS", "likeness_scores"]

#: Words of the articles that make the query: the most distinctive of their titles and ledes.
LIKENESS_TERMS = 25
#: Words of each body read (the lede: where a news article says what it is about).
LEDE_WORDS = 300
#: A term in more than this share of the archive says nothing about one story.
MAX_SHARE = 0.2


def _text(view: IndexView, docnum: int) -> str:
    stored = view.stored(docnum)
    title: str = stored.get("title", "")
    body: str = stored.get("body", "")
    # A bounded title and lede: an article stored with a gigantic title (older indexes) costs no more than another.
    return title[:MAX_TITLE_CHARS] + "\n" + " ".join(body[: LEDE_WORDS * 40].split()[:LEDE_WORDS])


def _weighted(view: IndexView, counts: Counter[str], terms: list[str], n: int) -> list[tuple[float, str, str]]:
    """``(weight, field, term)`` of each of ``terms`` (syllables, and pairs joined by ``_``) in more than one article
    and at most :data:`MAX_SHARE` of them: its count times its idf."""
    weighted = []
    for field, wanted in (("body_fold", False), ("bigram", True)):
        of_field = [term for term in terms if ("_" in term) is wanted]
        frequencies = view.doc_frequencies(field, of_field)
        # Most of three articles' syllable pairs are in no other article: only the rest are weighed, one by one.
        for k in np.flatnonzero((frequencies > 1) & (frequencies < n * MAX_SHARE)).tolist():
            term = of_field[k]
            weighted.append((counts[term] * float(np.log(n / int(frequencies[k]))), field, term))
    return weighted


def likeness_scores(view: IndexView, docnums: Iterable[int], terms: int = LIKENESS_TERMS) -> Array:
    """Each document's score for the articles ``docnums`` taken as a query: folded syllables and syllable pairs
    weighted tf × idf over their titles and ledes, the top ``terms`` scored with BM25 (deleted documents: 0)."""
    counts: Counter[str] = Counter()
    for docnum in docnums:
        words = folded_terms(_text(view, docnum))  # what the index holds of the text (``body_fold``, ``bigram``)
        counts.update(words)
        counts.update(f"{a}_{b}" for a, b in itertools.pairwise(words))
    n = max(view.doc_count, 1)
    # A term is weighed only when in two articles or more, so one said once weighs at most log(n / 2). Weighed
    # first, the terms said more than once usually put the last of the best ``terms`` above that (in every one of
    # the stream's 198 leads and headlines at 150k): the terms said once, four in five of three articles' syllable
    # pairs, then cannot be among them and are not looked up.
    weighted = _weighted(view, counts, [term for term, count in counts.items() if count > 1], n)
    floor = sorted(weight for weight, _, _ in weighted)[-terms] if 1 <= terms <= len(weighted) else 0.0
    if float(np.log(n / 2)) >= floor:
        weighted += _weighted(view, counts, [term for term, count in counts.items() if count == 1], n)
    scores = np.zeros(view.doc_count_all, dtype=np.float32)
    for weight, field, term in sorted(weighted, reverse=True)[:terms]:
        ids, term_scores = bm25(view, field, term)
        term_scores *= np.float32(weight)
        np.add.at(scores, ids, term_scores)  # faster than ``scores[ids] +=``; a posting list's numbers are distinct
    scores *= view.live  # deleted documents: 0 (a multiply: boolean indexing of a whole archive is slower)
    return scores
