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
#: BM25 parameters: Whoosh's defaults; short headlines need no different length normalisation in our tests.
BM25_B = 0.75
BM25_K1 = 1.2
