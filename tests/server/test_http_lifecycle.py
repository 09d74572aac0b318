"""Operating the HTTP deployment: health and readiness, the static shared secret, and a graceful SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import anyio
import httpx
import pytest

from tests.harness import OPS_TOKEN, WRONG_TOKEN
from xo_mcp.simulator import RunningSimulator

from .http_server import HttpServer, call, free_port, http_server, mcp_session, requests_to, until
from .stdio import XO_MCP

pytestmark = pytest.mark.skipif(not XO_MCP.exists(), reason=f"{XO_MCP} is not installed: run `make install`")

SECRET = "shared-secret-canary-8f3a5c1e9d"


def get(server: HttpServer, path: str) -> httpx.Response:
    return httpx.get(server.base + path, timeout=30)


def test_health_and_readiness_follow_xo(sim: RunningSimulator, tmp_path: Path) -> None:
    # No server credentials: readiness asks XO's public /mcp/status.
    with http_server(tmp_path, {"XO_URL": sim.url}) as server:
        assert get(server, "/healthz").json() == {"status": "ok"}
        assert get(server, "/readyz").json() == {"status": "ready"}
        assert httpx.head(server.base + "/healthz", timeout=30).status_code == 200
        assert httpx.post(server.base + "/readyz", timeout=30).status_code == 405
    down = f"http://127.0.0.1:{free_port()}"
    with http_server(tmp_path, {"XO_URL": down, "XO_TOKEN": OPS_TOKEN, "XO_MCP_AUTH": "xo-token"}) as server:
        assert get(server, "/healthz").status_code == 200  # alive, and says nothing more
        not_ready = get(server, "/readyz")
        assert not_ready.status_code == 503 and not_ready.json() == {"status": "not ready"}
        unverifiable = server.post(token=sim.viewer_token)
        assert unverifiable.status_code == 503 and unverifiable.json()["error"] == "xo_unavailable"
        assert unverifiable.headers["retry-after"] == "5"
        assert down not in unverifiable.text  # the reason is in the log, not in an answer to anyone
        assert "Cannot connect to Xen Orchestra" in server.stderr
        assert OPS_TOKEN not in server.stderr and sim.viewer_token not in server.stderr


@pytest.mark.anyio
async def test_static_mode_lets_in_the_shared_secret_only(sim: RunningSimulator, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    env = {"XO_URL": sim.url, "XO_TOKEN": OPS_TOKEN, "XO_MCP_HTTP_TOKEN_FILE": str(secret_file)}
    with http_server(tmp_path, env) as server:
        missing = server.post()
        assert missing.status_code == 401 and "access token" in missing.json()["error_description"]
        for wrong in (WRONG_TOKEN, SECRET[:-1], SECRET + "x", sim.admin_token):
            assert server.post(token=wrong).status_code == 401
        async with mcp_session(server.url, SECRET) as session:
            listed = await call(session, "list_pools")
        # XO is reached with the server's own (admin) credentials: both pools.
        assert listed.structured_content is not None and listed.structured_content["total"] == 2
        for secret in (SECRET, OPS_TOKEN, WRONG_TOKEN):
            assert secret not in server.stderr


@pytest.mark.anyio
async def test_sigterm_lets_calls_in_progress_finish_and_refuses_new_ones(
    sim: RunningSimulator, tmp_path: Path
) -> None:
    sim.state.faults.add(path="/rest/v0/pools", latency_ms=3000)
    with http_server(tmp_path, {"XO_URL": sim.url, "XO_TOKEN": OPS_TOKEN}) as server:
        started = time.time()
        answers: list[int | None] = []

        async def slow_call() -> None:
            async with mcp_session(server.url) as session:
                await session.list_tools()  # the client checks answers against the tools' schemas: fetch them now
                result = await call(session, "list_pools")
                content = result.structured_content
                answers.append(None if result.is_error or content is None else content["total"])

        async with anyio.create_task_group() as group:
            group.start_soon(slow_call)
            with anyio.fail_after(20):
                await until(lambda: requests_to(sim, "/rest/v0/pools", started) > 0)
            server.process.send_signal(signal.SIGTERM)
            with anyio.fail_after(10):
                await until(lambda: get(server, "/readyz").status_code == 503)
            refused = await anyio.to_thread.run_sync(server.post)
            assert refused.status_code == 503 and refused.json()["error"] == "shutting_down"
            assert server.process.poll() is None, "the server left before its call in progress finished"
        assert answers == [2]
        status = await anyio.to_thread.run_sync(server.process.wait, 30)
    assert status == 0
    assert "Traceback" not in server.stderr and OPS_TOKEN not in server.stderr
