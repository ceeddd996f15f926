"""Paths and ids the tests share (a plain module: conftest files are not for importing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
# A worktree is not beside ../shared: NEWSSEARCH_SHARED points at it there.
SHARED = Path(os.environ.get("NEWSSEARCH_SHARED") or REPO.parent / "shared")
SEED_ID = "seed/000_9dadb441269e12e8.txt"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the shared material is not beside the clone."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is only beside the developers' and CI's clones)")
    return path
