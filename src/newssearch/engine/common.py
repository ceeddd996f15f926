"""A syllable's folded BM25 scores and exact-diacritics matches over the archive, precomputed for the most common.

:func:`syllable_scores` and :func:`exact_matches` are what :mod:`newssearch.engine.scoring` reads for every
syllable of a query. For the syllables in more than :data:`COMMON_SHARE` of the archive (``và``, ``của``, ``người``,
``tỉnh``: about four in five of the syllables of the stream's pasted leads and headlines at 150k) they come from
arrays made once per generation by :func:`common_arrays`, when the indexer has written it
(:mod:`newssearch.store.dense`): the same functions on the same generation, so the same float32 values, bit for bit,
read in place instead of BM25 over tens of thousands of postings a field.
Measured in process on 150,703 VietNews articles with the arrays held in memory (a prototype): pasted leads
40.7 → 30.3 ms, headlines 26.6 → 21.9 ms (medians), the same hits and scores for all 380 queries of the stream.

:func:`standing_together` says where an abbreviation's written-out form (``quốc hội`` for ``QH``) or a province's
name stands side by side anywhere in the headline or body; those of the abbreviations file that ships and every
province's are precomputed the same way (read by positions at query time, 3–90 ms a name at 150k).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from newssearch.engine import ranking
from newssearch.engine.bm25 import as_index, bm25
from newssearch.store.dense import DenseRecipe
from newssearch.store.view import Array, Ids, Mask, PostingsView
from newssearch.text.analysis import fold, syllables
from newssearch.text.place_names import province_names
from newssearch.text.variants import load_abbreviations

__all__ = [
    "TITLE_AND_BODY",
    "anywhere_forms",
    "common_arrays",
    "exact_matches",
    "having",
    "read_anywhere",
    "recipe",
    "side_by_side",
    "standing_together",
    "syllable_scores",
]

#: The fields a syllable is searched in, unless the query says ``title:``.
TITLE_AND_BODY = ("title", "body")
#: A syllable in more than this share of the archive's articles has its arrays precomputed.
COMMON_SHARE = 0.15
#: At most this many syllables (and as many exact forms): at 150,703 articles about 400 are above the share, 600 KB
#: of scores each (and 150 KB a form's matches): 285 MB in all. The most common are the costliest to compute and
#: the most often typed. Measured in process on that archive, each of the 380 stream queries once: with up to 160
#: syllables above a third (116 MB), pasted leads took 25.5–27.1 ms and headlines 19.6–20.8 (medians of four
#: runs); with these, 22.5–24.8 and 17.5–19.5, the same results. The syllables between 15% and a third of the
#: archive were a lead's costliest: about six of its words, 0.4–0.5 ms each.
MAX_COMMON = 400


@functools.cache
def anywhere_forms() -> tuple[tuple[str, ...], ...]:
    """Names read wherever they stand (:func:`standing_together`), their masks precomputed: the folded forms of two
    syllables or more in the abbreviations file that ships (``("quoc", "hoi")``) and the provinces' names (``("da",
    "nang")``). A newsroom's own abbreviations file's other forms are read by positions as a search needs them. At
    150,703 articles a name's common syllables are otherwise read as pairs in the headline and lede only
    (:mod:`newssearch.engine.shapes`): ``Đà Nẵng`` stands together in 8,553 articles, 5,270 of them in the headline
    or lede. Made when first asked for: the provinces' gazetteer takes ~55 ms to load, which a process that never
    reads the arrays (``newssearch --help``) need not spend."""
    forms = {tuple(map(fold, form)) for group in load_abbreviations().groups for form in group}
    forms |= {tuple(map(fold, syllables(name))) for name in province_names()}
    return tuple(sorted(form for form in forms if len(form) > 1))


@functools.cache
def _anywhere() -> frozenset[tuple[str, ...]]:
    return frozenset(anywhere_forms())


@functools.cache
def recipe() -> str:
    """Names the code, weights, choice of syllables and written-out forms the arrays are made with: a file made with
    others is not used, and the next index run makes this one (a generation made with the earlier share and cap kept
    its 160 arrays until a run that changed the corpus)."""
    return (
        f"common-syllables/2 title={ranking.TITLE} folded={ranking.FOLDED} k1={ranking.BM25_K1} b={ranking.BM25_B}"
        f" share={COMMON_SHARE} cap={MAX_COMMON}"
        f" forms={hashlib.sha256(repr(list(anywhere_forms())).encode()).hexdigest()[:12]}"
    )


def _computed_scores(view: PostingsView, folded: str, fields: tuple[str, ...]) -> Array:
    """Folded BM25 of ``folded`` in ``fields`` (the headline weighted :data:`~ranking.TITLE` times), per document."""
    scores = np.zeros(view.doc_count_all, dtype=np.float32)
    per_field = []
    for name in fields:
        ids, term_scores = bm25(view, f"{name}_fold", folded)
        term_scores *= np.float32((ranking.TITLE if name == "title" else 1.0) * ranking.FOLDED)
        per_field.append((ids, term_scores))
    # The field with more postings (the body) is scattered into zeros, the other added to it: with at most two
    # fields the order gives the same sums (``a + b == b + a`` in floating point), and a plain scatter of the
    # larger costs half what adding it would. ``add.at``: 2.5 times as fast as ``scores[ids] +=`` (the numbers
    # in a posting list are distinct).
    per_field.sort(key=lambda field: len(field[0]), reverse=True)
    for i, (ids, term_scores) in enumerate(per_field):
        if i == 0:
            scores[ids] = term_scores
        else:
            np.add.at(scores, ids, term_scores)
    return scores


def _computed_exact(view: PostingsView, syllable: str, fields: tuple[str, ...]) -> Mask:
    """The documents with ``syllable``, diacritics and all, in any of ``fields``."""
    exact = view.empty_mask()
    for name in fields:
        exact[as_index(view.docs(name, syllable))] = True
    return exact


def having(view: PostingsView, folded: str) -> Mask:
    """The documents with the folded syllable in the headline or the body."""
    return view.mask_of(view.docs("title_fold", folded)) | view.mask_of(view.docs("body_fold", folded))


def side_by_side(view: PostingsView, folded: Sequence[str], ids: Ids, stop: Callable[[], bool] | None = None) -> Mask:
    """Of ``ids`` (sorted documents having every syllable), those where the folded syllables stand side by side, in
    order, in the headline or the body: by positions."""
    together = view.empty_mask()
    for name in ("title_fold", "body_fold"):
        together[view.phrase_docs(name, list(folded), ids, stop)] = True
    return together


def _computed_together(view: PostingsView, folded: tuple[str, ...], stop: Callable[[], bool] | None = None) -> Mask:
    """The documents where the folded syllables stand side by side, in order, in the headline or the body."""
    candidates = view.live.copy()
    for syllable in folded:
        candidates &= having(view, syllable)
    return side_by_side(view, folded, np.flatnonzero(candidates).astype(np.int32), stop)


def syllable_scores(view: PostingsView, folded: str, fields: tuple[str, ...]) -> Array:
    """Each document's folded BM25 score for the syllable; read-only when precomputed (the mapped array itself:
    a search mostly adds it to its sums, and a copy of 600 KB a syllable is then wasted)."""
    if fields == TITLE_AND_BODY:
        found = view.precomputed(recipe(), f"fold:{folded}")
        if found is not None:
            return found
    return _computed_scores(view, folded, fields)


def exact_matches(view: PostingsView, syllable: str, fields: tuple[str, ...]) -> Mask:
    """Which documents have ``syllable`` with exactly its diacritics in any of ``fields`` (read-only)."""
    if fields == TITLE_AND_BODY:
        found = view.precomputed(recipe(), f"exact:{syllable}")
        if found is not None:
            return found
    return _computed_exact(view, syllable, fields)


def read_anywhere(folded: tuple[str, ...]) -> bool:
    """Whether a name is one of :func:`anywhere_forms` (a query naming it reads it with :func:`standing_together`)."""
    return folded in _anywhere()


def standing_together(view: PostingsView, folded: tuple[str, ...], stop: Callable[[], bool] | None = None) -> Mask:
    """Where the folded syllables stand side by side, in order, in the headline or the body (read-only when
    precomputed). When ``stop()`` says time is up, the articles not yet confirmed are left out."""
    found = view.precomputed(recipe(), f"together:{'_'.join(folded)}")
    return found if found is not None else _computed_together(view, folded, stop)


def _most_common(view: PostingsView, field: str) -> list[str]:
    """The terms of ``field`` in more than :data:`COMMON_SHARE` of the live articles, most common first (bounded)."""
    terms = view.terms(field)
    frequencies = view.doc_frequencies(field, terms)
    common = np.flatnonzero(frequencies > view.doc_count * COMMON_SHARE)
    ranked = common[np.argsort(-frequencies[common], kind="stable")][:MAX_COMMON]
    return [terms[i] for i in ranked]


def _common_arrays(view: PostingsView) -> Iterator[tuple[str, npt.NDArray[np.generic]]]:
    for folded in _most_common(view, "body_fold"):
        yield f"fold:{folded}", _computed_scores(view, folded, TITLE_AND_BODY)
    for syllable in _most_common(view, "body"):
        if fold(syllable) != syllable:  # a syllable without diacritics earns no exact bonus
            yield f"exact:{syllable}", _computed_exact(view, syllable, TITLE_AND_BODY)
    for form in anywhere_forms():
        yield f"together:{'_'.join(form)}", _computed_together(view, form)


@functools.cache
def common_arrays() -> DenseRecipe:
    """What the indexer writes beside each generation (:func:`newssearch.store.dense.ensure_dense`)."""
    return DenseRecipe(recipe(), _common_arrays)
