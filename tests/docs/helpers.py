"""Shared by the documentation tests: where the docs snapshot is, a loopback HTTP server, small sites."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from xo_mcp.docs.build import Progress
from xo_mcp.docs.manifest import TOPICS, Manifest, load_manifest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SHARED_DOCS = SHARED / "xo-docs"
SHARED_TARBALL = SHARED / "xo-docs.tar.gz"
# The build cache `make index` uses (git-ignored): section vectors are keyed by model and text, so a test
# session after `make index` embeds nothing, and a fresh clone embeds once (a minute or two).
BUILD_CACHE = REPO / "docs_corpus" / "cache"

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


Serve = Callable[[Mapping[str, Route]], LoopbackServer]


def quiet_progress() -> Progress:
    return Progress(io.StringIO(), quiet=True)


def small_manifest(tmp_path: Path, pages: dict[str, str]) -> Manifest:
    """A manifest with the nine topics and the given pages (path -> URL path), all under `manage`."""
    topics = "".join(f'[topics.{name}]\ncore = "{next(iter(pages))}"\nsummary = "about {name}"\n' for name in TOPICS)
    entries = "".join(
        f'[[pages]]\npath = "{path}"\nurl = "{url}"\ntitle = "{path}"\ntopics = ["manage"]\n'
        for path, url in pages.items()
    )
    file = tmp_path / "topics.toml"
    file.write_text(f'site = "https://garden.example"\n{topics}{entries}', encoding="utf-8")
    return load_manifest(file)


def write_pages(folder: Path, pages: dict[str, str]) -> Path:
    for path, text in pages.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    return folder


GARDEN = {
    "spades.md": "# Spades\n\nSpades dig holes in clay.\n\n## Care {#care}\n\nOil the blade after use.\n",
    "tools/rakes.md": "---\nsidebar_label: Rakes\n---\n\n# Rakes\n\nRakes gather leaves.\n",
    "extra.md": "---\nslug: /bonus\n---\n\n# Extra\n\nA page in no topic about compost.\n",
}


def docusaurus_page(title: str, article: str) -> str:
    """A page shaped like a Docusaurus 3 build: navbar, sidebar, article, TOC, pagination, footer."""
    return f"""<!doctype html><html><head><title>{title} | Garden docs</title><script>var x=1</script></head>
<body><div id="__docusaurus"><div role="region"><a class="skipToContent_x" href="#main">Skip to main content</a></div>
<nav class="navbar"><a href="/">Garden docs</a><a href="/blog">Blog</a></nav>
<div class="main-wrapper"><div class="docsWrapper">
<aside class="theme-doc-sidebar-container"><ul class="menu"><li><a href="/spades">Spades sidebar link</a></li></ul>
</aside>
<main class="docMainContainer"><div class="row"><div class="col">
<article><nav class="theme-doc-breadcrumbs"><a href="/">Home crumb</a></nav>
<div class="tocCollapsible theme-doc-toc-mobile"><button>On this page</button></div>
<div class="theme-doc-markdown markdown"><header><h1>{title}</h1></header>{article}</div>
<footer class="theme-doc-footer">
<div class="theme-edit-this-page"><a href="https://example/edit">Edit this page</a></div>
<span class="theme-last-updated">Last updated on a day</span></footer></article>
<nav class="pagination-nav"><a href="/prev">Previous page</a></nav></div>
<div class="col col--3">
<div class="tableOfContents theme-doc-toc-desktop"><a href="#care">Care toc entry</a></div></div>
</div></main></div></div>
<footer class="footer"><div>Copyright footer text</div></footer></div></body></html>"""
