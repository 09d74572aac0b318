"""Logging to stderr only: stdout carries the MCP protocol."""

from __future__ import annotations

import logging
import os
import sys


def configure_logging() -> None:
    """Quiet by default (warnings); XO_LOG_LEVEL=INFO or DEBUG for more. Never logs credentials."""
    level = os.environ.get("XO_LOG_LEVEL", "WARNING").strip().upper() or "WARNING"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else logging.WARNING)
    # httpx logs every request URL at INFO; keep it to warnings so logs stay short.
    logging.getLogger("httpx").setLevel(max(root.level, logging.WARNING))
