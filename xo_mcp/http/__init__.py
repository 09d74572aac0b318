"""Streamable HTTP: the shared deployment of xo-mcp (`xo-mcp serve --transport streamable-http`).

    config.HttpSettings ─► serve.serve()      binds the socket, runs uvicorn, drains on SIGTERM
                              └─► app.HttpApp  the ASGI app: /healthz, /readyz, then for /mcp:
                                     guards.py    header size, Host and Origin allow-lists, per-client cap
                                     auth.py      the bearer token: the user's XO token (checked with XO,
                                                  verdict cached by hash) or the shared secret
                                     └─► the SDK's stateless Streamable HTTP app, the request's verified
                                         credentials in its ASGI scope (`xo_mcp.credentials`)
                     responses.py  every answer given before MCP, and its wording

Nothing here is imported on the stdio path.
"""
