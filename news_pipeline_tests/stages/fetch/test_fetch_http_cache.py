"""HttpCache: validators per URL pointing at stored bodies, no connection held between calls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from news_pipeline.fetch.body_store import BodyStore
from news_pipeline.fetch.http_cache import CachedResponse, HttpCache


def cached(bodies: BodyStore, url: str, body: bytes, etag: str | None = None) -> CachedResponse:
    return CachedResponse(
        url=url,
        etag=etag,
        last_modified="Sat, 14 Feb 2026 02:00:00 GMT",
        content_type="text/html",
        content_hash=bodies.put(body),
    )


def open_cache(tmp_path: Path) -> HttpCache:
    return HttpCache(tmp_path / "news.duckdb", BodyStore(tmp_path / "bodies"))


def test_round_trip_and_last_write_wins(tmp_path: Path) -> None:
    cache = open_cache(tmp_path)
    cache.store_many([cached(cache.bodies, "https://a.example/1", b"one", '"v1"')])
    cache.store_many([cached(cache.bodies, "https://a.example/1", b"uno", '"v2"')])
    found = cache.lookup_many(["https://a.example/1", "https://a.example/missing"])
    assert list(found) == ["https://a.example/1"]
    entry = found["https://a.example/1"]
    assert entry.etag == '"v2"'
    assert entry.last_modified == "Sat, 14 Feb 2026 02:00:00 GMT"
    assert cache.bodies.get(entry.content_hash) == b"uno"
    assert cache.lookup("https://a.example/missing") is None


def test_identical_bodies_are_one_file(tmp_path: Path) -> None:
    cache = open_cache(tmp_path)
    cache.store_many(
        [
            cached(cache.bodies, "https://a.example/x?utm_source=feed", b"same page", '"a"'),
            cached(cache.bodies, "https://a.example/x", b"same page", '"a"'),
            cached(cache.bodies, "https://b.example/mirror", b"same page"),
            cached(cache.bodies, "https://b.example/other", b"another page"),
        ]
    )
    assert cache.counts() == (4, 2)
    assert cache.bodies.count() == 2


def test_entry_whose_body_is_gone_is_not_offered(tmp_path: Path) -> None:
    """A 304 would be useless without the body it confirms, so such an entry is skipped and
    the fetcher asks for the full page."""
    cache = open_cache(tmp_path)
    kept = cached(cache.bodies, "https://a.example/kept", b"kept page", '"k"')
    lost = cached(cache.bodies, "https://a.example/lost", b"lost page", '"l"')
    cache.store_many([kept, lost])
    cache.bodies.path_for(lost.content_hash).unlink()
    found = cache.lookup_many(["https://a.example/kept", "https://a.example/lost"])
    assert list(found) == ["https://a.example/kept"]


def test_file_is_free_between_calls(tmp_path: Path) -> None:
    cache = open_cache(tmp_path)
    cache.store_many([cached(cache.bodies, "https://a.example/1", b"one", '"v1"')])
    # DuckDB lets one process hold a file for writing; another process can only open it
    # if this one closed its connection.
    probe = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "print(c.execute('select count(*) from http_cache_entries').fetchone()[0]); c.close()"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(cache.database_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
