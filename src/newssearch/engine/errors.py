"""Errors a search answers with instead of results; the API turns each into a 400 with its message."""

from __future__ import annotations

__all__ = ["SearchError", "UnknownPlace"]


class SearchError(ValueError):
    """A request that cannot be answered as asked; the message says what to change."""


class UnknownPlace(SearchError):
    """A ``place`` value that names no province or district; ``suggestions`` are the closest names."""

    def __init__(self, typed: str, suggestions: list[str]) -> None:
        hint = f" (did you mean: {'; '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"place {typed!r} names no Vietnamese province or district{hint}")
        self.typed = typed
        self.suggestions = suggestions
