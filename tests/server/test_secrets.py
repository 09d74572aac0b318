"""Secrets XO returns never leave the client (`xo_mcp/secrets.py`, applied where the client parses JSON):
whatever collection, fields or format is read, no canary of `xo_mcp/simulator/credentials.py` survives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.harness import CANARIES, OPS_TOKEN
from xo_mcp.arguments import ObjectKind, XoId
from xo_mcp.client import XoClient
from xo_mcp.config import Settings
from xo_mcp.errors import from_response
from xo_mcp.secrets import WITHHELD, is_secret_key, may_hold_secrets, scrub, scrub_url
from xo_mcp.simulator import RunningSimulator
from xo_mcp.simulator.credentials import (
    ADMIN_ID,
    ADMIN_TOKEN,
    PROXY_URL_TOKEN,
    REMOTE_URL_PASSWORD,
    USER_OTP_SECRET,
)
from xo_mcp.simulator.kinds import COLLECTIONS

pytestmark = pytest.mark.anyio

USERS = ObjectKind(noun="user", type_word="user", collection="users", lister="list_objects")


def leaked(value: Any) -> set[str]:
    text = json.dumps(value)
    return {canary for canary in CANARIES if canary in text}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nfs://xo-mirror:pw-1@nas.example.org:/srv/x", "nfs://***@nas.example.org:/srv/x"),
        ("https://tok-123@10.1.7.238/", "https://***@10.1.7.238/"),
        (
            "s3://AKIA:obfuscated-x@s3.example.com/b?useVhdDirectory=true",
            "s3://***@s3.example.com/b?useVhdDirectory=true",
        ),
        ("smb://u:p@PARIS\\\\10.0.8.20\\\\share", "smb://***@PARIS\\\\10.0.8.20\\\\share"),
        ("file:///mnt/usb-backup", "file:///mnt/usb-backup"),
        ("ops@example.net wrote nfs://nas/x", "ops@example.net wrote nfs://nas/x"),
    ],
)
def test_url_credentials_are_cut_whole(url: str, expected: str) -> None:
    assert scrub_url(url) == expected


def test_secret_keys_at_any_depth_are_withheld_not_dropped() -> None:
    user = {"id": "u1", "preferences": {"otp": "SEED", "lang": "fr"}, "pw_hash": "***obfuscated***"}
    task = {"properties": {"params": {"host": "10.0.0.1", "password": "hunter2", "username": "root"}}}
    pbd = {"device_config": {"chappassword": "c", "target": "iqn"}, "nested": [{"authenticationToken": "t"}]}
    assert scrub(user) == {"id": "u1", "preferences": {"otp": WITHHELD, "lang": "fr"}, "pw_hash": WITHHELD}
    assert scrub(task)["properties"]["params"] == {"host": "10.0.0.1", "password": WITHHELD, "username": "root"}
    assert scrub(pbd) == {
        "device_config": {"chappassword": WITHHELD, "target": "iqn"},
        "nested": [{"authenticationToken": WITHHELD}],
    }
    # An empty or absent secret is said as such: "no OTP" is not a secret.
    assert scrub({"preferences": {"otp": ""}}) == {"preferences": {"otp": ""}}
    assert all(is_secret_key(key) for key in ("otp", "pw_hash", "password", "accessToken", "clientSecret"))
    assert not any(is_secret_key(key) for key in ("name_label", "power_state", "email", "url", "id"))


def test_the_pre_check_only_skips_what_scrub_would_not_change() -> None:
    assert not may_hold_secrets(b'{"id":"x","name_label":"web-01","power_state":"Running"}')
    for raw in (b'{"otp":"x"}', b'{"url":"nfs://a:b@c/d"}', b'{"Password":1}', b'{"id":"t","accessToken":"x"}'):
        assert may_hold_secrets(raw)


async def test_no_collection_read_with_every_field_carries_a_secret(sim: RunningSimulator) -> None:
    client = XoClient(Settings(base_url=sim.url, token=OPS_TOKEN))
    try:
        for collection in COLLECTIONS:
            query = {"backup-repository": "*"} if collection == "backup-archives" else None
            listed = await client.list_objects(collection, fields=["*"], query=query)
            streamed = [item async for item in client.iter_objects(collection, fields=["*"], query=query)]
            assert not leaked(listed) and not leaked(streamed), collection
        users = await client.list_objects("users", fields=["id", "preferences.otp", "pw_hash"])
        auditor = next(user for user in users if user.get("preferences", {}).get("otp"))
        assert auditor["preferences"]["otp"] == WITHHELD and auditor["pw_hash"] == WITHHELD
        whole = await client.get_object(XoId(auditor["id"], USERS))
        assert whole["preferences"]["otp"] == WITHHELD
        repositories = await client.list_objects("backup-repositories", fields=["name", "url"])
        assert any(repo["url"].startswith("nfs://***@") for repo in repositories)
        assert not leaked(repositories)
    finally:
        await client.aclose()


async def test_authentication_token_ids_are_withheld(sim: RunningSimulator) -> None:
    # A user reads their own tokens only; the id of each *is* the token.
    client = XoClient(Settings(base_url=sim.url, token=ADMIN_TOKEN))
    try:
        tokens = await client.list_objects("authentication_tokens", fields=["*"], parent=XoId(ADMIN_ID, USERS))
    finally:
        await client.aclose()
    real = {token["id"] for token in sim.state.inventory.authentication_tokens[ADMIN_ID]}
    assert tokens and all(token["id"] == WITHHELD for token in tokens)
    assert not any(secret in json.dumps(tokens) for secret in real)


def test_an_error_body_quoting_a_url_keeps_its_credentials() -> None:
    body = json.dumps({"error": f"cannot reach nfs://u:{REMOTE_URL_PASSWORD}@nas/x", "data": {"otp": USER_OTP_SECRET}})
    message = from_response(500, body.encode()).message
    assert REMOTE_URL_PASSWORD not in message and "nfs://***@nas/x" in message
    plain = from_response(502, f"proxy https://{PROXY_URL_TOKEN}@10.1.7.238/ failed".encode()).message
    assert PROXY_URL_TOKEN not in plain
