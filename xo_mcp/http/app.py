"""The ASGI app of the HTTP deployment: health routes, then the guards and authentication in front of the SDK's
stateless Streamable HTTP app.

Stateless (`stateless_http=True`, JSON responses): every request stands alone, so any replica behind a load
balancer can answer any request. Nothing lives between requests but caches that are safe to lose (token
verdicts, readiness), and the shared connection pool to XO.

Per-user credentials flow explicitly: the middleware verifies the bearer token, then calls the SDK app with a
copy of the ASGI scope holding those credentials under `SCOPE_KEY`; the SDK hands the request to the tool,
and `app_state(ctx)` binds a view of the shared REST client to them for that call alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio
import httpx
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import Message, Receive, Scope, Send

from xo_mcp.client import XoClient
from xo_mcp.config import MAX_BODY_BYTES, HttpSettings
from xo_mcp.credentials import SCOPE_KEY, XoCredentials
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.errors import XoMcpError
from xo_mcp.http import responses
from xo_mcp.http.auth import TokenVerifier, Verdict, read_bearer, static_token_matches
from xo_mcp.http.guards import ClientLimiter, Headers, RequestGuard
from xo_mcp.server import build_server

logger = logging.getLogger("xo_mcp.http")

MCP_PATH = "/mcp"
READINESS_TTL_S = 2.0
"""/readyz needs no authentication: its verdict is reused briefly so that polling it cannot flood XO."""


class Readiness:
    """Is XO reachable, with the server's own credentials when it has some (anonymously otherwise)?"""

    def __init__(self, client: XoClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._verdict: tuple[float, bool] | None = None
        self._lock = anyio.Lock()

    async def ready(self) -> bool:
        async with self._lock:  # one probe at a time; the others reuse its verdict
            if self._verdict is not None and self._verdict[0] > self._clock():
                return self._verdict[1]
            ready = await self._probe()
            if self._verdict is not None and self._verdict[1] != ready:
                logger.warning("Readiness changed: %s", "ready" if ready else "not ready")
            self._verdict = (self._clock() + READINESS_TTL_S, ready)
            return ready

    async def _probe(self) -> bool:
        try:
            if self._client.credentials is not None:
                await self._client.round_trip()
            else:
                await self._client.mcp_enabled()
        except XoMcpError as exc:
            logger.info("Not ready: %s", exc.message)
            return False
        return True


class HttpApp:
    """`/healthz`, `/readyz`, and `/mcp` behind the guards; lifespan runs the SDK's session manager."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        docs: DocsLibrary | None = None,
    ) -> None:
        self.settings = settings
        # One connection pool for everyone; with the server's credentials when it has some (readiness,
        # and the tools in `static` and `none` modes).
        self.client = XoClient(settings.xo, transport=transport)
        per_user = settings.auth == "xo-token"
        # With per-user tokens the tools' client has no identity of its own: a call reaches XO only with
        # the credentials of its request, never the server's.
        tools_client = self.client.with_credentials(None) if per_user else self.client
        self.server = build_server(settings.xo, client=tools_client, docs=docs)
        self.mcp = self.server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            max_request_body_size=MAX_BODY_BYTES,
            # Host and Origin are checked by RequestGuard first, on every bind, with the configured lists.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
            host=settings.host,
        )
        self.verifier = TokenVerifier(self.client.with_credentials(None)) if per_user else None
        self.readiness = Readiness(self.client)
        self.guard = RequestGuard(settings.allowed_hosts, settings.allowed_origins)
        self.limiter = ClientLimiter(settings.max_concurrent_per_client)
        self.draining = False
        self.in_flight = 0

    # --- lifecycle --------------------------------------------------------------------------------

    def start_draining(self) -> None:
        """From now on new MCP requests get 503 and /readyz says not ready; calls in progress finish."""
        if not self.draining:
            self.draining = True
            logger.info("Shutting down: %d call(s) in progress, new requests get 503", self.in_flight)

    @property
    def idle(self) -> bool:
        return self.in_flight == 0

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        try:
            async with self.server.session_manager.run():
                await send({"type": "lifespan.startup.complete"})
                await receive()  # lifespan.shutdown
        finally:
            await self.client.aclose()
        await send({"type": "lifespan.shutdown.complete"})

    # --- requests ---------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path in ("/healthz", "/readyz"):
            await (await self._health(path, scope["method"])).send(send)
            return
        await self._mcp_request(scope, receive, send)

    async def _health(self, path: str, method: str) -> responses.Answer:
        if method not in ("GET", "HEAD"):
            return responses.METHOD_NOT_ALLOWED
        if path == "/healthz":
            # Alive: no XO request, no authentication, nothing revealed.
            return responses.HEALTHY
        if self.draining or not await self.readiness.ready():
            return responses.NOT_READY
        return responses.READY

    async def _mcp_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.draining:
            await responses.DRAINING.send(send)
            return
        headers = scope["headers"]
        if (refusal := self.guard.check(headers)) is not None:
            await refusal.send(send)
            return
        path: str = scope["path"]
        if path != MCP_PATH and not path.startswith(MCP_PATH + "/"):
            await responses.NOT_FOUND.send(send)
            return
        if scope["method"] != "POST":
            # Stateless: no event stream to GET (it would stay open, empty, for ever) and no session to DELETE.
            await responses.POST_ONLY.send(send)
            return
        outcome = await self._authenticate(headers)
        if isinstance(outcome, responses.Answer):
            await outcome.send(send)
            return
        first, receive = await _peek_body(receive)
        if first.lstrip()[:1] == b"[":
            await responses.BATCH_REFUSED.send(send)
            return
        credentials = outcome
        client_key = _client_key(scope, credentials)
        if not self.limiter.acquire(client_key):
            await responses.too_many_calls(self.limiter.limit).send(send)
            return
        self.in_flight += 1
        try:
            inner = scope if credentials is None else {**scope, SCOPE_KEY: credentials}
            await self.mcp(inner, receive, send)
        finally:
            self.in_flight -= 1
            self.limiter.release(client_key)

    async def _authenticate(self, headers: Headers) -> XoCredentials | responses.Answer | None:
        """The credentials to reach XO with for this request (None: the server's own), or the refusal."""
        mode = self.settings.auth
        if mode == "none":
            return None
        bearer = read_bearer(headers)
        if bearer.missing:
            return responses.missing_token(mode)
        if bearer.malformed is not None:
            return responses.malformed_authorization(bearer.malformed)
        assert bearer.token is not None
        if mode == "static":
            assert self.settings.http_token is not None
            if static_token_matches(bearer.token, self.settings.http_token):
                return None
            logger.info("Rejected a wrong access token")
            return responses.rejected_token(mode)
        assert self.verifier is not None
        credentials = XoCredentials.token(bearer.token, source="request")
        verdict = await self.verifier.verify(credentials)
        if verdict is Verdict.ACCEPTED:
            return credentials
        if verdict is Verdict.REJECTED:
            return responses.rejected_token(mode)
        return responses.TOKEN_UNVERIFIABLE


async def _peek_body(receive: Receive) -> tuple[bytes, Receive]:
    """The first chunk of the request body, and a `receive` that still delivers all of it to the SDK."""
    message = await receive()
    pending: list[Message] = [message]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return bytes(message.get("body", b"")) if message["type"] == "http.request" else b"", replay


def _client_key(scope: Scope, credentials: XoCredentials | None) -> str:
    """Whose calls count together: the user's token (by hash) or, with a shared secret or none, the address."""
    if credentials is not None:
        return "token:" + credentials.fingerprint
    client = scope.get("client")
    return "address:" + (str(client[0]) if client else "unknown")
