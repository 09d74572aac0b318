"""Who is asking: XO's REST authentication middleware, quirks included.

- cookie `authenticationToken` (fallback `token`) or an `Authorization` header, never both (400);
- empty cookie or header values count as absent (JavaScript truthiness);
- the header's scheme word is ignored; the second space-separated piece is base64 `user:password`,
  and only the second `:`-piece is the password (a password containing `:` is truncated, so it fails);
- a failed password for a username makes any attempt for that username within the throttling
  delay fail with 500 `too fast authentication tries`, even with the right password;
- an empty password is a 500 `empty password`; tokens are never throttled.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from xo_mcp.simulator.errors import SimulatedError, invalid_credentials
from xo_mcp.simulator.inventory import JsonObject

AuthKind = Literal["basic", "token", "none", "both"]

_BASE64_JUNK = re.compile(r"[^A-Za-z0-9+/\-_]")


@dataclass(frozen=True)
class User:
    id: str
    email: str
    password: str
    token: str
    admin: bool
    pools: frozenset[str] | None = None
    """Pool ids whose objects a non-admin may read; None means everything."""

    def can_read(self, obj: JsonObject) -> bool:
        return self.pools is None or obj.get("$pool") in self.pools


def auth_kind(headers: Mapping[str, str], cookies: Mapping[str, str]) -> AuthKind:
    """How a request authenticates, for the request log (never the secret itself)."""
    has_cookie = bool(_token(cookies))
    has_header = bool(headers.get("authorization"))
    if has_cookie and has_header:
        return "both"
    return "token" if has_cookie else "basic" if has_header else "none"


def _token(cookies: Mapping[str, str]) -> str | None:
    token = cookies.get("authenticationToken")
    return token if token is not None else cookies.get("token")


def _decode_base64(text: str) -> str:
    """Node's lenient `Buffer.from(text, "base64")`: junk characters are skipped, `=` ends the data."""
    data = _BASE64_JUNK.sub("", text.split("=", 1)[0]).replace("-", "+").replace("_", "/")
    data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")


class Authenticator:
    def __init__(self, users: Iterable[User], throttle_seconds: float = 2.0) -> None:
        self.users = list(users)
        self.throttle_seconds = throttle_seconds
        self._failures: dict[str, float] = {}
        self._lock = threading.Lock()

    def reset_throttle(self) -> None:
        with self._lock:
            self._failures.clear()

    def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> User | None:
        """The user, None when anonymous; raises SimulatedError for 400/401/500 answers."""
        token = _token(cookies)
        authorization = headers.get("authorization")
        if token and authorization:
            raise SimulatedError(400, "Having multiple authentication methods is not supported, please choose one")
        if token:
            return self._by_token(token)
        if authorization:
            return self._by_password(authorization)
        return None

    def _by_token(self, token: str) -> User:
        for user in self.users:
            if user.token == token:
                return user
        raise invalid_credentials()

    def _by_password(self, authorization: str) -> User:
        pieces = authorization.split(" ")
        if len(pieces) < 2:
            raise SimulatedError(400, "Malformed Authorization header")
        encoded = pieces[1]
        credentials = _decode_base64(encoded).split(":")
        username = credentials[0]
        password = credentials[1] if len(credentials) > 1 else None
        if password == "":
            raise SimulatedError(500, "empty password")
        with self._lock:
            last_failure = self._failures.get(username)
            if last_failure is not None and time.monotonic() - last_failure < self.throttle_seconds:
                raise SimulatedError(500, "too fast authentication tries")
            for user in self.users:
                if user.email == username and user.password == password:
                    self._failures.pop(username, None)
                    return user
            self._failures[username] = time.monotonic()
        raise invalid_credentials()
