"""Index generations: every index run writes a new folder and switches to it atomically.

Layout of an index root (``index/`` by default)::

    index/
      CURRENT            name of the live generation ("gen-000007"), replaced atomically
      .indexer.lock      held (flock) by the one running indexer; the kernel frees it if that process dies
      gen-000006/        the previous generation, kept until the next switch succeeds
      gen-000007/        the live Whoosh index, with MANIFEST.json (file sizes and checksums)

An incremental run starts its generation as hard links of the live one (Whoosh never rewrites a file, it only
adds new ones and unlinks old ones), so it costs no copy; a rebuild starts empty. Either way, readers of the live
generation are never disturbed, and the switch happens only after the new generation is committed, fsynced,
and verified: a crash at any point leaves ``CURRENT`` naming a complete generation.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "IndexerBusy",
    "current_generation",
    "indexer_lock",
    "new_generation",
    "prune_generations",
    "switch_to",
    "verify_manifest",
    "write_manifest",
]

CURRENT = "CURRENT"
LOCK = ".indexer.lock"
MANIFEST = "MANIFEST.json"
_GEN_RE = re.compile(r"^gen-(\d{6})$")


class IndexerBusy(RuntimeError):
    """Another indexer holds the lock on this index root."""


@dataclass(frozen=True, slots=True)
class Generation:
    """One generation folder under an index root."""

    root: Path
    name: str

    @property
    def path(self) -> Path:
        return self.root / self.name

    @property
    def number(self) -> int:
        match = _GEN_RE.match(self.name)
        return int(match[1]) if match else 0


def _fsync_dir(path: Path) -> None:
    """Make a folder's entries (new, renamed or removed files) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _generations(root: Path) -> list[Generation]:
    if not root.is_dir():
        return []
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and _GEN_RE.match(p.name))
    return [Generation(root, name) for name in names]


def current_generation(root: Path) -> Generation | None:
    """The live generation named by ``CURRENT``, or ``None`` for an empty or missing index root."""
    try:
        name = (root / CURRENT).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not _GEN_RE.match(name) or not (root / name).is_dir():
        return None
    return Generation(root, name)


@contextlib.contextmanager
def indexer_lock(root: Path) -> Iterator[None]:
    """Hold the one-indexer-at-a-time lock, or raise :class:`IndexerBusy` at once.

    ``flock`` is released by the kernel when its holder dies, so a crashed run never leaves a stale lock.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexerBusy(f"another indexer is running on {root}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_generation(root: Path, *, copy_from: Generation | None) -> Generation:
    """Create the next generation folder, as hard links of ``copy_from`` when given (incremental runs).

    Folders of generations newer than ``CURRENT`` are leftovers of a crashed run and are removed first.
    """
    current = current_generation(root)
    for gen in _generations(root):
        if current is None or gen.number > current.number:
            shutil.rmtree(gen.path, ignore_errors=True)
    number = max((g.number for g in _generations(root)), default=0) + 1
    gen = Generation(root, f"gen-{number:06d}")
    gen.path.mkdir(parents=True)
    if copy_from is not None:
        for source in copy_from.path.iterdir():
            if source.is_file() and source.name != MANIFEST and "LOCK" not in source.name.upper():
                os.link(source, gen.path / source.name)
    return gen


def _checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(gen: Generation, *, documents: int) -> None:
    """Fsync every file of a committed generation and record their sizes and checksums."""
    files = {}
    for path in sorted(gen.path.iterdir()):
        if path.is_file() and path.name != MANIFEST and "LOCK" not in path.name.upper():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
            files[path.name] = {"size": path.stat().st_size, "blake2b": _checksum(path)}
    tmp = gen.path / (MANIFEST + ".tmp")
    with open(tmp, "w") as handle:
        json.dump({"documents": documents, "files": files}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, gen.path / MANIFEST)
    _fsync_dir(gen.path)


def verify_manifest(gen: Generation, *, checksums: bool = True) -> str | None:
    """``None`` when every file listed in the manifest is there, whole and unchanged; else what is wrong."""
    try:
        manifest = json.loads((gen.path / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        return f"{gen.name}: no readable manifest ({exc})"
    for name, expected in manifest["files"].items():
        path = gen.path / name
        if not path.is_file():
            return f"{gen.name}: {name} is missing"
        if path.stat().st_size != expected["size"]:
            return f"{gen.name}: {name} has the wrong size"
        if checksums and _checksum(path) != expected["blake2b"]:
            return f"{gen.name}: {name} fails its checksum"
    return None


def switch_to(gen: Generation) -> None:
    """Make ``gen`` the live generation: write ``CURRENT`` beside, fsync, rename over, fsync the folder."""
    tmp = gen.root / (CURRENT + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(gen.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, gen.root / CURRENT)
    _fsync_dir(gen.root)


def prune_generations(root: Path, *, keep: int = 2) -> list[str]:
    """Remove all but the newest ``keep`` generations up to ``CURRENT``; newer folders are left alone."""
    current = current_generation(root)
    if current is None:
        return []
    older = [g for g in _generations(root) if g.number <= current.number]
    removed = []
    for gen in older[:-keep]:
        shutil.rmtree(gen.path, ignore_errors=True)
        removed.append(gen.name)
    return removed
