"""Who may use the MCP endpoint: the `Authorization: Bearer` header, checked per request.

- `xo-token`: the bearer token is the user's own XO authentication token. XO says whether it is valid (one
  cheap authenticated request); the verdict is cached for `VERDICT_TTL_S`, keyed by the SHA-256 of the token,
  never the token. The token then goes to XO with that request's tool calls only, as XO reads it (the
  `authenticationToken` cookie), so XO's ACLs decide what each user sees.
- `static`: the bearer token is a secret shared by every user, compared in constant time; XO is reached with
  the server's own credentials.

Tokens are never logged: log lines name a token by its fingerprint (12 hex digits of its hash).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import anyio

from xo_mcp.client import XoClient
from xo_mcp.credentials import XoCredentials, token_problem
from xo_mcp.errors import XoAuthError, XoMcpError
from xo_mcp.http.guards import Headers, header_values

logger = logging.getLogger("xo_mcp.http")

VERDICT_TTL_S = 30.0
"""How long XO's verdict on a token is trusted. A token revoked meanwhile still gets no data: each tool call
sends it to XO, which refuses it."""
MAX_CACHED_VERDICTS = 10_000
"""Bounds the memory a flood of random tokens can take; the oldest verdicts go first."""
MAX_CHECKS_IN_FLIGHT = 8
"""Questions to XO about new tokens at once: a flood of random tokens queues here instead of flooding XO."""


@dataclass(frozen=True)
class Bearer:
    """What the Authorization header holds: a token, nothing usable (`missing`), or why it is malformed."""

    token: str | None = field(default=None, repr=False)
    missing: bool = False
    malformed: str | None = None


def read_bearer(headers: Headers) -> Bearer:
    values = header_values(headers, b"authorization")
    if not values or not values[0].strip():
        return Bearer(missing=True)
    if len(values) > 1:
        return Bearer(malformed="more than one Authorization header")
    scheme, _, rest = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        # Another scheme (Basic, …) carries no bearer credentials: answered like no header at all.
        return Bearer(missing=True)
    token = rest.strip()
    if not token:
        return Bearer(malformed="no token after `Bearer`")
    if any(character.isspace() for character in token):
        return Bearer(malformed="more than one word after `Bearer`")
    if (why := token_problem(token)) is not None:
        return Bearer(malformed=f"the token {why}")
    return Bearer(token=token)


def static_token_matches(token: str, expected: str) -> bool:
    """Constant-time comparison: how long it takes says nothing about how much of the secret was right."""
    return hmac.compare_digest(token.encode(), expected.encode())


class Verdict(Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNAVAILABLE = "unavailable"
    """XO could not say (unreachable, failing, MCP disabled): not cached, the request is refused with 503."""


@dataclass
class _Check:
    """One question to XO in flight; concurrent requests with the same token wait for it instead of asking again."""

    done: anyio.Event = field(default_factory=anyio.Event)
    verdict: Verdict = Verdict.UNAVAILABLE


class TokenVerifier:
    """XO's verdict on users' tokens, asked once per token per `VERDICT_TTL_S` and shared by concurrent requests."""

    def __init__(self, client: XoClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._verdicts: OrderedDict[bytes, tuple[float, Verdict]] = OrderedDict()
        self._checks: dict[bytes, _Check] = {}
        self._in_flight = anyio.Semaphore(MAX_CHECKS_IN_FLIGHT)

    async def verify(self, credentials: XoCredentials) -> Verdict:
        key = credentials.digest
        cached = self._verdicts.get(key)
        if cached is not None:
            expires, verdict = cached
            if expires > self._clock():
                return verdict
            del self._verdicts[key]
        check = self._checks.get(key)
        if check is not None:
            await check.done.wait()
            return check.verdict
        check = self._checks[key] = _Check()
        try:
            check.verdict = await self._ask_xo(credentials)
        finally:
            del self._checks[key]
            check.done.set()
        if check.verdict is not Verdict.UNAVAILABLE:
            self._remember(key, check.verdict)
        return check.verdict

    async def _ask_xo(self, credentials: XoCredentials) -> Verdict:
        try:
            async with self._in_flight:
                # The smallest authenticated request; a non-admin gets 200 too (XO filters collections by ACL).
                await self._client.with_credentials(credentials).round_trip()
        except XoAuthError as exc:
            if exc.status == 401:
                logger.info("XO rejected the token %s", credentials.fingerprint)
                return Verdict.REJECTED
            logger.warning("Could not check the token %s with XO: %s", credentials.fingerprint, exc.message)
            return Verdict.UNAVAILABLE
        except XoMcpError as exc:
            if getattr(exc, "status", None) == 403:
                return Verdict.ACCEPTED  # authenticated; a missing privilege is XO's to report per call
            logger.warning("Could not check the token %s with XO: %s", credentials.fingerprint, exc.message)
            return Verdict.UNAVAILABLE
        return Verdict.ACCEPTED

    def _remember(self, key: bytes, verdict: Verdict) -> None:
        self._verdicts[key] = (self._clock() + VERDICT_TTL_S, verdict)
        while len(self._verdicts) > MAX_CACHED_VERDICTS:
            self._verdicts.popitem(last=False)
