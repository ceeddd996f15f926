"""Index generations: every index run writes a new folder and switches to it atomically.

Layout of an index root (``index/`` by default)::

    index/
      CURRENT            name of the live generation ("gen-000007"), replaced atomically
      LAST_RUN.json      when the last successful index run finished (changed or not), replaced atomically
      .indexer.lock      held (flock) by the one running indexer; the kernel frees it if that process dies
      gen-000006/        the previous generation, kept until the next switch succeeds
      gen-000007/        the live Whoosh index, with MANIFEST.json (file sizes, samples and checksums)

An incremental run starts its generation as hard links of the live one (Whoosh never rewrites a file, it only
adds new ones and unlinks old ones), so it costs no copy; a rebuild starts empty. Either way, readers of the live
generation are never disturbed, and the switch happens only after the new generation is committed, fsynced,
and verified: a crash at any point leaves ``CURRENT`` naming a complete generation.

Power loss can still lose writes the disk acknowledged but never stored (a drive cache that lies, a file system
that reorders). So readers never trust ``CURRENT`` alone: :func:`current_generation` returns the newest generation
up to the one ``CURRENT`` names whose manifest verifies, falling back to the previous one when the newest is
damaged. The check at open is cheap (manifest present, every file there with its size, and a digest of a few
sampled blocks: the head, the tail and 16 blocks between, which catches truncated, zeroed and lost-tail files in
a few reads); the full blake2b checksums (about 3 s per GB warm, 7 s cold) are checked when the cheap check is
ambiguous (the files look whole but the index does not open) and at switch time, where every file a new
generation inherits by hard link is checked against the checksum recorded for it before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "GenerationDamaged",
    "IndexerBusy",
    "candidate_generations",
    "current_generation",
    "identity",
    "indexer_lock",
    "last_run",
    "manifest_info",
    "new_generation",
    "prune_generations",
    "record_run",
    "switch_to",
    "verify_manifest",
    "write_manifest",
]

CURRENT = "CURRENT"
LOCK = ".indexer.lock"
MANIFEST = "MANIFEST.json"
LAST_RUN = "LAST_RUN.json"
_GEN_RE = re.compile(r"^gen-(\d{6})$")
#: The sampled digest reads the first and last ``_EDGE`` bytes and ``_BLOCKS`` blocks of ``_BLOCK`` between.
_EDGE, _BLOCK, _BLOCKS = 64 << 10, 4 << 10, 16


class IndexerBusy(RuntimeError):
    """Another indexer holds the lock on this index root."""


class GenerationDamaged(RuntimeError):
    """A file inherited from the live generation no longer matches its recorded checksum."""


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


def _named(root: Path) -> str | None:
    """The generation ``CURRENT`` names, if it is a well-formed name."""
    try:
        name = (root / CURRENT).read_text().strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    return name if _GEN_RE.match(name) else None


def candidate_generations(root: Path) -> list[Generation]:
    """The generations a reader may open, newest first: those up to the one ``CURRENT`` names.

    Newer folders belong to a running or crashed indexer and are never read. When ``CURRENT`` is unreadable or
    names no folder, every generation is a candidate (only one with a verifying manifest is ever opened).
    """
    gens = _generations(root)
    named = _named(root)
    if named is not None and (root / named).is_dir():
        bound = Generation(root, named).number
        gens = [g for g in gens if g.number <= bound]
    return gens[::-1]


def current_generation(root: Path, *, rejected: list[str] | None = None) -> Generation | None:
    """The live generation: the newest candidate whose manifest passes the cheap check; ``None`` when none does.

    That is the one ``CURRENT`` names unless it is damaged; each generation passed over is appended to
    ``rejected`` with the reason.
    """
    for gen in candidate_generations(root):
        problem = verify_manifest(gen, checksums=False)
        if problem is None:
            return gen
        if rejected is not None:
            rejected.append(problem)
    return None


@contextlib.contextmanager
def indexer_lock(root: Path) -> Iterator[None]:
    """Hold the one-indexer-at-a-time lock, or raise :class:`IndexerBusy` at once.

    ``flock`` is released by the kernel when the last process holding the file open ends, so a crashed run never
    leaves a stale lock: a rebuild's forked workers share the file, and die with the indexer
    (:func:`newssearch.lifetime.end_with_parent`).
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


def _sample(path: Path, size: int) -> str:
    """A digest of a few blocks of a file of ``size`` bytes (of all of it when it is small): a cheap check."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        if size <= 2 * _EDGE + _BLOCKS * _BLOCK:
            digest.update(handle.read(size))
        else:
            step = (size - 2 * _EDGE - _BLOCK) // _BLOCKS
            spans = [(0, _EDGE), *((_EDGE + i * step, _BLOCK) for i in range(_BLOCKS)), (size - _EDGE, _EDGE)]
            for offset, length in spans:
                handle.seek(offset)
                digest.update(handle.read(length))
    return digest.hexdigest()


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _read_manifest(gen: Generation) -> dict[str, Any] | None:
    try:
        manifest = json.loads((gen.path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict) else None


def write_manifest(gen: Generation, *, documents: int, inherited_from: Generation | None = None) -> None:
    """Fsync every file of a committed generation and record their sizes, samples and checksums.

    This is the full check at switch time: every file of ``inherited_from`` (the live generation an incremental
    run started from) must still have the checksum its manifest records, whether the new generation shares it by
    hard link or merged it away; else :class:`GenerationDamaged` is raised and nothing is switched to.
    """
    expected: dict[tuple[int, int], tuple[Path, str]] = {}
    if inherited_from is not None:
        for name, entry in (_read_manifest(inherited_from) or {}).get("files", {}).items():
            with contextlib.suppress(OSError, TypeError, KeyError):
                st = (inherited_from.path / name).stat()
                expected[st.st_dev, st.st_ino] = (inherited_from.path / name, entry["blake2b"])
    damaged: list[str] = []
    files = {}
    for path in sorted(gen.path.iterdir()):
        if path.is_file() and path.name != MANIFEST and "LOCK" not in path.name.upper():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
            st = path.stat()
            checksum = _checksum(path)
            shared = expected.pop((st.st_dev, st.st_ino), None)
            if shared is not None and shared[1] != checksum:
                damaged.append(str(shared[0]))
            files[path.name] = {"size": st.st_size, "sample": _sample(path, st.st_size), "blake2b": checksum}
    for source, checksum in expected.values():  # merged away by this run: check them too
        if _checksum(source) != checksum:
            damaged.append(str(source))
    if damaged:
        raise GenerationDamaged(
            f"{', '.join(sorted(damaged))} no longer matches the checksum recorded when it was written: "
            "the live index is damaged; run 'newssearch index --rebuild'"
        )
    tmp = gen.path / (MANIFEST + ".tmp")
    with open(tmp, "w") as handle:
        json.dump({"documents": documents, "finished_at": _utc_now(), "files": files}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, gen.path / MANIFEST)
    _fsync_dir(gen.path)


def verify_manifest(gen: Generation, *, checksums: bool = True) -> str | None:
    """``None`` when every file listed in the manifest is there, whole and unchanged; else what is wrong.

    Without ``checksums`` only the cheap check is made: sizes and sampled blocks (a manifest written before
    samples were recorded gets sizes only).
    """
    manifest = _read_manifest(gen)
    if manifest is None or not manifest["files"]:
        return f"{gen.name}: no readable manifest"
    try:
        for name, expected in manifest["files"].items():
            path = gen.path / name
            if not path.is_file():
                return f"{gen.name}: {name} is missing"
            if path.stat().st_size != expected["size"]:
                return f"{gen.name}: {name} has the wrong size"
            if "sample" in expected and _sample(path, expected["size"]) != expected["sample"]:
                return f"{gen.name}: {name} fails its sampled check"
            if checksums and _checksum(path) != expected["blake2b"]:
                return f"{gen.name}: {name} fails its checksum"
    except (OSError, TypeError, KeyError) as exc:
        return f"{gen.name}: cannot verify ({type(exc).__name__}: {exc})"
    return None


def identity(gen: Generation) -> str:
    """The name of ``gen`` and which writing of it this is: a crashed run's folder may be removed and its name
    used again by the next run, and what was found wrong with the first says nothing about the second."""
    try:
        st = (gen.path / MANIFEST).stat()
    except OSError:
        return gen.name
    return f"{gen.name}@{st.st_ino}:{st.st_mtime_ns}"


def manifest_info(gen: Generation) -> dict[str, Any]:
    """The manifest's ``documents`` and ``finished_at`` (empty when unreadable)."""
    manifest = _read_manifest(gen) or {}
    return {k: manifest[k] for k in ("documents", "finished_at") if k in manifest}


def switch_to(gen: Generation) -> None:
    """Make ``gen`` the live generation: write ``CURRENT`` beside, fsync, rename over, fsync the folder."""
    _write_atomically(gen.root / CURRENT, gen.name + "\n")


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def record_run(root: Path, *, generation: str | None, documents: int) -> None:
    """Record a successful index run (one that changed nothing too) in ``LAST_RUN.json``, durably."""
    record = {"finished_at": _utc_now(), "generation": generation, "documents": documents}
    _write_atomically(root / LAST_RUN, json.dumps(record) + "\n")


def last_run(root: Path) -> dt.datetime | None:
    """When the last successful index run finished: ``LAST_RUN.json``, else the live manifest's commit time."""
    stamp: object = None
    with contextlib.suppress(OSError, ValueError, AttributeError):
        stamp = json.loads((root / LAST_RUN).read_text()).get("finished_at")
    if not isinstance(stamp, str):
        gen = current_generation(root)
        stamp = manifest_info(gen).get("finished_at") if gen is not None else None
    try:
        when = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None
    return when if when is None or when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


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
