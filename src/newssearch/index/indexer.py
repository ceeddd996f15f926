"""Build and update the index from corpus files; returns statistics and never prints.

Each run writes a new generation (see :mod:`newssearch.store.generations`): incremental runs start from hard links
of the live one and apply the :class:`~newssearch.index.plan.ChangePlan` (add, update or delete only what changed,
by content hash, not mtime); ``rebuild`` starts empty. The new generation is committed, fsynced, checked (it must
be usable as the service would open it) and only then switched to. A run that changes nothing creates no
generation at all.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newssearch.index.corpus import Problem
from newssearch.index.documents import document_of
from newssearch.index.plan import Action, ChangePlan, ProgressCallback
from newssearch.logs import get_logger
from newssearch.store import generations
from newssearch.store.columns import ensure_columns, lacks_columns
from newssearch.store.dense import DenseRecipe, ensure_dense, lacks_dense
from newssearch.store.derived import DerivedRecipe, ensure_derived, lacks_derived
from newssearch.store.generations import Generation
from newssearch.store.opening import GenerationUnusable, IndexNotReady, open_generation, open_verified
from newssearch.store.parallel import InlineWriter, ParallelWriter
from newssearch.store.schema import has_current_schema
from newssearch.store.span import ensure_span, lacks_span
from newssearch.store.writer import DocumentWriter, Ledger, read_ledger

__all__ = ["IndexStats", "IndexVerificationError", "NotEnoughSpace", "ProgressCallback", "index_corpus"]

log = get_logger("indexer")

#: The document an article becomes (a module attribute, so a test can make it fail).
_document = document_of


@dataclass
class IndexStats:
    """What one index run did. ``problems`` lists every skipped file or line with its reason; ``converted`` every
    article read from a legacy encoding or font (indexed, not skipped)."""

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    documents: int = 0
    seconds: float = 0.0
    generation: str | None = None
    rebuilt: bool = False
    problems: list[Problem] = field(default_factory=list)
    converted: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.updated or self.deleted)

    def summary(self) -> dict[str, object]:
        """The one-line summary cron and logs get."""
        return {
            "indexed": self.indexed,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "converted": len(self.converted),
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "generation": self.generation,
            "rebuilt": self.rebuilt,
        }


class IndexVerificationError(RuntimeError):
    """A freshly written generation failed its checks; the live one was left in place."""


class NotEnoughSpace(OSError):
    """Too little free disk space to start a rebuild; nothing was written."""


#: A rebuild writes a whole new generation beside the live one, and merging segments needs about as much again.
REBUILD_SPACE_FACTOR = 2


def _check_space(index_root: Path, live: Generation) -> None:
    """Refuse a rebuild, before writing anything, when the disk has less free than twice the live generation."""
    size = sum(path.stat().st_size for path in live.path.iterdir() if path.is_file())
    free = shutil.disk_usage(index_root).free
    if free < REBUILD_SPACE_FACTOR * size:
        raise NotEnoughSpace(
            f"a rebuild needs about {REBUILD_SPACE_FACTOR}× the index size free: the index is {size / 1e6:,.1f} MB, "
            f"{free / 1e6:,.1f} MB free on the disk of {index_root}"
        )


def _verify(gen: Generation, expected: int) -> int:
    """The new generation must be usable as the service opens it, with ``expected`` documents."""
    try:
        return open_generation(gen, expected)[1]
    except GenerationUnusable as exc:
        raise IndexVerificationError(str(exc)) from None


def _live(index_root: Path) -> tuple[Generation | None, Ledger, bool]:
    """The generation the service serves, what it holds (none and empty when there is no usable one), and whether
    its schema is this version's (an index written before a field was added is rebuilt, not added to)."""
    try:
        verified = open_verified(index_root)
    except IndexNotReady:
        return None, Ledger.empty(), True
    return verified.generation, read_ledger(verified.generation.path), has_current_schema(verified.index)


def _apply(plan: ChangePlan, gen: Generation, *, rebuild: bool, procs: int, progress: ProgressCallback | None) -> None:
    """Write the plan's changes into ``gen`` and commit (with ``procs`` worker processes for a rebuild)."""
    if rebuild:
        workers = ParallelWriter(gen.path, _document, procs) if procs > 1 else InlineWriter(gen.path, _document)
        try:
            for _, article in plan.changes(progress):
                workers.add(article)
            workers.commit()
        except BaseException:
            workers.cancel()
            raise
        return
    writer = DocumentWriter(gen.path, fresh=rebuild)
    try:
        for action, article in plan.changes(progress):
            if action is not Action.UNCHANGED:
                writer.add(_document(article), replaces=action is Action.UPDATE)
        for gone in plan.delete:
            writer.delete(gone)
    except BaseException:
        writer.cancel()
        raise
    if rebuild or plan.changed:
        writer.commit()
    else:
        writer.cancel()


def index_corpus(
    roots: Iterable[Path],
    index_root: Path,
    *,
    rebuild: bool = False,
    procs: int = 1,
    progress: ProgressCallback | None = None,
    precompute: DenseRecipe | None = None,
    derive: Sequence[DerivedRecipe] = (),
) -> IndexStats:
    """Index the corpus under ``roots`` into ``index_root``; hold the indexer lock for the whole run.

    ``precompute``: the arrays the engine wants made for each new generation before it is switched to
    (:mod:`newssearch.store.dense`); ``derive``: the data it wants derived from the articles (:mod:`newssearch.store.
    derived`). A live generation that lacks either gets a new generation that has them.

    ``procs`` > 1 rebuilds with that many worker processes (:mod:`newssearch.store.parallel`); incremental runs
    write few documents and use one.
    Raises :class:`~newssearch.store.generations.IndexerBusy` at once when another indexer is running.
    """
    started = time.perf_counter()
    stats = IndexStats()
    with generations.indexer_lock(index_root):
        live, ledger, current = _live(index_root)
        stats.rebuilt = rebuild = rebuild or live is None or not current
        if rebuild and live is not None:
            _check_space(index_root, live)
        plan = ChangePlan(list(roots), Ledger.empty() if rebuild else ledger)
        gen = generations.new_generation(index_root, copy_from=None if rebuild else live)
        try:
            _apply(plan, gen, rebuild=rebuild, procs=procs, progress=progress)
            stats.indexed, stats.updated = plan.counts[Action.ADD], plan.counts[Action.UPDATE]
            stats.unchanged, stats.deleted = plan.counts[Action.UNCHANGED], len(plan.delete)
            stats.problems, stats.skipped = plan.problems, len(plan.problems)
            stats.converted = plan.converted
            # An unchanged corpus makes a generation only to add the derived files the live one lacks.
            lacking = (
                _missing_companions(live.path, precompute, derive)
                if live is not None and not (rebuild or plan.changed)
                else None
            )
            keep_live = lacking is not None and not lacking
            if not keep_live:
                # Segments Whoosh wrote or merged itself (incremental runs) get their columnar companion here, and
                # the generation one merged companion (the span: every segment of a rebuild, the large ones after
                # them) when it lacks a usable one.
                ensure_columns(gen.path)
                ensure_span(gen.path, rebuilt=rebuild)
                if precompute is not None:
                    ensure_dense(gen.path, precompute)
                for recipe in derive:
                    ensure_derived(gen.path, recipe)
                if lacking and live is not None:
                    still = _missing_companions(gen.path, precompute, derive)
                    # What failed before failed again (logged where it failed): a switch would gain nothing and cost
                    # every worker its warm caches, each night the corpus is unchanged. The next run tries again.
                    keep_live = still >= lacking
                    if keep_live:
                        log.warning(
                            "derived files still missing, live generation kept",
                            generation=live.name,
                            missing=sorted(still),
                        )
            if keep_live and live is not None:
                _discard(gen)
                stats.documents, stats.generation = len(ledger.hashes), live.name
            else:
                stats.documents = _verify(gen, expected=len(plan.seen) + len(plan.keep))
                generations.write_manifest(gen, documents=stats.documents, inherited_from=None if rebuild else live)
                generations.switch_to(gen)
                stats.generation = gen.name
        except BaseException:
            _discard(gen)
            raise
        generations.prune_generations(index_root, keep=2)
        generations.record_run(index_root, generation=stats.generation, documents=stats.documents)
    stats.seconds = time.perf_counter() - started
    return stats


def _missing_companions(path: Path, precompute: DenseRecipe | None, derive: Sequence[DerivedRecipe]) -> set[str]:
    """The derived files this code writes that a generation lacks (written by older code, or a write that failed)."""
    missing = {name for name, lacks in (("columns", lacks_columns), ("span", lacks_span)) if lacks(path)}
    if precompute is not None and lacks_dense(path, precompute):
        missing.add("dense")
    missing.update(recipe.name for recipe in derive if lacks_derived(path, recipe))
    return missing


def _discard(gen: Generation) -> None:
    """Remove a generation that never became live."""
    shutil.rmtree(gen.path, ignore_errors=True)
