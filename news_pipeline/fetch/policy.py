"""What a fetch run may do: its settings, and which addresses it may connect to.

The address policy is decided on every IP a host name resolves to, so a name that points
at a loopback, private, link-local or cloud-metadata address is refused unless the sources
file or the settings allow it explicitly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from news_pipeline import schema

DEFAULT_USER_AGENT = "news_pipeline/0.1 (+https://github.com/news-pipeline)"

# Addresses that are global by the registry's tables but are cloud metadata endpoints.
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(text)
    for text in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class FetchSettings(BaseModel):
    """Politeness, limits and policy of one fetch run.

    Timeouts: `connect_timeout` and `read_timeout` (seconds without a byte) per socket
    operation; `total_timeout` bounds one request/response exchange (time queued behind
    the politeness gates does not count). `max_body_bytes` counts decoded bytes.
    `allowed_private_hosts` lists "host" or "host:port" entries that may be fetched even
    though they resolve to loopback/private addresses.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = DEFAULT_USER_AGENT
    max_concurrency: int = Field(default=16, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    per_host_min_delay_seconds: float = Field(default=0.25, ge=0)
    connect_timeout: float = Field(default=10, gt=0)
    read_timeout: float = Field(default=20, gt=0)
    total_timeout: float = Field(default=60, gt=0)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    max_redirects: int = Field(default=5, ge=0)
    max_retries: int = Field(default=3, ge=0)
    backoff_base_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=30, ge=0)
    respect_robots: bool = True
    http2: bool = True
    allowed_private_hosts: list[str] = Field(default_factory=list)


class FetchBlocked(Exception):
    """A request that policy forbids; `status` is the row status it ends with."""

    def __init__(self, reason: str, status: str = schema.STATUS_BLOCKED) -> None:
        super().__init__(reason)
        self.status = status


def blocked_ip_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an IP must not be fetched from (None when it is a public unicast address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            inner = blocked_ip_reason(embedded)
            return f"{inner} (embedded in {address})" if inner else None
        if address.teredo is not None:
            return "teredo tunnel address"
    if address in _METADATA_ADDRESSES:
        return "cloud metadata address"
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if address.is_multicast:
        return "multicast address"
    if address.is_unspecified:
        return "unspecified address"
    if address.is_reserved:
        return "reserved address"
    if address.is_private:
        return "private address"
    if not address.is_global:
        return "non-global address"
    return None


def host_is_listed(host: str, port: int, allowed_hosts: list[str]) -> bool:
    """True when `host` or `host:port` appears in the allow list (case-insensitive)."""
    host = host.lower().strip("[]")
    for entry in allowed_hosts:
        entry = entry.strip().lower()
        if entry.startswith("["):
            entry_host, _, rest = entry[1:].partition("]")
            entry_port = rest.removeprefix(":")
        elif entry.count(":") == 1:
            entry_host, entry_port = entry.split(":")
        else:
            entry_host, entry_port = entry, ""
        if entry_host == host and (not entry_port or entry_port == str(port)):
            return True
    return False


def default_port(url_parts: Any) -> int:
    return url_parts.port or (443 if url_parts.scheme == "https" else 80)


class AddressPolicy:
    """Which hosts may be connected to, decided on the IPs a host name resolves to."""

    def __init__(self, allow_private_addresses: bool, allowed_private_hosts: list[str]) -> None:
        self.allow_private_addresses = allow_private_addresses
        self.allowed_private_hosts = allowed_private_hosts

    def exempt(self, host: str, port: int) -> bool:
        return self.allow_private_addresses or host_is_listed(
            host, port, self.allowed_private_hosts
        )

    async def permitted_addresses(self, host: str, port: int) -> list[str]:
        """Every address of `host`, or FetchBlocked when any of them is not public."""
        try:
            addresses = [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        for address in addresses:
            reason = blocked_ip_reason(address)
            if reason is not None:
                raise FetchBlocked(f"address policy: {host} resolves to {address}, a {reason}")
        return list(dict.fromkeys(str(address) for address in addresses))
