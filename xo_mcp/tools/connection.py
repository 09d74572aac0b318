"""check_connection: can we reach XO, are the credentials good, and is MCP access allowed."""

from __future__ import annotations

import os

from pydantic import Field

from xo_mcp.config import Settings
from xo_mcp.errors import XoApiError, XoMcpDisabled
from xo_mcp.formatting import inline
from xo_mcp.tools.base import Answer, XoContext, app_state, first_xo_error, gather, run_sync, tool


class ConnectionReport(Answer):
    xo_url: str
    connected: bool = Field(description="XO answered over the network")
    authenticated: bool = Field(description="XO accepted the credentials")
    auth_method: str
    round_trip_ms: float | None = None
    rest_api_version: str | None = None
    mcp_access: str = Field(description="enabled, disabled, or unknown (XO older than 6.5, or not reached)")
    tls: str
    user: str | None = Field(default=None, description="the XO account these credentials are")
    permission: str | None = Field(default=None, description="its XO permission: admin, or limited by ACLs")
    limited_by_acls: bool | None = Field(default=None, description="answers show only what this user may read")
    documentation: str | None = Field(default=None, description="what the offline docs index was built from")
    error: str | None = Field(default=None, description="why the connection or the credentials failed")

    def failed(self) -> bool:
        return self.error is not None

    def render(self) -> str:
        if self.error is not None:
            reached = "reached, but" if self.connected else "not reached:"
            return f"Xen Orchestra at {self.xo_url} {reached} {self.error}"
        version = f", REST API {self.rest_api_version}" if self.rest_api_version else ""
        proxy = _proxy()
        lines = [
            f"Connected to Xen Orchestra at {self.xo_url}{version}: authenticated with {self.auth_method}.",
            f"Round trip {self.round_trip_ms or 0:.1f} ms · TLS {self.tls} · MCP access {self.mcp_access}"
            + (f" · via proxy from {proxy}" if proxy else ""),
        ]
        if self.user is not None:
            if self.limited_by_acls:
                lines.append(
                    f"XO sees you as {inline(self.user)} (permission {self.permission or 'none'}, not an "
                    "administrator): every answer shows only the objects XO's ACLs let this user read."
                )
            else:
                lines.append(f"XO sees you as {inline(self.user)} (administrator: answers cover the whole estate).")
        lines.append(
            self.documentation or "Documentation index: not available (search_documentation says how to build one)."
        )
        return "\n".join(lines)


_DOCS_OFF = "Documentation tools: not exposed by this server (XO_MCP_TOOLSETS)."


@tool(title="Check connection")
async def check_connection(ctx: XoContext) -> ConnectionReport:
    """Check that Xen Orchestra is reachable and the credentials work: URL, auth method, the XO user seen
    (and whether ACLs limit it), REST API version, round trip, TLS, MCP kill-switch, docs index. Call it first
    when other tools fail, or when asked whether XO is up.
    """
    state = app_state(ctx)
    client = state.client
    settings = state.settings
    credentials = state.credentials
    auth_method = credentials.describe() if credentials is not None else "none (anonymous)"
    try:
        mcp_enabled = await client.mcp_enabled()
        round_trip, version, user = await gather(client.round_trip(), client.rest_api_version(), client.whoami())
    except BaseException as exc:
        failure = first_xo_error(exc)
        if failure is None:
            raise
        # The diagnostic tool answers with what it found, structured too, not only an error text.
        answered = isinstance(failure, XoApiError)
        return ConnectionReport(
            xo_url=settings.base_url,
            connected=answered,
            authenticated=False,
            auth_method=auth_method,
            mcp_access="disabled" if isinstance(failure, XoMcpDisabled) else "unknown",
            tls=_tls_mode(settings),
            error=failure.message,
        )
    # The docs tools switched off (XO_MCP_TOOLSETS): no index to open, and no tool to name.
    docs_exposed = "docs" in settings.toolsets
    provenance = await run_sync(state.docs.provenance) if docs_exposed else None
    return ConnectionReport(
        xo_url=settings.base_url,
        connected=True,
        authenticated=True,
        auth_method=auth_method,
        round_trip_ms=round(round_trip * 1000, 1),
        rest_api_version=version,
        mcp_access="enabled" if mcp_enabled else "unknown (XO older than 6.5 has no kill-switch)",
        tls=_tls_mode(settings),
        user=user.name if user else None,
        permission=user.permission if user else None,
        limited_by_acls=not user.is_admin if user else None,
        documentation=provenance.render() if provenance is not None else None if docs_exposed else _DOCS_OFF,
    )


def _tls_mode(settings: Settings) -> str:
    if not settings.base_url.startswith("https:"):
        return "none (plain http)"
    if not settings.verify_ssl:
        return "not verified (XO_VERIFY_SSL=false)"
    if settings.ca_bundle:
        return f"verified with XO_CA_BUNDLE {settings.ca_bundle}"
    return "verified with the system CA store"


def _proxy() -> str | None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        if os.environ.get(name):
            return name
    return None


TOOLS = (check_connection,)
