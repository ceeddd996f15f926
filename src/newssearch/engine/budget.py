"""A per-request time allowance that works in any thread, and turns for expensive searches.

Whoosh's own time limit (``TimeLimitCollector``) uses ``SIGALRM``, which only works in the main thread, and a
service answers from worker threads. Here the search asks :meth:`Budget.expired` between the steps whose cost
grows with the archive or the query (reading a word's postings or positions, each hit's snippet, each "did you
mean" lookup) and leaves out the rest; it then answers with what it found and says so (``timed_out``), which
serves a newsroom user better than an error.

Expensive searches take turns. Threads of one process share one interpreter lock, so sixteen costly searches at
once would each get a sixteenth of it, and a cheap search beside them too: every answer would be slow. A search
that has used more than :data:`LIGHT_CPU_MS` of its thread's CPU time goes on only while it holds one of
:data:`HEAVY_SLOTS` turns; waiting for a turn spends its budget, and a search whose budget runs out while it waits
stops there. Cheap searches (most of them: a few milliseconds) never wait.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

__all__ = ["DEFAULT_BUDGET_MS", "HEAVY_SLOTS", "LIGHT_CPU_MS", "Budget"]

#: One request's allowance unless the settings say otherwise (``NEWSSEARCH_SEARCH_BUDGET_MS``). Every query of
#: the benchmark mix but a few phrases over very common words finishes well inside it on 150,000 articles.
DEFAULT_BUDGET_MS = 1000
#: CPU time a search may use before it needs a turn (a typical search uses a few milliseconds).
LIGHT_CPU_MS = 50
#: Expensive searches running at once in a process (the rest wait, spending their budgets).
HEAVY_SLOTS = 1
_HEAVY = threading.BoundedSemaphore(HEAVY_SLOTS)


@dataclass(slots=True)
class Budget:
    """Time left for one search; ``exhausted`` once a loop found it spent and cut its work short.

    Call :meth:`release` when the search is done (it gives back the turn an expensive search took).
    """

    milliseconds: float = DEFAULT_BUDGET_MS
    started: float = field(default_factory=time.monotonic)
    exhausted: bool = False
    cpu_started: float = field(default_factory=time.thread_time)
    holds_turn: bool = False

    def expired(self) -> bool:
        if self.exhausted:
            return True
        left = self.milliseconds / 1000 - (time.monotonic() - self.started)
        if left <= 0:
            self.exhausted = True
        elif not self.holds_turn and math.isfinite(left) and self._heavy():
            # An expensive search waits for its turn; a budget that runs out meanwhile cuts it there.
            self.holds_turn = _HEAVY.acquire(timeout=left)
            self.exhausted = not self.holds_turn
        return self.exhausted

    def _heavy(self) -> bool:
        return (time.thread_time() - self.cpu_started) * 1000 > LIGHT_CPU_MS

    def release(self) -> None:
        if self.holds_turn:
            self.holds_turn = False
            _HEAVY.release()
