"""xo-mcp: a read-only MCP server for Xen Orchestra, with offline documentation search."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
