"""Storage: the one adapter that imports Whoosh (schema, writers, readers), and index generations on disk.

May import: :mod:`newssearch.text`, Whoosh, numpy, cachetools. What the engine sees of it is
:class:`~newssearch.store.view.IndexView`.
"""
