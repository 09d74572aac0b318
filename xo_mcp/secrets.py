"""Secrets XO itself hands out, withheld in one place: every object the client reads passes through `scrub`.

XO returns some credentials in clear (CONTRACT-2 §5, §8): a user's TOTP seed in `preferences.otp`, the
`pw_hash` placeholder, credentials inside backup repository and proxy URLs (XO obfuscates some URL
schemes, not all), authentication token ids (the id *is* the token), passwords in API-call task parameters
or SR device configs. None of it may reach an answer, structured content or a log, whatever `fields` a
caller asks for. The client applies `scrub` to every JSON value it parses, so no tool can forget to.

Values are replaced, not dropped: `(withheld)` tells the reader that XO has a value there (an OTP seed
means two-factor authentication is on) without passing it on. A URL keeps its scheme, host and path.
"""

from __future__ import annotations

import re
from typing import Any

WITHHELD = "(withheld)"
_SECRET_KEYS = frozenset({"otp", "pw_hash", "token", "secret", "authenticationtoken", "apikey", "privatekey"})
_SECRET_PARTS = ("password", "secret", "passphrase")
_URL_CREDENTIALS = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)[^\s/@\"']+@")
# Cheap pre-check on raw bytes: text without any of these holds nothing `scrub` would change, so the
# common case (VMs, hosts, SRs streamed by the thousand) is never walked.
_MAY_HOLD = re.compile(rb"(?i)password|pw_hash|otp|token|secret|passphrase|apikey|privatekey|://[^\s/@\"']+@")
_TOKEN_ROUTES = ("/authentication_tokens",)
"""Sub-collections whose object ids are the secrets themselves."""


def may_hold_secrets(raw: bytes) -> bool:
    return _MAY_HOLD.search(raw) is not None


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRET_KEYS or lowered.endswith("token") or any(part in lowered for part in _SECRET_PARTS)


def scrub_url(text: str) -> str:
    """`nfs://user:pass@host/path` -> `nfs://***@host/path` (the whole userinfo: a proxy's is its token)."""
    return _URL_CREDENTIALS.sub(r"\1***@", text) if "@" in text else text


def scrub(value: Any) -> Any:
    """A copy of a JSON value with secret-named keys withheld and URL credentials removed, at any depth."""
    if isinstance(value, dict):
        return {
            key: (WITHHELD if is_secret_key(key) and value[key] not in (None, "", False) else scrub(value[key]))
            for key in value
        }
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_url(value)
    return value


def scrub_response(value: Any, path: str) -> Any:
    """`scrub`, plus the ids of objects whose id is a credential (authentication tokens)."""
    cleaned = scrub(value)
    if path.endswith(_TOKEN_ROUTES):
        items = cleaned if isinstance(cleaned, list) else [cleaned]
        for item in items:
            if isinstance(item, dict) and "id" in item:
                item["id"] = WITHHELD
    return cleaned
