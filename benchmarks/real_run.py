"""The whole pipeline on real pages: one `news-pipeline run` against 20 loopback sites.

The real-page corpus (real_pages.py) is served by a separate process from 127.0.0.1 ...
127.0.0.20, one RSS feed per host built from its pages' own titles, with publication dates
inside the partition's window, so per-host politeness applies as on 20 sites. The command
runs as a user would start it (a fresh process, its own Dagster instance under the data
dir); its process tree is sampled for CPU and memory, and the run's event log is read back
to say where the time went: start-up before the run begins, each step's input loading,
compute and output storing, the hand-offs between steps, and the end.
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

import psutil
import yaml

from benchmarks.corpus import PARTITION_DAY, TIMEZONE
from benchmarks.measure import TreeMemory
from benchmarks.real_pages import RealCorpus, source_name

DEFAULT_PORT = 18_440
SAMPLE_SECONDS = 0.1


# ---- the sites ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    address: str
    feed: bytes
    pages: dict[str, bytes]


def build_sites(corpus: RealCorpus, hosts: int, port: int) -> list[Site]:
    """One site per host: its RSS feed and its pages, by path."""
    pages = corpus.read_pages()
    bodies = corpus.bodies
    sites = []
    for host in range(hosts):
        address = f"127.0.0.{host + 1}"
        mine = pages.filter(pages["host"] == host)
        items = []
        served: dict[str, bytes] = {}
        for page in mine.iter_rows(named=True):
            path = f"/p/{page['file']}"
            served[path] = bodies.get(page["content_hash"])
            link = f"http://{address}:{port}{quote(path)}"  # some file names are not ASCII
            published = page["published_at"].replace(tzinfo=UTC)
            items.append(
                f"<item><title>{escape(page['title'] or page['file'])}</title>"
                f"<link>{link}</link><guid isPermaLink='true'>{link}</guid>"
                f"<pubDate>{format_datetime(published)}</pubDate></item>"
            )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{source_name(host)}</title><link>http://{address}:{port}/</link>"
            f"<description>real pages</description>{''.join(items)}</channel></rss>"
        ).encode()
        sites.append(Site(address, feed, served))
    return sites


def _serve(sites: list[Site], port: int, ready: EventType, stop: EventType) -> None:
    by_address = {site.address: site for site in sites}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            site = by_address[str(self.server.server_address[0])]
            if self.path == "/feed.xml":
                body, content_type = site.feed, "application/rss+xml; charset=utf-8"
            elif unquote(self.path) in site.pages:
                # no charset: the pages' own <meta> (or detection) decides, as for many sites
                body, content_type = site.pages[unquote(self.path)], "text/html"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    servers = [ThreadingHTTPServer((site.address, port), Handler) for site in sites]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    stop.wait()
    for server in servers:
        server.shutdown()


def free_port(hosts: int, preferred: int = DEFAULT_PORT) -> int:
    """A port free on every one of the hosts' addresses."""
    for port in range(preferred, preferred + 200):
        try:
            for host in range(hosts):
                with socket.socket() as probe:
                    probe.bind((f"127.0.0.{host + 1}", port))
        except OSError:
            continue
        return port
    raise SystemExit("no port free on all loopback hosts")


def sources_file(path: Path, hosts: int, port: int) -> Path:
    sources = [
        {
            "name": source_name(host),
            "type": "rss",
            "url": f"http://127.0.0.{host + 1}:{port}/feed.xml",
            "weight": 1.0,
        }
        for host in range(hosts)
    ]
    path.write_text(
        yaml.safe_dump(
            {
                "timezone": TIMEZONE,
                "report_language": "en",
                "allow_private_addresses": True,
                "sources": sources,
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return path


# ---- the measured command ---------------------------------------------------------------------


@dataclass
class TreeSamples:
    """(time, CPU seconds so far, PSS bytes) of a process tree, sampled while it runs."""

    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_pss: int = 0
    peak_rss: int = 0

    def cpu_between(self, start: float, end: float) -> float:
        return self._cpu_at(end) - self._cpu_at(start)

    def _cpu_at(self, moment: float) -> float:
        index = bisect.bisect_right(self.times, moment)
        if index == 0:
            return 0.0
        if index >= len(self.times):
            return self.cpu[-1]
        t0, t1 = self.times[index - 1], self.times[index]
        c0, c1 = self.cpu[index - 1], self.cpu[index]
        return c0 + (c1 - c0) * (moment - t0) / max(t1 - t0, 1e-9)


def _sample(root: psutil.Process, samples: TreeSamples, done: threading.Event) -> None:
    seconds: dict[tuple[int, float], float] = {}
    memory = TreeMemory()
    while not done.is_set():
        try:
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            processes = []
        for process in processes:
            try:
                times = process.cpu_times()
                seconds[(process.pid, process.create_time())] = times.user + times.system
            except psutil.Error:
                continue
        memory.sample(processes)
        samples.times.append(time.time())
        samples.cpu.append(sum(seconds.values()))
        samples.peak_pss = memory.peak_pss_bytes
        samples.peak_rss = memory.peak_rss_bytes
        done.wait(SAMPLE_SECONDS)


def run_command(arguments: list[str], environment: dict[str, str]) -> dict[str, Any]:
    launched = time.time()
    process = subprocess.Popen(
        arguments, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    samples = TreeSamples()
    done = threading.Event()
    sampler = threading.Thread(target=_sample, args=(psutil.Process(process.pid), samples, done))
    sampler.start()
    stdout, stderr = process.communicate()
    exited = time.time()
    done.set()
    sampler.join()
    return {
        "launched": launched,
        "exited": exited,
        "returncode": process.returncode,
        "stdout": stdout,
        "stderr": stderr[-4000:],
        "samples": samples,
    }


# ---- the event log ------------------------------------------------------------------------------


def event_timeline(data_dir: Path) -> dict[str, Any]:
    """The run's steps from the Dagster event log: start, inputs loaded, output computed,
    output stored, success; and the run's own start and end."""
    from dagster import DagsterEventType, DagsterInstance

    instance = DagsterInstance.from_config(str(data_dir / "dagster_home"))
    runs = instance.get_runs(limit=1)
    if not runs:
        return {}
    run = runs[0]
    steps: dict[str, dict[str, float]] = {}
    timeline: dict[str, Any] = {"run_id": run.run_id, "status": run.status.value}
    for record in instance.all_logs(run.run_id):
        event = record.dagster_event
        if event is None:
            continue
        kind = event.event_type
        moment = record.timestamp
        if kind == DagsterEventType.RUN_START:
            timeline["run_start"] = moment
        elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            timeline["run_end"] = moment
        if not event.step_key:
            continue
        step = steps.setdefault(event.step_key, {})
        if kind == DagsterEventType.STEP_START:
            step["start"] = moment
        elif kind == DagsterEventType.LOADED_INPUT:
            step["inputs_loaded"] = moment
        elif kind == DagsterEventType.STEP_OUTPUT:
            step.setdefault("output", moment)
        elif kind == DagsterEventType.HANDLED_OUTPUT:
            step["stored"] = moment
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            step["end"] = moment
    timeline["steps"] = dict(sorted(steps.items(), key=lambda item: item[1].get("start", 0.0)))
    return timeline


def breakdown(result: dict[str, Any], timeline: dict[str, Any], cores: int) -> dict[str, Any]:
    """Seconds (and CPU seconds) of each part of the command, from launch to exit: start-up,
    each asset step's input loading, compute and output storing, its checks, the hand-offs
    between steps (summed), and the end of the run and of the process."""
    from news_pipeline.cli.run import STAGES

    samples: TreeSamples = result["samples"]
    parts: dict[str, dict[str, float]] = {}

    def add(name: str, start: float | None, end: float | None) -> None:
        if start is None or end is None or end < start:
            return
        entry = parts.setdefault(name, {"seconds": 0.0, "cpu_seconds": 0.0, "count": 0})
        entry["seconds"] += end - start
        entry["cpu_seconds"] += samples.cpu_between(start, end)
        entry["count"] += 1

    add("start-up: process, definitions, instance", result["launched"], timeline.get("run_start"))
    previous_end = timeline.get("run_start")
    for key, step in timeline.get("steps", {}).items():
        start, end = step.get("start"), step.get("end")
        add("hand-offs between steps", previous_end, start)
        previous_end = end or previous_end
        if key not in STAGES:
            add(f"{_asset_of(key)}: checks", start, end)
            continue
        loaded = step.get("inputs_loaded", start)
        computed = step.get("output", end)
        add(f"{key}: load inputs", start, loaded)
        add(f"{key}: compute", loaded, computed)
        add(f"{key}: store output", computed, end)
    add("after the last step, until the run ends", previous_end, timeline.get("run_end"))
    add("after the run, until the process exits", timeline.get("run_end"), result["exited"])
    return {
        "seconds": result["exited"] - result["launched"],
        "cpu_seconds": samples.cpu[-1] if samples.cpu else 0.0,
        "cores": cores,
        "peak_pss_mib": samples.peak_pss / 2**20,
        "peak_rss_mib": samples.peak_rss / 2**20,
        "parts": [{"part": name, **entry} for name, entry in parts.items()],
    }


def _asset_of(step_key: str) -> str:
    from news_pipeline.cli.run import STAGES

    return next((stage for stage in STAGES if step_key.startswith(stage)), step_key)


def step_seconds(timeline: dict[str, Any], samples: TreeSamples) -> dict[str, dict[str, float]]:
    """Wall and CPU seconds of each step, start to success."""
    out = {}
    for key, step in timeline.get("steps", {}).items():
        if "start" in step and "end" in step:
            out[key] = {
                "seconds": step["end"] - step["start"],
                "cpu_seconds": samples.cpu_between(step["start"], step["end"]),
            }
    return out


def whole_run(corpus: RealCorpus, data_dir: Path, hosts: int) -> dict[str, Any]:
    """Serve the corpus, run `news-pipeline run` for the partition, read back what happened."""
    import json

    from news_pipeline.fetch import FetchSettings

    port = free_port(hosts)
    sites = build_sites(corpus, hosts, port)
    # spawn: a fresh interpreter, not a fork of this one and its threads
    spawn = multiprocessing.get_context("spawn")
    ready, stop = spawn.Event(), spawn.Event()
    server = spawn.Process(target=_serve, args=(sites, port, ready, stop))
    server.start()
    del sites
    try:
        if not ready.wait(60):
            raise SystemExit("the page server did not start")
        sources = sources_file(data_dir / "sources.yaml", hosts, port)
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DAGSTER_HOME", "NEWS_PIPELINE_SOURCES", "NEWS_PIPELINE_DATA_DIR")
        }
        cli = shutil.which("news-pipeline", path=str(Path(sys.executable).parent))
        command = [
            cli or "news-pipeline",
            "run",
            "--date",
            PARTITION_DAY.isoformat(),
            "--sources",
            str(sources),
            "--data-dir",
            str(data_dir / "data"),
        ]
        server_cpu_before = sum(psutil.Process(server.pid).cpu_times()[:2])
        result = run_command(command, environment)
        server_cpu = sum(psutil.Process(server.pid).cpu_times()[:2]) - server_cpu_before
    finally:
        stop.set()
        server.join(10)
    if result["returncode"] != 0:
        raise SystemExit(f"news-pipeline run failed: {result['stderr'][-800:]}")
    timeline = event_timeline(data_dir / "data")
    report_path = data_dir / "data" / "reports" / PARTITION_DAY.isoformat() / "report.json"
    stats = json.loads(report_path.read_text(encoding="utf-8"))["stats"]
    delay = FetchSettings().per_host_min_delay_seconds
    pages = stats["fetched"]
    per_host = -(-pages // hosts)
    cores = os.cpu_count() or 1
    return {
        "items": pages,
        "stats": stats,
        "hosts": hosts,
        "per_host_delay_seconds": delay,
        "fetch_bound_seconds": per_host * delay,
        "fetch_bound_pages_per_second": hosts / delay if delay else None,
        "server_cpu_seconds": server_cpu,
        "stdout": result["stdout"],
        "steps": step_seconds(timeline, result["samples"]),
        **breakdown(result, timeline, cores),
    }
