"""Fetched bodies, zstd-compressed, one file per content hash.

raw_articles rows carry only the `content_hash` of their body. Keeping the bodies out of the
table means a day of 100k pages is not gigabytes in DuckDB and in every process that loads
the partition: the fetcher writes each body here as it arrives, and the extraction workers
read the few they are working on straight from disk, so bodies never cross a process
boundary. The same page served under many URLs (tracking parameters, mirrors) and the HTTP
cache's copy of it are one file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import zstandard

COMPRESSION_LEVEL = 3


class BodyMissingError(LookupError):
    """A row points at a body that is not in the store (deleted, or another data dir)."""


def content_hash_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def decompress(body_zstd: bytes) -> bytes:
    """zstd frames written by streaming compressors carry no content size: use a stream."""
    return zstandard.ZstdDecompressor().decompressobj().decompress(body_zstd)


class BodyStore:
    """Content-addressed files under `root`, fanned out by the hash's first two characters."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, content_hash: str) -> Path:
        return self.root / content_hash[:2] / f"{content_hash}.zst"

    def __contains__(self, content_hash: object) -> bool:
        return isinstance(content_hash, str) and self.path_for(content_hash).is_file()

    def put(self, body: bytes) -> str:
        """Store `body` unless it is there already; return its content hash."""
        content_hash = content_hash_of(body)
        path = self.path_for(content_hash)
        if path.is_file():
            return content_hash
        path.parent.mkdir(parents=True, exist_ok=True)
        compressed = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL).compress(body)
        # Write then rename: a reader (or a run killed mid-write) never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(compressed)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return content_hash

    def get(self, content_hash: str) -> bytes:
        return read_body(self.path_for(content_hash))

    def count(self) -> int:
        return sum(1 for _ in self.root.glob("??/*.zst"))


def read_body(path: Path | str) -> bytes:
    """The decompressed body at `path` (what extraction workers call with a task's path)."""
    try:
        compressed = Path(path).read_bytes()
    except FileNotFoundError as error:
        raise BodyMissingError(f"body {Path(path).stem} is not in the body store") from error
    return decompress(compressed)
