"""The HTTP deployment's parts alone: reading the Authorization header, the allow-lists, the per-client limiter,
and the token verdict cache (single flight, expiry, bounds) against a fake XO."""

from __future__ import annotations

import anyio
import httpx
import pytest

from xo_mcp.client import XoClient
from xo_mcp.config import Settings
from xo_mcp.credentials import XoCredentials
from xo_mcp.http import auth
from xo_mcp.http.auth import TokenVerifier, Verdict, read_bearer, static_token_matches
from xo_mcp.http.guards import AllowList, ClientLimiter, RequestGuard


def headers(*pairs: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode(), value.encode("latin-1")) for name, value in pairs]


@pytest.mark.parametrize(
    ("value", "token", "missing", "malformed"),
    [
        (None, None, True, None),
        ("", None, True, None),
        ("Basic YTpi", None, True, None),
        ("Bearer tok-1", "tok-1", False, None),
        ("bearer   tok-1  ", "tok-1", False, None),
        ("Bearer", None, False, "no token after `Bearer`"),
        ("Bearer a b", None, False, "more than one word after `Bearer`"),
        ("Bearer tök", None, False, "the token contains characters"),
        ("Bearer " + "t" * 1025, None, False, "the token is longer than 1024 characters"),
    ],
)
def test_read_bearer(value: str | None, token: str | None, missing: bool, malformed: str | None) -> None:
    bearer = read_bearer(headers(("authorization", value)) if value is not None else [])
    assert (bearer.token, bearer.missing) == (token, missing)
    assert (bearer.malformed or "").startswith(malformed or "")
    assert bool(bearer.malformed) == bool(malformed)
    assert "tok-1" not in repr(bearer)


def test_two_authorization_headers_are_malformed() -> None:
    bearer = read_bearer(headers(("authorization", "Bearer a"), ("authorization", "Bearer b")))
    assert bearer.malformed == "more than one Authorization header"


def test_static_token_comparison() -> None:
    assert static_token_matches("s3cret-0123456789", "s3cret-0123456789")
    assert not static_token_matches("s3cret-012345678", "s3cret-0123456789")
    assert not static_token_matches("", "s3cret-0123456789")


def test_allow_lists() -> None:
    hosts = AllowList(["127.0.0.1", "localhost", "[::1]", "mcp.example.net:8443"])
    for allowed in ("127.0.0.1", "127.0.0.1:8000", "LOCALHOST:1", "[::1]:9", "mcp.example.net:8443"):
        assert hosts.allows(allowed), allowed
    for refused in ("mcp.example.net", "mcp.example.net:443", "127.0.0.1.evil.net", "evil.net:127.0.0.1", "::1"):
        assert not hosts.allows(refused), refused
    origins = AllowList(["http://localhost", "https://chat.example.net"])
    assert origins.allows("http://localhost:5173") and origins.allows("https://chat.example.net")
    assert not origins.allows("https://localhost:5173") and not origins.allows("null")


def test_request_guard_order_and_answers() -> None:
    guard = RequestGuard(["localhost"], ["http://localhost"])
    assert guard.check(headers(("host", "localhost:1"))) is None
    assert guard.check(headers(("host", "localhost:1"), ("x", "y" * 20_000))).status == 431  # type: ignore[union-attr]
    assert guard.check(headers(("host", "evil"))).status == 421  # type: ignore[union-attr]
    assert guard.check([]).status == 421  # type: ignore[union-attr]
    assert guard.check(headers(("host", "localhost"), ("host", "localhost"))).status == 421  # type: ignore[union-attr]
    assert guard.check(headers(("host", "localhost"), ("origin", "http://evil"))).status == 403  # type: ignore[union-attr]


def test_client_limiter() -> None:
    limiter = ClientLimiter(2)
    assert limiter.acquire("a") and limiter.acquire("a") and not limiter.acquire("a")
    assert limiter.acquire("b")
    limiter.release("a")
    assert limiter.acquire("a")
    for _ in range(3):
        limiter.release("a")
    assert limiter.acquire("a") and limiter.acquire("a")


class FakeXo:
    """Answers /pools: 200 for the good token, a chosen status for the others; records concurrency."""

    def __init__(self, status_for_others: int = 401) -> None:
        self.status_for_others = status_for_others
        self.requests = 0
        self.active = 0
        self.most_active = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            await anyio.sleep(0.01)
        finally:
            self.active -= 1
        if request.headers.get("cookie") == "authenticationToken=good":
            return httpx.Response(200, json=[{"id": "p1"}])
        error = {401: "invalid credentials", 403: "not enough permissions"}.get(self.status_for_others, "boom")
        return httpx.Response(self.status_for_others, json={"error": error})


def verifier(xo: FakeXo, clock: list[float] | None = None) -> TokenVerifier:
    client = XoClient(Settings(base_url="http://xo.test"), transport=httpx.MockTransport(xo))
    if clock is None:
        return TokenVerifier(client)
    return TokenVerifier(client, clock=lambda: clock[0])


def user(token: str) -> XoCredentials:
    return XoCredentials.token(token, source="request")


@pytest.mark.anyio
async def test_concurrent_requests_with_one_token_ask_xo_once() -> None:
    xo = FakeXo()
    check = verifier(xo)
    verdicts: list[Verdict] = []

    async def ask(token: str) -> None:
        verdicts.append(await check.verify(user(token)))

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(ask, "good")
            group.start_soon(ask, "bad")
    assert xo.requests == 2
    assert sorted(v.value for v in verdicts) == ["accepted"] * 10 + ["rejected"] * 10


@pytest.mark.anyio
async def test_verdicts_expire() -> None:
    xo = FakeXo()
    clock = [100.0]
    check = verifier(xo, clock)
    assert await check.verify(user("good")) is Verdict.ACCEPTED
    clock[0] += auth.VERDICT_TTL_S - 1
    assert await check.verify(user("good")) is Verdict.ACCEPTED
    assert xo.requests == 1
    clock[0] += 2
    assert await check.verify(user("good")) is Verdict.ACCEPTED
    assert xo.requests == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "verdict", "cached"), [(500, Verdict.UNAVAILABLE, False), (403, Verdict.ACCEPTED, True)]
)
async def test_what_xo_answers_decides(status: int, verdict: Verdict, cached: bool) -> None:
    xo = FakeXo(status_for_others=status)
    check = verifier(xo)
    assert await check.verify(user("other")) is verdict
    assert await check.verify(user("other")) is verdict
    assert xo.requests == (1 if cached else 2)


@pytest.mark.anyio
async def test_the_cache_and_the_questions_to_xo_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "MAX_CACHED_VERDICTS", 5)
    xo = FakeXo()
    check = verifier(xo)
    async with anyio.create_task_group() as group:
        for number in range(40):
            group.start_soon(check.verify, user(f"random-{number}"))
    assert xo.requests == 40
    assert xo.most_active <= auth.MAX_CHECKS_IN_FLIGHT
    assert len(check._verdicts) == 5
