"""Wall time, CPU time and peak memory of a benchmark step, over its whole process tree.

The extraction workers are children of a forkserver, not of the measured process, so
getrusage(RUSAGE_CHILDREN) would miss their CPU until the forkserver exits; both CPU and
memory are therefore read from every process of the tree while it lives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psutil

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
    """CPU seconds of this process and every descendant seen so far (each process's own
    user + system time, last value read; a finished worker keeps its last reading)."""

    def __init__(self) -> None:
        self._seconds: dict[tuple[int, float], float] = {}
        self._lock = threading.Lock()

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

    def total(self) -> float:
        self.sample(_tree())
        with self._lock:
            return sum(self._seconds.values())


TREE_CPU = TreeCpu()


def _tree() -> list[psutil.Process]:
    me = psutil.Process()
    return [me, *me.children(recursive=True)]


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
    """Samples the memory (and CPU, into TREE_CPU) of this process and all its descendants
    in a background thread.

    Two sums over the tree: RSS, which counts the pages a forked worker shares with its
    parent once per process (an upper bound), and PSS, which splits shared pages between
    the processes sharing them (the physical memory the tree really holds)."""

    def __init__(self) -> None:
        self._memory = TreeMemory()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak_rss_bytes(self) -> int:
        return self._memory.peak_rss_bytes

    @property
    def peak_pss_bytes(self) -> int:
        return self._memory.peak_pss_bytes

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        processes, found_at = _tree(), time.monotonic()
        while not self._stop.is_set():
            # finding the descendants scans all of /proc (1.4 ms, 0.7 CPU s of a 28 s step
            # at every sample): done every TREE_SCAN_SECONDS, a process that ended is skipped
            if time.monotonic() - found_at >= TREE_SCAN_SECONDS:
                processes, found_at = _tree(), time.monotonic()
            self.sample(processes)
            self._stop.wait(SAMPLE_SECONDS)

    def sample(self, processes: list[psutil.Process]) -> None:
        TREE_CPU.sample(processes)
        self._memory.sample(processes)


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
