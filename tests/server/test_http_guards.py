"""What the HTTP endpoint refuses, and how: foreign Host or Origin, oversized requests, malformed Authorization
headers, bodies that are not JSON-RPC, too many calls from one client. After each refusal the server keeps
serving, and nothing it logs carries a secret.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from tests.harness import OPS_TOKEN, WRONG_TOKEN
from xo_mcp.simulator import RunningSimulator

from .http_server import INITIALIZE, HttpServer, http_server, mcp_session, requests_to, until
from .stdio import XO_MCP

pytestmark = pytest.mark.skipif(not XO_MCP.exists(), reason=f"{XO_MCP} is not installed: run `make install`")

LIMIT = 2
HUGE_TOKEN = "t" * 100_000


@pytest.fixture(scope="module")
def server(sim: RunningSimulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    env = {"XO_URL": sim.url, "XO_MCP_MAX_CONCURRENT_PER_CLIENT": str(LIMIT), "XO_LOG_LEVEL": "DEBUG"}
    with http_server(tmp_path_factory.mktemp("http-guards"), env) as running:
        yield running


@pytest.fixture(autouse=True)
def _still_serving_and_no_secret_logged(server: HttpServer, sim: RunningSimulator) -> Iterator[None]:
    yield
    assert server.post(token=sim.admin_token).status_code == 200, "the server stopped serving"
    log = server.stderr
    for secret in (sim.admin_token, sim.viewer_token, WRONG_TOKEN, OPS_TOKEN, HUGE_TOKEN[:64]):
        assert secret not in log, "a token reached the server's log"
    assert "Traceback" not in log


def test_a_foreign_host_is_421_on_loopback_too(server: HttpServer, sim: RunningSimulator) -> None:
    refused = server.post(token=sim.admin_token, Host="evil.example:80")
    assert refused.status_code == 421 and refused.json()["error"] == "host_not_allowed"
    assert "evil.example" not in refused.text  # never echoed
    assert server.post(token=sim.admin_token, Host=f"localhost:{server.port}").status_code == 200


def test_a_foreign_origin_is_403(server: HttpServer, sim: RunningSimulator) -> None:
    for origin in ("https://evil.example", "null", f"http://127.0.0.1.evil.example:{server.port}"):
        refused = server.post(token=sim.admin_token, Origin=origin)
        assert refused.status_code == 403 and refused.json()["error"] == "origin_not_allowed"
    assert server.post(token=sim.admin_token, Origin="http://localhost:5173").status_code == 200


def test_the_host_check_comes_before_authentication(server: HttpServer, sim: RunningSimulator) -> None:
    sim.state.requests.clear()
    assert server.post(token=WRONG_TOKEN, Host="evil.example").status_code == 421
    assert not [r for r in sim.state.requests.snapshot() if r.client == "mcp"], "XO was asked for a foreign Host"


def test_an_oversized_body_is_413_and_an_unauthenticated_one_401(server: HttpServer, sim: RunningSimulator) -> None:
    padding = "x" * (2 * 1024 * 1024)
    body = {**INITIALIZE, "params": {**INITIALIZE["params"], "padding": padding}}  # type: ignore[dict-item]
    assert server.post(body, token=sim.admin_token).status_code == 413
    assert server.post(body).status_code == 401


def test_oversized_headers_are_431(server: HttpServer, sim: RunningSimulator) -> None:
    assert server.post(token=sim.admin_token, **{"X-Filler": "f" * 20_000}).status_code == 431
    refused = server.post(token=HUGE_TOKEN)
    assert refused.status_code == 431 and refused.json()["error"] == "headers_too_large"


@pytest.mark.parametrize(
    ("authorization", "status", "error"),
    [
        ("Bearer", 400, "invalid_request"),
        ("Bearer two words", 400, "invalid_request"),
        ("Bearer " + "t" * 2000, 400, "invalid_request"),
        ("Bearer tok;admin=1", 400, "invalid_request"),
        ("Basic YWRtaW46YWRtaW4=", 401, "unauthorized"),
        ("bearer-but-not-quite", 401, "unauthorized"),
    ],
)
def test_malformed_authorization_headers(server: HttpServer, authorization: str, status: int, error: str) -> None:
    response = server.post(Authorization=authorization)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert "www-authenticate" in response.headers


def test_two_authorization_headers_and_non_ascii_tokens_are_400(server: HttpServer, sim: RunningSimulator) -> None:
    doubled = raw_request(server, [f"Authorization: Bearer {sim.admin_token}", f"Authorization: Bearer {WRONG_TOKEN}"])
    assert doubled.startswith(b"HTTP/1.1 400") and b"more than one Authorization" in doubled
    latin = raw_request(server, [b"Authorization: Bearer tok\xe9n-latin1"])
    assert latin.startswith(b"HTTP/1.1 400") and b"invalid_request" in latin


def test_control_characters_in_a_header_are_refused_by_the_http_parser(server: HttpServer) -> None:
    answer = raw_request(server, [b"Authorization: Bearer tok\x01en"])
    assert answer.startswith(b"HTTP/1.1 400")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"hello", 400, -32700),
        (b"\xff\xfe{", 400, -32700),
        (b'{"id": 1}', 400, -32602),
        (b'[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]', 400, -32600),
        (b" []", 400, -32600),
        (b'{"jsonrpc":"2.0","id":3,"method":"tools/destroy"}', 200, -32601),
    ],
)
def test_bodies_that_are_not_a_json_rpc_request_get_a_json_rpc_error(
    server: HttpServer, sim: RunningSimulator, body: bytes, status: int, code: int
) -> None:
    response = server.post(body, token=sim.admin_token)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("request_id", [10**40, "i" * 10_000, -(2**63)])
def test_huge_ids_are_answered_with_the_same_id(server: HttpServer, sim: RunningSimulator, request_id: Any) -> None:
    response = server.post({"jsonrpc": "2.0", "id": request_id, "method": "ping"}, token=sim.admin_token)
    assert response.status_code == 200 and response.json() == {"jsonrpc": "2.0", "id": request_id, "result": {}}


def test_only_post_reaches_mcp(server: HttpServer, sim: RunningSimulator) -> None:
    for method in ("GET", "DELETE", "PUT"):
        response = httpx.request(method, server.url, headers={"Authorization": f"Bearer {sim.admin_token}"}, timeout=10)
        assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert httpx.get(server.base + "/elsewhere", timeout=10).status_code == 404


@pytest.mark.anyio
async def test_one_client_cannot_take_more_than_its_share(server: HttpServer, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/vms*", latency_ms=3000)
    started = time.time()
    results: list[bool] = []

    async def slow_call() -> None:
        async with mcp_session(server.url, sim.viewer_token) as session:
            results.append(not (await session.call_tool("list_vms", {"limit": 1})).is_error)

    async with anyio.create_task_group() as group:
        for _ in range(LIMIT):
            group.start_soon(slow_call)
        # Both slow calls are at XO (each list_vms asks /vms first): the viewer is at the cap.
        with anyio.fail_after(20):
            await until(lambda: requests_to(sim, "/rest/v0/vms", started) >= LIMIT)
        refused = await anyio.to_thread.run_sync(lambda: server.post(token=sim.viewer_token))
        other_user = await anyio.to_thread.run_sync(lambda: server.post(token=sim.admin_token))
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_requests"
    assert refused.headers["retry-after"] == "1"
    assert other_user.status_code == 200
    assert results == [True] * LIMIT


def raw_request(server: HttpServer, extra_headers: list[str] | list[bytes]) -> bytes:
    """A POST written byte by byte: what no HTTP client library would send."""
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    lines = [
        b"POST /mcp HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}".encode(),
        b"Content-Type: application/json",
        b"Accept: application/json, text/event-stream",
        f"Content-Length: {len(body)}".encode(),
        b"Connection: close",
        *(line if isinstance(line, bytes) else line.encode() for line in extra_headers),
    ]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer
