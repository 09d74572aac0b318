"""A few smoke tests of the installed console script: it starts, initializes, answers one tool over each
transport, refuses a bad configuration with status 2, and its start path stays lean."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.harness import CANARIES, OPS_TOKEN
from xo_mcp.simulator import RunningSimulator

from .stdio import XO_MCP, base_env

pytestmark = pytest.mark.skipif(not XO_MCP.exists(), reason=f"{XO_MCP} is not installed: run `make install`")


def test_stdio_initialize_and_one_tool(sim: RunningSimulator, tmp_path: Path) -> None:
    env = base_env(XO_URL=sim.url, XO_TOKEN=OPS_TOKEN)
    log = tmp_path / "stderr.log"

    async def session(errlog: TextIO) -> str:
        params = StdioServerParameters(command=str(XO_MCP), args=[], env=env)
        async with Client(stdio_client(params, errlog=errlog), read_timeout_seconds=60) as client:
            assert client.server_info is not None and client.server_info.name == "xo-mcp"
            result = await client.call_tool("get_infrastructure_summary", {})
            assert not result.is_error and result.structured_content is not None
            failed = await client.call_tool("get_vm_details", {"vm_id": "0b7c3e4a-0000-4000-8000-00000000dead"})
            assert failed.is_error
            return str(result.structured_content)

    with log.open("w") as errlog:
        content = anyio.run(session, errlog)
    stderr = log.read_text()
    assert "'vms'" in content
    assert "Tool get_vm_details failed: No VM" in stderr, "tool failures are logged on stderr at INFO"
    assert not any(secret in stderr for secret in CANARIES)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_streamable_http_one_tool(sim: RunningSimulator) -> None:
    """The same server over Streamable HTTP (stateless), for clients that cannot spawn processes."""
    port = _free_port()
    env = base_env(XO_URL=sim.url, XO_TOKEN=OPS_TOKEN)
    server = subprocess.Popen(
        [str(XO_MCP), "--transport", "streamable-http", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)

        async def ask() -> str:
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                result = await client.call_tool("get_infrastructure_summary", {})
                assert not result.is_error
                return str(result.structured_content)

        assert "'vms'" in anyio.run(ask)
    finally:
        server.terminate()
        server.wait(10)


def test_refuses_to_start_without_settings() -> None:
    done = subprocess.run([str(XO_MCP)], env=base_env(XO_PASSWORD="pw-x"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""  # stdout belongs to the protocol
    assert "XO_URL not set" in done.stderr and "XO_USERNAME not set" in done.stderr
    assert "pw-x" not in done.stderr
    assert "Traceback" not in done.stderr


def test_version_and_module_entry_point() -> None:
    done = subprocess.run([str(XO_MCP), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("xo-mcp ")
    python = XO_MCP.with_name("python")
    done = subprocess.run([str(python), "-m", "xo_mcp", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "simulate" in done.stdout and "XO_URL" in done.stdout


LEAN_START_FORBIDS = (
    "xo_mcp.simulator",
    "xo_mcp.complex_matcher",
    "bs4",
    "markdown_it",
    "xo_mcp.docs.build",
    # The HTTP deployment's own modules stay off the stdio path (the SDK itself imports parts of uvicorn).
    "xo_mcp.http",
    "h11",
)
START_PATH = """
from xo_mcp.cli import _serve
from xo_mcp.config import load_settings
from xo_mcp.server import build_server
build_server(load_settings({"XO_URL": "http://127.0.0.1:9", "XO_TOKEN": "t"}))
"""


def test_the_stdio_start_path_imports_neither_the_simulator_nor_the_index_builder() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", START_PATH], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "xo_mcp.server" in imported and "xo_mcp.tools" in imported
    offending = sorted(
        name for name in imported if name.split(".")[0] in LEAN_START_FORBIDS or name.startswith(LEAN_START_FORBIDS)
    )
    assert not offending, f"the start path imports {offending}"


# --- start-up failures: one line on stderr, a non-zero status (issue 13 items 8 and 11, issue 11) ----------


def start(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script with a closed stdin: a stdio server that starts ends at once with status 0."""
    return subprocess.run(
        [str(XO_MCP), *args], env=base_env(**env), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    return lines[0]


XO = {"XO_URL": "http://127.0.0.1:9", "XO_TOKEN": OPS_TOKEN}
HTTP = ("serve", "--transport", "streamable-http")


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ((), XO | {"XO_TOKEN": "tök€n-canary"}, "XO_TOKEN contains characters an HTTP cookie cannot carry"),
        ((), XO | {"XO_LOG_LEVEL": "LOUD"}, "XO_LOG_LEVEL=LOUD is not a log level"),
        (HTTP, XO | {"XO_LOG_LEVEL": "LOUD"}, "XO_LOG_LEVEL=LOUD is not a log level"),
        ((*HTTP, "--port", "99999"), XO, "--port 99999 is not a TCP port"),
        ((*HTTP, "--port", "http"), XO, "argument --port: invalid int value: 'http'"),
        ((*HTTP, "--host", "0.0.0.0"), XO, "Refusing to serve on 0.0.0.0 without authentication"),
        (HTTP, XO | {"XO_MCP_AUTH": "static"}, "XO_MCP_AUTH=static needs the shared secret"),
        (("--transport", "carrier-pigeon"), XO, "argument --transport: invalid choice"),
    ],
)
def test_a_bad_setting_or_argument_is_one_line_and_status_2(
    args: tuple[str, ...], env: dict[str, str], expected: str
) -> None:
    done = start(*args, **env)
    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith("xo-mcp: ") and expected in line
    assert OPS_TOKEN not in done.stderr


def test_a_ca_bundle_that_is_not_pem_is_one_line_and_status_2(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n")
    done = start(**XO, XO_CA_BUNDLE=str(bundle))
    assert done.returncode == 2
    assert f"XO_CA_BUNDLE={bundle} holds no PEM certificate" in one_line(done)


def test_a_docs_index_that_is_not_a_folder_is_a_one_line_warning(tmp_path: Path) -> None:
    done = start(**XO, XO_DOCS_INDEX=str(tmp_path / "nowhere"))
    assert done.returncode == 0  # the server ran (and ended with its closed stdin)
    assert one_line(done).startswith(f"xo-mcp: warning: XO_DOCS_INDEX={tmp_path / 'nowhere'} is not a folder")


def test_a_port_in_use_is_one_line_and_status_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = start(*HTTP, "--port", str(port), **XO)
    assert done.returncode == 1
    line = one_line(done)
    assert (
        line == f"xo-mcp: cannot listen on 127.0.0.1:{port}: the port is already in use (another process "
        "listens there): stop it or choose another --port."
    )


def test_a_host_that_is_not_an_address_of_this_machine_is_one_line_and_status_1() -> None:
    done = start(*HTTP, "--host", "192.0.2.1", "--port", str(_free_port()), **XO, XO_MCP_AUTH="xo-token")
    assert done.returncode == 1
    assert "192.0.2.1 is not an address of this machine" in one_line(done)
