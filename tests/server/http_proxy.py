"""A forwarding HTTP proxy on a free loopback port: absolute-form requests for http://, CONNECT tunnels for
https://. It records what it was asked, so a test can prove a request went through it (or not)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .tls_proxy import _pipe


@dataclass
class RunningProxy:
    url: str
    requests: list[str] = field(default_factory=list)
    """Request lines received: `GET http://127.0.0.1:1234/rest/v0/pools?… HTTP/1.1`, `CONNECT 127.0.0.1:443 …`."""


def _read_head(conn: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(65536)
        if not chunk:
            break
        head += chunk
    return head


def _handle(conn: socket.socket, proxy: RunningProxy) -> None:
    with conn:
        head = _read_head(conn)
        if not head:
            return
        request_line, _, rest = head.partition(b"\r\n")
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        proxy.requests.append(request_line.decode("latin-1"))
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port))) as upstream:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                back = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
                back.start()
                _pipe(conn, upstream)
                back.join(10)
            return
        parts = urlsplit(target)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = [
            line
            for line in rest.split(b"\r\n")
            if line and not line.lower().startswith((b"proxy-", b"connection:", b"keep-alive:"))
        ]
        forwarded = f"{method} {path} {version}\r\n".encode() + b"\r\n".join([*headers, b"Connection: close"])
        with (
            socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80)) as upstream,
            contextlib.suppress(OSError),  # the client may leave mid-answer (it stops reading a stream early)
        ):
            upstream.sendall(forwarded + b"\r\n\r\n")
            while data := upstream.recv(65536):
                conn.sendall(data)


@contextlib.contextmanager
def http_proxy() -> Iterator[RunningProxy]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    proxy = RunningProxy(url=f"http://127.0.0.1:{listener.getsockname()[1]}")
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(10)
            threading.Thread(target=_handle, args=(conn, proxy), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        stopping.set()
        thread.join(2)
        listener.close()
