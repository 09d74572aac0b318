"""Fixtures for the documentation tests: the shared docs snapshot, built indexes, a loopback HTTP server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from xo_mcp.docs.build import Progress, build_index
from xo_mcp.docs.manifest import Manifest, load_manifest
from xo_mcp.docs.sources import TarballSource

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SHARED_DOCS = SHARED / "xo-docs"
SHARED_TARBALL = SHARED / "xo-docs.tar.gz"
EVAL_QUESTIONS = SHARED_DOCS / "eval-questions.json"

needs_shared_docs = pytest.mark.skipif(
    not SHARED_TARBALL.is_file() or not SHARED_DOCS.is_dir(),
    reason=f"the XO docs snapshot is not beside the repository ({SHARED}); it is a build-time input",
)

Route = bytes | tuple[int, bytes] | Callable[[], tuple[int, bytes]]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 serving a dict of path -> body, status or callable."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = dict(routes)
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path, server.routes.get(self.path.split("?", 1)[0]))
                if callable(route):
                    status, body = route()
                elif isinstance(route, tuple):
                    status, body = route
                elif route is None:
                    status, body = 404, b"not found"
                else:
                    status, body = 200, route
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


@pytest.fixture
def serve() -> Iterator[Callable[[Mapping[str, Route]], LoopbackServer]]:
    started: list[LoopbackServer] = []

    def start(routes: Mapping[str, Route]) -> LoopbackServer:
        server = LoopbackServer(routes).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return load_manifest()


def quiet_progress() -> Progress:
    import io

    return Progress(io.StringIO(), quiet=True)


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory, manifest: Manifest) -> Path:
    """An index built once per session from the shared docs tarball (the 59 pages, nothing else)."""
    if not SHARED_TARBALL.is_file():
        pytest.skip(f"the XO docs snapshot is not beside the repository ({SHARED})")
    output = tmp_path_factory.mktemp("shared-index") / "index"
    build_index(TarballSource(str(SHARED_TARBALL)), output, manifest, None, quiet_progress())
    return output
