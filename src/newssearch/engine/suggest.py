""" "Did you mean": a correction built from the archive's own vocabulary, for queries that find little.

Each query syllable the archive does not know (folded form absent from every title and body) is replaced by
the best of:

* a split into two syllables (each with a vowel) that stand together somewhere in the archive (``hatinh`` →
  ``ha tinh``, from the bigram field), since a missing space is the commonest slip;
* the most frequent known syllable within one or two edits (``kinhh`` → ``kinh``), by Whoosh's Levenshtein
  automaton over the folded lexicon.

Suggestions are folded (no diacritics): the archive's folded vocabulary is what a typo is measured against.
"""

from __future__ import annotations

from collections.abc import Callable

from newssearch.engine.querylang import ParsedQuery
from newssearch.store.view import PostingsView
from newssearch.text.analysis import fold

__all__ = ["suggest"]


_VOWELS = frozenset("aeiouy")
#: Longest unknown word that is corrected (two glued syllables such as ``nghieng`` + ``nguyen`` fit) and the most
#: unknown words corrected per query: each costs a lookup per split point and a Levenshtein walk of the lexicon,
#: and a pasted number run or a 1,000-letter "word" cost most of a second before these limits.
MAX_WORD_LETTERS = 16
MAX_CORRECTIONS = 6


def _split(postings: PostingsView, word: str) -> str | None:
    best: tuple[int, str] | None = None
    for i in range(1, len(word)):
        if not (_VOWELS & set(word[:i]) and _VOWELS & set(word[i:])):
            continue  # every Vietnamese syllable has a vowel: "tinhh" is not "tinh h"
        pair = f"{word[:i]}_{word[i:]}"
        frequency = postings.doc_frequency("bigram", pair)
        if frequency and (best is None or frequency > best[0]):
            best = (frequency, f"{word[:i]} {word[i:]}")
    return best[1] if best else None


def _closest(postings: PostingsView, word: str, stop: Callable[[], bool]) -> str | None:
    maxdist = 1 if len(word) <= 4 else 2
    candidates = postings.terms_within("body_fold", word, maxdist, stop)
    if not candidates or stop():
        return None
    return max(candidates, key=lambda term: (postings.doc_frequency("body_fold", term), -abs(len(term) - len(word))))


def _never() -> bool:
    return False


def suggest(
    postings: PostingsView,
    parsed: ParsedQuery,
    stop: Callable[[], bool] = _never,
    walking: Callable[[], None] | None = None,
) -> str | None:
    """A corrected query, or ``None`` when every word is known or nothing better is found.

    ``stop()`` is asked before each word and while the lexicon is walked; once it says time is up, no correction
    is offered (the caller's budget says the answer was cut). ``walking()`` is called before the first walk of the
    lexicon when there will be two or more: the search is then an expensive one (a walk costs 20–90 ms on the
    bundled corpus with the hostile feed, more than a whole cheap search), which the caller's budget is told before
    it spends the first walk. One unknown word (a typo) stays a normal search.
    """
    typed = [syllable for group in parsed.groups for syllable in group[0].syllables]
    folded = [fold(syllable) for syllable in typed]
    unknown = [word.isalpha() and len(word) <= MAX_WORD_LETTERS and not postings.known(word) for word in folded]
    if sum(unknown) >= 2 and walking is not None:
        walking()
    words: list[str] = []
    changed = False
    attempts = 0
    for syllable, word, correctable in zip(typed, folded, unknown, strict=True):
        if stop():
            return None
        if attempts >= MAX_CORRECTIONS or not correctable:
            words.append(syllable)
            continue
        attempts += 1
        fix = _split(postings, word) or _closest(postings, word, stop)
        changed = changed or fix is not None
        words.append(fix or syllable)
    return " ".join(words) if changed else None
