"""Paths and ids the tests share (a plain module: conftest files are not for importing)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

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


def ready_on(client: Any, generation: str, timeout: float = 30.0) -> dict[str, Any]:
    """``/readyz`` once the service serves ``generation``: a new generation is opened and warmed in the
    background while the one before it keeps answering, so the switch is not instant."""
    deadline = time.monotonic() + timeout
    while True:
        ready: dict[str, Any] = client.get("/readyz").json()
        if ready.get("generation") == generation or time.monotonic() > deadline:
            return ready
        time.sleep(0.02)
