"""Evaluate a parsed query into a result mask and BM25 scores over every document, as array operations.

Each syllable of the query is one clause:

* its folded form is looked up in ``title_fold`` and ``body_fold`` (recall: ``ha tinh`` finds ``Hà Tĩnh``),
  scored with BM25, the title weighted :data:`~newssearch.engine.ranking.TITLE` times;
* typed with diacritics, an exact match in ``title`` or ``body`` adds the constant
  :data:`~newssearch.engine.ranking.EXACT_BONUS`, so exact-diacritic articles rank first (``đường`` above ``dương``);
* adjacent query syllables add the BM25 score of their folded bigram (proximity), optionally.

Quoted phrases check Whoosh's stored positions, but only in documents that have every syllable (found
with arrays first); their words are scored like plain syllables. Syllables glued by punctuation (``TP.HCM``)
and multi-word abbreviation forms must all occur, in any order; the bigram scores reward them together.
Weights live in :mod:`newssearch.engine.ranking`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from newssearch.engine import ranking
from newssearch.engine.budget import Budget
from newssearch.engine.querylang import Clause, ParsedQuery
from newssearch.store.view import Array, Ids, IndexView, Mask, PostingsView
from newssearch.text.analysis import fold

__all__ = ["Evaluation", "bm25", "evaluate_query"]

#: Bigram lookups per query; a long query's pairs beyond this add little and cost a lookup each.
MAX_BIGRAMS = 64


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Which documents match (``mask``) and their scores (``scores``; meaningful where the mask is set)."""

    mask: Mask
    scores: Array
    partial: bool


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


class _Evaluator:
    def __init__(self, view: IndexView, budget: Budget | None) -> None:
        self.view = view
        self.budget = budget

    def spent(self) -> bool:
        return self.budget is not None and self.budget.expired()

    def zeros(self) -> Array:
        return np.zeros(self.view.doc_count_all, dtype=np.float32)

    def syllable(self, syllable: str, fields: tuple[str, ...], *, exact_bonus: bool = True) -> tuple[Mask, Array]:
        folded = fold(syllable)
        mask, scores = self.view.empty_mask(), self.zeros()
        for name in fields:
            weight = ranking.TITLE if name == "title" else 1.0
            ids, term_scores = bm25(self.view, f"{name}_fold", folded)
            scores[ids] += np.float32(weight * ranking.FOLDED) * term_scores
            mask[ids] = True
        if exact_bonus and syllable != folded:
            exact = self.view.empty_mask()
            for name in fields:
                exact[self.view.docs(name, syllable)] = True
            scores[exact] += np.float32(ranking.EXACT_BONUS)
        return mask, scores

    def all_of(self, clause: Clause, fields: tuple[str, ...]) -> tuple[Mask, Array]:
        """Every syllable of the clause, in any order (adjacency is rewarded by the bigram scores)."""
        mask, scores = self.view.live.copy(), self.zeros()
        for syllable in clause.syllables:
            syllable_mask, syllable_scores = self.syllable(syllable, fields, exact_bonus=not clause.expansion)
            mask &= syllable_mask
            scores += syllable_scores
        return mask, scores

    def phrase(self, clause: Clause, fields: tuple[str, ...]) -> tuple[Mask, Array]:
        """The syllables side by side, in order: positions are checked only where all of them occur."""
        mask, scores = self.all_of(clause, fields)
        folded = [fold(s) for s in clause.syllables]
        candidates = np.flatnonzero(mask).astype(np.int32)
        found = self.view.empty_mask()
        for name in fields:
            in_field = self.view.phrase_docs(f"{name}_fold", folded, candidates, self.spent)
            found[in_field] = True
            if name == "title":
                scores[in_field] += np.float32(ranking.PHRASE_TITLE)
        return found, scores

    def clause(self, clause: Clause) -> tuple[Mask, Array]:
        if clause.field == "place":
            folded = [fold(s) for s in clause.syllables]
            mask = self.view.live.copy()
            for word in folded:
                mask &= self.view.mask_of(self.view.docs("place_text", word))
            if len(folded) > 1:
                mask = self.view.mask_of(self.view.phrase_docs("place_text", folded, np.flatnonzero(mask)))
            return mask, self.zeros()
        fields = ("title",) if clause.field == "title" else ("title", "body")
        if len(clause.syllables) == 1:
            mask, scores = self.syllable(clause.syllables[0], fields, exact_bonus=not clause.expansion)
        else:
            mask, scores = self.phrase(clause, fields) if clause.phrase else self.all_of(clause, fields)
        if clause.expansion:
            # Per syllable, so a four-syllable expansion does not outscore the one word typed.
            scores *= np.float32(ranking.EXPANSION / len(clause.syllables))
        return mask, scores

    def group(self, group: list[Clause]) -> tuple[Mask, Array]:
        """Alternatives joined by OR (typed, or added as variants): any may match; the best one scores.

        Taking the best rather than the sum keeps an article that happens to use two spellings (``kì`` and
        ``kỳ``) from outranking one that has the words the query is about.
        """
        mask, scores = self.view.empty_mask(), self.zeros()
        for i, clause in enumerate(group):
            if i and self.spent():
                break  # out of time: the alternatives read so far decide
            clause_mask, clause_scores = self.clause(clause)
            mask |= clause_mask
            np.maximum(scores, np.where(clause_mask, clause_scores, 0), out=scores)
        return mask, scores

    def bigrams(self, parsed: ParsedQuery) -> Array:
        """Optional score for each pair of adjacent query syllables that stand together in an article.

        Pairs are taken inside each clause and across neighbouring groups, for every alternative of a group
        (``kì``/``kỳ`` before ``anh`` gives ``ki_anh`` and ``ky_anh``).
        """
        pairs: dict[str, float] = {}

        def add(pair: str, weight: float) -> None:
            pairs[pair] = max(pairs.get(pair, 0.0), weight)

        previous_ends: set[str] = set()
        for group in parsed.groups:
            clauses = [c for c in group if c.field != "place"]
            for clause in clauses:
                inner = len(clause.syllables) - 1
                weight = ranking.EXPANSION / inner if clause.expansion and inner else 1.0
                for a, b in itertools.pairwise(fold(s) for s in clause.syllables):
                    add(f"{a}_{b}", weight)
            starts = {fold(c.syllables[0]) for c in clauses if c.syllables}
            for a in previous_ends:
                for b in starts:
                    add(f"{a}_{b}", 1.0)
            previous_ends = {fold(c.syllables[-1]) for c in clauses if c.syllables}
        scores = self.zeros()
        for pair, weight in list(pairs.items())[:MAX_BIGRAMS]:
            ids, term_scores = bm25(self.view, "bigram", pair)
            scores[ids] += np.float32(ranking.BIGRAM * weight) * term_scores
        return scores


def evaluate_query(
    view: IndexView, parsed: ParsedQuery, allowed: Mask | None, budget: Budget | None = None
) -> Evaluation:
    """Every clause must match; if no document (within ``allowed``) has them all, any clause may (``partial``).

    When the ``budget`` runs out (it then says ``exhausted``), the words not yet read are left out: further
    alternatives of a group, further groups, proximity and phrase positions. The first word and every
    exclusion are always read.
    """
    evaluator = _Evaluator(view, budget)
    base = view.live if allowed is None else view.live & allowed
    groups: list[tuple[Mask, Array]] = []
    for group in parsed.groups:
        if groups and evaluator.spent():
            break  # out of time: the words read so far decide (the budget says it cut)
        groups.append(evaluator.group(group))
    for clause in parsed.excluded:
        base = base & ~evaluator.clause(clause)[0]
    scores = evaluator.zeros() if evaluator.spent() else evaluator.bigrams(parsed)
    for _, group_scores in groups:
        scores += group_scores
    strict = base.copy()
    for group_mask, _ in groups:
        strict &= group_mask
    if strict.any():
        return Evaluation(strict, scores, partial=False)
    lenient = view.empty_mask()
    for group_mask, _ in groups:
        lenient |= group_mask
    return Evaluation(lenient & base, scores, partial=True)
