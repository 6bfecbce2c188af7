"""Progress of a long stage, reported by plain stage code to whoever shows it.

Stage functions take an optional `progress` callable and call it as items finish; the Dagster
wiring turns the calls into log lines, the CLI into a live display. Stage code never knows.
"""

from __future__ import annotations

from typing import Protocol


class ProgressReporter(Protocol):
    def __call__(self, done: int, total: int, failed: int) -> None:
        """`done` of `total` items finished so far, `failed` of them unsuccessfully."""


def no_progress(done: int, total: int, failed: int) -> None:
    """The default reporter: stage code can always call one."""
