"""The HTTP service: FastAPI app factory, worker supervisor, and the search page (``web/``).

May import: :mod:`newssearch.archive` and the result types of :mod:`newssearch.engine`.
"""
