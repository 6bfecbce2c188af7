"""Address-policy and Retry-After decisions that the mutation run (docs/mutation-testing.md)
found untested: public IPv4 addresses inside IPv6 forms, what a permitted host resolves to,
default ports in the allow list, and HTTP dates in any zone.

No connection is opened: public addresses are only classified, and host names are resolved
by an event loop that answers from a table instead of asking DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from news_pipeline.fetch.fetcher import Fetcher, parse_retry_after
from news_pipeline.fetch.policy import AddressPolicy, FetchBlocked, FetchSettings, blocked_ip_reason
from news_pipeline.fetch.transport import make_client

T = TypeVar("T")

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:4700:4700::1111"


@pytest.mark.parametrize(
    "address",
    [f"::ffff:{PUBLIC_V4}", "2002:5db8:d822::1"],  # IPv4-mapped and 6to4 forms of PUBLIC_V4
)
def test_a_public_ipv4_address_inside_ipv6_is_allowed(address: str) -> None:
    assert blocked_ip_reason(ipaddress.ip_address(address)) is None


def test_a_teredo_address_is_refused_as_a_tunnel() -> None:
    """Teredo hides an arbitrary IPv4 server behind 2001::/32: refused by name."""
    teredo = ipaddress.ip_address("2001:0:4136:e378:8000:63bf:3fff:fdd2")
    assert blocked_ip_reason(teredo) == "teredo tunnel address"


def test_a_public_ip_literal_is_permitted_as_itself() -> None:
    policy = AddressPolicy(allow_private_addresses=False, allowed_private_hosts=[])
    assert asyncio.run(policy.permitted_addresses(PUBLIC_V4, 443)) == [PUBLIC_V4]
    assert asyncio.run(policy.permitted_addresses(PUBLIC_V6, 443)) == [PUBLIC_V6]


class TableResolverLoop(asyncio.SelectorEventLoop):
    """An event loop whose name lookups answer from a table (a name it does not know is an
    error, as in DNS); everything else is the ordinary loop."""

    def __init__(self, table: Mapping[str, list[str]]) -> None:
        super().__init__()
        self.table = table

    async def getaddrinfo(  # type: ignore[override]
        self, host: str, port: int, *, type: int = 0, **_options: int
    ) -> list[tuple[Any, ...]]:
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, f"{host!r} is not in the table")
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, type, 0, "", (address, port))
            for address in self.table[host]
        ]


def resolved_by(table: Mapping[str, list[str]], coroutine: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=lambda: TableResolverLoop(table)) as runner:
        return runner.run(coroutine)


def test_a_name_is_permitted_with_every_public_address_it_resolves_to() -> None:
    policy = AddressPolicy(allow_private_addresses=False, allowed_private_hosts=[])
    table = {"news.example": [PUBLIC_V4, PUBLIC_V6, PUBLIC_V4]}
    addresses = resolved_by(table, policy.permitted_addresses("news.example", 443))
    assert addresses == [PUBLIC_V4, PUBLIC_V6]


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    """One non-public answer is enough: the socket could otherwise be pinned to it."""
    policy = AddressPolicy(allow_private_addresses=False, allowed_private_hosts=[])
    table = {"rebind.example": [PUBLIC_V4, "127.0.0.1"]}
    with pytest.raises(FetchBlocked, match=r"rebind\.example resolves to 127\.0\.0\.1, a loopback"):
        resolved_by(table, policy.permitted_addresses("rebind.example", 443))


@pytest.mark.parametrize(
    ("url", "listed"),
    [("https://localhost/x", "localhost:443"), ("http://localhost/x", "localhost:80")],
)
def test_an_allow_list_entry_with_the_default_port_matches_a_url_without_one(
    url: str, listed: str
) -> None:
    """ "host:443" in allowed_private_hosts covers https://host/...; decided without
    connecting (an exempt host is not even resolved)."""

    async def verdicts() -> tuple[str | None, str | None]:
        fetch_settings = FetchSettings(allowed_private_hosts=[listed])
        async with make_client(fetch_settings, AddressPolicy(False, [listed])) as client:
            fetcher = Fetcher(client, fetch_settings, allow_private_addresses=False)
            other_port = url.replace("localhost/", "localhost:8443/")
            return (
                await fetcher.address_block_reason(url),
                await fetcher.address_block_reason(other_port),
            )

    default_port, other_port = asyncio.run(verdicts())
    assert default_port is None
    assert other_port is not None and "loopback" in other_port


def test_retry_after_http_dates_keep_their_zone() -> None:
    now = datetime(2026, 2, 14, 10, 0, tzinfo=UTC)
    # "-0000" is a date without a zone (RFC 5322): read as UTC.
    assert parse_retry_after("Sat, 14 Feb 2026 10:01:00 -0000", now) == 60.0
    assert parse_retry_after("Sat, 14 Feb 2026 18:02:00 +0800", now) == 120.0


def test_retry_after_date_in_the_past_without_a_given_now_means_no_wait() -> None:
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
