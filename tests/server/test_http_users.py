"""Shared deployment, XO_MCP_AUTH=xo-token: each user's assistant reaches XO as that user.

The real `xo-mcp serve` on a loopback port, the SDK's HTTP client with each user's bearer token, the simulator
as XO: an admin sees both pools, the viewer only the first (XO's ACLs, simulated). The server is also given
its own XO credentials (an admin canary, for /readyz only): a tool call must never use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from tests.harness import OPS_TOKEN, WRONG_TOKEN, text_of
from xo_mcp.simulator import RunningSimulator

from .http_server import HttpServer, call, http_server, mcp_session
from .stdio import XO_MCP

UNSEEN_WRONG_TOKEN = "tok-wrong-only-here-41c9"

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not XO_MCP.exists(), reason=f"{XO_MCP} is not installed: run `make install`"),
]


@pytest.fixture(scope="module")
def server(sim: RunningSimulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    env = {"XO_URL": sim.url, "XO_MCP_AUTH": "xo-token", "XO_TOKEN": OPS_TOKEN}
    with http_server(tmp_path_factory.mktemp("http-users"), env) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_token_in_the_log(server: HttpServer, sim: RunningSimulator) -> Iterator[None]:
    yield
    log = server.stderr
    for secret in (OPS_TOKEN, WRONG_TOKEN, UNSEEN_WRONG_TOKEN, sim.admin_token, sim.viewer_token):
        assert secret not in log, "a token reached the server's log"


def truth(sim: RunningSimulator, token: str, collection: str) -> set[str]:
    """What XO itself shows this user: ids of a collection, asked directly."""
    response = httpx.get(
        f"{sim.rest_url}/{collection}", params={"fields": "id"}, cookies={"authenticationToken": token}, timeout=30
    )
    response.raise_for_status()
    return {item["id"] for item in response.json()}


def test_no_token_is_401_with_a_bearer_challenge(server: HttpServer) -> None:
    response = server.post()
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="xo-mcp"'
    assert "Authorization: Bearer" in response.json()["error_description"]


def test_a_wrong_token_is_401_and_xo_is_asked_once(server: HttpServer, sim: RunningSimulator) -> None:
    sim.state.requests.clear()
    for _ in range(3):
        # A token no other test sends: its verdict cannot be cached already.
        response = server.post(token=UNSEEN_WRONG_TOKEN)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    # XO's verdict is cached (by the token's hash): one question to XO for three requests.
    asked = [r for r in sim.state.requests.snapshot() if r.client == "mcp"]
    assert len(asked) == 1 and asked[0].status == 401


async def test_each_user_sees_what_xo_shows_them(server: HttpServer, sim: RunningSimulator) -> None:
    viewer_pools = truth(sim, sim.viewer_token, "pools")
    admin_pools = truth(sim, sim.admin_token, "pools")
    assert len(viewer_pools) == 1 and len(admin_pools) == 2  # the premise: XO's ACLs differ
    foreign_vm = next(iter(truth(sim, sim.admin_token, "vms") - truth(sim, sim.viewer_token, "vms")))

    async with mcp_session(server.url, sim.viewer_token) as viewer, mcp_session(server.url, sim.admin_token) as admin:
        viewer_listed = await call(viewer, "list_pools")
        admin_listed = await call(admin, "list_pools")
        assert {row["id"] for row in _items(viewer_listed.structured_content)} == viewer_pools
        assert {row["id"] for row in _items(admin_listed.structured_content)} == admin_pools
        denied = await call(viewer, "get_vm_details", {"vm_id": foreign_vm})
        assert denied.is_error and "privileges" in text_of(denied)
        allowed = await call(admin, "get_vm_details", {"vm_id": foreign_vm})
        assert not allowed.is_error


async def test_interleaved_users_never_see_each_others_view(server: HttpServer, sim: RunningSimulator) -> None:
    expected = {token: truth(sim, token, "vms") for token in (sim.admin_token, sim.viewer_token)}
    assert expected[sim.admin_token] != expected[sim.viewer_token]
    seen: dict[str, list[set[str]]] = {token: [] for token in expected}

    async def user(token: str) -> None:
        async with mcp_session(server.url, token) as session:

            async def worker() -> None:
                for _ in range(6):
                    result = await call(session, "list_vms", {"fields": "id", "limit": 1000})
                    seen[token].append({row["id"] for row in _items(result.structured_content)})

            async with anyio.create_task_group() as workers:
                for _ in range(4):
                    workers.start_soon(worker)

    async with anyio.create_task_group() as users:
        for token in expected:
            users.start_soon(user, token)
    for token, views in seen.items():
        assert len(views) == 24
        assert all(view == expected[token] for view in views)


async def test_the_2026_protocol_path_carries_the_user_too(server: HttpServer, sim: RunningSimulator) -> None:
    """`mode="auto"` speaks the single-exchange protocol (no initialize): the SDK's other request path."""
    async with mcp_session(server.url, sim.viewer_token, mode="auto") as viewer:
        listed = await call(viewer, "list_pools")
    assert {row["id"] for row in _items(listed.structured_content)} == truth(sim, sim.viewer_token, "pools")


def test_the_servers_own_credentials_never_leave_it(server: HttpServer, sim: RunningSimulator) -> None:
    answers = [
        server.post(),
        server.post(token=WRONG_TOKEN),
        server.post(token=sim.viewer_token),
        server.post(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "check_connection", "arguments": {}},
            },
            token=sim.viewer_token,
        ),
        httpx.get(server.base + "/readyz", timeout=30),
        httpx.get(server.base + "/healthz", timeout=30),
    ]
    assert answers[2].status_code == 200 and answers[4].status_code == 200
    for response in answers:
        seen = response.text + "".join(f"{name}: {value}" for name, value in response.headers.items())
        assert OPS_TOKEN not in seen
        assert sim.viewer_token not in seen


def _items(content: dict[str, Any] | None) -> list[dict[str, Any]]:
    assert content is not None
    items: list[dict[str, Any]] = content["items"]
    return items
