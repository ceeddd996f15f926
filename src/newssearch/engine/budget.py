"""A per-request time allowance that works in any thread, and turns for expensive searches.

Whoosh's own time limit (``TimeLimitCollector``) uses ``SIGALRM``, which only works in the main thread, and a
service answers from worker threads. Here the search asks :meth:`Budget.expired` between the steps whose cost
grows with the archive or the query (reading a word's postings or positions, each hit's snippet, each "did you
mean" lookup) and leaves out the rest; it then answers with what it found and says so (``timed_out``), which
serves a newsroom user better than an error.

Expensive searches take turns. Threads of one process share one interpreter lock, so sixteen costly searches at
once would each get a sixteenth of it, and a cheap search beside them too: every answer would be slow. A search
that has used more than :data:`LIGHT_CPU_MS` of its thread's CPU time goes on only while it holds the turn
(:data:`HEAVY_SLOTS` of them per process). The turn goes to the waiting search that has used the least CPU so far,
and a holder gives it up after each :data:`SLICE_CPU_MS` of CPU when a search that has used less is waiting
(least attained service first): a search that needs a little more than the light allowance is served soon, and
searches that need the most wait the longest. Waiting spends the budget; a search whose budget runs out while it
waits stops there. Cheap searches (most of them: a few milliseconds) never wait, and while any is under way the
expensive search holding the turn steps aside (it waits, without the interpreter lock, until no cheap search is
left or :data:`STEP_ASIDE_MS` have passed): a cheap search then shares the interpreter with as few others as can be.
A search known to be expensive from the start (:meth:`Budget.expect_heavy`) needs the turn at once.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_BUDGET_MS",
    "HEAVY_HEAD_START_MS",
    "HEAVY_SLOTS",
    "LIGHT_CPU_MS",
    "SLICE_CPU_MS",
    "STEP_ASIDE_MS",
    "Budget",
]

#: One request's allowance unless the settings say otherwise (``NEWSSEARCH_SEARCH_BUDGET_MS``). Every query of
#: the benchmark mix but a few phrases over very common words finishes well inside it on 150,000 articles.
DEFAULT_BUDGET_MS = 1000
#: CPU time a search may use before it needs the turn. Most searches of the benchmark mix use more on 150,000
#: articles (p50 14.8 ms in process), so under load they take turns, one at a time: with 30 ms, sixteen clients of
#: the mix ran side by side and one worker answered 36.1 requests a second instead of 46.6 (one run each).
LIGHT_CPU_MS = 10
#: CPU time a holder keeps the turn before it lets a search that has used less go first.
SLICE_CPU_MS = 5
#: Expensive searches running at once in a process (the rest wait, spending their budgets).
HEAVY_SLOTS = 1
#: CPU time a search known to be expensive from the start counts as used (see :meth:`Budget.expect_heavy`): more
#: than any search of the benchmark mix uses (at most 61 ms in process: ``người dân`` beside the hostile long
#: articles), so they all go first; with 50 ms, that search fell behind each new expensive one and its budget ran
#: out while it waited.
HEAVY_HEAD_START_MS = 200
#: Longest an expensive search holding the turn waits at one step for the cheap searches under way to finish.
STEP_ASIDE_MS = 20
#: Longest an expensive search, once cut, waits in all for cheap searches (so an answer stays within its budget
#: plus this and the work left).
AFTER_BUDGET_STEP_ASIDE_MS = 40


class _Cheap:
    """How many cheap searches (under :data:`LIGHT_CPU_MS` of CPU so far, with a finite budget) are under way."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    def enter(self) -> None:
        with self._changed:
            self._count += 1

    def leave(self) -> None:
        with self._changed:
            self._count -= 1
            if not self._count:
                self._changed.notify_all()

    def any(self) -> bool:
        return self._count > 0

    def wait_none(self, timeout: float) -> None:
        """Wait until no cheap search is under way, at most ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: not self._count, timeout)


_CHEAP = _Cheap()


class _Turns:
    """The turns of expensive searches: ``slots`` at a time, to the waiter that has used the least CPU first."""

    def __init__(self, slots: int) -> None:
        self._changed = threading.Condition()
        self._free = slots
        self._waiting: list[tuple[float, int]] = []  # a heap of (CPU seconds used, arrival)
        self._arrivals = itertools.count()

    def acquire(self, used: float, timeout: float) -> bool:
        """Wait for a turn at most ``timeout`` seconds; False when it did not come."""
        deadline = time.monotonic() + timeout
        with self._changed:
            entry = (used, next(self._arrivals))
            heapq.heappush(self._waiting, entry)
            while not (self._free and self._waiting[0] == entry):
                left = deadline - time.monotonic()
                if left <= 0:
                    self._waiting.remove(entry)
                    heapq.heapify(self._waiting)
                    self._changed.notify_all()
                    return False
                self._changed.wait(left)
            heapq.heappop(self._waiting)
            self._free -= 1
            self._changed.notify_all()
            return True

    def release(self) -> None:
        with self._changed:
            self._free += 1
            self._changed.notify_all()

    def lighter_waiting(self, used: float) -> bool:
        """Whether a search that has used less CPU than ``used`` waits for a turn."""
        waiting = self._waiting
        return bool(waiting) and waiting[0][0] < used


_TURNS = _Turns(HEAVY_SLOTS)


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
    #: CPU seconds used when the turn was taken.
    turn_taken_at: float = 0.0
    #: Counted among the cheap searches under way (a finite budget, under :data:`LIGHT_CPU_MS` of CPU so far).
    cheap: bool = False
    #: Seconds this search, cut, has waited for cheap searches (at most :data:`AFTER_BUDGET_STEP_ASIDE_MS`).
    stepped_aside: float = 0.0
    #: CPU seconds counted as used before the search began: :data:`HEAVY_HEAD_START_MS` once it is known to be
    #: expensive (see :meth:`expect_heavy`).
    head_start: float = 0.0

    def __post_init__(self) -> None:
        if math.isfinite(self.milliseconds):
            self.cheap = True
            _CHEAP.enter()

    def expired(self) -> bool:
        if self.exhausted:
            if not self.cheap and self.stepped_aside < AFTER_BUDGET_STEP_ASIDE_MS / 1000 and _CHEAP.any():
                # What a cut search still does (its hits' openings, facets) also lets cheap searches go first.
                begun = time.monotonic()
                _CHEAP.wait_none(AFTER_BUDGET_STEP_ASIDE_MS / 1000 - self.stepped_aside)
                self.stepped_aside += time.monotonic() - begun
            return True
        left = self.milliseconds / 1000 - (time.monotonic() - self.started)
        if left <= 0:
            self.exhausted = True
        elif math.isfinite(left):
            used = time.thread_time() - self.cpu_started + self.head_start
            if self.holds_turn and used - self.turn_taken_at >= SLICE_CPU_MS / 1000 and _TURNS.lighter_waiting(used):
                self.release()  # a search that has used less goes first
            if not self.holds_turn and used * 1000 > LIGHT_CPU_MS:
                self._not_cheap()
                # An expensive search waits for the turn; a budget that runs out meanwhile cuts it there.
                self.holds_turn, self.turn_taken_at = _TURNS.acquire(used, left), used
                self.exhausted = not self.holds_turn
            if self.holds_turn and _CHEAP.any():
                _CHEAP.wait_none(min(left, STEP_ASIDE_MS / 1000))  # cheap searches first
        return self.exhausted

    def expect_heavy(self) -> None:
        """Say the search will be expensive (a page of many hits, a walk of the vocabulary for several words the
        archive does not know): it counts as having used :data:`HEAVY_HEAD_START_MS` of CPU already, so it needs
        the turn at its next step instead of running its first :data:`LIGHT_CPU_MS` beside the cheap searches, and
        every search that has really used less (a phrase of common words, 10–35 ms) gets the turn before it.

        Without the head start each worst-case request began again at 0 ms and went before the normal searches
        that had crossed the light allowance: with sixteen clients of worst-case queries, those waited the longest.
        """
        if not self.head_start:
            self.head_start = HEAVY_HEAD_START_MS / 1000
            self._not_cheap()

    def _not_cheap(self) -> None:
        if self.cheap:
            self.cheap = False
            _CHEAP.leave()

    def release(self) -> None:
        """Give back the turn, if this search holds it, and stop counting as cheap (call when the search is done)."""
        self._not_cheap()
        if self.holds_turn:
            self.holds_turn = False
            _TURNS.release()
