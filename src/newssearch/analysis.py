"""Compatibility only: indexes written before the layered layout (0.1) pickled their analyzers under this name.

Whoosh stores each field's analyzer in the index's table of contents by import path, so those indexes open only if
these names still resolve. New code imports :mod:`newssearch.text.analysis` and :mod:`newssearch.store.analyzers`.
"""

from newssearch.store.analyzers import AccentedFilter, BigramFilter, FoldFilter, SyllableTokenizer
from newssearch.text.analysis import accented_terms, bigram_terms, folded_terms

__all__ = [
    "AccentedFilter",
    "BigramFilter",
    "FoldFilter",
    "SyllableTokenizer",
    "accented_terms",
    "bigram_terms",
    "folded_terms",
]
