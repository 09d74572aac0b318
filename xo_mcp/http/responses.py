"""Every HTTP answer the server gives before a request reaches MCP: its status, headers and wording.

Bodies are small JSON objects `{"error": code, "error_description": text}` (the shape of RFC 6750 and of the
SDK's own authentication errors). They name what to fix and never echo a header value back: a token, a Host
or an Origin sent by the caller may be an attacker's probe, and an answer is no place for a secret.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.types import Send

from xo_mcp.config import MAX_HEADER_BYTES, AuthMode

REALM = 'Bearer realm="xo-mcp"'


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, object]
    headers: Sequence[tuple[str, str]] = field(default_factory=tuple)
    close: bool = True
    """Close the connection after it: a rejected request's body is not worth reading."""

    async def send(self, send: Send) -> None:
        payload = json.dumps(self.body).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"cache-control", b"no-store"),
            *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in self.headers),
        ]
        if self.close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _error(status: int, code: str, description: str, *headers: tuple[str, str]) -> Answer:
    return Answer(status, {"error": code, "error_description": description}, headers)


# --- health ---------------------------------------------------------------------------------------

HEALTHY = Answer(200, {"status": "ok"}, close=False)
READY = Answer(200, {"status": "ready"}, close=False)
NOT_READY = Answer(503, {"status": "not ready"}, close=False)
METHOD_NOT_ALLOWED = _error(405, "method_not_allowed", "Use GET.", ("Allow", "GET, HEAD"))
POST_ONLY = _error(
    405,
    "method_not_allowed",
    "This MCP server is stateless: send each JSON-RPC message with POST (there is no event stream to GET and no "
    "session to DELETE).",
    ("Allow", "POST"),
)
BATCH_REFUSED = Answer(
    400,
    {
        "jsonrpc": "2.0",
        "id": None,
        "error": {
            "code": -32600,
            "message": "Invalid Request: JSON-RPC batches are not supported by MCP; send one message per POST.",
        },
    },
)
NOT_FOUND = _error(404, "not_found", "Nothing here: the MCP endpoint is /mcp (health: /healthz, /readyz).")


# --- guards ---------------------------------------------------------------------------------------

HEADERS_TOO_LARGE = _error(
    431, "headers_too_large", f"The request headers exceed {MAX_HEADER_BYTES // 1024} KiB: an XO token is short."
)
HOST_NOT_ALLOWED = _error(
    421,
    "host_not_allowed",
    "This server does not answer to that Host name (a guard against DNS rebinding): its administrator lists the "
    "names clients may use in XO_MCP_ALLOWED_HOSTS.",
)
ORIGIN_NOT_ALLOWED = _error(
    403,
    "origin_not_allowed",
    "Requests from that web page's origin are refused (a guard against cross-site requests): its administrator "
    "lists allowed origins in XO_MCP_ALLOWED_ORIGINS.",
)
DRAINING = _error(
    503, "shutting_down", "This server is shutting down: retry, another replica will answer.", ("Retry-After", "1")
)


def too_many_calls(limit: int) -> Answer:
    return _error(
        429,
        "too_many_requests",
        f"This client already has {limit} calls in progress on this server (XO_MCP_MAX_CONCURRENT_PER_CLIENT): "
        "wait for one to finish.",
        ("Retry-After", "1"),
    )


# --- authentication -------------------------------------------------------------------------------


def missing_token(mode: AuthMode) -> Answer:
    """No bearer credentials at all (RFC 6750 §3.1: a challenge without an error code)."""
    if mode == "xo-token":
        description = (
            "This MCP server needs your own Xen Orchestra authentication token: send `Authorization: Bearer "
            "<token>` (create one in XO 5: User > Authentication tokens, or with `xo-cli create-token`)."
        )
    else:
        description = "This MCP server needs its access token: send `Authorization: Bearer <token>`."
    return _error(401, "unauthorized", description, ("WWW-Authenticate", REALM))


def malformed_authorization(reason: str) -> Answer:
    return _error(
        400,
        "invalid_request",
        f"The Authorization header is not `Bearer <token>` with one usable token: {reason}.",
        ("WWW-Authenticate", f'{REALM}, error="invalid_request"'),
    )


def rejected_token(mode: AuthMode) -> Answer:
    if mode == "xo-token":
        description = (
            "Xen Orchestra rejected this token (expired, revoked or mistyped): create a new one in XO and update "
            "the Authorization header of this MCP server in your client."
        )
    else:
        description = "Wrong access token for this MCP server: ask its administrator for the right one."
    challenge = f'{REALM}, error="invalid_token", error_description="the token was rejected"'
    return _error(401, "invalid_token", description, ("WWW-Authenticate", challenge))


TOKEN_UNVERIFIABLE = _error(
    503,
    "xo_unavailable",
    "Xen Orchestra could not be asked whether this token is valid (unreachable, failing, or MCP access disabled "
    "by its administrator): retry in a moment; the MCP server's log says why.",
    ("Retry-After", "5"),
)
