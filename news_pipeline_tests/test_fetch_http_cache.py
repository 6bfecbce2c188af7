"""HttpCache: validators per URL, bodies stored once, no connection held between calls."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import zstandard

from news_pipeline.http_cache import CachedResponse, HttpCache


def cached(url: str, body: bytes, etag: str | None = None) -> CachedResponse:
    return CachedResponse(
        url=url,
        etag=etag,
        last_modified="Sat, 14 Feb 2026 02:00:00 GMT",
        content_type="text/html",
        content_hash=hashlib.sha256(body).hexdigest(),
        body_zstd=zstandard.ZstdCompressor().compress(body),
    )


def test_round_trip_and_last_write_wins(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path / "news.duckdb")
    cache.store_many([cached("https://a.example/1", b"one", '"v1"')])
    cache.store_many([cached("https://a.example/1", b"uno", '"v2"')])
    found = cache.lookup_many(["https://a.example/1", "https://a.example/missing"])
    assert list(found) == ["https://a.example/1"]
    entry = found["https://a.example/1"]
    assert entry.etag == '"v2"'
    assert entry.last_modified == "Sat, 14 Feb 2026 02:00:00 GMT"
    assert zstandard.ZstdDecompressor().decompress(entry.body_zstd) == b"uno"
    assert cache.lookup("https://a.example/missing") is None


def test_identical_bodies_share_one_row(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path / "news.duckdb")
    cache.store_many(
        [
            cached("https://a.example/x?utm_source=feed", b"same page", '"a"'),
            cached("https://a.example/x", b"same page", '"a"'),
            cached("https://b.example/mirror", b"same page"),
            cached("https://b.example/other", b"another page"),
        ]
    )
    assert cache.counts() == (4, 2)


def test_file_is_free_between_calls(tmp_path: Path) -> None:
    path = tmp_path / "news.duckdb"
    cache = HttpCache(path)
    cache.store_many([cached("https://a.example/1", b"one", '"v1"')])
    # DuckDB lets one process hold a file for writing; another process can only open it
    # if this one closed its connection.
    probe = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "print(c.execute('select count(*) from http_cache_entries').fetchone()[0]); c.close()"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
