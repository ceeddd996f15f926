"""Search: query language, expansion, scoring and ranking weights, facets, snippets, suggestions, time budget.

Reads an index only through :class:`~newssearch.store.view.IndexView`. May import: :mod:`newssearch.text`,
:mod:`newssearch.store.view`, numpy, pydantic (field descriptions of the results). Knows nothing of HTTP.
"""
