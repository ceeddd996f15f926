"""Shared fixtures: a real Whoosh index on disk, built once per session from the bundled corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newssearch.archive import Archive
from newssearch.config import Settings
from newssearch.index.indexer import IndexStats
from newssearch.service.api import create_app
from support import CORPUS


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IndexStats]:
    """The bundled corpus indexed into a fresh index root as ``newssearch index`` does it (with the engine's
    precomputed arrays of common syllables)."""
    root = tmp_path_factory.mktemp("index")
    with Archive(Settings(index_dir=root)) as archive:
        return root, archive.index([CORPUS])


@pytest.fixture(scope="session")
def client(bundled_index: tuple[Path, IndexStats]) -> Iterator[TestClient]:
    """The real app over the bundled index, through its ASGI interface."""
    app = create_app(Settings(index_dir=bundled_index[0]))
    with TestClient(app) as test_client:
        yield test_client
