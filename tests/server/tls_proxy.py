"""A TLS front for the simulator, with a self-signed certificate made for the test (openssl CLI)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "xo-test.pem", folder / "xo-test.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def tls_front(backend_port: int, cert: Path, key: Path) -> Iterator[str]:
    """Serve TLS on a free loopback port, forwarding plain bytes to the backend; yields the https URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stopping = threading.Event()

    def handle(raw: socket.socket) -> None:
        with raw:
            try:
                conn = context.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError):
                return  # the client refused our certificate: exactly what some tests expect
            with conn, socket.create_connection(("127.0.0.1", backend_port)) as backend:
                back = threading.Thread(target=_pipe, args=(backend, conn), daemon=True)
                back.start()
                _pipe(conn, backend)
                back.join(10)

    def accept() -> None:
        while not stopping.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            raw.settimeout(10)
            threading.Thread(target=handle, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        thread.join(2)
        listener.close()
