"""Vietnamese text normalisation: syllables in their exact and folded forms, and the terms each field indexes.

One module serves index time and query time alike, so a query is always analysed exactly as the documents were.
It knows nothing of Whoosh: :mod:`newssearch.store.analyzers` wraps these functions as Whoosh analyzers.

The pipeline, in order:

1. **NFC** first. NFD input (``Ti`` + combining tilde + ``nh``) would otherwise split inside a syllable, because a
   combining mark is not a word character.
2. **Look-alikes**: ``Ð`` (U+00D0, Icelandic eth) is read as ``Đ`` (U+0110).
3. **Tone placement**: old (``hoà``, ``uỷ``) and new (``hòa``, ``ủy``) placement are made one, the new one, but only
   where ``oa``/``oe``/``uy`` ends the syllable and not after ``q`` (``quỷ`` stays). Misplaced marks (``baỏ``,
   ``nghịêm``), a missing horn (``lựơng``) and fullwidth letters (``Ｈà``) are read as the canonical syllable by
   :mod:`newssearch.text.orthography` (issue 20).
4. **Exact form**: the above, lowercased. **Folded form**: all marks off and ``đ`` to ``d`` (``Đà Nẵng`` → ``da nang``).

Every step maps one character to one character once text is NFC, so token ``startchar``/``endchar`` index the
stored (NFC) text: highlights always show the original accented words.

Syllables, not segmented words, are indexed; there is no stop list and no minimum length (``an``, ``ở``, ``to``,
``Ý`` are words). Numbers keep their inner separators (``1.000``, ``72.824``, ``162,6``).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from unidecode import unidecode

from newssearch.text.orthography import canonical_syllable, strip_invisible  # issue 20

__all__ = [
    "accented_terms",
    "bigram_terms",
    "exact_form",
    "exact_pair_terms",
    "fold",
    "fold_syllable",
    "fold_table",
    "folded_terms",
    "nfc",
    "normalize",
    "syllable_spans",
    "syllables",
]

# A number with inner thousands/decimal separators (72.824, 162,6, 1.000.000), or a run of word characters.
# Underscore is not a word character for us: it joins bigrams in the index.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_AMBIGUOUS_PAIRS = {"oa", "oe", "uy"}


#: ``Ð``/``ð`` (Icelandic eth) are typed for ``Đ``/``đ``; ``İ`` (U+0130) is the one letter whose lowercase is two
#: characters, which would shift every highlight offset after it, so it is read as a plain ``I``. (Chained
#: ``str.replace`` is ~20x faster than ``str.translate`` with a dict on article bodies.)
_LOOKALIKES = (("\u00d0", "\u0110"), ("\u00f0", "\u0111"), ("\u0130", "I"))


def nfc(text: str) -> str:
    """Return ``text`` in NFC with look-alikes read as Vietnamese letters; one character per character."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    replaced = text
    for lookalike, letter in _LOOKALIKES:
        replaced = replaced.replace(lookalike, letter)
    if replaced != text and not unicodedata.is_normalized("NFC", replaced):
        # ``İ`` + a combining grave became ``I`` + grave, which NFC composes to ``Ì``.
        replaced = unicodedata.normalize("NFC", replaced)
    return replaced


def _move_tone_to_first(pair: str) -> str:
    """``oà`` → ``òa``: move a tone mark from the second vowel of the pair to the first."""
    first, second = unicodedata.normalize("NFD", pair[0]), unicodedata.normalize("NFD", pair[1])
    tones = "".join(ch for ch in second if ch in _TONE_MARKS)
    if not tones or any(ch in _TONE_MARKS for ch in first):
        return pair
    bare_second = "".join(ch for ch in second if ch not in _TONE_MARKS)
    return unicodedata.normalize("NFC", first + tones) + unicodedata.normalize("NFC", bare_second)


def _strip_tones(text: str) -> str:
    """Take the five tone marks off, keeping other marks (``ủy`` → ``uy``, ``ồ`` → ``ô``)."""
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in unicodedata.normalize("NFD", text) if ch not in _TONE_MARKS)
    )


def _canonical_tone(syllable: str) -> str:
    """Put the tone mark where the new orthography puts it (``hoà`` → ``hòa``, ``thuỷ`` → ``thủy``).

    Only a final ``oa``/``oe``/``uy`` is ambiguous; after ``q`` the ``u`` is part of the consonant, so ``quỷ`` stays.
    """
    if len(syllable) < 2 or _strip_tones(syllable[-2:]).lower() not in _AMBIGUOUS_PAIRS:
        return syllable
    if syllable[-3:-2].lower() == "q":
        return syllable
    return syllable[:-2] + _move_tone_to_first(syllable[-2:])


@functools.lru_cache(maxsize=200_000)
def exact_form(syllable: str) -> str:
    """The accent-preserving index form of one syllable: NFC, ``Ð`` read, lowercase, canonical tone placement.

    Cached: a news archive has a few tens of thousands of distinct syllables, each seen millions of times.
    """
    return _canonical_tone(canonical_syllable(nfc(syllable).lower()))  # issue 20: tone position, horn, fullwidth


@functools.lru_cache(maxsize=200_000)
def fold_syllable(syllable: str) -> str:
    """Fold one syllable already in exact form (cached; the hot path of indexing and highlighting)."""
    return syllable.translate(fold_table())


@functools.cache
def fold_table() -> dict[int, str]:
    """A ``str.translate`` table from every Latin letter with marks to its bare ASCII letter.

    Built once from unidecode over the Latin blocks: about 4x faster per token than calling unidecode each time,
    and, unlike NFD-and-drop-marks, it folds ``đ`` to ``d``.
    """
    table: dict[int, str] = {}
    # Fullwidth letters (U+FF21–U+FF5A, issue 20) fold too: ``Ｈà`` is ``ha``.
    for block in (range(0x00C0, 0x0250), range(0x1E00, 0x1F00), range(0xFF21, 0xFF5B)):
        for code in block:
            folded = unidecode(chr(code))
            # One letter for one letter only, so folding keeps offsets (all Vietnamese letters qualify).
            if len(folded) == 1 and folded.isalpha() and folded.isascii():
                table[code] = folded.lower()
    return table


def fold(text: str) -> str:
    """Lowercase ``text`` and take every diacritic off (``Đà Nẵng`` → ``da nang``)."""
    return nfc(text).lower().translate(fold_table())


def normalize(text: str) -> str:
    """Exact form of a whole text (NFC, ``Ð``, lowercase, canonical tone), same length as its NFC form."""
    text = nfc(text)
    return _TOKEN_RE.sub(lambda m: exact_form(m.group()), text).lower()


def syllables(text: str) -> list[str]:
    """The exact-form syllables of ``text`` in order: what a phrase or a query is made of.

    Invisible joiners are deleted first (``Tĩ\u200dnh`` is one syllable): no offsets are returned, so deleting is
    safe here; stored text has them removed when the corpus is read.
    """
    return [exact_form(m.group()) for m in _TOKEN_RE.finditer(nfc(strip_invisible(text)))]


def syllable_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, exact form)`` of each syllable of NFC ``text``: offsets index the text as given."""
    return list(_spans(nfc(text)))


@functools.lru_cache(maxsize=4)
def _spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """Syllable spans of NFC text, cached for the few most recent texts.

    A document's body is analysed three times in a row (exact, folded and bigram fields): the cache makes that
    one tokenisation.
    """
    return tuple((m.start(), m.end(), exact_form(m.group())) for m in _TOKEN_RE.finditer(text))


# The terms each indexed field holds, as plain lists: the index writer's fast path (``store.schema.SyllableText``)
# and the definition the Whoosh analyzers of :mod:`newssearch.store.analyzers` follow (tests check they agree).


@functools.lru_cache(maxsize=4)
def _forms(text: str) -> tuple[str, ...]:
    """Exact forms of the syllables of ``text`` (cached: the body feeds two fields, exact and folded)."""
    return tuple(map(exact_form, _TOKEN_RE.findall(nfc(text))))


def accented_terms(text: str) -> list[str]:
    """The exact syllables of ``text`` that carry marks or ``đ``, in order: the exact fields exist to reward typed
    diacritics, and a syllable without any is found, and scored, through the folded fields already."""
    return [form for form in _forms(text) if fold_syllable(form) != form]


def folded_terms(text: str) -> list[str]:
    """Diacritic-free syllables of ``text`` in order (list index = token position): ``ha tinh`` finds ``Hà Tĩnh``."""
    return [fold_syllable(form) for form in _forms(text)]


def exact_pair_terms(text: str) -> list[str]:
    """Exact-form syllable pairs ``hà_tĩnh`` of ``text`` that only spaces separate, in order: a name standing
    together with the very diacritics typed (``Mỹ An``, not ``Mỹ - Ấn``; ``Hà Tĩnh``, not ``Đông Hà, tỉnh``)."""
    spans = syllable_spans(text)
    text = nfc(text)
    return [
        f"{first}_{second}"
        for (_, end, first), (start, _, second) in itertools.pairwise(spans)
        if text[end:start].isspace()
    ]


def bigram_terms(text: str) -> list[str]:
    """Folded syllable pairs ``ha_tinh`` of ``text``, in order: syllables that stand together, as words do."""
    folded = folded_terms(text)
    return [f"{first}_{second}" for first, second in itertools.pairwise(folded)]
