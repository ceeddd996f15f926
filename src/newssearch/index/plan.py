"""One change plan: what an index run would do to the live generation, decided in one place.

Reading the corpus against what the live generation holds (its :class:`~newssearch.store.writer.Ledger`), each
article is to be **added** (new id), **updated** (content hash differs) or left **unchanged**; afterwards every
indexed id the corpus no longer has is to be **deleted**, unless its file could not be (fully) read: those are
**kept**, since a bad file must lose nothing. A second article with an id already read is a ``duplicate``
problem and the first one is kept. ``newssearch index`` applies the plan; ``index --check`` reports it.

An article read from a legacy encoding or font (issue 20) comes with a ``converted`` note: it was read, so the note
goes to :attr:`ChangePlan.converted`, never to the problems: it is not counted as skipped and does not make its
file troubled. This is the one place that rule lives; the indexer and the check take both lists from the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from newssearch.index.corpus import Article, Problem, corpus_files, read_file
from newssearch.store.writer import Ledger

__all__ = ["Action", "ChangePlan", "ProgressCallback"]

#: Called after each corpus file with (files done, files in all, articles read so far).
ProgressCallback = Callable[[int, int, int], None]


class Action(Enum):
    ADD = "add"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass
class ChangePlan:
    """The plan for one corpus against one ledger; :meth:`changes` reads the corpus once, lazily.

    ``delete`` and ``keep`` are known once :meth:`changes` has been read to the end.
    """

    roots: list[Path]
    ledger: Ledger
    counts: dict[Action, int] = field(default_factory=lambda: dict.fromkeys(Action, 0))
    problems: list[Problem] = field(default_factory=list)
    #: Notes of articles read from a legacy encoding or font (``kind`` ``converted``): read and indexed, not skipped.
    converted: list[Problem] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    delete: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)

    def changes(self, progress: ProgressCallback | None = None) -> Iterator[tuple[Action, Article]]:
        """Every readable article with what to do with it (unchanged ones too), in corpus order."""
        for missing in (r for r in self.roots if not r.exists()):
            self.problems.append(Problem(str(missing), None, "no such file or folder", "missing"))
        files = list(corpus_files([r for r in self.roots if r.exists()]))
        read = 0
        for done, (root, path) in enumerate(files, start=1):
            for item in read_file(root, path):
                if isinstance(item, Problem):
                    (self.converted if item.kind == "converted" else self.problems).append(item)
                    continue
                read += 1
                if item.id in self.seen:
                    reason = f"duplicate id {item.id!r}: first one kept"
                    self.problems.append(Problem(item.path, item.line, reason, "duplicate"))
                    continue
                self.seen.add(item.id)
                action = self._action(item)
                self.counts[action] += 1
                yield action, item
            if progress is not None:
                progress(done, len(files), read)
        self._settle_absent()

    def _action(self, article: Article) -> Action:
        old_hash = self.ledger.hashes.get(article.id)
        if old_hash is None:
            return Action.ADD
        return Action.UNCHANGED if old_hash == article.content_hash() else Action.UPDATE

    def _settle_absent(self) -> None:
        """Indexed ids the corpus no longer has: deleted, or kept when their file had problems."""
        troubled = {p.path for p in self.problems if p.kind != "duplicate"}
        absent = self.ledger.hashes.keys() - self.seen
        self.keep = sorted(doc_id for doc_id in absent if _under(self.ledger.paths.get(doc_id, ""), troubled))
        self.delete = sorted(absent - set(self.keep))

    @property
    def changed(self) -> bool:
        return bool(self.counts[Action.ADD] or self.counts[Action.UPDATE] or self.delete)


def _under(path: str, troubled: set[str]) -> bool:
    """Whether an article's file is one that had problems, or lies under a corpus root that is missing."""
    return any(path == t or path.startswith(t.rstrip("/") + "/") for t in troubled)
