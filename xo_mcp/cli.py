"""Command line: `xo-mcp` serves MCP over stdio; subcommands run the simulator, the demo and the index build.

Subcommands are dispatched before anything heavy is imported, so the stdio server starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from xo_mcp import __version__

USAGE = """\
usage: xo-mcp [serve] [--transport stdio|streamable-http] [--host H] [--port P]
       xo-mcp simulate [options]   serve a simulated XO REST API on loopback
       xo-mcp demo [options]       run the real server against the simulator and ask it questions
       xo-mcp index [options]      build the offline documentation index
       xo-mcp --version

Configuration comes from the environment: XO_URL and XO_TOKEN (or XO_USERNAME/XO_PASSWORD),
XO_VERIFY_SSL, XO_CA_BUNDLE, XO_TIMEOUT, XO_DOCS_INDEX, HTTP(S)_PROXY/NO_PROXY.
"""


def _simulate(argv: list[str]) -> int:
    from xo_mcp.simulator.cli import main

    return main(argv)


def _demo(argv: list[str]) -> int:
    from xo_mcp.demo import main

    return main(argv)


def _index(argv: list[str]) -> int:
    from xo_mcp.docs.build import main

    return main(argv)


SUBCOMMANDS: dict[str, Callable[[list[str]], int]] = {
    "simulate": _simulate,
    "demo": _demo,
    "index": _index,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        return SUBCOMMANDS[args[0]](args[1:])
    if args and args[0] == "serve":
        args = args[1:]
    return _serve(args)


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="xo-mcp", usage=USAGE, add_help=True)
    parser.add_argument("--version", action="version", version=f"xo-mcp {__version__}")
    parser.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="address for streamable-http (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port for streamable-http (default 8000)")
    options = parser.parse_args(argv)

    from xo_mcp.config import load_settings
    from xo_mcp.errors import ConfigError

    try:
        settings = load_settings()
    except ConfigError as exc:
        print("xo-mcp: cannot start, the configuration is incomplete:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2

    from xo_mcp.logs import configure_logging
    from xo_mcp.server import build_server

    configure_logging()
    server = build_server(settings)
    if options.transport == "stdio":
        server.run()
    else:
        server.run("streamable-http", host=options.host, port=options.port, stateless_http=True)
    return 0
