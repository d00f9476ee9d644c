"""Worker processes that never outlive the command, and stop signals handled like Ctrl-C.

Ctrl-C, SIGTERM and SIGHUP all reach the parent as :class:`KeyboardInterrupt`
(see :func:`stop_signals_interrupt`): its ``finally`` blocks remove the
temporary files it writes, and :func:`worker_pool` then ends its workers
instead of waiting for the queued work. A worker leaves Ctrl-C and SIGHUP to
the parent; told to stop (SIGTERM, as the parent does), it removes the
temporary file it is writing and exits at once.

A worker is forked with the parent's whole heap (modules, pydantic's schemas,
the sets): :func:`init_worker` moves it out of the cyclic garbage collector's
sight (:func:`gc.freeze`), so that the collections a worker runs while it
works scan only what it made itself (and its pages of the parent's heap stay
shared).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ._files import remove_pending

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """A stop signal other than Ctrl-C (SIGTERM, SIGHUP), raised where Ctrl-C would raise KeyboardInterrupt."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Within this block, SIGTERM and SIGHUP raise :class:`Stopped` (a KeyboardInterrupt) in the main thread."""
    try:
        previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _worker_stop(signum, frame) -> None:
    remove_pending()
    os._exit(128 + signum)


def init_worker(initializer: Callable[..., None] | None = None, *args) -> None:
    """In a worker: leave Ctrl-C and hang-ups to the parent; on SIGTERM clean up and exit.

    The heap inherited from the parent is frozen (see the module's docstring).
    """
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stop)
    if initializer is not None:
        initializer(*args)


@contextlib.contextmanager
def worker_pool(workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()):
    """A process pool whose workers are ended when the block is left by an exception (Ctrl-C, a stop signal)."""
    from concurrent.futures import ProcessPoolExecutor  # here: the command line starts without it

    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker, initargs=(initializer, *initargs))
    try:
        yield pool
    except BaseException:
        _end(pool)
        raise
    else:
        pool.shutdown(wait=True)


def _end(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: drop the queued work and end its processes (they remove their temporary files)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
