"""Evaluate a parsed query into a result mask and BM25 scores over every document, as array operations.

Each syllable of the query is one clause:

* its folded form is looked up in ``title_fold`` and ``body_fold`` (recall: ``ha tinh`` finds ``Hà Tĩnh``),
  scored with BM25, the title weighted :data:`~newssearch.ranking.TITLE` times;
* typed with diacritics, an exact match in ``title`` or ``body`` adds the constant
  :data:`~newssearch.ranking.EXACT_BONUS`, so exact-diacritic articles rank first (``đường`` above ``dương``);
* adjacent query syllables add the BM25 score of their folded bigram (proximity), optionally.

Quoted phrases and ``place:`` clauses take their document set from Whoosh's positional phrase matcher (phrases
are rare and selective); their words are scored like plain syllables. Weights live in :mod:`newssearch.ranking`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh.searching import Searcher

from newssearch import ranking
from newssearch.analysis import fold
from newssearch.postings import Array, Mask, PostingCache
from newssearch.querylang import Clause, ParsedQuery

__all__ = ["Evaluation", "evaluate_query"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Which documents match (``mask``) and their scores (``scores``; meaningful where the mask is set)."""

    mask: Mask
    scores: Array
    partial: bool


class _Evaluator:
    def __init__(self, searcher: Searcher, postings: PostingCache) -> None:
        self.searcher = searcher
        self.postings = postings

    def zeros(self) -> Array:
        return np.zeros(self.postings.doc_count_all, dtype=np.float32)

    def syllable(self, syllable: str, fields: tuple[str, ...]) -> tuple[Mask, Array]:
        folded = fold(syllable)
        mask, scores = self.postings.empty_mask(), self.zeros()
        for name in fields:
            weight = ranking.TITLE if name == "title" else 1.0
            ids, bm25 = self.postings.bm25(f"{name}_fold", folded)
            scores[ids] += np.float32(weight * ranking.FOLDED) * bm25
            mask[ids] = True
        if syllable != folded:
            exact = self.postings.empty_mask()
            for name in fields:
                exact[self.postings.docs(name, syllable)] = True
            scores[exact] += np.float32(ranking.EXACT_BONUS)
        return mask, scores

    def _whoosh_docs(self, query: Q.Query) -> Mask:
        ids = np.fromiter(self.searcher.docs_for_query(query), dtype=np.int32)
        return self.postings.mask_of(ids)

    def phrase(self, clause: Clause, fields: tuple[str, ...]) -> tuple[Mask, Array]:
        folded = [fold(s) for s in clause.syllables]
        mask = self._whoosh_docs(Q.Or([Q.Phrase(f"{name}_fold", folded) for name in fields]))
        scores = self.zeros()
        for syllable in clause.syllables:
            scores += self.syllable(syllable, fields)[1]
        title_hits = self._whoosh_docs(Q.Phrase("title_fold", folded)) if "title" in fields else None
        if title_hits is not None:
            scores[title_hits] += np.float32(ranking.PHRASE_TITLE)
        return mask, scores

    def clause(self, clause: Clause) -> tuple[Mask, Array]:
        if clause.field == "place":
            folded = [fold(s) for s in clause.syllables]
            query = Q.Term("place_text", folded[0]) if len(folded) == 1 else Q.Phrase("place_text", folded)
            return self._whoosh_docs(query), self.zeros()
        fields = ("title",) if clause.field == "title" else ("title", "body")
        if len(clause.syllables) == 1:
            return self.syllable(clause.syllables[0], fields)
        return self.phrase(clause, fields)

    def group(self, group: list[Clause]) -> tuple[Mask, Array]:
        """Alternatives joined by OR: any may match; the scores of those that do add up."""
        mask, scores = self.postings.empty_mask(), self.zeros()
        for clause in group:
            clause_mask, clause_scores = self.clause(clause)
            mask |= clause_mask
            scores += clause_scores
        return mask, scores

    def bigrams(self, parsed: ParsedQuery) -> Array:
        """Optional score for each pair of adjacent query syllables that stand together in an article."""
        sequence = [
            fold(s)
            for group in parsed.groups
            if len(group) == 1 and group[0].field != "place"
            for s in group[0].syllables
        ]
        scores = self.zeros()
        for pair in dict.fromkeys(f"{a}_{b}" for a, b in itertools.pairwise(sequence)):
            ids, bm25 = self.postings.bm25("bigram", pair)
            scores[ids] += np.float32(ranking.BIGRAM) * bm25
        return scores


def evaluate_query(searcher: Searcher, postings: PostingCache, parsed: ParsedQuery, allowed: Mask | None) -> Evaluation:
    """Every clause must match; if no document (within ``allowed``) has them all, any clause may (``partial``)."""
    evaluator = _Evaluator(searcher, postings)
    base = postings.live if allowed is None else postings.live & allowed
    groups = [evaluator.group(group) for group in parsed.groups]
    for clause in parsed.excluded:
        base = base & ~evaluator.clause(clause)[0]
    scores = evaluator.bigrams(parsed)
    for _, group_scores in groups:
        scores += group_scores
    strict = base.copy()
    for group_mask, _ in groups:
        strict &= group_mask
    if strict.any():
        return Evaluation(strict, scores, partial=False)
    lenient = postings.empty_mask()
    for group_mask, _ in groups:
        lenient |= group_mask
    return Evaluation(lenient & base, scores, partial=True)
