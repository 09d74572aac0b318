"""Who a request to Xen Orchestra speaks as: the server's configured credentials, or, over HTTP with
`XO_MCP_AUTH=xo-token`, the XO token of the user whose MCP request it serves.

Credentials are immutable values. A tool call binds them to its own view of the shared REST client
(`XoClient.with_credentials`), and that view applies them to each request to XO as an explicit header; the
shared connection pool itself carries none and stores no cookies. Two users served at the same time therefore
cannot borrow each other's credentials: there is no mutable "current user" anywhere to mix up.

Over HTTP, the authentication middleware (`xo_mcp.http.app`) puts the verified credentials in the ASGI scope
of the request under `SCOPE_KEY`; the SDK hands that request to the tool with its context, and
`request_credentials()` reads them back. This module imports nothing heavy: the stdio path uses it too.

The secret never appears in repr(); logs and caches use `fingerprint` and `digest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

SCOPE_KEY = "xo_mcp.credentials"
"""Where the HTTP middleware leaves a request's verified credentials in its ASGI scope."""

MAX_TOKEN_CHARS = 1024
"""XO's tokens are about 43 characters; anything far longer is not one (and is not sent on to XO)."""

# RFC 6265 cookie-octet: what a cookie value may hold (XO reads the token from the authenticationToken cookie).
_COOKIE_OCTETS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set('",;\\')

Source = Literal["settings", "request"]


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be an XO token carried in a cookie, or None. Never quotes the token."""
    if not token:
        return "is empty"
    if len(token) > MAX_TOKEN_CHARS:
        return f"is longer than {MAX_TOKEN_CHARS} characters"
    if not set(token) <= _COOKIE_OCTETS:
        return (
            "contains characters an HTTP cookie cannot carry (non-ASCII, spaces, control characters, quotes, "
            "commas, semicolons or backslashes)"
        )
    return None


@dataclass(frozen=True, kw_only=True)
class XoCredentials:
    """One identity at XO: a token (sent as the `authenticationToken` cookie) or a username and password (Basic)."""

    kind: Literal["token", "basic"]
    source: Source
    """`settings`: the server's own (XO_TOKEN, XO_USERNAME/XO_PASSWORD); `request`: the MCP client's bearer token."""
    username: str | None = None
    secret: str = field(repr=False)

    @classmethod
    def token(cls, token: str, *, source: Source = "settings") -> XoCredentials:
        return cls(kind="token", source=source, secret=token)

    @classmethod
    def basic(cls, username: str, password: str, *, source: Source = "settings") -> XoCredentials:
        return cls(kind="basic", source=source, username=username, secret=password)

    def __repr__(self) -> str:
        who = f", username={self.username!r}" if self.username else ""
        return f"XoCredentials({self.kind}, {self.source}{who}, fingerprint={self.fingerprint})"

    __str__ = __repr__

    @cached_property
    def headers(self) -> Mapping[str, str]:
        """The header that authenticates one request to XO (XO has no bearer mode: a token is a cookie)."""
        if self.kind == "token":
            return {"Cookie": f"authenticationToken={self.secret}"}
        import base64  # here, not at the top: the stdio start path does not pay for it

        pair = f"{self.username}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    @cached_property
    def digest(self) -> bytes:
        """SHA-256 of the identity: the key of caches and per-client limits (never the secret itself)."""
        import hashlib

        material = f"{self.kind}\0{self.username or ''}\0{self.secret}".encode()
        return hashlib.sha256(material).digest()

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible label for logs: the first 12 hex digits of `digest`."""
        return self.digest.hex()[:12]

    @property
    def password_has_colon(self) -> bool:
        return self.kind == "basic" and ":" in self.secret

    def describe(self) -> str:
        """How these credentials reach XO, for answers: never the secret."""
        if self.kind == "token":
            owner = "your own XO token" if self.source == "request" else "token"
            return f"{owner} (authenticationToken cookie)"
        return "username/password (Basic)"


def request_credentials(request: object) -> XoCredentials | None:
    """The credentials the HTTP middleware verified for this request (None on stdio and without per-user auth).

    ``request`` is what the SDK gives a tool as ``ctx.request_context.request``: a Starlette request over
    HTTP (its ASGI scope is the one the middleware wrote into), None on stdio.
    """
    scope = getattr(request, "scope", None)
    value = scope.get(SCOPE_KEY) if isinstance(scope, Mapping) else None
    return value if isinstance(value, XoCredentials) else None
