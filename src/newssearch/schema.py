"""Compatibility only: indexes written before the layered layout (0.1) pickled their text fields under this name.

See :mod:`newssearch.analysis`; new code imports :mod:`newssearch.store.schema`.
"""

from newssearch.store.schema import SyllableText

__all__ = ["SyllableText"]
