"""BodyStore: content-addressed zstd files that extraction workers read by path."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest
import zstandard

from news_pipeline.fetch.body_store import BodyMissingError, BodyStore, read_body

PAGE = "<html><body><p>通义千问 3.5 发布，参数规模 3970 亿。</p></body></html>".encode()


def test_put_returns_the_sha256_and_get_gives_the_bytes_back(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    content_hash = store.put(PAGE)
    assert content_hash == hashlib.sha256(PAGE).hexdigest()
    assert content_hash in store
    assert store.get(content_hash) == PAGE
    on_disk = store.path_for(content_hash).read_bytes()
    assert on_disk != PAGE
    assert zstandard.ZstdDecompressor().decompress(on_disk) == PAGE


def test_the_same_body_is_stored_once_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    first = store.put(PAGE)
    again = store.put(PAGE)
    other = store.put(b"<html><body>another page</body></html>")
    assert first == again != other
    assert store.count() == 2
    assert sorted(path.name for path in (tmp_path / "bodies").rglob("*")) == sorted(
        [first[:2], other[:2], f"{first}.zst", f"{other}.zst"]
    )


def test_a_missing_body_is_a_clear_error(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    absent = hashlib.sha256(b"never stored").hexdigest()
    assert absent not in store
    with pytest.raises(BodyMissingError, match=absent):
        store.get(absent)


def _read_in_child(path: str) -> bytes:
    return read_body(path)


def test_another_process_reads_a_body_by_its_path(tmp_path: Path) -> None:
    store = BodyStore(tmp_path / "bodies")
    path = store.path_for(store.put(PAGE))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_read_in_child, (str(path),)) == PAGE
