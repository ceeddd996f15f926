"""Forked helper processes end with the process that forked them, however it ends.

The indexer's rebuild workers and the service's workers are forked. When their parent is killed outright
(``kill -9``, the OOM killer), nothing tells them: rebuild workers went on holding the indexer's lock (they share
its open file) while waiting for batches that never came, and service workers went on answering on their own
sockets beside a restarted service. Linux can send a child a signal when its parent ends (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["end_with_parent"]

#: ``prctl`` option: the signal the kernel sends this process when the thread that forked it ends.
_PR_SET_PDEATHSIG = 1


def end_with_parent(parent: int, sig: signal.Signals = signal.SIGKILL) -> bool:
    """Ask for ``sig`` when the process ``parent`` (the one that forked this one) ends; call first thing after the
    fork. If it has ended already, exit now. Returns False where the kernel offers no such request (not Linux):
    the caller then has to notice itself (``os.getppid()`` changes)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        requested = True
    else:
        requested = False
    if os.getppid() != parent:  # it ended before the request took effect
        os._exit(1)
    return requested
