"""Run the service in several worker processes, each with its own listening socket (``SO_REUSEPORT``).

Uvicorn's own ``--workers`` shares one listening socket, and each worker's event loop accepts every pending
connection it can when woken: a burst of new keep-alive connections (a front end's pool, a load test) lands
almost whole on one worker and stays there. Measured on the 150,703-article index, 16 clients and 2 workers:
one worker at 97% CPU, the other at 13%, and no more throughput than one worker. With a socket per worker the
kernel spreads connections over the workers by their addresses.

The supervisor forks the workers (each then builds the app with uvicorn's factory, as ``--workers`` does),
restarts one that dies, and stops them all on SIGTERM or SIGINT.

Memory: what the supervisor has loaded when it forks (the modules, and whatever its caller preloaded, such as
:func:`newssearch.archive.preload`) is shared by the workers, page by page, until one of them writes to a page.
Python's cyclic garbage collector writes to every object it examines, so the supervisor freezes its objects
(:func:`gc.freeze`) before each fork: the workers' collections then leave them alone. Measured on our 2-core
machine: a worker's first full collection copied 26 MB of the supervisor's heap; frozen, none. (Reference counts
still write to every object a worker uses: about 26 MB of the supervisor's pages end up copied in each worker,
``bench/RESULTS.md``.) The supervisor also imports what each worker would import on starting
(:func:`_import_worker_modules`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from newssearch.lifetime import end_with_parent
from newssearch.logs import get_logger

__all__ = ["serve_workers"]

log = get_logger("serving")

#: Pending connections per worker socket (uvicorn's default).
BACKLOG = 2048
#: A worker that dies sooner than this after starting is not restarted again (it would only crash-loop).
MIN_WORKER_LIFE_S = 5.0


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    # Listening from the start, so the kernel counts every worker's socket at once; connections for a worker still
    # starting (or restarting) wait in its backlog.
    sock.listen(BACKLOG)
    return sock


def _import_worker_modules(config: dict[str, Any]) -> None:
    """Import here, once, the modules a worker imports as it starts, so that the workers share them.

    Uvicorn imports its protocol, event-loop and lifespan modules only when it loads its config, and FastAPI
    imports ``pydantic.v1`` while the factory adds the routes: dozens of modules (about 50 here), imported by every
    worker after the fork otherwise. Loading a config here (which builds one app and discards it: the app opens
    its archive only when it starts serving) imports them in the supervisor. A factory that fails (a bad
    abbreviations file) now fails here, before any socket is bound.
    """
    probe = uvicorn.Config(**config)
    probe.load()
    probe.get_loop_factory()


def _start_worker(sock: socket.socket, sockets: list[socket.socket], config: dict[str, Any]) -> int:
    """Fork a worker serving ``sock``; returns its pid (in the parent).

    The worker closes its copies of the other workers' sockets: a socket that a dead worker leaves open in a
    sibling would go on receiving connections that nobody accepts.
    """
    gc.freeze()  # what exists now stays out of every later collection, in the worker and here
    supervisor = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):  # first: the supervisor's handler must not run in a worker
            signal.signal(sig, signal.SIG_DFL)
        # A supervisor killed outright (kill -9, the OOM killer) takes its workers along, as SIGTERM would: they
        # finish the requests they hold and stop, instead of answering on beside a restarted service (Linux).
        end_with_parent(supervisor, signal.SIGTERM)
        for other in sockets:
            if other is not sock:
                other.close()
        uvicorn.Server(uvicorn.Config(**config)).run(sockets=[sock])
    except BaseException:  # the worker's traceback is logged by uvicorn; the supervisor sees the exit code
        code = 1
    finally:
        os._exit(code)


def serve_workers(app: Callable[[], Any], host: str, port: int, workers: int, **config: Any) -> None:
    """Serve the app ``app`` makes (an app factory) with ``workers`` processes until SIGTERM or SIGINT.

    Workers are forked, so each calls the factory itself, with the settings the parent gave it. Whatever the
    caller loaded before is shared with them (see the module's note on memory).
    """
    settings = {"app": app, "factory": True, **config}
    _import_worker_modules(settings)
    gc.collect()  # the garbage of start-up goes now, not frozen into every worker
    sockets = [_listening_socket(host, port) for _ in range(workers)]
    started: dict[int, tuple[socket.socket, float]] = {}
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in started:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)  # before the first fork: no worker is ever left without its supervisor
    signal.signal(signal.SIGINT, stop)
    for sock in sockets:
        if stopping:
            break
        started[_start_worker(sock, sockets, settings)] = (sock, time.monotonic())
    log.info("serving", host=host, port=port, workers=workers, pids=sorted(started))
    while started:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid not in started:
            continue
        sock, since = started.pop(pid)
        if stopping:
            continue
        lived = time.monotonic() - since
        log.warning("worker exited", pid=pid, status=os.waitstatus_to_exitcode(status), lived_s=round(lived, 1))
        if lived >= MIN_WORKER_LIFE_S:
            started[_start_worker(sock, sockets, settings)] = (sock, time.monotonic())
        elif started:
            sock.close()  # the kernel stops sending connections to it; the other workers serve on
        else:
            raise SystemExit(1)
    for sock in sockets:
        sock.close()
