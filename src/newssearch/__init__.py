"""newssearch: full-text search over Vietnamese news archives."""

__version__ = "0.1.0"
