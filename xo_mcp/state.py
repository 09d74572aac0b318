"""What every tool call shares: built once by the server's lifespan."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xo_mcp.client import XoClient
    from xo_mcp.config import Settings
    from xo_mcp.credentials import XoCredentials
    from xo_mcp.docs.library import DocsLibrary


@dataclass(frozen=True)
class AppState:
    settings: Settings
    client: XoClient
    docs: DocsLibrary

    @property
    def credentials(self) -> XoCredentials | None:
        """Who XO sees for this call: the user's own token over HTTP with XO_MCP_AUTH=xo-token, else the server's."""
        return self.client.credentials

    def for_request(self, credentials: XoCredentials) -> AppState:
        """The same state for one request made with ``credentials`` (its client a view on the shared pool)."""
        return replace(self, client=self.client.with_credentials(credentials))
