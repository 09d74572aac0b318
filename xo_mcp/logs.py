"""Logging to stderr only: stdout carries the MCP protocol (stdio)."""

from __future__ import annotations

import logging
import sys

# Libraries that log each request (URLs, connection details) at INFO or DEBUG: kept to warnings so that logs
# stay short and a request line never becomes a place where a header could show.
_CHATTY = ("httpx", "httpcore", "uvicorn.access", "mcp.server.streamable_http")


def configure_logging(level: str = "WARNING") -> None:
    """Quiet by default (warnings); XO_LOG_LEVEL=INFO or DEBUG for more (validated in `config`). Never logs
    credentials: nothing here formats a header, and the libraries that would are kept at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else logging.WARNING)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
