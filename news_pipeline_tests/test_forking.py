"""Forked workers do not keep their parent's signal handlers."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator

import pytest

from news_pipeline.forking import default_signal_handling

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)


def _handlers(_: object) -> tuple[object, object]:
    return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)


def _note_signal(signum: int, frame: object) -> None:
    """A handler that only notes the signal, as Dagster's interrupt handling may."""


@pytest.fixture
def noting_parent() -> Iterator[None]:
    previous = (
        signal.signal(signal.SIGTERM, _note_signal),
        signal.signal(signal.SIGINT, _note_signal),
    )
    yield
    signal.signal(signal.SIGTERM, previous[0])
    signal.signal(signal.SIGINT, previous[1])


def test_a_forked_worker_dies_on_sigterm_and_leaves_sigint_to_its_parent(
    noting_parent: None,
) -> None:
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as inheriting:
        assert inheriting.map(_handlers, [None])[0] == (_note_signal, _note_signal)
    with context.Pool(1, initializer=default_signal_handling) as reset:
        assert reset.map(_handlers, [None])[0] == (signal.SIG_DFL, signal.SIG_IGN)
