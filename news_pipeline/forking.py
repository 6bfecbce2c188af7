"""What a worker process needs before it runs any work, and what starting one should skip."""

from __future__ import annotations

import signal
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager


def default_signal_handling() -> None:
    """SIGTERM kills the worker and SIGINT is left to its parent. A forked worker inherits
    the parent's Python signal handlers (Dagster's, which may only note a signal): a worker
    that notes SIGTERM and goes on waiting for work never ends, and the pool that
    terminates it waits for it forever (seen once in a benchmark run)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def main_module_hidden() -> Iterator[None]:
    """Workers started inside (spawn or forkserver) do not import this process's main module.

    multiprocessing has each such worker import the parent's main script as `__mp_main__`.
    Under `news-pipeline run` or a Dagster run worker that script is a command line that
    imports Dagster and the definitions: 1.2 s per worker before its first page, for nothing
    the worker uses. Inside this block the main module is an empty one, which multiprocessing
    leaves alone; workers must only be started with functions of importable modules.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
