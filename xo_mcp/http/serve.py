"""Run the HTTP app: bind the socket ourselves (a failure is one line on stderr, exit 1), serve with uvicorn,
and drain on SIGTERM or Ctrl-C.

Draining: the first signal makes new MCP requests answer 503 and /readyz "not ready" while the calls in
progress finish (at most `DRAIN_TIMEOUT_S`); then the listener closes and the process exits 0. A second
signal stops at once.
"""

from __future__ import annotations

import contextlib
import errno
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

import uvicorn

from xo_mcp import __version__
from xo_mcp.config import HttpSettings
from xo_mcp.http.app import HttpApp

DRAIN_TIMEOUT_S = 30.0
KEEP_ALIVE_S = 5
H11_BUFFER_BYTES = 128 * 1024
"""What the HTTP parser buffers for one request head. Above it uvicorn answers 400 on its own; up to it the
app answers 431 past `MAX_HEADER_BYTES` with an explanation."""

EXIT_CANNOT_LISTEN = 1


def serve(settings: HttpSettings) -> int:
    """Serve until stopped; the process's exit status."""
    try:
        listener = listen(settings.host, settings.port)
    except OSError as exc:
        print(f"xo-mcp: cannot listen on {_where(settings)}: {_listen_failure(exc, settings)}", file=sys.stderr)
        return EXIT_CANNOT_LISTEN
    app = HttpApp(settings)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,  # our handler (xo_mcp.logs) already writes to stderr
        access_log=False,
        http="h11",
        ws="none",
        h11_max_incomplete_event_size=H11_BUFFER_BYTES,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=5,
        # Behind a reverse proxy on this machine, its X-Forwarded-For names the client (per-client cap);
        # FORWARDED_ALLOW_IPS lists proxies elsewhere.
        proxy_headers=True,
    )
    server = DrainingServer(config, app)
    print(
        f"xo-mcp {__version__}: serving MCP at {settings.url} (authentication: {_auth_label(settings)}); "
        "health at /healthz and /readyz; SIGTERM or Ctrl-C to stop.",
        file=sys.stderr,
        flush=True,
    )
    server.run(sockets=[listener])
    return 0


class DrainingServer(uvicorn.Server):
    """uvicorn, with a drain before the listener closes and a clean exit status after a signal."""

    def __init__(self, config: uvicorn.Config, app: HttpApp) -> None:
        super().__init__(config)
        self._app = app
        self._drain_deadline: float | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises a caught signal once it has shut down, so the process would end "killed by
        # SIGTERM" after a clean drain; here it exits 0 instead, as a service manager expects.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._drain_deadline is None:
            self._drain_deadline = time.monotonic() + DRAIN_TIMEOUT_S
            self._app.start_draining()
        else:
            self.should_exit = True
            self.force_exit = True

    async def on_tick(self, counter: int) -> bool:
        if await super().on_tick(counter):
            return True
        deadline = self._drain_deadline
        return deadline is not None and (self._app.idle or time.monotonic() > deadline)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (raises OSError, socket.gaierror included)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    sock = socket.socket(family, kind, proto)
    try:
        # Lets a restart reuse the port at once; a port another process listens on still fails (EADDRINUSE).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def _where(settings: HttpSettings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"{host}:{settings.port}"


def _listen_failure(exc: OSError, settings: HttpSettings) -> str:
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return f"{settings.host} is not an address of this machine; check --host."
    if exc.errno == errno.EADDRINUSE:
        return "the port is already in use (another process listens there): stop it or choose another --port."
    if exc.errno == errno.EACCES:
        return "permission denied (ports below 1024 need privileges): choose a port above 1023."
    return f"{exc.strerror or type(exc).__name__}."


def _auth_label(settings: HttpSettings) -> str:
    return {
        "xo-token": "each user's own XO token (Authorization: Bearer)",
        "static": "shared access token (Authorization: Bearer)",
        "none": "none, loopback only",
    }[settings.auth]
