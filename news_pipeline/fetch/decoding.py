"""Response bodies read as a stream and capped after decoding, so a gzip bomb stops at the
cap instead of at the end of the machine's memory."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import zstandard

DECODE_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    pass


class UnsupportedEncoding(Exception):
    pass


class BoundedStreamDecoder:
    """Content-Encoding decoder that never inflates more than one chunk at a time.

    httpx's own decoders inflate a whole network read at once; a 64 KiB read of a gzip
    bomb is ~64 MiB, so the cap would be checked too late.
    """

    def __init__(self, content_encoding: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise UnsupportedEncoding(f"stacked content-encoding {content_encoding!r}")
        self.coding = codings[0] if codings else "identity"
        self._zlib: Any = None
        self._zstd: Any = None
        self._first_deflate_chunk = True
        if self.coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self._zlib = zlib.decompressobj()
        elif self.coding == "zstd":
            self._zstd = zstandard.ZstdDecompressor().decompressobj()
        elif self.coding != "identity":
            raise UnsupportedEncoding(f"unsupported content-encoding {self.coding!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is not None:
            yield from self._feed_zlib(data)
        elif self._zstd is not None:
            # zstandard's decompressobj has no output bound; feed it small slices instead.
            for start in range(0, len(data), 1024):
                yield self._zstd.decompress(data[start : start + 1024])
        else:
            yield data

    def _feed_zlib(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                piece = self._zlib.decompress(data, DECODE_CHUNK)
            except zlib.error:
                if self.coding == "deflate" and self._first_deflate_chunk:
                    # Some servers send raw deflate without the zlib header.
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first_deflate_chunk = False
                    continue
                raise
            self._first_deflate_chunk = False
            yield piece
            data = self._zlib.unconsumed_tail
            if self._zlib.eof and self._zlib.unused_data and self.coding != "deflate":
                # Concatenated gzip members.
                data = self._zlib.unused_data
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)


async def read_capped(response: httpx.Response, limit: int, truncate: bool = False) -> bytes:
    """Read and decode a streamed body, stopping as soon as decoded bytes pass `limit`.

    Past the limit the body is refused (BodyTooLarge), or with `truncate` cut to its first
    `limit` bytes (what RFC 9309 asks of a long robots.txt).
    """
    encoding = response.headers.get("content-encoding", "")
    declared_length = response.headers.get("content-length", "")
    if (
        not truncate
        and not encoding.strip()
        and declared_length.isdigit()
        and int(declared_length) > limit
    ):
        raise BodyTooLarge(f"Content-Length {declared_length} exceeds {limit} bytes")
    decoder = BoundedStreamDecoder(encoding)
    body = bytearray()
    async for chunk in response.aiter_raw():
        for piece in decoder.feed(chunk):
            body += piece
            if len(body) > limit:
                if truncate:
                    return bytes(body[:limit])
                raise BodyTooLarge(f"body exceeds {limit} bytes (after decoding)")
    return bytes(body)
