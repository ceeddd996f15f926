"""How a query is read, by its shape: a short name wants its words together; a pasted lead wants most of its words.

Newsroom staff type two shapes most (see ``../shared/RANKING.md`` for how peers fare on each):

* **Short names** (2–4 syllables: ``ha tinh``, ``Nguyễn Xuân Phúc``, ``Ủy ban nhân dân``). Vietnamese meaning lives in
  words of one to four syllables, so articles where the query's syllables stand together, in order, rank above
  articles where they are scattered, graded by how many of its neighbouring pairs stand together
  (:data:`~newssearch.engine.ranking.ADJACENT_PAIR`, :data:`~newssearch.engine.ranking.WHOLE_NAME`); typed
  diacritics still rank exact matches first within each grade. When some article has the whole name, the query is
  read as that **unit**: the result set is the articles that have it, and ``apart`` counts the articles that have
  its syllables only apart (one click away: ``apart=true``). When no article has it (four keywords of a headline),
  its words are ranked as plain words.
* **Long queries** (a pasted lead, :data:`LONG_QUERY_WORDS` words or more): every word is no longer required;
  an article must share :func:`minimum_should_match` of them (Elasticsearch's ``minimum_should_match``), the
  exact-diacritic bonus shrinks to a BM25-sized nudge, and the words of the best few articles feed back into the
  ranking (:func:`with_feedback`), so all coverage of an event ranks by how much it shares with the lead's story.

Everything else (one word, headline-length queries) is read as before: every word required.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from newssearch.engine import ranking
from newssearch.engine.best import best_within
from newssearch.engine.common import having, read_anywhere, side_by_side, standing_together
from newssearch.engine.likeness import likeness_scores
from newssearch.engine.querylang import Clause, ParsedQuery
from newssearch.store.view import Array, Ids, IndexView, Mask
from newssearch.text.analysis import fold

__all__ = ["LONG_QUERY_WORDS", "Adjacency", "QueryShape", "adjacency", "minimum_should_match", "shape_of"]

#: Syllables of a name: the short shape.
NAME_SYLLABLES = range(2, 5)
#: From this many words on, a query is a pasted lead: most of its words must match, not all.
LONG_QUERY_WORDS = 7
#: A syllable in this many articles or more is too common to read its positions for a name
#: (:func:`_standing_together`): on 150,703 VietNews articles, ``người`` (in most of them) took 4.9 s to read and
#: its warm intersections over a second; a syllable in 20,000 articles reads in a few hundred milliseconds once.
#: Below it (every syllable of a 20,000-article archive) names are found anywhere in the body.
COMMON_DOCS = 20_000
#: Articles a long query finds best whose words feed back into its ranking.
FEEDBACK_DOCS = 3
#: Spellings of a name tried for adjacency (``kì``/``kỳ`` × ``anh`` …): more add little and cost position reads.
MAX_SPELLINGS = 8


@dataclass(frozen=True, slots=True)
class QueryShape:
    kind: Literal["name", "long", "plain"]
    #: Words of the query (its groups: a word and its spellings or abbreviation forms count once).
    words: int


def _plain_group(group: list[Clause]) -> bool:
    """Typed as plain words (not a phrase, not ``title:``/``place:``): what a name is typed as."""
    typed = group[0]
    return not typed.phrase and typed.field is None and not typed.expansion


def shape_of(parsed: ParsedQuery) -> QueryShape:
    """``name`` for 2–4 typed syllables of plain words, ``long`` for a pasted lead, else ``plain``."""
    groups = [g for g in parsed.groups if g]
    words = len(groups)
    if words >= LONG_QUERY_WORDS:
        return QueryShape("long", words)  # a pasted lead, quotes and all: a quoted part is one of its words
    if not groups or not all(_plain_group(g) for g in groups):
        return QueryShape("plain", words)
    if sum(len(g[0].syllables) for g in groups) in NAME_SYLLABLES:
        return QueryShape("name", words)
    return QueryShape("plain", words)


def minimum_should_match(words: int) -> int:
    """How many of a long query's words an article must share: all up to 3, then a quarter, at least 2
    (Elasticsearch ``3<25%``). Other outlets' coverage of an event shares its names and key words, rarely its
    sentences; feedback (:func:`with_feedback`) and BM25 rank those that share most."""
    return words if words <= 3 else max(2, words // 4)


@dataclass(frozen=True, slots=True)
class Adjacency:
    """How much of a name stands together in each article, and where the whole name does."""

    scores: Array
    whole: Mask


def _spellings(parsed: ParsedQuery) -> list[list[str]]:
    """The name as folded syllable sequences, one per combination of each group's spellings (bounded)."""
    options = [
        list(dict.fromkeys(tuple(fold(s) for s in clause.syllables) for clause in group)) for group in parsed.groups
    ]
    combos = itertools.islice(itertools.product(*options), MAX_SPELLINGS)
    return [[s for part in combo for s in part] for combo in combos]


def _standing_together(view: IndexView, pair: tuple[str, str], ids: Ids, common: int, stop: Callable[[], bool]) -> Mask:
    """The articles (of ``ids``) where the folded ``pair`` stands together: by positions over headline and body,
    or, when either syllable is in :data:`COMMON_DOCS` articles or more (``người dân``, ``thành phố``), by
    the ``bigram`` field (headline and lede): a common syllable's positions are tens of megabytes to read and
    intersect, over a second on 150,000 articles, for words that, as a name, stand in the lede anyway."""
    if max(view.doc_frequency("body_fold", pair[0]), view.doc_frequency("body_fold", pair[1])) >= common:
        found = view.empty_mask()
        found[view.docs("bigram", f"{pair[0]}_{pair[1]}")] = True
        return found & view.mask_of(ids)
    return side_by_side(view, pair, ids, stop)


def _spelled_together(
    view: IndexView,
    sequence: list[str],
    ids: Ids,
    stop: Callable[[], bool],
    pair_found: dict[tuple[str, str], Mask],
    *,
    anywhere: bool = False,
) -> Mask:
    """Of ``ids`` (sorted documents having every syllable), those where the folded ``sequence`` stands together.

    By positions over headline and body; when a syllable is in :data:`COMMON_DOCS` articles or more, as every
    neighbouring pair standing together in the headline or lede (see :func:`_standing_together`). Read
    ``anywhere``: an abbreviation's form, as its search reads it, or a province's name (:func:`~newssearch.engine.
    common.standing_together`: precomputed for the file that ships and the provinces). ``pair_found`` keeps each
    pair's articles for the caller (a name's spellings share pairs, and grade by them).
    """
    if len(sequence) == 1:  # one syllable (``ubnd``, a spelling of ``ủy ban nhân dân``) stands together wherever it is
        return having(view, sequence[0]) & view.mask_of(ids)
    for pair in itertools.pairwise(sequence):  # the caller grades by them
        if pair not in pair_found:
            pair_found[pair] = _standing_together(view, pair, ids, COMMON_DOCS, stop)
    if anywhere:  # an abbreviation's form (anywhere, as its search reads it), a province
        return standing_together(view, tuple(sequence), stop) & view.mask_of(ids)
    if len(sequence) == 2:  # the whole sequence is its one pair
        return pair_found[(sequence[0], sequence[1])]
    if any(view.doc_frequency("body_fold", s) >= COMMON_DOCS for s in sequence):
        together = view.live.copy()
        for pair in itertools.pairwise(sequence):
            together &= pair_found[pair]
        return together
    return side_by_side(view, sequence, ids, stop)


def adjacency(view: IndexView, parsed: ParsedQuery, candidates: Mask, stop: Callable[[], bool]) -> Adjacency:
    """Adjacency bonuses for a name query over ``candidates`` (the articles having every word).

    Each neighbouring pair of the name standing together in the headline or body adds
    :data:`~newssearch.engine.ranking.ADJACENT_PAIR`; the whole name, :data:`~newssearch.engine.ranking.WHOLE_NAME`;
    for a name typed with diacritics, each pair standing together with exactly those marks (the ``pair`` field),
    :data:`~newssearch.engine.ranking.EXACT_PAIR`.
    """
    scores = np.zeros(view.doc_count_all, dtype=np.float32)
    whole = view.empty_mask()
    ids = np.flatnonzero(candidates).astype(np.int32)
    if not len(ids):
        return Adjacency(scores, whole)
    pair_found: dict[tuple[str, str], Mask] = {}
    # The forms of an abbreviation the query names (``quốc hội`` or ``QH``) and provinces' names: read anywhere.
    forms = {tuple(map(fold, c.syllables)) for g in parsed.groups if any(c.expansion for c in g) for c in g}
    for sequence in _spellings(parsed):
        if stop():
            break
        anywhere = tuple(sequence) in forms or read_anywhere(tuple(sequence))
        whole |= _spelled_together(view, sequence, ids, stop, pair_found, anywhere=anywhere)
    best = np.zeros(view.doc_count_all, dtype=np.float32)
    for sequence in _spellings(parsed):
        together = sum(
            (pair_found[p].astype(np.float32) for p in itertools.pairwise(sequence) if p in pair_found),
            start=np.zeros(view.doc_count_all, dtype=np.float32),
        )
        np.maximum(best, together, out=best)
    scores += np.float32(ranking.ADJACENT_PAIR) * best
    scores += whole * np.float32(ranking.WHOLE_NAME)
    typed = [s for group in parsed.groups for s in group[0].syllables]
    if any(fold(s) != s for s in typed):  # typed with diacritics: the very marks standing together rank first
        for first, second in itertools.pairwise(typed):
            scores[view.docs("pair", f"{first}_{second}")] += np.float32(ranking.EXACT_PAIR)
    return Adjacency(scores, whole)


def with_feedback(view: IndexView, found: Mask, scores: Array) -> Array:
    """A long query's scores blended with "more like" its best :data:`FEEDBACK_DOCS` articles (pseudo-relevance
    feedback): each part scaled to 1 at its best article within ``found``, the feedback weighted
    :data:`~newssearch.engine.ranking.FEEDBACK`. ``scores`` (never below 0) is blended in place."""
    best = best_within(scores, found, FEEDBACK_DOCS)
    top_scores = float(scores[best[0]]) if len(best) else 0.0  # the best within ``found`` is the first of ``best``
    if top_scores <= 0:
        return scores  # nothing to scale to: no feedback to read
    like = likeness_scores(view, [int(d) for d in best])
    top_like = float(np.multiply(like, found, dtype=np.float32).max())  # its best where found (never below 0)
    if top_like <= 0:
        return scores
    # ``scores / top + weight × like``, in the arrays already made: the same operations on the same values.
    np.divide(scores, np.float32(top_scores), out=scores)
    like *= np.float32(ranking.FEEDBACK / top_like)
    scores += like
    return scores
