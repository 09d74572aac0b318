"""The commands that start each server under test: ours, the official one, and the SDK baseline."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from bench.driver import ServerCommand

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


def ours(url: str, token: str, *, env: Mapping[str, str] | None = None, label: str = "ours") -> ServerCommand:
    """xo-mcp on stdio through its console script, the way a client configures it."""
    script = Path(sys.executable).with_name("xo-mcp")
    command, args = (str(script), ()) if script.exists() else (sys.executable, ("-m", "xo_mcp"))
    return ServerCommand(
        label=label,
        command=command,
        args=args,
        env={"XO_URL": url, "XO_TOKEN": token, **(env or {})},
        cwd=str(REPO),
    )


def baseline() -> ServerCommand:
    """The smallest `mcp` SDK server (one trivial tool), same interpreter."""
    return ServerCommand(
        label="sdk-baseline",
        command=sys.executable,
        args=(str(BENCH_DIR / "baseline_server.py"),),
        cwd=str(REPO),
    )
