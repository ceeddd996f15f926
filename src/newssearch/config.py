"""Settings, declared once with help text; every one can be set by a ``NEWSSEARCH_*`` environment variable."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newssearch.engine.budget import DEFAULT_BUDGET_MS

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """newssearch settings. Read when asked for (never at import), cached by :func:`get_settings`."""

    model_config = SettingsConfigDict(env_prefix="NEWSSEARCH_", env_file=None, extra="ignore")

    index_dir: Path = Field(Path("index"), description="Index root folder (holds generations and CURRENT).")
    corpus_dirs: list[Path] = Field(
        default_factory=lambda: [Path("corpus")], description="Corpus folders or files the indexer reads."
    )
    host: str = Field("127.0.0.1", description="Address the service binds to; loopback by default.")
    port: int = Field(8000, description="Port the service listens on.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (none by default): a JSON list, "
        "a comma-separated list, or * for any origin.",
    )
    abbreviations: Path | None = Field(
        None, description="A newsroom's own abbreviations file (format of data/abbreviations.tsv); default: built in."
    )
    search_budget_ms: float = Field(
        DEFAULT_BUDGET_MS,
        ge=0,
        description="Milliseconds a search may spend (postings, snippets, did-you-mean) before it answers with what "
        "it has.",
    )
    searcher_pool_size: int = Field(8, description="Idle Whoosh searchers kept per index generation.")
    columnar: bool = Field(
        True,
        description="Read postings from each generation's memory-mapped columnar companion files (false: decode them "
        "from Whoosh in every process, as before; same results, slower first queries, more memory).",
    )
    log_json: bool | None = Field(None, description="JSON logs; default: JSON when stderr is not a terminal.")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """``["https://a"]``, ``https://a,https://b`` and ``*`` all read as lists of origins."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)  # a malformed list is a validation error, reported in one line
        return [origin.strip() for origin in text.split(",") if origin.strip()]


@functools.cache
def get_settings() -> Settings:
    """The process's settings; tests override it through FastAPI's dependency overrides or ``create_app``."""
    return Settings()
