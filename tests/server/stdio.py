"""The installed `xo-mcp` console script, as an MCP client launches it: a subprocess on stdio or HTTP."""

from __future__ import annotations

import os
import sys
from pathlib import Path

XO_MCP = Path(sys.executable).with_name("xo-mcp")


def base_env(**xo: str) -> dict[str, str]:
    """A clean environment: no proxies or XO_* from the developer's shell, only what the test sets."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "XO_LOG_LEVEL": "INFO"}
    env.update(xo)
    return env
