"""Wall time, CPU time and peak memory of a benchmark step, over its whole process tree.

The extraction workers are children of a forkserver, not of the measured process, so
getrusage(RUSAGE_CHILDREN) would miss their CPU until the forkserver exits; both CPU and
memory are therefore read from every process of the tree while it lives, by a sampler
process beside the measured one (PeakMemory).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import psutil

from news_pipeline.forking import main_module_hidden

SAMPLE_SECONDS = 0.05
# PSS comes from /proc/PID/smaps_rollup, for which the kernel walks every page of the process:
# on a 4 GB process one read takes about 45 ms of kernel time, taken from the measured step
# on 2 cores. Read 20 times a second it slowed a 100k-article dedupe from 31.7 s to 37.9 s;
# read whenever RSS grew 5% or 2 s passed, it still took 1.9 s of a 28 s run. So PSS is read
# with at most PSS_READ_BUDGET of one core, and at every sample in between it is estimated as
# RSS less the shared part (RSS - PSS) of the last reading: new memory is private memory. A
# new process (a forked worker shares most pages with its parent) is read at once; a worker
# that stops sharing pages raises PSS without RSS, which shows at the next reading.
PSS_READ_BUDGET = 0.02
TREE_SCAN_SECONDS = 0.5


class TreeCpu:
    """CPU seconds of a process and every descendant seen so far (each process's own
    user + system time, last value read; a finished worker keeps its last reading). While a
    PeakMemory sampler runs, ``total`` asks it, which has watched the whole tree."""

    def __init__(self) -> None:
        self._seconds: dict[tuple[int, float], float] = {}
        self._lock = threading.Lock()
        self.sampler: PeakMemory | None = None

    def sample(self, processes: list[psutil.Process]) -> None:
        readings = {}
        for process in processes:
            try:
                times = process.cpu_times()
                readings[(process.pid, process.create_time())] = times.user + times.system
            except psutil.Error:
                continue
        with self._lock:
            self._seconds.update(readings)

    def seen(self) -> float:
        with self._lock:
            return sum(self._seconds.values())

    def total(self) -> float:
        if self.sampler is not None:
            return self.sampler.tree_cpu_seconds()
        self.sample(_tree(os.getpid()))
        return self.seen()


TREE_CPU = TreeCpu()


def _tree(root_pid: int, leave_out: int | None = None) -> list[psutil.Process]:
    root = psutil.Process(root_pid)
    return [
        process for process in [root, *root.children(recursive=True)] if process.pid != leave_out
    ]


class TreeMemory:
    """Peak RSS and PSS sums of a process tree, PSS read within PSS_READ_BUDGET and
    estimated from RSS in between."""

    def __init__(self) -> None:
        self.peak_rss_bytes = 0
        self.peak_pss_bytes = 0
        self._shared_bytes = 0  # RSS - PSS at the last PSS reading
        self._next_pss_read = 0.0
        self._pids_at_pss: set[int] = set()

    def sample(self, processes: list[psutil.Process]) -> None:
        rss = _sum_over(processes, lambda process: process.memory_info().rss)
        self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
        now = time.monotonic()
        # a new process shares most of its pages with its parent: read at once
        pids = {process.pid for process in processes}
        if now >= self._next_pss_read or pids != self._pids_at_pss:
            pss = _sum_over(processes, lambda process: process.memory_full_info().pss)
            read_seconds = time.monotonic() - now
            self._shared_bytes = max(rss - pss, 0)
            self._next_pss_read = now + read_seconds / PSS_READ_BUDGET
            self._pids_at_pss = pids
        self.peak_pss_bytes = max(self.peak_pss_bytes, rss - self._shared_bytes)


def _sum_over(processes: list[psutil.Process], read: Callable[[psutil.Process], int]) -> int:
    total = 0
    for process in processes:
        try:
            total += read(process)
        except psutil.Error:
            continue
    return total


class PeakMemory:
    """Samples the memory (and CPU) of this process and all its descendants from a sampler
    process of its own.

    Two sums over the tree: RSS, which counts the pages a forked worker shares with its
    parent once per process (an upper bound), and PSS, which splits shared pages between
    the processes sharing them (the physical memory the tree really holds).

    The sampler used to be a thread of the measured process. Waking 20 times a second, it
    took the GIL from the step's own threads: dedupe of 100k articles (four threads at times)
    took 25.1 s so sampled and 24.4 s sampled by a process (three runs each, interleaved),
    while datasketch (one thread) lost nothing measurable. A process of its own costs the
    step a share of the cores only."""

    def __enter__(self) -> PeakMemory:
        context = multiprocessing.get_context("spawn")
        self._connection, remote = context.Pipe()
        with main_module_hidden():
            self._sampler = context.Process(
                target=_run_sampler, args=(os.getpid(), remote), daemon=True
            )
            self._sampler.start()
        remote.close()
        self._connection.recv()  # its first sample is taken
        self._lock = threading.Lock()
        TREE_CPU.sampler = self
        return self

    def __exit__(self, *exc: object) -> None:
        TREE_CPU.sampler = None
        self._connection.send("stop")
        self.peak_rss_bytes, self.peak_pss_bytes = self._connection.recv()
        self._sampler.join()

    def tree_cpu_seconds(self) -> float:
        with self._lock:
            self._connection.send("cpu")
            return self._connection.recv()


def _run_sampler(root_pid: int, connection: Connection) -> None:
    """The sampler process: samples the tree under root_pid (itself left out) every
    SAMPLE_SECONDS, answers "cpu" with the tree's CPU seconds so far and "stop" with the
    peaks, then ends."""
    cpu, memory = TreeCpu(), TreeMemory()
    me = os.getpid()
    processes, found_at = _tree(root_pid, me), time.monotonic()
    cpu.sample(processes)
    memory.sample(processes)
    connection.send("ready")
    while True:
        if connection.poll(SAMPLE_SECONDS):
            request = connection.recv()
            processes, found_at = _tree(root_pid, me), time.monotonic()
            cpu.sample(processes)
            if request == "cpu":
                connection.send(cpu.seen())
                continue
            memory.sample(processes)
            connection.send((memory.peak_rss_bytes, memory.peak_pss_bytes))
            return
        # finding the descendants scans all of /proc (1.4 ms, 0.7 CPU s of a 28 s step at
        # every sample): done every TREE_SCAN_SECONDS, a process that ended is skipped
        if time.monotonic() - found_at >= TREE_SCAN_SECONDS:
            processes, found_at = _tree(root_pid, me), time.monotonic()
        cpu.sample(processes)
        memory.sample(processes)


class Clock:
    """Wall and CPU seconds of a block; CPU is the whole process tree's (extraction workers
    included), so it stays meaningful when other work shares the cores."""

    def __enter__(self) -> Clock:
        self._wall = time.perf_counter()
        self._cpu = TREE_CPU.total()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = TREE_CPU.total() - self._cpu

    def fields(self) -> dict[str, float]:
        return {"seconds": self.seconds, "cpu_seconds": self.cpu_seconds}
