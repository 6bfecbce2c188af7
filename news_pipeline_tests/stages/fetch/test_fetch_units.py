"""Pure parts of the fetch package: address policy, charset decoding, dates, Retry-After, decoders.

Nothing here opens a connection; IP addresses are only classified.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from news_pipeline.fetch.charsets import decode_document, normalise_charset
from news_pipeline.fetch.decoding import BoundedStreamDecoder
from news_pipeline.fetch.fetcher import Fetcher, HostGate, parse_retry_after
from news_pipeline.fetch.listings import parse_date_text, same_site
from news_pipeline.fetch.policy import (
    AddressPolicy,
    FetchBlocked,
    FetchSettings,
    blocked_ip_reason,
    host_is_listed,
)
from news_pipeline.fetch.transport import GuardedNetworkBackend, make_client

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.10.10", "link-local"),
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "non-global"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("fd00:ec2::254", "metadata"),
        ("fe80::1", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
    ],
)
def test_disallowed_addresses(address: str, reason: str) -> None:
    verdict = blocked_ip_reason(ipaddress.ip_address(address))
    assert verdict is not None
    assert reason in verdict


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_ip_reason(ipaddress.ip_address(address)) is None


def test_host_allow_list_matching() -> None:
    allowed = ["127.0.0.1:8080", "Demo.Local", "[::1]:9000"]
    assert host_is_listed("127.0.0.1", 8080, allowed)
    assert not host_is_listed("127.0.0.1", 8081, allowed)
    assert host_is_listed("demo.local", 443, allowed)
    assert host_is_listed("::1", 9000, allowed)
    assert not host_is_listed("::1", 9001, allowed)
    assert not host_is_listed("127.0.0.2", 8080, allowed)


def test_host_names_are_checked_on_their_resolved_address() -> None:
    async def verdicts() -> tuple[str | None, str | None, str | None]:
        async with make_client(FetchSettings(), AddressPolicy(False, [])) as client:
            strict = Fetcher(client, FetchSettings(), allow_private_addresses=False)
            listed = Fetcher(
                client,
                FetchSettings(allowed_private_hosts=["localhost:8000"]),
                allow_private_addresses=False,
            )
            return (
                await strict.address_block_reason("http://localhost:8000/x"),
                await listed.address_block_reason("http://localhost:8000/x"),
                await strict.address_block_reason("file:///etc/passwd"),
            )

    strict, listed, scheme = asyncio.run(verdicts())
    assert strict is not None
    assert "loopback" in strict
    assert listed is None
    assert scheme is not None
    assert "scheme" in scheme


def test_charset_names_are_widened() -> None:
    assert normalise_charset("GB2312") == "gb18030"
    assert normalise_charset("gbk") == "gb18030"
    assert normalise_charset("x-gbk") == "gb18030"
    assert normalise_charset("big5") == "big5hkscs"
    assert normalise_charset("UTF8") == "utf-8"
    assert normalise_charset("no-such-charset") is None


def test_decode_gb2312_declared_with_gbk_bytes() -> None:
    text = "<html><head><meta charset='gb2312'></head><body>瑢镕堃</body></html>"
    decoded = decode_document(text.encode("gbk"), None)
    assert decoded.text == text
    assert decoded.how == "document"


def test_decode_header_wins_but_only_if_it_fits() -> None:
    body = "<p>模型发布会</p>".encode("gbk")
    wrong_header = decode_document(body, "utf-8")
    assert "模型发布会" in wrong_header.text
    assert wrong_header.how == "detected"
    right_header = decode_document(body, "GBK")
    assert right_header.how == "header"
    assert "模型发布会" in right_header.text


def test_decode_bom_and_big5_detection() -> None:
    assert decode_document("hello 你好".encode("utf-8-sig"), "gbk").text == "hello 你好"
    sentence = "臺灣的研究團隊今天發表新的語言模型，並開放學術界免費使用。" * 4
    decoded = decode_document(sentence.encode("big5"), None)
    assert decoded.text == sentence


def test_parse_date_text_forms() -> None:
    assert parse_date_text("Sat, 14 Feb 2026 10:30:00 +0800", SHANGHAI) == datetime(
        2026, 2, 14, 2, 30, tzinfo=UTC
    )
    assert parse_date_text("2026-02-14T02:30:00Z", SHANGHAI) == datetime(
        2026, 2, 14, 2, 30, tzinfo=UTC
    )
    # a naive time is local to the partition's zone, not UTC
    assert parse_date_text("2026/02/14 10:30:00", SHANGHAI) == datetime(
        2026, 2, 14, 2, 30, tzinfo=UTC
    )
    assert parse_date_text("2026-02-14", SHANGHAI) == datetime(2026, 2, 13, 16, 0, tzinfo=UTC)
    assert parse_date_text("yesterday-ish", SHANGHAI) is None
    assert parse_date_text("2026年2月14日 10:30", SHANGHAI) == datetime(
        2026, 2, 14, 2, 30, tzinfo=UTC
    )
    assert parse_date_text("发布于 2026-2-14 8:05:00 +0000", SHANGHAI) == datetime(
        2026, 2, 14, 8, 5, tzinfo=UTC
    )
    assert parse_date_text("2026年2月30日", SHANGHAI) is None


def test_retry_after_forms() -> None:
    now = datetime(2026, 2, 14, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Sat, 14 Feb 2026 00:00:45 GMT", now) == 45.0
    assert parse_retry_after("Fri, 13 Feb 2026 00:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def _decode_all(decoder: BoundedStreamDecoder, data: bytes, step: int) -> tuple[bytes, int]:
    out = bytearray()
    largest = 0
    for start in range(0, len(data), step):
        for piece in decoder.feed(data[start : start + step]):
            largest = max(largest, len(piece))
            out += piece
    return bytes(out), largest


def test_stream_decoder_bounds_each_piece() -> None:
    payload = b"\0" * (8 * 1024 * 1024)
    gzip_body = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    compressed = gzip_body.compress(payload) + gzip_body.flush()
    out, largest = _decode_all(BoundedStreamDecoder("gzip"), compressed, 64 * 1024)
    assert out == payload
    assert largest <= 64 * 1024


def test_stream_decoder_raw_and_zlib_deflate() -> None:
    payload = b"deflated body " * 100
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw_body = raw.compress(payload) + raw.flush()
    assert _decode_all(BoundedStreamDecoder("deflate"), raw_body, 7)[0] == payload
    assert _decode_all(BoundedStreamDecoder("deflate"), zlib.compress(payload), 7)[0] == payload
    assert _decode_all(BoundedStreamDecoder("identity"), payload, 50)[0] == payload


def test_same_site() -> None:
    assert same_site("https://tech.sina.com.cn/a", "https://finance.sina.com.cn/")
    assert same_site("https://www.ithome.com/0/1.htm", "https://ithome.com/list/")
    assert not same_site("https://evil.example.net/x", "https://ithome.com/")
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/list")
    assert not same_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8000/list")


def test_guarded_backend_checks_the_address_it_connects_to() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    async def attempt(policy: AddressPolicy) -> str:
        backend = GuardedNetworkBackend(policy)
        try:
            stream = await backend.connect_tcp("localhost", port, timeout=5)
        except FetchBlocked as blocked:
            return f"blocked: {blocked}"
        await stream.aclose()
        return "connected"

    try:
        strict = asyncio.run(attempt(AddressPolicy(False, [])))
        listed = asyncio.run(attempt(AddressPolicy(False, [f"localhost:{port}"])))
    finally:
        listener.close()
    assert strict.startswith("blocked: address policy: localhost resolves to")
    assert listed == "connected"


def test_host_gate_caps_concurrency() -> None:
    async def scenario() -> tuple[int, int]:
        gate = HostGate(concurrency=2, min_delay=0.0)
        release = asyncio.Event()
        inside = 0
        most_inside = 0

        async def request() -> None:
            nonlocal inside, most_inside
            async with gate.slot():
                inside += 1
                most_inside = max(most_inside, inside)
                await release.wait()
                inside -= 1

        tasks = [asyncio.create_task(request()) for _ in range(5)]
        for _ in range(20):
            await asyncio.sleep(0)
        waiting_inside = inside
        release.set()
        await asyncio.gather(*tasks)
        return waiting_inside, most_inside

    waiting_inside, most_inside = asyncio.run(scenario())
    assert waiting_inside == 2
    assert most_inside == 2
