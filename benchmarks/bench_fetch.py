"""Fetch throughput and memory on a local web: 20 hosts (127.0.0.1..20), 100 pages each.

A separate process serves one RSS feed and 100 small HTML pages per host; this process
runs collect_raw_articles with the default FetchSettings (or the politeness delay given
on the command line) and prints pages per second and peak RSS.

    python benchmarks/bench_fetch.py [--hosts 20] [--pages 100] [--delay 0.25]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.synchronize import Event as EventType

import polars as pl
import psutil

from news_pipeline.fetch import BodyStore, FetchSettings, collect_raw_articles, source_summary
from news_pipeline.schema import DayWindow
from news_pipeline.sources import SourcesConfig

PORT = 18_431
WINDOW = DayWindow(date(2026, 2, 14), "Asia/Shanghai")
PAGE_TEMPLATE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Story {n}</title></head>"
    "<body><article><h1>Story {n} on {host}</h1>{paragraphs}</article></body></html>"
)
PARAGRAPH = "<p>A small benchmark paragraph about models, chips and agents, number {i}.</p>"


def _feed(host: str, pages: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>http://{host}:{PORT}/p/{n}.html</link>"
        f"<guid>{host}-{n}</guid><pubDate>Sat, 14 Feb 2026 10:{n % 60:02d}:00 +0800</pubDate>"
        "</item>"
        for n in range(pages)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{host}</title><link>http://{host}/</link><description>d</description>"
        f"{items}</channel></rss>"
    ).encode()


def _serve(hosts: list[str], pages: int, ready: EventType, stop: EventType) -> None:
    paragraphs = "".join(PARAGRAPH.format(i=i) for i in range(12))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            host = self.server.server_address[0]
            if self.path == "/feed.xml":
                body, content_type = _feed(str(host), pages), "application/rss+xml"
            elif self.path.startswith("/p/"):
                number = self.path.removeprefix("/p/").removesuffix(".html")
                page = PAGE_TEMPLATE.format(n=number, host=host, paragraphs=paragraphs)
                body, content_type = page.encode(), "text/html; charset=utf-8"
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

    servers = [ThreadingHTTPServer((host, PORT), Handler) for host in hosts]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    stop.wait()
    for server in servers:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument(
        "--delay", type=float, default=None, help="per-host delay (default: FetchSettings')"
    )
    arguments = parser.parse_args()
    hosts = [f"127.0.0.{index}" for index in range(1, arguments.hosts + 1)]

    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(hosts, arguments.pages, ready, stop))
    server.start()
    try:
        if not ready.wait(30):
            raise SystemExit("benchmark server did not start")
        sources = SourcesConfig(
            allow_private_addresses=True,
            sources=[
                {"name": host, "type": "rss", "url": f"http://{host}:{PORT}/feed.xml"}
                for host in hosts
            ],
        )
        overrides = (
            {} if arguments.delay is None else {"per_host_min_delay_seconds": arguments.delay}
        )
        settings = FetchSettings(**overrides)
        rss_before = psutil.Process().memory_info().rss
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bench-fetch-bodies-") as bodies_dir:
            raw = collect_raw_articles(
                sources,
                WINDOW,
                settings,
                BodyStore(bodies_dir),
                now=datetime(2026, 2, 14, 6, tzinfo=UTC),
            )
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        server.join(10)

    items = raw.filter(pl.col("record_kind") == "item")
    ok_pages = items.filter(pl.col("status") == "ok").height
    fetched = ok_pages + raw.filter(pl.col("record_kind") == "feed").height
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"hosts={len(hosts)} pages/host={arguments.pages}"
        f" max_concurrency={settings.max_concurrency}"
        f" per_host={settings.per_host_concurrency}"
        f" delay={settings.per_host_min_delay_seconds}s"
    )
    print(
        f"items={items.height} ok={ok_pages} statuses={dict(items['status'].value_counts().rows())}"
    )
    print(
        f"wall={seconds:.2f}s pages/s={ok_pages / seconds:.1f} requests/s={fetched / seconds:.1f}"
    )
    print(
        f"rss_before={rss_before / 2**20:.0f} MiB peak_rss={peak_kib / 1024:.0f} MiB"
        f" frame={raw.estimated_size() / 2**20:.1f} MiB"
    )
    summary = source_summary(raw)
    print(f"request seconds per source (summed): max {summary['seconds'].max():.2f}")


if __name__ == "__main__":
    main()
