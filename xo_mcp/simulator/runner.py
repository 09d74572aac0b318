"""Run the simulator on a loopback port for the length of a `with` block (tests, demo, bench, `xo-mcp simulate`).

    with run_simulator() as sim:
        httpx.get(f"{sim.url}/rest/v0/vms", auth=(sim.admin_username, sim.admin_password))

uvicorn runs in a background thread with its own event loop; the state stays shared with the
caller, so faults, the kill-switch and the inventory can be changed while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import anyio.to_thread
import uvicorn

from xo_mcp.simulator.app import SimulatorApp, create_app
from xo_mcp.simulator.credentials import (
    ADMIN_PASSWORD,
    ADMIN_TOKEN,
    ADMIN_USERNAME,
    VIEWER_PASSWORD,
    VIEWER_TOKEN,
    VIEWER_USERNAME,
)
from xo_mcp.simulator.state import SimulatorState

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RunningSimulator:
    url: str
    """`http://127.0.0.1:<port>`: no trailing slash, no /rest/v0."""
    state: SimulatorState
    admin_username: str = ADMIN_USERNAME
    admin_password: str = ADMIN_PASSWORD
    admin_token: str = ADMIN_TOKEN
    viewer_username: str = VIEWER_USERNAME
    viewer_password: str = VIEWER_PASSWORD
    viewer_token: str = VIEWER_TOKEN

    @property
    def rest_url(self) -> str:
        return f"{self.url}/rest/v0"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


class _ServerThread:
    def __init__(self, app: SimulatorApp, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        config = uvicorn.Config(
            app,
            lifespan="off",
            ws="none",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
            timeout_keep_alive=5,
            server_header=False,
        )
        self.server = uvicorn.Server(config)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="xo-simulator", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        except BaseException as error:  # reported to the starting thread instead of dying silently
            self.failure = error

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self.server.started:
            if self.failure is not None or not self.thread.is_alive():
                raise RuntimeError(f"the simulator did not start: {self.failure!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator did not start within 10 seconds")
            time.sleep(0.005)

    def stop(self) -> None:
        self.app.stopping.set()
        self.server.should_exit = True
        self.thread.join(_STOP_TIMEOUT_S)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(_STOP_TIMEOUT_S)
        self.sock.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: without it, a response written as headers then body waits for
    # the client's delayed ACK (~40 ms per keep-alive request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@contextlib.contextmanager
def run_simulator(
    state: SimulatorState | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSimulator]:
    """Serve `state` (a default 2-pool, 40-VM inventory if None) until the block exits; port 0 picks a free one."""
    state = state if state is not None else SimulatorState()
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    server = _ServerThread(create_app(state), sock)
    try:
        server.start()
    except BaseException:
        sock.close()
        raise
    url_host = f"[{host}]" if ":" in host else host
    try:
        yield RunningSimulator(url=f"http://{url_host}:{bound_port}", state=state)
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def run_simulator_async(
    state: SimulatorState | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningSimulator]:
    """`run_simulator` for async code: starting and stopping happen off the event loop."""
    manager = run_simulator(state, host=host, port=port)
    simulator = await anyio.to_thread.run_sync(manager.__enter__)
    try:
        yield simulator
    finally:
        await anyio.to_thread.run_sync(manager.__exit__, None, None, None)
