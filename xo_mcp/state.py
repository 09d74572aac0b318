"""What every tool call shares: built once by the server's lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xo_mcp.client import XoClient
    from xo_mcp.config import Settings
    from xo_mcp.docs.library import DocsLibrary


@dataclass(frozen=True)
class AppState:
    settings: Settings
    client: XoClient
    docs: DocsLibrary
