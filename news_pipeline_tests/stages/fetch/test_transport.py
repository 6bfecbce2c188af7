"""The one place the fetcher reaches into httpx internals: transport.py replaces httpx's
private `_pool` so that each socket opens to the IP the address policy checked.

These tests fail when the installed httpx/httpcore leave the range that swap was verified
on, when pyproject.toml stops pinning that range, or when the swap stops taking effect.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import re
import tomllib

import pytest
from pytest_httpserver import HTTPServer

from news_pipeline.fetch.policy import AddressPolicy, FetchBlocked, FetchSettings
from news_pipeline.fetch.transport import VERIFIED_VERSIONS, make_client
from news_pipeline_tests.paths import REPO_ROOT

pytestmark = pytest.mark.usefixtures("clean_server")


def release(version: str) -> tuple[int, ...]:
    """(major, minor, micro) of a version string; missing parts are 0."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    assert match is not None, version
    return tuple(int(part or 0) for part in match.groups())


@pytest.mark.parametrize("distribution", sorted(VERIFIED_VERSIONS))
def test_installed_version_is_one_the_pool_swap_was_verified_on(distribution: str) -> None:
    lowest, first_unverified = VERIFIED_VERSIONS[distribution]
    installed = importlib.metadata.version(distribution)
    assert release(lowest) <= release(installed) < release(first_unverified), (
        f"{distribution} {installed} is outside [{lowest}, {first_unverified}): check that "
        "transport.make_transport still pins connections, then widen VERIFIED_VERSIONS "
        "and pyproject.toml together"
    )


@pytest.mark.parametrize("distribution", sorted(VERIFIED_VERSIONS))
def test_pyproject_pins_the_verified_range(distribution: str) -> None:
    lowest, first_unverified = VERIFIED_VERSIONS[distribution]
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    declared = [
        re.sub(r"^[A-Za-z0-9_.-]+(\[[^\]]*\])?", "", spec).replace(" ", "")
        for spec in dependencies
        if re.match(rf"{re.escape(distribution)}(\[|[<>=!~ ]|$)", spec)
    ]
    assert declared == [f">={lowest},<{first_unverified}"]


class OneNamePolicy(AddressPolicy):
    """Approves one host name, at an address the test chooses, the way the real policy
    approves a public name at the IPs it resolved (loopback stands in for a public IP:
    tests connect to nothing else). Every other host is refused."""

    def __init__(self, name: str, address: str) -> None:
        super().__init__(allow_private_addresses=False, allowed_private_hosts=[])
        self.name = name
        self.address = address
        self.checked: list[tuple[str, int]] = []

    async def permitted_addresses(self, host: str, port: int) -> list[str]:
        self.checked.append((host, port))
        if host != self.name:
            raise FetchBlocked(f"address policy: {host} is not {self.name}")
        return [self.address]


def test_request_through_the_swapped_pool_reaches_the_checked_ip(server: HTTPServer) -> None:
    """`pinned.invalid` resolves nowhere (RFC 2606): the request can only reach the server
    if the socket was opened to the address the policy returned, i.e. through our pool."""
    server.expect_request("/ping").respond_with_data("pong")
    name = "pinned.invalid"
    policy = OneNamePolicy(name, "127.0.0.1")

    async def get() -> tuple[int, str]:
        async with make_client(FetchSettings(http2=False), policy) as client:
            response = await client.get(f"http://{name}:{server.port}/ping")
            return response.status_code, response.text

    assert asyncio.run(get()) == (200, "pong")
    assert policy.checked == [(name, server.port)]
    (request, _), *_ = server.log
    assert request.headers["Host"] == f"{name}:{server.port}"


def test_swapped_pool_refuses_a_host_the_policy_refuses(server: HTTPServer) -> None:
    server.expect_request("/ping").respond_with_data("pong")
    policy = OneNamePolicy("pinned.invalid", "127.0.0.1")

    async def get() -> None:
        async with make_client(FetchSettings(http2=False), policy) as client:
            await client.get(f"http://127.0.0.1:{server.port}/ping")

    with pytest.raises(FetchBlocked, match=r"is not pinned\.invalid"):
        asyncio.run(get())
    assert policy.checked == [("127.0.0.1", server.port)]
    assert server.log == []
