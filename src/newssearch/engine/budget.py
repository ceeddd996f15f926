"""A per-request time allowance that works in any thread.

Whoosh's own time limit (``TimeLimitCollector``) uses ``SIGALRM``, which only works in the main thread, and a
service answers from worker threads. Here the search asks :meth:`Budget.expired` between the steps whose cost
grows with the archive (reading a word's postings or positions) and leaves out the rest; it then answers with
what it found and says so (``timed_out``), which serves a newsroom user better than an error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["DEFAULT_BUDGET_MS", "Budget"]

#: One request's allowance unless the settings say otherwise (``NEWSSEARCH_SEARCH_BUDGET_MS``). Every query of
#: the benchmark mix but a few phrases over very common words finishes well inside it on 150,000 articles.
DEFAULT_BUDGET_MS = 1000


@dataclass(slots=True)
class Budget:
    """Time left for one search; ``exhausted`` once a loop found it spent and cut its work short."""

    milliseconds: float = DEFAULT_BUDGET_MS
    started: float = field(default_factory=time.monotonic)
    exhausted: bool = False

    def expired(self) -> bool:
        if not self.exhausted and (time.monotonic() - self.started) * 1000 >= self.milliseconds:
            self.exhausted = True
        return self.exhausted
