"""Indexing: corpus files → articles → the change plan → documents written through :mod:`newssearch.store`.

May import: :mod:`newssearch.text`, :mod:`newssearch.store` (never Whoosh itself).
"""
