"""The benchmark's memory sampler (benchmarks/measure.py) on this process."""

from __future__ import annotations

import multiprocessing
import time

import numpy as np
import psutil
import pytest

from benchmarks import measure
from benchmarks.measure import TREE_CPU, Clock, PeakMemory, TreeMemory


def test_pss_between_readings_follows_new_private_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    # a budget so small that the second sample cannot read PSS: it must estimate it
    monkeypatch.setattr(measure, "PSS_READ_BUDGET", 1e-9)
    process = psutil.Process()
    memory = TreeMemory()
    memory.sample([process])
    before_rss, before_pss = memory.peak_rss_bytes, memory.peak_pss_bytes
    assert 0 < before_pss <= before_rss
    held = np.ones(200 * 1024 * 1024 // 8)  # 200 MiB, every page written
    memory.sample([process])
    assert memory.peak_rss_bytes - before_rss > 150 * 1024 * 1024
    assert memory.peak_pss_bytes - before_pss > 150 * 1024 * 1024
    assert memory.peak_pss_bytes <= memory.peak_rss_bytes
    assert held.sum() > 0


def test_a_forked_worker_is_read_at_once_not_counted_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "PSS_READ_BUDGET", 1e-9)  # no reading but the forced one
    held = np.ones(200 * 1024 * 1024 // 8)  # pages the worker shares with this process
    me = psutil.Process()
    memory = TreeMemory()
    memory.sample([me])
    alone = memory.peak_pss_bytes
    context = multiprocessing.get_context("fork")
    release = context.Event()
    worker = context.Process(target=release.wait)
    worker.start()
    try:
        memory.sample([me, psutil.Process(worker.pid)])
    finally:
        release.set()
        worker.join()
    # the RSS sum counts the shared 200 MiB twice; PSS splits them
    assert memory.peak_rss_bytes - alone > 150 * 1024 * 1024
    assert memory.peak_pss_bytes - alone < 100 * 1024 * 1024
    assert held.sum() > 0


def _spin(seconds: float) -> None:
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        pass


def test_the_sampler_process_sees_memory_and_a_finished_workers_cpu() -> None:
    with PeakMemory() as memory, Clock() as clock:
        held = np.ones(300 * 1024 * 1024 // 8)  # 300 MiB, every page written
        context = multiprocessing.get_context("fork")
        worker = context.Process(target=_spin, args=(1.0,))
        worker.start()
        worker.join()  # the worker ends inside the block: only the sampler saw its CPU
    assert memory.peak_rss_bytes > 300 * 1024 * 1024
    assert memory.peak_pss_bytes > 300 * 1024 * 1024
    # this process spent a fraction of a second; the worker, found within TREE_SCAN_SECONDS
    # of its start and read every SAMPLE_SECONDS after, spent a second
    assert clock.cpu_seconds >= 0.6
    assert TREE_CPU.sampler is None  # the sampler has stopped
    assert held.sum() > 0
