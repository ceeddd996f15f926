"""How people really type Vietnamese queries: abbreviations, i/y spellings, d/gi slips, Telex and VNI keystrokes.

All of it is applied at query time, to the parsed query (:mod:`newssearch.engine.expand`), so the index never
needs a rebuild when the abbreviation file changes. Each rule only *adds* alternatives to a clause (``a OR b``);
it never replaces what was typed, so a word that is real in the archive (``Vissai``, a brand) keeps matching as itself.

* Abbreviations and equivalent names come from a curated data file (``data/abbreviations.tsv``), in both
  directions: ``TP.HCM`` finds ``Thành phố Hồ Chí Minh`` and ``Sài Gòn``, ``ủy ban nhân dân`` finds ``UBND``.
* ``i``/``y`` after a consonant are one spelling (``Kì Anh`` = ``Kỳ Anh``, ``lí`` = ``lý``).
* ``d``/``gi`` are swapped only where the typed form is absent from the archive and the other one is present.
* Telex (``Haf Tinhx``) and VNI (``Ha2 Ti4nh``) are decoded only for words absent from the archive, and only
  tried when the query as typed finds little (see :mod:`newssearch.engine.search`).

The Telex/VNI decoder is written here (about fifty lines) because the one PyPI package for it, ``bogo``, was last
released in 2014.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from newssearch.text.analysis import exact_form, fold, syllables

__all__ = ["Abbreviations", "Known", "decode_keystrokes", "load_abbreviations", "spelling_variants"]

#: Does the archive know this folded syllable? (document frequency > 0)
Known = Callable[[str], bool]

_ONSETS_BEFORE_I = (
    "b",
    "ch",
    "d",
    "đ",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ngh",
    "nh",
    "ph",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
)
_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_TELEX_MARKS = [
    ("uow", "ươ"),
    ("aa", "â"),
    ("ee", "ê"),
    ("oo", "ô"),
    ("aw", "ă"),
    ("ow", "ơ"),
    ("uw", "ư"),
    ("dd", "đ"),
]
_VNI_MARKS = [
    ("u7o7", "ươ"),
    ("uo7", "ươ"),
    ("a6", "â"),
    ("e6", "ê"),
    ("o6", "ô"),
    ("a8", "ă"),
    ("o7", "ơ"),
    ("u7", "ư"),
    ("d9", "đ"),
]
_VOWELS = "aăâeêioôơuưy"
_MARKED_VOWELS = "ăâêôơư"


@dataclass(frozen=True)
class Abbreviations:
    """Sets of equivalent forms, each form a tuple of exact-form syllables (``("tp", "hcm")``)."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]

    @functools.cached_property
    def _by_folded(self) -> dict[tuple[str, ...], int]:
        return {tuple(fold(s) for s in form): i for i, group in enumerate(self.groups) for form in group}

    @functools.cached_property
    def longest(self) -> int:
        """Syllables in the longest form (asked once per query word)."""
        return max((len(form) for group in self.groups for form in group), default=0)

    def lookup(self, folded: tuple[str, ...]) -> tuple[tuple[str, ...], ...] | None:
        index = self._by_folded.get(folded)
        return None if index is None else self.groups[index]


def _form(text: str) -> tuple[str, ...]:
    """``TP.HCM`` → ``("tp", "hcm")``; a form written without a separator (``TPHCM``) is one syllable."""
    return tuple(syllables(text))


def parse_abbreviations(text: str) -> Abbreviations:
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        forms = tuple(dict.fromkeys(f for f in (_form(part) for part in line.split(" | ")) if f))
        if len(forms) > 1:
            groups.append(forms)
    return Abbreviations(tuple(groups))


@functools.cache
def load_abbreviations(path: Path | None = None) -> Abbreviations:
    """The newsroom's file when given, else the one that ships with newssearch. Read once per process."""
    if path is not None:
        return parse_abbreviations(path.read_text(encoding="utf-8"))
    return parse_abbreviations(resources.files("newssearch").joinpath("data/abbreviations.tsv").read_text("utf-8"))


def spelling_variants(syllable: str, known: Known) -> list[str]:
    """Other spellings of one exact-form syllable: ``i``/``y`` after a consonant, and ``d``/``gi`` slips."""
    variants = []
    bare = fold(syllable)
    for onset in _ONSETS_BEFORE_I:
        if bare in (onset + "i", onset + "y") and len(syllable) == len(onset) + 1:
            last = syllable[-1]
            swapped = _swap_iy(last)
            if swapped != last:
                variants.append(syllable[:-1] + swapped)
    if not known(bare):
        if syllable.startswith("gi") and len(syllable) > 2:
            candidate = "d" + syllable[2:]
        elif syllable.startswith("d"):
            candidate = "gi" + syllable[1:]
        else:
            return variants
        candidate = exact_form(candidate)
        if known(fold(candidate)):
            variants.append(candidate)
    return variants


def _swap_iy(vowel: str) -> str:
    decomposed = unicodedata.normalize("NFD", vowel)
    base, marks = decomposed[0], decomposed[1:]
    swapped = {"i": "y", "y": "i"}.get(base, base)
    return unicodedata.normalize("NFC", swapped + marks)


def _place_tone(word: str, tone: str) -> str:
    """Put ``tone`` (a combining mark) on the vowel Vietnamese orthography (new style) puts it on."""
    lower = word.lower()
    start = 2 if lower.startswith(("qu", "gi")) and len(lower) > 2 and lower[2] in _VOWELS else 0
    vowels = [i for i in range(start, len(word)) if lower[i] in _VOWELS]
    if not vowels:
        return word
    cluster = vowels
    marked = [i for i in cluster if lower[i] in _MARKED_VOWELS]
    if marked:
        target = marked[-1]
    elif cluster[-1] < len(word) - 1 or len(cluster) == 1:
        target = cluster[-1]
    elif len(cluster) >= 3:
        target = cluster[1]
    else:
        target = cluster[0]
    return word[:target] + unicodedata.normalize("NFC", word[target] + tone) + word[target + 1 :]


_TELEX_RE = re.compile(r"^[a-zA-Z]+$")
_VNI_RE = re.compile(r"^(?=.*[a-zA-Z])(?=.*[1-9])[a-zA-Z1-9]+$")


def decode_keystrokes(word: str) -> str | None:
    """``Haf`` → ``Hà``, ``Ti4nh`` → ``Tĩnh``, ``dduowngf`` → ``đường``; ``None`` when nothing was typed as keys."""
    if _VNI_RE.match(word):
        tones, marks = _VNI_TONES, _VNI_MARKS
        tone_keys = [ch for ch in word if ch in tones]
        base = "".join(ch for ch in word if ch not in tones)
    elif _TELEX_RE.match(word):
        tones, marks = _TONES, _TELEX_MARKS
        tone_keys = [word[-1].lower()] if len(word) > 1 and word[-1].lower() in tones else []
        base = word[:-1] if tone_keys else word
    else:
        return None
    out = base
    for keys, letter in marks:
        out = re.sub(keys, letter, out, flags=re.IGNORECASE)
    if tone_keys:
        out = _place_tone(out, tones[tone_keys[-1]])
    if out == word or not any(ch in _VOWELS for ch in fold(out)):
        return None
    return unicodedata.normalize("NFC", out)
