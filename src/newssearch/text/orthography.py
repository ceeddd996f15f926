"""One canonical spelling per Vietnamese syllable, for text typed with slips or saved by old tools.

Archives carry the same word in several byte-different spellings that a reader sees as one:

* **Misplaced tone marks**: ``baỏ`` (``bảo``), ``nghịêm`` (``nghiệm``), ``đaị`` (``đại``), ``quỳên`` (``quyền``).
  Old input methods put the mark wherever the key was pressed; Vietnamese orthography puts it on one vowel of the
  syllable, which :func:`canonical_syllable` finds from the syllable's structure.
* **A missing horn** on ``ươ``: ``lựơng``/``giừơng``/``mùơi`` type ``ư``+``ơ`` as ``ư``+``o`` or ``u``+``ơ``.
  It is restored only where ``ươ`` makes a valid syllable (``thuở``, ``huơ`` keep their ``uơ``).
* **Fullwidth Latin** (``Ｈà``, from East Asian input methods) reads as ASCII.
* **Invisible characters** (zero-width joiner and non-joiner, zero-width space, word joiner, soft hyphen, a stray
  byte-order mark) split a word for the tokenizer (``Tĩ\\u200dnh`` → ``tĩ`` + ``nh``) while the reader sees one.

The first three map one character to one character, so they belong in a syllable's exact form
(``analysis.exact_form``) and highlight offsets still index the stored text. Invisible characters must be
*deleted*, which would shift offsets: :func:`strip_invisible` is applied where text enters, when the corpus is read
(so stored text is clean) and to queries.

The tone placement for ``oa``, ``oe``, ``uy`` ending an open syllable is the one ``analysis`` already settles on
(``hòa``, ``thủy``, ``quỷ``): the mark goes on the first vowel of a two-vowel open rhyme. Anything that is not a
well-formed Vietnamese syllable (foreign words, names, abbreviations) is left exactly as it is.

Pure functions over the standard library only.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["canonical_syllable", "fold_fullwidth", "is_syllable", "strip_invisible"]

#: Zero-width space, non-joiner, joiner, word joiner, soft hyphen, byte-order mark (zero-width no-break space).
INVISIBLE = "\u200b\u200c\u200d\u2060\u00ad\ufeff"
_JOINERS_RE = re.compile("[\u200c\u200d\u2060\u00ad\ufeff]+")
#: A zero-width space with the letters on either side (the right ones looked at, not consumed).
_ZWSP_RE = re.compile(r"([^\W\d_]*)\u200b+(?=([^\W\d_]*))")

#: Fullwidth ``！`` … ``～`` (U+FF01–U+FF5E) to ASCII ``!`` … ``~``: one character for one.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_SAC_OR_NANG = "\u0301\u0323"
_VOWELS = "aăâeêioôơuưy"
_MODIFIED = "ăâêôơư"
_INITIALS = (
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip
_FINALS = ("", "c", "ch", "m", "n", "ng", "nh", "p", "t")
_STOP_FINALS = ("c", "ch", "p", "t")  # only sắc or nặng can stand before these

# Vowel clusters (rhyme without its final consonant), split by whether they stand open, closed, or both.
_OPEN_ONLY = frozenset(
    str.split(
        "ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu ua ưa uơ iêu yêu oai oao oay oeo uây uôi ươi ươu uya uyu"
    )
)
_CLOSED_ONLY = frozenset(str.split("ă â iê yê oă oo uâ uô ươ uyê"))
_BOTH = frozenset(str.split("a e ê i o ô ơ u ư y oa oe uê uy"))


def strip_invisible(text: str) -> str:
    """``text`` without zero-width and soft-hyphen characters (``Tĩ\\u200dnh`` → ``Tĩnh``).

    Joiners, the word joiner, soft hyphens and byte-order marks never separate words: they are deleted. A
    zero-width space sometimes does (``Hà\\u200bTĩnh``): it becomes a space when the letters on both sides are
    syllables of their own and would not make one together, and is deleted otherwise (``Tĩ\\u200bnh``).
    """
    # Six ``in`` tests cost ~1 µs on an article, a regex search with a class like this ~60 µs: most text has none.
    if not any(char in text for char in INVISIBLE):
        return text
    text = _JOINERS_RE.sub("", text)
    return _ZWSP_RE.sub(_zero_width_space, text) if "\u200b" in text else text


def _zero_width_space(match: re.Match[str]) -> str:
    left, right = match[1], match[2]
    if left and right and is_syllable(left) and is_syllable(right) and not is_syllable(left + right):
        return left + " "
    return left


def fold_fullwidth(text: str) -> str:
    """Fullwidth ASCII forms to ASCII (``Ｈà`` → ``Hà``), one character for one."""
    return text.translate(_FULLWIDTH)


@functools.cache
def _letter_table() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], str]]:
    """``letter → (base, tone mark)`` for every lowercase Vietnamese vowel with or without a tone, and back."""
    split: dict[str, tuple[str, str]] = {}
    for base in _VOWELS:
        for tone in ("", *_TONE_MARKS):
            letter = unicodedata.normalize("NFC", base + tone)
            split[letter] = (base, tone)
    joined = {parts: letter for letter, parts in split.items()}
    return split, joined


def _parse(syllable: str) -> tuple[str, str, str, str] | None:
    """``(initial, vowel cluster, final, tone mark)`` of a lowercase NFC syllable with its tone taken off, or
    ``None`` when it has more than one tone mark or a letter Vietnamese does not write."""
    split, _ = _letter_table()
    tone = ""
    bare: list[str] = []
    for char in syllable:
        parts = split.get(char)
        if parts is None:
            if char not in "bcdđghklmnpqrstvx":
                return None
            bare.append(char)
            continue
        if parts[1]:
            if tone:
                return None
            tone = parts[1]
        bare.append(parts[0])
    word = "".join(bare)
    for initial in _INITIALS:
        if not word.startswith(initial):
            continue
        rest = word[len(initial) :]
        if initial == "gi" and not any(ch in _VOWELS for ch in rest):
            continue  # ``gì``, ``gìn``: the ``i`` is the vowel
        if initial == "qu" and not rest:
            return None
        end = len(rest) - len(rest.lstrip(_VOWELS))
        cluster, final = rest[:end], rest[end:]
        return initial, cluster, final, tone
    return None


def _restore_horn(cluster: str, final: str) -> str:
    """``ưo``/``uơ`` to ``ươ`` where only ``ươ`` makes the rhyme valid (``lưong``, ``muơi``; ``thuở`` stays)."""
    if cluster.startswith("ưo"):
        return "ươ" + cluster[2:]
    if cluster.startswith("uơ") and (final or len(cluster) > 2):
        return "ươ" + cluster[2:]
    return cluster


def _valid(cluster: str, final: str, tone: str) -> bool:
    if final not in _FINALS or not cluster:
        return False
    if final in _STOP_FINALS and tone not in _SAC_OR_NANG:
        return False
    if final:
        return cluster in _CLOSED_ONLY or cluster in _BOTH
    return cluster in _OPEN_ONLY or cluster in _BOTH


def _tone_index(cluster: str, final: str) -> int:
    """Which vowel of the cluster carries the tone, by the placement ``analysis`` uses (``hòa``, ``thủy``)."""
    if "ươ" in cluster:
        return cluster.index("ươ") + 1
    modified = [i for i, ch in enumerate(cluster) if ch in _MODIFIED]
    if modified:
        return modified[-1]
    if final:
        return len(cluster) - 1
    return {1: 0, 2: 0}.get(len(cluster), 1)


@functools.lru_cache(maxsize=100_000)
def canonical_syllable(syllable: str) -> str:
    """The canonical spelling of one lowercase NFC syllable: fullwidth folded, horn restored, tone placed.

    Returns ``syllable`` unchanged (but for fullwidth forms) unless it parses as Vietnamese. Keeps the length.
    """
    if syllable.isascii():
        return syllable
    syllable = fold_fullwidth(syllable)
    parsed = _parse(syllable)
    if parsed is None:
        return syllable
    initial, cluster, final, tone = parsed
    cluster = _restore_horn(cluster, final)
    if not _valid(cluster, final, tone):
        return syllable
    if tone:
        _, joined = _letter_table()
        at = _tone_index(cluster, final)
        cluster = cluster[:at] + joined[(cluster[at], tone)] + cluster[at + 1 :]
    result = initial + cluster + final
    return result if len(result) == len(syllable) else syllable


def is_syllable(word: str) -> bool:
    """Whether ``word`` (any case, NFC) is a well-formed Vietnamese syllable, tone placement aside.

    What legacy-encoding detection counts: a right decoding yields syllables, a wrong one yields letter salad.
    """
    parsed = _parse(word.lower())
    if parsed is None:
        return False
    _, cluster, final, tone = parsed
    return _valid(_restore_horn(cluster, final), final, tone)
