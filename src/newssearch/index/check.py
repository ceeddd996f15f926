"""Check the live index against the corpus without changing either (``newssearch index --check``).

The comparison is the indexer's own :class:`~newssearch.index.plan.ChangePlan` against the generation the service
serves (:func:`~newssearch.store.opening.open_verified`), reported instead of applied:

* **missing**: in the corpus, not in the index (the next run would add them);
* **stale**: in both, but the content hash differs (the next run would update them);
* **extra**: in the index, not in the corpus (the next run would delete them);
* **duplicated**: ids held by more than one live document (never expected: the index is damaged);
* **kept**: in the index, not in the readable corpus, but their file could not be (fully) read; the indexer keeps
  such articles rather than lose them, so they are not differences.

Corpus problems (skipped files and lines, duplicate ids) and articles read from a legacy encoding or font
(``converted``) are reported as the indexer reports them, and the served
generation's manifest is verified in full (every file present, right size and checksum). A newer generation that
is not served (it does not verify) is an index error. Segments without their columnar companion file are counted
(``without_columns``): searches read them from Whoosh, and the next index run writes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newssearch.index.corpus import Problem
from newssearch.index.plan import Action, ChangePlan
from newssearch.store import generations
from newssearch.store.columns import missing_segments
from newssearch.store.opening import IndexNotReady, open_verified
from newssearch.store.writer import Ledger, read_ledger

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
    #: Articles read from a legacy encoding or font (issue 20): in ``articles``, not differences.
    converted: list[Problem] = field(default_factory=list)
    index_errors: list[str] = field(default_factory=list)
    #: When the last successful index run finished (UTC ISO), if recorded.
    last_run: str | None = None
    #: Segments of the served generation without a usable columnar companion (read from Whoosh: slower, same
    #: results; the next index run writes them). Not a difference from the corpus.
    without_columns: int = 0

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
            "converted": len(self.converted),
            "index_errors": self.index_errors,
            "last_run": self.last_run,
            "without_columns": self.without_columns,
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


def _served(index_root: Path, report: CheckReport) -> Ledger:
    """The ledger of the generation the service serves, with what is wrong with the index in ``report``."""
    try:
        verified = open_verified(index_root)
    except IndexNotReady as exc:
        report.index_errors += [f"{problem}: not served" for problem in exc.rejected]
        report.index_errors.append(f"no live generation at {index_root}")
        return Ledger.empty()
    report.index_errors += [f"{problem}: not served" for problem in verified.rejected]
    gen = verified.generation
    report.generation = gen.name
    try:
        ledger = read_ledger(gen.path)
    except Exception as exc:  # any failure to read the index is what the check is for
        report.index_errors.append(f"{gen.name}: cannot read the index ({type(exc).__name__}: {exc})")
        return Ledger.empty()
    report.documents = ledger.documents
    manifest_error = generations.verify_manifest(gen)
    if manifest_error is not None:
        report.index_errors.append(manifest_error)
    report.without_columns = len(missing_segments(verified.index))
    return ledger


def check_index(roots: Iterable[Path], index_root: Path) -> CheckReport:
    """Compare the live generation under ``index_root`` with the corpus under ``roots``; change nothing.

    Needs no indexer lock: it reads the generation ``CURRENT`` names, which no indexer ever writes to.
    """
    report = CheckReport(index_root=index_root)
    when = generations.last_run(index_root)
    report.last_run = when.isoformat() if when is not None else None
    ledger = _served(index_root, report)
    plan = ChangePlan(list(roots), ledger)
    found: dict[Action, list[str]] = {action: [] for action in Action}
    for action, article in plan.changes():
        found[action].append(article.id)
    report.problems, report.converted = plan.problems, plan.converted
    report.articles = len(plan.seen)
    report.missing = sorted(found[Action.ADD])
    report.stale = sorted(found[Action.UPDATE])
    report.extra, report.kept = plan.delete, plan.keep
    report.duplicated = ledger.duplicated
    if report.generation is None:
        report.missing = sorted(plan.seen)
    return report
