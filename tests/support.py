"""Paths and ids the tests share (a plain module: conftest files are not for importing)."""

from __future__ import annotations

import os
import shutil
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


def index_as_the_cli_does(corpus: Path, root: Path) -> None:
    """Index ``corpus`` into ``root`` through :meth:`newssearch.Archive.index`, with every derived file."""
    from newssearch import Archive, Settings

    with Archive(Settings(index_dir=root)) as archive:
        archive.index([corpus])


def live_generation(root: Path) -> Any:
    """The generation ``root`` serves (a :class:`newssearch.store.generations.Generation`)."""
    from newssearch.store.generations import current_generation

    live = current_generation(root)
    assert live is not None
    return live


def listed_again(live: Any) -> None:
    """A generation's manifest written again for the files it has now (as an index run would)."""
    from newssearch.store import generations
    from newssearch.store.postings import PostingCache
    from newssearch.store.schema import open_index

    postings = PostingCache(open_index(live.path))
    generations.write_manifest(live, documents=postings.doc_count)
    postings.close()


def copy_without(root: Path, copy: Path, name: str) -> Path:
    """A copy of the index at ``root`` whose live generation lacks the file ``name`` (as one written before that
    file existed), its manifest listing what it has."""
    shutil.copytree(root, copy)
    live = live_generation(copy)
    (live.path / name).unlink()
    listed_again(live)
    return copy
