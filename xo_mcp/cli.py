"""Command line: `xo-mcp` serves MCP over stdio; subcommands run the simulator, the demo and the index build.

Subcommands are dispatched before anything heavy is imported, so the stdio server starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from xo_mcp import __version__

if TYPE_CHECKING:
    from xo_mcp.errors import ConfigError

USAGE = """\
usage: xo-mcp [serve] [--transport stdio|streamable-http] [--host H] [--port P]
       xo-mcp simulate [options]   serve a simulated XO REST API on loopback
       xo-mcp demo [options]       run the real server against the simulator and ask it questions
       xo-mcp index [options]      build the offline documentation index
       xo-mcp --version

Configuration comes from the environment: XO_URL and XO_TOKEN (or XO_USERNAME/XO_PASSWORD),
XO_VERIFY_SSL, XO_CA_BUNDLE, XO_TIMEOUT, XO_DOCS_INDEX, XO_LOG_LEVEL, HTTP(S)_PROXY/NO_PROXY,
XO_MCP_TOOLSETS (core,backups,health,objects,docs; default all).
Streamable HTTP also reads XO_MCP_AUTH (xo-token, static, none), XO_MCP_HTTP_TOKEN[_FILE],
XO_MCP_ALLOWED_HOSTS, XO_MCP_ALLOWED_ORIGINS, XO_MCP_MAX_CONCURRENT_PER_CLIENT (see README).
Exit status: 2 for a bad setting or argument, 1 when the HTTP port cannot be listened on.
"""

EXIT_BAD_CONFIGURATION = 2


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


class _OneLineParser(argparse.ArgumentParser):
    """A usage error is one line on stderr (status 2), not the whole usage text: start-up logs stay readable."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_CONFIGURATION, f"xo-mcp: {message} (xo-mcp --help for usage)\n")


def _serve(argv: list[str]) -> int:
    parser = _OneLineParser(prog="xo-mcp", usage=USAGE, add_help=True)
    parser.add_argument("--version", action="version", version=f"xo-mcp {__version__}")
    parser.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="address for streamable-http (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port for streamable-http (default 8000)")
    options = parser.parse_args(argv)
    if options.transport == "streamable-http":
        return _serve_http(options.host, options.port)

    from xo_mcp.config import load_settings, startup_warnings
    from xo_mcp.errors import ConfigError

    try:
        settings = load_settings()
    except ConfigError as exc:
        return _refuse(exc)
    _warn(startup_warnings(settings))

    from xo_mcp.logs import configure_logging
    from xo_mcp.server import build_server

    configure_logging(settings.log_level)
    build_server(settings).run()
    return 0


def _serve_http(host: str, port: int) -> int:
    from xo_mcp.config import http_startup_warnings, load_http_settings
    from xo_mcp.errors import ConfigError

    try:
        settings = load_http_settings(host=host, port=port)
    except ConfigError as exc:
        return _refuse(exc)
    _warn(http_startup_warnings(settings))

    from xo_mcp.http.serve import serve
    from xo_mcp.logs import configure_logging

    configure_logging(settings.xo.log_level)
    return serve(settings)


def _refuse(exc: ConfigError) -> int:
    """One line on stderr per problem, each complete on its own (a journal shows lines apart)."""
    for problem in exc.problems:
        print(f"xo-mcp: cannot start: {problem}", file=sys.stderr)
    return EXIT_BAD_CONFIGURATION


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"xo-mcp: warning: {warning}", file=sys.stderr)
