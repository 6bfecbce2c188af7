"""What `news-pipeline run` shows while it works.

A Dagster logger added to the CLI's definitions receives every event of the run in this
process: step starts and ends, and the progress updates that stage code reports through
`StageProgressResource`. On a terminal they drive a live rich display (one bar per stage:
items done / total, failures so far); elsewhere each stage prints one line when it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from dagster import LoggerDefinition, logger
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from news_pipeline.defs.resources import PROGRESS_RECORD_ATTR, ProgressUpdate

StageLine = Callable[[str, float], None]


class StageProgressDisplay:
    """Live bars on a terminal; one line per finished stage otherwise."""

    def __init__(self, console: Console, on_stage_done: StageLine) -> None:
        self.console = console
        self.on_stage_done = on_stage_done
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description:<32}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not self.live,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> StageProgressDisplay:
        for task in self.tasks.values():
            self.progress.remove_task(task)
        self.tasks.clear()
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def stage_started(self, step_key: str) -> None:
        self._task(step_key, total=None)

    def stage_progress(self, update: ProgressUpdate) -> None:
        task = self._task(update.stage, total=update.total)
        self.progress.update(task, completed=update.done, total=update.total, failed=update.failed)

    def stage_done(self, step_key: str, seconds: float) -> None:
        for stage, task in self.tasks.items():
            if stage == step_key or stage.startswith(step_key + " "):
                total = self.progress.tasks[task].total or 1
                self.progress.update(task, completed=total, total=total)
        self.on_stage_done(step_key, seconds)

    def _task(self, stage: str, total: int | None) -> int:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total, failed=0)
        return self.tasks[stage]


class _DisplayHandler(logging.Handler):
    def __init__(self, display: StageProgressDisplay, stages: set[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.display = display
        self.stages = stages

    def emit(self, record: logging.LogRecord) -> None:
        update = getattr(record, PROGRESS_RECORD_ATTR, None)
        if isinstance(update, ProgressUpdate):
            self.display.stage_progress(update)
            return
        event = getattr(record, "dagster_event", None)
        if event is None or event.step_key not in self.stages:
            return
        if event.is_step_start:
            self.display.stage_started(event.step_key)
        elif event.is_step_success:
            self.display.stage_done(event.step_key, event.event_specific_data.duration_ms / 1000)


def display_logger(display: StageProgressDisplay, stages: set[str]) -> LoggerDefinition:
    @logger(description="Feeds step events and stage progress to news-pipeline run's display.")
    def stage_display(_init_context) -> logging.Logger:
        log = logging.Logger("news_pipeline.cli.progress", level=logging.DEBUG)
        log.addHandler(_DisplayHandler(display, stages))
        return log

    return stage_display
