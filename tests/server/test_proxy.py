"""HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured for requests to XO, as the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Connect
from xo_mcp.simulator import RunningSimulator

from .http_proxy import http_proxy
from .tls_proxy import make_certificate, tls_front

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _no_proxy_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def test_http_proxy_carries_the_requests(
    connect: Connect, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with connect(sim.url) as session:
            report = await session.ok("check_connection")
            summary = await session.content("get_infrastructure_summary")
    assert summary["vms"]["total"] == len(sim.state.inventory.vms)
    assert any(line.startswith(f"GET {sim.url}/rest/v0/pools?") for line in proxy.requests)
    assert "via proxy from HTTP_PROXY" in report.content[0].text  # type: ignore[union-attr]


async def test_https_proxy_tunnels_with_connect(
    connect: Connect, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cert, key = make_certificate(tmp_path)
    with tls_front(sim.port, cert, key) as https_url, http_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with connect(https_url, ca_bundle=cert) as session:
            listed = await session.content("list_pools")
    assert listed["total"] == len(sim.state.inventory.pools)
    authority = https_url.removeprefix("https://")
    assert proxy.requests and all(line.startswith(f"CONNECT {authority} ") for line in proxy.requests)


async def test_no_proxy_bypasses_the_proxy(
    connect: Connect, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with connect(sim.url) as session:
            await session.ok("list_pools")
    assert proxy.requests == []


async def test_a_dead_proxy_is_named(connect: Connect, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with http_proxy() as proxy:
        dead = proxy.url
    monkeypatch.setenv("HTTP_PROXY", dead)
    async with connect(sim.url) as session:
        message = await session.error("list_pools")
    assert "proxy" in message.lower() and "NO_PROXY" in message
