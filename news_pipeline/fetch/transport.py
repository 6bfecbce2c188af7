"""The one httpx client of a collect call, whose sockets open only to approved addresses.

httpx has no public hook for httpcore's network backend, so `make_transport` replaces the
transport's private `_pool` with an equivalent pool built on `GuardedNetworkBackend`. That
reaches into httpx internals: the versions it was verified against are `VERIFIED_VERSIONS`,
pyproject.toml pins the same ranges, and news_pipeline_tests checks both and the swap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from news_pipeline.fetch.policy import AddressPolicy, FetchBlocked, FetchSettings

# [lowest verified, first unverified) per distribution; keep pyproject.toml's pins equal.
VERIFIED_VERSIONS: dict[str, tuple[str, str]] = {
    "httpx": ("0.28.0", "0.29"),
    "httpcore": ("1.0.0", "1.1"),
}


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to the addresses the policy approved, resolved at connect time.

    The per-hop check in Fetcher gives a clear "blocked" row before any request; this one
    closes the gap between that check and the connection (DNS rebinding), because the
    socket is opened to the very IP that was checked.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._policy.exempt(host, port):
            targets = [host]
        else:
            targets = await self._policy.permitted_addresses(host, port)
        last_error: Exception | None = None
        for target in targets:
            try:
                return await self._inner.connect_tcp(
                    target,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchBlocked("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def make_transport(settings: FetchSettings, policy: AddressPolicy) -> httpx.AsyncHTTPTransport:
    """httpx transport whose connections go through GuardedNetworkBackend."""
    transport = httpx.AsyncHTTPTransport(http2=settings.http2, trust_env=False, retries=0)
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        raise RuntimeError(
            f"httpx {httpx.__version__} keeps no AsyncConnectionPool in `_pool`: the address "
            f"policy cannot pin connections (verified with {VERIFIED_VERSIONS})"
        )
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        # In-flight requests are capped by Fetcher's semaphores; the pool may also hold
        # idle keep-alive connections to more hosts than that, so rotating between many
        # hosts does not reconnect every time.
        max_connections=settings.max_concurrency * 4,
        max_keepalive_connections=settings.max_concurrency * 4,
        keepalive_expiry=5.0,
        http1=True,
        http2=settings.http2,
        network_backend=GuardedNetworkBackend(policy),
    )
    return transport


def make_client(settings: FetchSettings, policy: AddressPolicy) -> httpx.AsyncClient:
    """The one client of a collect call; redirects and decoding are handled by Fetcher."""
    return httpx.AsyncClient(
        transport=make_transport(settings, policy),
        follow_redirects=False,
        trust_env=False,  # an environment proxy would bypass the address policy
        timeout=httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.total_timeout,
        ),
        headers={
            "User-Agent": settings.user_agent,
            "Accept-Encoding": "gzip, deflate",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        },
    )
