"""Per-request credentials: values bound to a view of the shared REST client, applied to each request as an
explicit header, never kept by the shared connection pool (no default credentials, no cookie jar)."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import anyio
import anyio.lowlevel
import httpx
import pytest

from xo_mcp.client import XoClient
from xo_mcp.config import Settings
from xo_mcp.credentials import SCOPE_KEY, XoCredentials, request_credentials, token_problem

pytestmark = pytest.mark.anyio

ADMIN = XoCredentials.token("tok-admin-canary-11", source="request")
VIEWER = XoCredentials.token("tok-viewer-canary-22", source="request")


def test_repr_and_str_never_show_the_secret() -> None:
    basic = XoCredentials.basic("ops@example.net", "pw-canary-33")
    for credentials, secret in ((ADMIN, "tok-admin-canary-11"), (basic, "pw-canary-33")):
        assert secret not in repr(credentials) and secret not in str(credentials)
        assert credentials.fingerprint in repr(credentials)
    assert "ops@example.net" in repr(basic)


def test_headers_are_what_xo_reads() -> None:
    assert ADMIN.headers == {"Cookie": "authenticationToken=tok-admin-canary-11"}
    basic = XoCredentials.basic("ops@example.net", "pw:colon")
    encoded = basic.headers["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(encoded) == b"ops@example.net:pw:colon"
    assert basic.password_has_colon and not ADMIN.password_has_colon


def test_digest_tells_identities_apart() -> None:
    same = XoCredentials.token("tok-admin-canary-11", source="settings")
    assert ADMIN.digest == same.digest != VIEWER.digest
    assert XoCredentials.token("a:b").digest != XoCredentials.basic("a", "b").digest
    assert len(ADMIN.fingerprint) == 12


def test_token_problem() -> None:
    assert token_problem("sim-admin-token-0123456789") is None
    assert token_problem("") == "is empty"
    assert token_problem("x" * 1025) == "is longer than 1024 characters"
    for bad in ("tök", "a b", "a;b", 'a"b', "a,b", "a\\b", "a\tb", "a\x7fb"):
        assert token_problem(bad) is not None and "cookie" in str(token_problem(bad))


def test_request_credentials_read_only_what_the_middleware_wrote() -> None:
    assert request_credentials(None) is None
    assert request_credentials(SimpleNamespace(scope={})) is None
    assert request_credentials(SimpleNamespace(scope={SCOPE_KEY: "tok-admin-canary-11"})) is None
    assert request_credentials(SimpleNamespace(scope={SCOPE_KEY: VIEWER})) is VIEWER


class RecordingXo:
    """A fake XO that records the credentials of each request and tries to plant a cookie in the client."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, str | None]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        await anyio.lowlevel.checkpoint()  # let concurrent requests interleave
        who = request.url.params.get("who")
        self.seen.append((str(who), request.headers.get("cookie"), request.headers.get("authorization")))
        headers = {"Set-Cookie": "authenticationToken=tok-admin-canary-11; Path=/"}
        if request.url.path.endswith("/mcp/status"):
            return httpx.Response(200, json={"enabled": True}, headers=headers)
        return httpx.Response(200, json=[{"id": "p1"}], headers=headers)


def _settings() -> Settings:
    return Settings(base_url="http://xo.test", token=None)


async def test_views_share_the_pool_but_each_request_carries_only_its_own_credentials() -> None:
    xo = RecordingXo()
    root = XoClient(_settings(), transport=httpx.MockTransport(xo))
    assert root.credentials is None
    admin, viewer = root.with_credentials(ADMIN), root.with_credentials(VIEWER)
    assert admin._pool is root._pool is viewer._pool

    async def ask(client: XoClient, who: str) -> None:
        for _ in range(20):
            # `who` rides in the query so the fake can tell which view sent each request.
            await client._get_json("/pools", {"fields": "id", "who": who})

    async with anyio.create_task_group() as group:
        group.start_soon(ask, admin, "admin")
        group.start_soon(ask, viewer, "viewer")
    await root.aclose()

    expected = {"admin": ADMIN.headers["Cookie"], "viewer": VIEWER.headers["Cookie"]}
    assert len(xo.seen) == 40
    for who, cookie, authorization in xo.seen:
        # Exactly one cookie, the view's own: the one XO tried to plant was not kept.
        assert cookie == expected[who], (who, cookie)
        assert authorization is None


async def test_a_client_without_credentials_asks_only_public_routes() -> None:
    xo = RecordingXo()
    anonymous = XoClient(_settings(), transport=httpx.MockTransport(xo))
    assert await anonymous.mcp_enabled() is True
    with pytest.raises(RuntimeError, match="no XO credentials"):
        await anonymous.round_trip()
    await anonymous.aclose()
    assert [(cookie, authorization) for _, cookie, authorization in xo.seen] == [(None, None)]


async def test_the_settings_credentials_are_the_default_and_never_sent_anonymously() -> None:
    xo = RecordingXo()
    client = XoClient(
        Settings(base_url="http://xo.test", username="ops", password="pw-canary-33"), transport=httpx.MockTransport(xo)
    )
    assert client.credentials is not None and client.credentials.source == "settings"
    await client.round_trip()
    await client.mcp_enabled()
    await client.aclose()
    (_, cookie_1, auth_1), (_, cookie_2, auth_2) = xo.seen
    assert auth_1 == client.credentials.headers["Authorization"] and cookie_1 is None
    assert auth_2 is None and cookie_2 is None
