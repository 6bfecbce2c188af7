"""What a forked worker process needs before it runs any work."""

from __future__ import annotations

import signal


def default_signal_handling() -> None:
    """SIGTERM kills the worker and SIGINT is left to its parent. A forked worker inherits
    the parent's Python signal handlers (Dagster's, which may only note a signal): a worker
    that notes SIGTERM and goes on waiting for work never ends, and the pool that
    terminates it waits for it forever (seen once in a benchmark run)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
