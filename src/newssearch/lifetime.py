"""Forked helper processes end with the process that forked them, however it ends (on Linux).

The indexer's rebuild workers and the service's workers are forked. When their parent is killed outright
(``kill -9``, the OOM killer), nothing tells them: rebuild workers went on holding the indexer's lock (they share
its open file) while waiting for batches that never came, and service workers went on answering on their own
sockets beside a restarted service. Linux sends a child a chosen signal when the thread that forked it ends
(``prctl(PR_SET_PDEATHSIG)``); both parents fork from their main thread, which lives as long as they do.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

__all__ = ["end_with_parent"]

#: ``prctl`` option: the signal the kernel sends this process when the thread that forked it ends.
_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    """The C library's ``prctl``, resolved once here (not in a child after a fork); ``None`` off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_prctl = _load_prctl()


def end_with_parent(parent: int, sig: signal.Signals = signal.SIGKILL) -> bool:
    """Ask for ``sig`` when the thread that forked this process ends; ``parent`` is that process's pid. Call it
    first thing after the fork, from a parent that forked in a thread that lives as long as it does. If the parent
    has ended already, exit now. Returns False when the kernel did not take the request (not Linux, or refused):
    the caller then has to notice itself (``os.getppid()`` changes)."""
    requested = _prctl is not None and _prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    if os.getppid() != parent:  # it ended before the request took effect
        os._exit(1)
    return requested
