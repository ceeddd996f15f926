"""Evaluate a parsed query into a result mask and BM25 scores over every document, as array operations.

Each syllable of the query is one clause:

* its folded form is looked up in ``title_fold`` and ``body_fold`` (recall: ``ha tinh`` finds ``Hà Tĩnh``),
  scored with BM25, the title weighted :data:`~newssearch.engine.ranking.TITLE` times;
* typed with diacritics, an exact match in ``title`` or ``body`` adds the constant
  :data:`~newssearch.engine.ranking.EXACT_BONUS`, so exact-diacritic articles rank first (``đường`` above ``dương``);
* adjacent query syllables add the BM25 score of their folded bigram (proximity), optionally.

Quoted phrases check Whoosh's stored positions, but only in documents that have every syllable (found
with arrays first); their words are scored like plain syllables. Syllables glued by punctuation (``TP.HCM``)
must all occur, in any order; the bigram scores reward them together. An abbreviation's written-out form added
as an alternative (``ủy ban nhân dân`` for ``UBND``) counts only where it stands together
(:func:`~newssearch.engine.common.standing_together`).
Weights live in :mod:`newssearch.engine.ranking`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from newssearch.engine import ranking
from newssearch.engine.bm25 import bm25
from newssearch.engine.budget import Budget
from newssearch.engine.common import exact_matches, standing_together, syllable_scores
from newssearch.engine.querylang import Clause, ParsedQuery
from newssearch.engine.shapes import adjacency, minimum_should_match, shape_of, with_feedback
from newssearch.store.view import Array, IndexView, Mask
from newssearch.text.analysis import fold

__all__ = ["Evaluation", "evaluate_query"]

#: Query-language fields that filter rather than score, and the folded field each reads.
FILTER_FIELDS = {"place": "place_text", "author": "author_text"}
#: Bigram lookups per query; a long query's pairs beyond this add little and cost a lookup each.
MAX_BIGRAMS = 64


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Which documents match (``mask``) and their scores (``scores``; meaningful where the mask is set)."""

    mask: Mask
    scores: Array
    partial: bool
    #: A name query read as a unit: the articles left out because they have its words only apart.
    apart: int = 0
    #: The query was read as a name some article has (its articles are graded by adjacency).
    name: bool = False


class _Evaluator:
    def __init__(self, view: IndexView, budget: Budget | None, exact: float = ranking.EXACT_BONUS) -> None:
        self.view = view
        self.budget = budget
        self.exact = exact

    def spent(self) -> bool:
        return self.budget is not None and self.budget.expired()

    def zeros(self) -> Array:
        return np.zeros(self.view.doc_count_all, dtype=np.float32)

    def syllable(self, syllable: str, fields: tuple[str, ...], *, exact_bonus: bool = True) -> tuple[Mask, Array]:
        """The documents having the syllable and their scores (read-only when they are a precomputed array)."""
        folded = fold(syllable)
        scores = syllable_scores(self.view, folded, fields)
        # Every posting scores above 0 (a positive weight times BM25, whose idf is at least 1 - log(1 + 1/N)), so
        # the documents having the syllable are those with a score: one comparison instead of a scatter per field.
        mask = scores > 0
        if exact_bonus and syllable != folded:  # once per article, whichever fields have the very marks
            # The bonus where the very marks are, 0 elsewhere, plus the scores: the same sums as adding it to the
            # exact ones alone, in one new array made in place (35 µs at 150k, where a copy of the scores, a
            # multiplied mask and an add made three and took 120).
            with_bonus = exact_matches(self.view, syllable, fields).astype(np.float32)
            with_bonus *= np.float32(self.exact)
            with_bonus += scores
            scores = with_bonus
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
        if clause.field in FILTER_FIELDS:
            # ``place:`` and ``author:`` select articles (their words side by side) and score nothing.
            field = FILTER_FIELDS[clause.field]
            folded = [fold(s) for s in clause.syllables]
            mask = self.view.live.copy()
            for word in folded:
                mask &= self.view.mask_of(self.view.docs(field, word))
            if len(folded) > 1:
                mask = self.view.mask_of(self.view.phrase_docs(field, folded, np.flatnonzero(mask)))
            return mask, self.zeros()
        fields = ("title",) if clause.field == "title" else ("title", "body")
        if len(clause.syllables) == 1:
            mask, scores = self.syllable(clause.syllables[0], fields, exact_bonus=not clause.expansion)
        else:
            mask, scores = self.phrase(clause, fields) if clause.phrase else self.all_of(clause, fields)
        if clause.expansion and len(clause.syllables) > 1:
            # What the user typed was the abbreviation: its written-out form counts only where it stands together
            # (``UBND`` is not an article with ``ủy``, ``ban``, ``nhân`` and ``dân`` anywhere, nor ``TX`` one
            # about the market, ``thị trường``, and society, ``xã hội``), anywhere in the headline or body.
            mask &= standing_together(self.view, tuple(fold(s) for s in clause.syllables), self.spent)
        if clause.expansion:
            # Per syllable, so a four-syllable expansion does not outscore the one word typed.
            scores = scores * np.float32(ranking.EXPANSION / len(clause.syllables))
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
            # Scores are finite and never below 0, so a multiply keeps them where the clause matches and zeroes the
            # rest, as ``np.where`` does, at a tenth of its cost over a whole archive (54 against 575 µs at 150k).
            # One syllable's scores are 0 already wherever it does not match (:meth:`syllable`'s mask is where it
            # scores), so only clauses of several syllables (phrases, abbreviations) need it.
            kept = clause_scores
            if len(clause.syllables) > 1:
                kept = np.multiply(clause_scores, clause_mask, out=clause_scores)  # the clause's own array
            if i == 0:  # scores are never below 0, so the first alternative's are the maximum so far
                mask, scores = clause_mask, kept
            else:
                mask = mask | clause_mask
                # In place unless the first alternative's scores are a precomputed (read-only) array.
                scores = np.maximum(scores, kept, out=scores if scores.flags.writeable else None)
        return mask, scores

    def bigrams(self, parsed: ParsedQuery) -> Array:
        """Optional score for each pair of adjacent query syllables that stand together in an article.

        Pairs are taken inside each clause and across neighbouring groups, for every alternative of a group
        (``kì``/``kỳ`` before ``anh`` gives ``ki_anh`` and ``ky_anh``).
        """
        pairs: dict[str, float] = {}

        def add(pair: str, weight: float) -> None:
            pairs[pair] = max(pairs.get(pair, 0.0), weight)

        # Ordered (dicts, not sets): a long query has more pairs than are read, and which ones are read must not
        # depend on the process's string hashing (it did: one pasted lead ranked differently from run to run).
        previous_ends: dict[str, None] = {}
        for group in parsed.groups:
            clauses = [c for c in group if c.field not in FILTER_FIELDS]
            for clause in clauses:
                inner = len(clause.syllables) - 1
                weight = ranking.EXPANSION / inner if clause.expansion and inner else 1.0
                for a, b in itertools.pairwise(fold(s) for s in clause.syllables):
                    add(f"{a}_{b}", weight)
            starts = dict.fromkeys(fold(c.syllables[0]) for c in clauses if c.syllables)
            for a in previous_ends:
                for b in starts:
                    add(f"{a}_{b}", 1.0)
            previous_ends = dict.fromkeys(fold(c.syllables[-1]) for c in clauses if c.syllables)
        scores = self.zeros()
        for i, (pair, weight) in enumerate(list(pairs.items())[:MAX_BIGRAMS]):
            if i and self.spent():
                break  # out of time: the pairs read so far add their scores (the longest stretch without a check)
            ids, term_scores = bm25(self.view, "bigram", pair)
            term_scores *= np.float32(ranking.BIGRAM * weight)
            np.add.at(scores, ids, term_scores)
        return scores


def evaluate_query(
    view: IndexView, parsed: ParsedQuery, allowed: Mask | None, budget: Budget | None = None, *, apart: bool = False
) -> Evaluation:
    """The articles the query finds and their scores, read by its shape (:mod:`newssearch.engine.shapes`).

    Every clause must match, except in a long query, where :func:`~newssearch.engine.shapes.minimum_should_match`
    of its words must; if no document (within ``allowed``) qualifies, any clause may (``partial``). A name query
    whose whole name stands together somewhere keeps only those articles unless ``apart`` is asked for.

    When the ``budget`` runs out (it then says ``exhausted``), what is not yet read is left out: further pairs
    of proximity (read first: a few small posting lists), further alternatives of a group, further groups, and
    phrase positions. The first pair, the first word and every exclusion are always read.
    """
    shape = shape_of(parsed)
    evaluator = _Evaluator(view, budget, ranking.LONG_EXACT_BONUS if shape.kind == "long" else ranking.EXACT_BONUS)
    base = view.live if allowed is None else view.live & allowed
    # Each group's mask and scores are folded into these as soon as it is read, not kept to the end: a pasted lead
    # has two dozen groups of a whole-archive mask and scores each (18 MB at 150,000 articles), held through every
    # wait for the turn (:mod:`newssearch.engine.budget`). Proximity is read first so that the scores are summed in
    # the order they always were (bigrams, then each group), the same float32 values.
    scores = evaluator.bigrams(parsed)
    every = view.live.copy()  # documents with every group read
    some = view.empty_mask()  # with at least one
    matched: npt.NDArray[np.integer[Any]] | None = None  # how many groups each document has (long queries)
    if shape.kind == "long":
        # In one byte where that holds the count (a search reads at most 64 words): adding a mask to bytes costs
        # 7 µs at 150,000 articles, to four-byte numbers 25, once a group.
        matched = np.zeros(view.doc_count_all, dtype=np.uint8 if len(parsed.groups) < 256 else np.int32)
    for read, group in enumerate(parsed.groups):
        if read and evaluator.spent():
            break  # out of time: the words read so far decide (the budget says it cut)
        group_mask, group_scores = evaluator.group(group)
        scores += group_scores
        every &= group_mask
        some |= group_mask
        if matched is not None:
            matched += group_mask
        del group_mask, group_scores
    for clause in parsed.excluded:
        base = base & ~evaluator.clause(clause)[0]
    strict = base & every
    if matched is not None:
        enough = base & (matched >= minimum_should_match(len(parsed.groups)))
        if enough.any():
            if not evaluator.spent():
                scores = with_feedback(view, enough, scores)
            scores[strict] += np.float32(ranking.ALL_WORDS)
            return Evaluation(enough, scores, partial=not strict.any())
    if strict.any():
        left_apart = 0
        if shape.kind == "name" and not evaluator.spent():
            together = adjacency(view, parsed, strict, evaluator.spent)
            whole = strict & together.whole
            if whole.any():  # a name the archive has: else its words are keywords, ranked as plain words
                scores += together.scores
                if not apart:
                    left_apart = int(strict.sum() - whole.sum())
                    strict = whole
                return Evaluation(strict, scores, partial=False, apart=left_apart, name=True)
        return Evaluation(strict, scores, partial=False, apart=left_apart)
    return Evaluation(some & base, scores, partial=True)
