"""Build and update the Whoosh index from corpus files; returns statistics and never prints.

Each run writes a new generation (see :mod:`newssearch.generations`): incremental runs start from hard links of
the live one and add, update or delete only what changed (by content hash, not mtime); ``rebuild`` starts empty.
The new generation is committed, fsynced, checked (document count and a probe query) and only then switched to.
A run that changes nothing creates no generation at all.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Every
from whoosh.writing import IndexWriter

from newssearch import generations
from newssearch.corpus import Article, Problem, corpus_files, read_file
from newssearch.generations import Generation
from newssearch.parallel import ParallelWriter
from newssearch.places import tag_places
from newssearch.schema import article_document, create_index, open_index

__all__ = ["IndexStats", "ProgressCallback", "index_corpus"]

#: Called after each corpus file with (files done, files in all, articles read so far).
ProgressCallback = Callable[[int, int, int], None]


@dataclass
class IndexStats:
    """What one index run did. ``problems`` lists every skipped file or line with its reason."""

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
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "generation": self.generation,
            "rebuilt": self.rebuilt,
        }


class IndexVerificationError(RuntimeError):
    """A freshly written generation failed its checks; the live one was left in place."""


def _existing_hashes(gen: Generation | None) -> tuple[dict[str, str], dict[str, str]]:
    """``id -> content hash`` and ``id -> path`` of the live generation, read from columns (no stored bodies)."""
    if gen is None or not whoosh_index.exists_in(gen.path):
        return {}, {}
    ix = open_index(gen.path)
    with ix.reader() as reader:
        ids, hashes, paths = (reader.column_reader(name) for name in ("id", "content_hash", "path"))
        live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
        return {ids[n]: hashes[n] for n in live}, {ids[n]: paths[n] for n in live}


def _document(article: Article) -> dict[str, object]:
    tags = tag_places(article.title, article.body, article.date)
    return article_document(article, tags.provinces, tags.provinces_2025, tags.districts)


#: Receives each article to write, and whether it replaces an indexed one with the same id.
ArticleSink = Callable[[Article, bool], None]


def _writer_sink(writer: IndexWriter) -> ArticleSink:
    def write(article: Article, replaces: bool) -> None:
        (writer.update_document if replaces else writer.add_document)(**_document(article))

    return write


def _write_articles(
    sink: ArticleSink,
    roots: list[Path],
    known: dict[str, str],
    stats: IndexStats,
    progress: ProgressCallback | None,
) -> tuple[set[str], set[str]]:
    """Add or update what changed; return the ids seen and the paths that had problems."""
    files = list(corpus_files([r for r in roots if r.exists()]))
    seen: set[str] = set()
    troubled: set[str] = set()
    for missing in (r for r in roots if not r.exists()):
        stats.problems.append(Problem(str(missing), None, "no such file or folder"))
        troubled.add(str(missing))
    read = 0
    for done, (root, path) in enumerate(files, start=1):
        for item in read_file(root, path):
            if isinstance(item, Problem):
                stats.problems.append(item)
                troubled.add(item.path)
                continue
            read += 1
            if item.id in seen:
                stats.problems.append(Problem(item.path, None, f"duplicate id {item.id!r}: first one kept"))
                continue
            seen.add(item.id)
            old_hash = known.get(item.id)
            if old_hash == item.content_hash():
                stats.unchanged += 1
            elif old_hash is None:
                sink(item, False)
                stats.indexed += 1
            else:
                sink(item, True)
                stats.updated += 1
        if progress is not None:
            progress(done, len(files), read)
    stats.skipped = len(stats.problems)
    return seen, troubled


def _verify(gen: Generation, expected: int) -> int:
    """Open the new generation, check its document count and that a probe query answers."""
    ix = open_index(gen.path)
    with ix.searcher() as searcher:
        count = int(searcher.doc_count())
        if count != expected:
            raise IndexVerificationError(f"{gen.name}: {count} documents, expected {expected}")
        if count and not searcher.search(Every(), limit=1):
            raise IndexVerificationError(f"{gen.name}: probe query found nothing")
    return count


def _kept_despite_absence(known_paths: dict[str, str], unseen: set[str], troubled: set[str]) -> set[str]:
    """Ids not seen this run whose file could not be (fully) read: kept, since a bad file loses nothing."""
    return {
        doc_id
        for doc_id in unseen
        if any(
            known_paths.get(doc_id, "") == t or known_paths.get(doc_id, "").startswith(t.rstrip("/") + "/")
            for t in troubled
        )
    }


def index_corpus(
    roots: Iterable[Path],
    index_root: Path,
    *,
    rebuild: bool = False,
    procs: int = 1,
    progress: ProgressCallback | None = None,
) -> IndexStats:
    """Index the corpus under ``roots`` into ``index_root``; hold the indexer lock for the whole run.

    ``procs`` > 1 rebuilds with that many worker processes (:mod:`newssearch.parallel`); incremental runs write
    few documents and use one.
    Raises :class:`~newssearch.generations.IndexerBusy` at once when another indexer is running.
    """
    started = time.perf_counter()
    roots = list(roots)
    stats = IndexStats()
    with generations.indexer_lock(index_root):
        live = generations.current_generation(index_root)
        stats.rebuilt = rebuild = rebuild or live is None
        known, known_paths = ({}, {}) if rebuild else _existing_hashes(live)
        gen = generations.new_generation(index_root, copy_from=None if rebuild else live)
        parallel: ParallelWriter | None = None
        try:
            ix = create_index(gen.path) if rebuild else open_index(gen.path)
            if rebuild and procs > 1:
                parallel = workers = ParallelWriter(gen.path, _document, procs)
                seen, troubled = _write_articles(lambda a, _: workers.add(a), roots, known, stats, progress)
                workers.commit()
                kept: set[str] = set()
                unchanged = False  # a rebuild always writes a new generation
            else:
                writer = ix.writer(limitmb=256)
                seen, troubled = _write_articles(_writer_sink(writer), roots, known, stats, progress)
                unseen = known.keys() - seen
                kept = _kept_despite_absence(known_paths, unseen, troubled)
                for gone in unseen - kept:
                    writer.delete_by_term("id", gone)
                    stats.deleted += 1
                unchanged = not rebuild and not stats.changed
                if unchanged:
                    writer.cancel()
                else:
                    writer.commit()
            if unchanged:
                _discard(gen)
                stats.documents, stats.generation = len(known), live.name if live else None
            else:
                stats.documents = _verify(gen, expected=len(seen) + len(kept))
                generations.write_manifest(gen, documents=stats.documents, inherited_from=None if rebuild else live)
                generations.switch_to(gen)
                stats.generation = gen.name
        except BaseException:
            if parallel is not None:
                parallel.cancel()
            _discard(gen)
            raise
        generations.prune_generations(index_root, keep=2)
        generations.record_run(index_root, generation=stats.generation, documents=stats.documents)
    stats.seconds = time.perf_counter() - started
    return stats


def _discard(gen: Generation) -> None:
    """Remove a generation that never became live."""
    shutil.rmtree(gen.path, ignore_errors=True)
