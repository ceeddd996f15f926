"""The Whoosh analyzers of the schema, built on :mod:`newssearch.text.analysis`.

Whoosh's analyzers are a tokenizer and filters chained with ``|`` (``whoosh.analysis.analyzers``); ours read the
same way. The index writer does not run them (``schema.SyllableText`` indexes the term lists of
:mod:`newssearch.text.analysis` directly, a quarter of indexing time saved): they define each field for Whoosh and
a test checks that both give the same terms.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, CharsetFilter, Filter, Token, Tokenizer

from newssearch.text.analysis import fold_syllable, fold_table, nfc, syllable_spans

__all__ = [
    "AccentedFilter",
    "BigramFilter",
    "ExactPairTokenizer",
    "FoldFilter",
    "SyllableTokenizer",
    "accented_analyzer",
    "bigram_analyzer",
    "exact_analyzer",
    "exact_pair_analyzer",
    "folded_analyzer",
]


#: One token a tokenizer yields: its position, start and end characters (in the NFC text) and text.
Unit = tuple[int, int, int, str]


class _UnitTokenizer(Tokenizer):
    """A tokenizer with no settings (any two are equal: Whoosh compares a field's analyzers across schemas) that
    yields the :data:`Unit` s :meth:`units` finds, with Whoosh's token protocol around them."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def units(self, value: str) -> Iterator[Unit]:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, start, end, text in self.units(value):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class SyllableTokenizer(_UnitTokenizer):
    """Split NFC text into syllables and numbers, in their exact form, keeping positions and character offsets.

    Text that is not NFC is made NFC first; offsets then refer to the NFC text, which is what the index stores.
    """

    def units(self, value: str) -> Iterator[Unit]:
        for pos, (start, end, form) in enumerate(syllable_spans(value)):
            yield pos, start, end, form


class FoldFilter(Filter):
    """Token text to its folded form. Indexes written before 0.2 name this filter in their schema; new ones use
    Whoosh's ``CharsetFilter`` over the same table (:func:`_fold_filter`)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold_syllable(token.text)
            yield token


class AccentedFilter(Filter):
    """Keep only syllables with marks or ``đ`` (see :func:`newssearch.text.analysis.accented_terms`)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if fold_syllable(token.text) != token.text:
                yield token


class BigramFilter(Filter):
    """Folded syllable pairs ``ha_tinh``: rewards syllables that stand together, as multi-syllable words do.

    A bigram takes the position and start character of its first syllable and the end character of its second,
    so a highlight of a bigram match marks the whole word.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        previous: tuple[str, int | None, int | None] | None = None
        for token in tokens:
            text = token.text
            start: int | None = getattr(token, "startchar", None)
            pos: int | None = getattr(token, "pos", None)
            if previous is not None:
                token.text = f"{previous[0]}_{text}"
                if start is not None and previous[1] is not None:
                    token.startchar = previous[1]
                if pos is not None and previous[2] is not None:
                    token.pos = previous[2]
                yield token
            previous = (text, start, pos)


def _fold_filter() -> Filter:
    """Token text to its folded form (no marks, ``đ`` → ``d``): Whoosh's ``CharsetFilter`` over our table."""
    return CharsetFilter(fold_table())


def exact_analyzer() -> Analyzer:
    """Accent-preserving syllables: exact diacritics rank first (``đường`` above ``dương``)."""
    return SyllableTokenizer()


def accented_analyzer() -> Analyzer:
    """Exact syllables that carry marks: what the exact-diacritic bonus looks up."""
    return SyllableTokenizer() | AccentedFilter()


def folded_analyzer() -> Analyzer:
    """Diacritic-free syllables: ``ha tinh`` finds ``Hà Tĩnh``."""
    return SyllableTokenizer() | _fold_filter()


class ExactPairTokenizer(_UnitTokenizer):
    """Exact syllable pairs that only spaces separate (``hà_tĩnh``; not ``hà_tỉnh`` from ``Hà, tỉnh``), each at
    the position of its first syllable, spanning both (see :func:`newssearch.text.analysis.exact_pair_terms`)."""

    def units(self, value: str) -> Iterator[Unit]:
        text = nfc(value)
        pairs = itertools.pairwise(syllable_spans(value))
        for pos, ((start, end, first), (next_start, next_end, second)) in enumerate(pairs):
            if text[end:next_start].isspace():
                yield pos, start, next_end, f"{first}_{second}"


def exact_pair_analyzer() -> Analyzer:
    """Exact syllable pairs (``hà_tĩnh``): a name standing together with the diacritics typed."""
    return ExactPairTokenizer()


def bigram_analyzer() -> Analyzer:
    """Folded syllable pairs, for phrase-like ranking of multi-syllable words without a segmenter."""
    return SyllableTokenizer() | _fold_filter() | BigramFilter()
