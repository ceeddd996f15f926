"""Every ranking signal and its weight, in one place, with why.

Scores are sums of BM25 over the index's posting arrays (:mod:`newssearch.engine.scoring`) and the bonuses below,
for the clauses :mod:`newssearch.engine.search` builds. Tuned on the
development set (``newssearch eval``) and checked on query sets built from a second corpus (see ``bench/``);
change one only with the evaluation before and after.
"""

from __future__ import annotations

#: A match in the headline says far more about what an article is about than one in the body.
TITLE = 3.0
#: A syllable typed with diacritics and matched with exactly those (``đường``) adds this constant on top of its
#: folded BM25 score. It is larger than any BM25 score we see, so articles are ranked first by how many typed
#: syllables they match exactly, then by BM25: ``đường`` ranks above an article full of ``dương`` (``dương tính``
#: is in every Covid report), and ``Hà Tĩnh`` above ``hà tính``. Queries typed without diacritics get no bonus.
EXACT_BONUS = 100.0
#: An abbreviation's other forms (``UBND`` -> ``Ủy ban nhân dân``) are searched too, but score this share of what
#: one typed syllable would (their syllable and pair scores are averaged, then scaled) and earn no exact bonus:
#: the article with the very words typed ranks above the one with its expansion.
EXPANSION = 0.5
#: Folded matches carry the recall: queries typed without diacritics, and the base score for accented ones.
FOLDED = 1.0
#: Folded syllable pairs of the query found side by side in the article: multi-syllable words and proximity
#: (``thành phố``, ``Hà Tĩnh``) rank an article where they stand together above one where they are scattered.
BIGRAM = 1.5
#: A quoted phrase found as a phrase in the headline, on top of the body phrase match.
PHRASE_TITLE = 2.0
#: A name query (2–4 syllables, :mod:`newssearch.engine.shapes`): each neighbouring pair of its syllables standing
#: together in an article adds this, and the whole name standing together adds :data:`WHOLE_NAME` more. Both are
#: far above the exact bonuses of a short query, so articles are ranked first by how much of the name stands
#: together (``Hà Tĩnh`` above ``Hà Nam … vệ tinh``), then by exact diacritics (``Hà Tĩnh`` above ``hà tính``),
#: then by BM25.
ADJACENT_PAIR = 1000.0
WHOLE_NAME = 1000.0
#: A name typed with diacritics: each neighbouring pair standing together with exactly the marks typed adds this,
#: above any folded grade: ``Mỹ An`` above ``Mỹ - Ấn`` and ``Tiên Du`` above ``Triều Tiên dự``.
EXACT_PAIR = 1000.0
#: In a long query (a pasted lead) the exact-diacritic bonus is a nudge of this size instead of a tier: with a
#: dozen words, ranking by how many matched exactly would rank common words' exact matches above the lead's
#: rare ones.
LONG_EXACT_BONUS = 0.5
#: A long query's feedback ("more like" its best articles) against its own words, each scaled to 1 at its best
#: article (:func:`newssearch.engine.shapes.with_feedback`).
FEEDBACK = 1.0
#: A name query that names a place (``ha tinh``, ``TP.HCM``): articles *about* it (the place facet) rank first
#: within their grade of adjacency, above those that only mention it (in a list of provinces, as a hometown).
ABOUT_PLACE = 500.0
#: In a long query, an article that has every one of its words (the pasted headline's own article) ranks above
#: the feedback's best guesses; the blended scores of the others are at most 1 + FEEDBACK.
ALL_WORDS = 1.0
#: BM25 parameters: Whoosh's defaults; short headlines need no different length normalisation in our tests.
BM25_B = 0.75
BM25_K1 = 1.2
