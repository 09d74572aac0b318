"""Checks made on every MCP request before authentication: header size, Host and Origin allow-lists, and the
per-client cap on calls in progress.

Host and Origin are checked on every bind, loopback included: a web page the user visits can make their
browser send requests to 127.0.0.1 under its own name (DNS rebinding) or from its own origin; neither is
on the allow-list. Requests without an Origin (every non-browser MCP client) pass that check.
"""

from __future__ import annotations

from collections.abc import Sequence

from xo_mcp.config import MAX_HEADER_BYTES
from xo_mcp.http.responses import HEADERS_TOO_LARGE, HOST_NOT_ALLOWED, ORIGIN_NOT_ALLOWED, Answer

Headers = Sequence[tuple[bytes, bytes]]


def header_values(headers: Headers, name: bytes) -> list[str]:
    """Every value of one header (ASGI names are lowercase bytes), decoded as HTTP does (latin-1)."""
    return [value.decode("latin-1") for key, value in headers if key == name]


class AllowList:
    """Names (or origins) with an optional port: an entry without a port allows any port, one with a port only it.

    `mcp.example.net` matches `mcp.example.net` and `mcp.example.net:8443`; `mcp.example.net:8443` matches only
    itself; `[::1]` matches `[::1]:8000`. Comparison ignores case.
    """

    def __init__(self, entries: Sequence[str]) -> None:
        self._exact = frozenset(entry.lower() for entry in entries)

    def allows(self, value: str) -> bool:
        value = value.lower()
        return value in self._exact or _without_port(value) in self._exact


def _without_port(value: str) -> str:
    """`host:port` → `host`, `[v6]:port` → `[v6]`, `scheme://host:port` → `scheme://host`; else unchanged."""
    scheme, separator, rest = value.rpartition("://")
    prefix = scheme + separator
    if rest.startswith("["):
        end = rest.find("]")
        return prefix + rest[: end + 1] if end != -1 else value
    host, colon, port = rest.rpartition(":")
    return prefix + host if colon and port.isdigit() else value


class RequestGuard:
    """Header size, then Host, then Origin; returns the refusal to send, or None to go on."""

    def __init__(self, allowed_hosts: Sequence[str], allowed_origins: Sequence[str]) -> None:
        self._hosts = AllowList(allowed_hosts)
        self._origins = AllowList(allowed_origins)

    def check(self, headers: Headers) -> Answer | None:
        if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADER_BYTES:
            return HEADERS_TOO_LARGE
        hosts = header_values(headers, b"host")
        if len(hosts) != 1 or not self._hosts.allows(hosts[0]):
            return HOST_NOT_ALLOWED
        origins = header_values(headers, b"origin")
        if len(origins) > 1 or (origins and not self._origins.allows(origins[0])):
            return ORIGIN_NOT_ALLOWED
        return None


class ClientLimiter:
    """At most ``limit`` calls in progress per client: one user (or address) cannot take the whole server.

    All callers run on the server's one event loop thread, so plain counters need no lock.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._active: dict[str, int] = {}

    def acquire(self, client: str) -> bool:
        count = self._active.get(client, 0)
        if count >= self.limit:
            return False
        self._active[client] = count + 1
        return True

    def release(self, client: str) -> None:
        count = self._active.get(client, 0) - 1
        if count > 0:
            self._active[client] = count
        else:
            self._active.pop(client, None)
