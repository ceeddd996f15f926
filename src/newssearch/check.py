"""Check the live index against the corpus without changing either (``newssearch index --check``).

The comparison is by id and content hash, the same way the incremental indexer decides what to do, read from the
index's ``id``, ``content_hash`` and ``path`` columns (no stored bodies are loaded):

* **missing**: in the corpus, not in the index (the next run would add them);
* **stale**: in both, but the content hash differs (the next run would update them);
* **extra**: in the index, not in the corpus (the next run would delete them);
* **duplicated**: ids held by more than one live document (never expected: the index is damaged);
* **kept**: in the index, not in the readable corpus, but their file could not be (fully) read; the indexer keeps
  such articles rather than lose them, so they are not differences.

Corpus problems (skipped files and lines, duplicate ids) are reported as the indexer reports them, and the live
generation's manifest is verified (every file present, right size and checksum, right document count). The live
generation is the one the service opens: the newest that verifies; a newer one ``CURRENT`` names that does not
verify is an index error (the service falls back to the one before it, which is then compared with the corpus).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newssearch import generations
from newssearch.corpus import Article, Problem, read_corpus
from newssearch.schema import open_index

__all__ = ["CheckReport", "check_index"]

#: How many ids of each kind the one-line summary names (the counts are always whole).
SUMMARY_IDS = 20


@dataclass
class CheckReport:
    """How the live generation of an index root differs from the corpus. Every id list is sorted."""

    index_root: Path
    generation: str | None = None
    documents: int = 0
    articles: int = 0
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    index_errors: list[str] = field(default_factory=list)
    #: When the last successful index run finished (UTC ISO), if recorded.
    last_run: str | None = None

    @property
    def consistent(self) -> bool:
        """The index opens, is whole, and holds exactly the readable corpus (kept articles allowed)."""
        return self.generation is not None and not (
            self.missing or self.stale or self.extra or self.duplicated or self.index_errors
        )

    def summary(self) -> dict[str, object]:
        """The one-line summary for cron: counts, and the first few ids of each difference."""
        return {
            "consistent": self.consistent,
            "generation": self.generation,
            "documents": self.documents,
            "articles": self.articles,
            "missing": len(self.missing),
            "stale": len(self.stale),
            "extra": len(self.extra),
            "duplicated": len(self.duplicated),
            "kept": len(self.kept),
            "skipped": len(self.problems),
            "index_errors": self.index_errors,
            "last_run": self.last_run,
            "examples": {
                name: ids[:SUMMARY_IDS]
                for name, ids in (
                    ("missing", self.missing),
                    ("stale", self.stale),
                    ("extra", self.extra),
                    ("duplicated", self.duplicated),
                )
                if ids
            },
        }


@dataclass
class _IndexContents:
    hashes: dict[str, str]
    paths: dict[str, str]
    duplicated: list[str]
    documents: int


def _read_index(gen: generations.Generation) -> _IndexContents:
    """Every live document's id, content hash and path, from columns; ids held more than once."""
    ix = open_index(gen.path)
    with ix.reader() as reader:
        ids, hashes, paths = (reader.column_reader(name) for name in ("id", "content_hash", "path"))
        live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
        counts = Counter(ids[n] for n in live)
        return _IndexContents(
            hashes={ids[n]: hashes[n] for n in live},
            paths={ids[n]: paths[n] for n in live},
            duplicated=sorted(doc_id for doc_id, count in counts.items() if count > 1),
            documents=len(live),
        )


def _read_corpus(roots: list[Path]) -> tuple[dict[str, Article], list[Problem]]:
    """The readable articles by id (the first of a duplicated id, as the indexer keeps), and the problems."""
    articles: dict[str, Article] = {}
    problems: list[Problem] = []
    for item in read_corpus(roots):
        if isinstance(item, Problem):
            problems.append(item)
        elif item.id in articles:
            problems.append(Problem(item.path, None, f"duplicate id {item.id!r}: first one kept"))
        else:
            articles[item.id] = item
    return articles, problems


def _manifest_documents(gen: generations.Generation) -> int | None:
    try:
        documents = json.loads((gen.path / generations.MANIFEST).read_text()).get("documents")
    except (OSError, ValueError, AttributeError):
        return None
    return documents if isinstance(documents, int) else None


def _under(path: str, troubled: set[str]) -> bool:
    """Whether an article's file is one that had problems, or lies under a corpus root that is missing."""
    return any(path == t or path.startswith(t.rstrip("/") + "/") for t in troubled)


def check_index(roots: Iterable[Path], index_root: Path) -> CheckReport:
    """Compare the live generation under ``index_root`` with the corpus under ``roots``; change nothing.

    Needs no indexer lock: it reads the generation ``CURRENT`` names, which no indexer ever writes to.
    """
    roots = list(roots)
    report = CheckReport(index_root=index_root)
    articles, report.problems = _read_corpus(roots)
    report.articles = len(articles)
    rejected: list[str] = []
    gen = generations.current_generation(index_root, rejected=rejected)
    report.index_errors += [f"{problem}: not served" for problem in rejected]
    when = generations.last_run(index_root)
    report.last_run = when.isoformat() if when is not None else None
    if gen is None:
        report.index_errors.append(f"no live generation at {index_root}")
        report.missing = sorted(articles)
        return report
    report.generation = gen.name
    try:
        contents = _read_index(gen)
    except Exception as exc:  # any failure to open or read the index is what the check is for
        report.index_errors.append(f"{gen.name}: cannot read the index ({type(exc).__name__}: {exc})")
        return report
    report.documents = contents.documents
    manifest_error = generations.verify_manifest(gen)
    if manifest_error is not None:
        report.index_errors.append(manifest_error)
    else:
        recorded = _manifest_documents(gen)
        if recorded != contents.documents:
            report.index_errors.append(
                f"{gen.name}: manifest records {recorded} documents, index has {contents.documents}"
            )

    troubled = {p.path for p in report.problems if not p.reason.startswith("duplicate id")}
    report.missing = sorted(articles.keys() - contents.hashes.keys())
    report.stale = sorted(
        doc_id
        for doc_id in articles.keys() & contents.hashes.keys()
        if contents.hashes[doc_id] != articles[doc_id].content_hash()
    )
    absent = contents.hashes.keys() - articles.keys()
    report.kept = sorted(doc_id for doc_id in absent if _under(contents.paths.get(doc_id, ""), troubled))
    report.extra = sorted(absent - set(report.kept))
    report.duplicated = contents.duplicated
    return report
