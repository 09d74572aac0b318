"""The smallest stdio server the `mcp` SDK can make: the reference for what our own code adds to cold start.

Same interpreter, same SDK, one trivial tool; the difference between its start-up and xo-mcp's is the cost of
our imports, settings, tool registration and lifespan.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server: MCPServer = MCPServer("bench-baseline")


@server.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


if __name__ == "__main__":
    server.run()
