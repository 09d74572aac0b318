"""The one REST client every tool shares: async httpx over XO's /rest/v0, GET only.

No method here can send anything but GET: the only calls into httpx are `.get` and
`.stream("GET", …)`. Every failure leaves as an XoMcpError subclass worded in `errors.py`.

httpx is imported where it is first needed, not at module level: the server starts without it (about
25 ms of the start-up budget), and the first request pays it once.
"""

from __future__ import annotations

import json
import re
import ssl
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote as url_quote

from xo_mcp import __version__, errors
from xo_mcp.config import Settings
from xo_mcp.errors import InvalidArgument, XoApiError

if TYPE_CHECKING:
    import httpx

Collection = Literal[
    "pools",
    "hosts",
    "vms",
    "srs",
    "networks",
    "vdis",
    "vm-templates",
    "vm-snapshots",
    "alarms",
    "messages",
    "tasks",
    "backup-jobs",
    "backup-logs",
]
JsonObject = dict[str, Any]

# XO ids are uuids, `<pool uuid>-<template uuid>`, `OpaqueRef:…`, task ids like `0mdd1basu` or
# ms-timestamps: letters, digits and `-_.:` cover them all. Anything else cannot name an object,
# so it is refused before a request leaves (and `..`, `/`, `?`, `#` can never alter the path).
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")
_FIELD_PATTERN = re.compile(r"[A-Za-z0-9_$][A-Za-z0-9_$.-]{0,99}")
MAX_FILTER_CHARS = 2000
_ERROR_BODY_LIMIT = 64 * 1024
_VERSION_PROBE_BYTES = 64 * 1024
_SPEC_VERSION = re.compile(rb'"info"\s*:\s*\{.*?"version"\s*:\s*"([^"]{1,40})"', re.S)


def check_id(value: str, *, kind: str, lister: str) -> str:
    """Return ``value`` if it can be an XO object id, else raise InvalidArgument naming the problem."""
    if not value or not value.strip():
        raise InvalidArgument(f"The {kind} id is empty. Use {lister} to find valid ids.")
    if _ID_PATTERN.fullmatch(value) is None or ".." in value:
        raise InvalidArgument(
            f"{errors.quote(value, 60)} is not a valid {kind} id: XO ids are UUIDs such as "
            f"'3f1c0d2e-…' (letters, digits, '-', '_', '.', ':'; no spaces, '/', '?', '#'). Use {lister} to find ids."
        )
    return value


def check_filter(value: str | None) -> str | None:
    """Refuse filters that cannot be meaningful before they reach XO; XO itself checks the syntax."""
    if value is None or not value.strip():
        return None
    if len(value) > MAX_FILTER_CHARS:
        raise InvalidArgument(f"The filter is {len(value)} characters long; the limit is {MAX_FILTER_CHARS}.")
    if any(ord(char) < 0x20 and char not in "\t\n\r" for char in value):
        raise InvalidArgument(f"The filter {errors.quote(value, 80)} contains control characters.")
    return value


def check_fields(fields: Sequence[str]) -> list[str]:
    """Validate property names for XO's `fields` parameter (comma-separated, dotted paths allowed)."""
    bad = [name for name in fields if _FIELD_PATTERN.fullmatch(name) is None]
    if bad:
        raise InvalidArgument(
            f"Invalid field name(s) {', '.join(errors.quote(b, 40) for b in bad[:3])}: use XO property names "
            "separated by commas, e.g. 'id,name_label,power_state' or dotted paths like 'CPUs.max'."
        )
    return list(dict.fromkeys(fields))


class XoClient:
    """Typed, read-only access to XO's REST API over one pooled connection set."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        # Built on first use: loading the CA store costs tens of milliseconds that start-up need not pay.
        if self._client is None:
            self._client = self._build_http_client()
        return self._client

    def _build_http_client(self) -> httpx.AsyncClient:
        import httpx

        settings = self._settings
        headers = {
            "Accept": "application/json",
            "User-Agent": f"xo-mcp/{__version__}",
            # Lets an XO administrator's MCP kill-switch apply to us.
            "X-XO-Client": "mcp",
        }
        auth: httpx.Auth | None = None
        if settings.token:
            # XO reads the token from this cookie; there is no bearer mode.
            headers["Cookie"] = f"authenticationToken={settings.token}"
        elif settings.username and settings.password is not None:
            auth = httpx.BasicAuth(settings.username, settings.password)
        return httpx.AsyncClient(
            base_url=settings.api_url,
            headers=headers,
            auth=auth,
            timeout=settings.timeout,
            verify=_verify_setting(settings),
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
            follow_redirects=False,
            trust_env=True,
            transport=self._transport,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # --- typed resources ------------------------------------------------------------------

    async def list_objects(
        self,
        collection: Collection,
        *,
        fields: Sequence[str],
        filter: str | None = None,
        limit: int | None = None,
    ) -> list[JsonObject]:
        """Objects of a collection as dicts with the given fields (XO answers hrefs without `fields`)."""
        data = await self._get_json(f"/{collection}", _query(fields, filter, limit), filter_text=filter)
        return _objects(data, f"/{collection}")

    async def iter_objects(
        self,
        collection: Collection,
        *,
        fields: Sequence[str],
        filter: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[JsonObject]:
        """Stream a collection as NDJSON: memory stays flat however many objects XO holds."""
        params = _query(fields, filter, limit) | {"ndjson": "true"}
        async for item in self._stream_ndjson(f"/{collection}", params, filter_text=filter):
            if isinstance(item, dict):
                yield item

    async def count(self, collection: Collection, *, filter: str | None = None, limit: int | None = None) -> int:
        """How many objects match (at most ``limit``), streaming bare hrefs (the smallest answer XO gives)."""
        total = 0
        params = _filter_only(filter) | ({"limit": str(limit)} if limit is not None else {})
        async for block in self._ndjson_blocks(f"/{collection}", params, filter_text=filter):
            total += block.count(b"\n")
        return total

    async def tally(self, collection: Collection, field: str) -> Counter[str]:
        """How many objects have each value of one top-level string property, streaming.

        XO writes NDJSON with JSON.stringify (compact), so the value is found in each block of lines with
        one regular expression; a block where that does not account for every line is parsed line by line.
        """
        pattern = re.compile(rb'"' + re.escape(field.encode()) + rb'":"([^"\\]*)"')
        counts: Counter[str] = Counter()
        path = f"/{collection}"
        async for block in self._ndjson_blocks(path, {"fields": field, "ndjson": "true"}):
            values = pattern.findall(block)
            if len(values) == block.count(b"\n"):
                counts.update(value.decode("utf-8", "replace") for value in values)
                continue
            for line in block.splitlines():
                item = _parse_line(line, path) if line.strip() else None
                value = item.get(field) if isinstance(item, dict) else None
                counts[value if isinstance(value, str) and value else "Unknown"] += 1
        return counts

    async def get_pool(self, pool_id: str) -> JsonObject:
        return await self._get_object("pools", pool_id, "pool")

    async def get_host(self, host_id: str) -> JsonObject:
        return await self._get_object("hosts", host_id, "host")

    async def get_vm(self, vm_id: str) -> JsonObject:
        return await self._get_object("vms", vm_id, "VM")

    async def get_pool_dashboard(self, pool_id: str) -> JsonObject:
        data = await self._get_json(f"/pools/{_segment(pool_id)}/dashboard", {}, object_type="pool", object_id=pool_id)
        return _object(data, "/pools/{id}/dashboard")

    async def list_vm_vdis(self, vm_id: str, *, fields: Sequence[str], limit: int | None = None) -> list[JsonObject]:
        path = f"/vms/{_segment(vm_id)}/vdis"
        data = await self._get_json(path, _query(fields, None, limit), object_type="VM", object_id=vm_id)
        return _objects(data, path)

    async def list_object_alarms(
        self, collection: Literal["pools", "hosts", "vms"], object_id: str, *, fields: Sequence[str], limit: int
    ) -> list[JsonObject]:
        path = f"/{collection}/{_segment(object_id)}/alarms"
        data = await self._get_json(path, _query(fields, None, limit), object_id=object_id)
        return _objects(data, path)

    # --- service probes -------------------------------------------------------------------

    async def mcp_enabled(self) -> Literal[True] | None:
        """True when the administrator's MCP switch is on, None when XO predates it (XO < 6.5 answers 404).

        A disabled switch raises XoMcpDisabled, like any call XO refuses with `mcp_disabled`.
        """
        import httpx

        # Asked without credentials, like the official server: the switch is public, and a bad
        # password must not be mistaken for a disabled MCP.
        request = self._http.build_request("GET", "/mcp/status")
        request.headers.pop("Cookie", None)
        try:
            response = await self._http.send(request, auth=None)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from None
        if response.status_code == 404:
            return None
        if response.is_success:
            return True
        # Only XO's own `mcp_disabled` answer is the switch; any other 503 is an overloaded or broken XO.
        raise errors.from_response(response.status_code, response.content[:_ERROR_BODY_LIMIT])

    async def rest_api_version(self) -> str | None:
        """The REST API version from the head of XO's OpenAPI spec, without downloading all of it."""
        import httpx

        try:
            async with self._http.stream("GET", "/docs/swagger.json") as response:
                if not response.is_success:
                    return None
                head = b""
                async for chunk in response.aiter_bytes():
                    head += chunk
                    if (match := _SPEC_VERSION.search(head)) is not None:
                        return match.group(1).decode("utf-8", "replace")
                    if len(head) >= _VERSION_PROBE_BYTES:
                        return None
        except httpx.HTTPError:
            return None
        return None

    async def round_trip(self) -> float:
        """Seconds for the smallest authenticated request (also proves the credentials)."""
        started = time.perf_counter()
        await self._get_json("/pools", _query(["id"], None, 1))
        return time.perf_counter() - started

    # --- transport --------------------------------------------------------------------------

    async def _get_object(self, collection: Collection, object_id: str, object_type: str) -> JsonObject:
        path = f"/{collection}/{_segment(object_id)}"
        data = await self._get_json(path, {}, object_type=object_type, object_id=object_id)
        return _object(data, path)

    async def _get_json(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        object_type: str | None = None,
        object_id: str | None = None,
        filter_text: str | None = None,
    ) -> Any:
        import httpx

        try:
            response = await self._http.get(path, params=params)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from None
        except httpx.HTTPError as exc:
            raise XoApiError(f"Unreadable answer from Xen Orchestra for {path}: {type(exc).__name__}.") from None
        if response.status_code >= 300:
            raise self._status_error(response, response.content, object_type, object_id, filter_text)
        try:
            return json.loads(response.content)
        except ValueError:
            raise errors.invalid_json(path, response.headers.get("content-type", "")) from None

    async def _stream_ndjson(
        self, path: str, params: Mapping[str, str], *, filter_text: str | None = None
    ) -> AsyncIterator[Any]:
        async for block in self._ndjson_blocks(path, params, filter_text=filter_text):
            for line in block.splitlines():
                if line.strip():
                    yield _parse_line(line, path)

    async def _ndjson_blocks(
        self, path: str, params: Mapping[str, str], *, filter_text: str | None = None
    ) -> AsyncIterator[bytes]:
        """The body in blocks of whole lines (each ending with a newline), as they arrive."""
        import httpx

        async with self._streaming(path, params, filter_text) as response:
            pending = b""
            try:
                async for chunk in response.aiter_bytes():
                    pending += chunk
                    cut = pending.rfind(b"\n") + 1
                    if cut:
                        yield pending[:cut]
                        pending = pending[cut:]
            except httpx.TransportError as exc:
                raise self._transport_error(exc) from None
            if pending.strip():
                # XO ends every NDJSON line with "\n": a tail without one is a cut-off answer.
                raise errors.invalid_json(path, response.headers.get("content-type", ""))

    @asynccontextmanager
    async def _streaming(
        self, path: str, params: Mapping[str, str], filter_text: str | None
    ) -> AsyncIterator[httpx.Response]:
        import httpx

        try:
            async with self._http.stream("GET", path, params=params) as response:
                if response.status_code >= 300:
                    body = await _read_capped(response)
                    raise self._status_error(response, body, None, None, filter_text)
                yield response
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from None

    def _status_error(
        self,
        response: httpx.Response,
        body: bytes,
        object_type: str | None,
        object_id: str | None,
        filter_text: str | None,
    ) -> errors.XoMcpError:
        status = response.status_code
        if 300 <= status < 400:
            return errors.redirected(status, response.headers.get("location", ""), self._settings.base_url)
        return errors.from_response(
            status,
            body[:_ERROR_BODY_LIMIT],
            object_type=object_type,
            object_id=object_id,
            filter_text=filter_text,
            password_has_colon=bool(self._settings.password and ":" in self._settings.password),
        )

    def _transport_error(self, exc: httpx.TransportError) -> errors.XoMcpError:
        return errors.from_transport_error(exc, base_url=self._settings.base_url, timeout=self._settings.timeout)


def _verify_setting(settings: Settings) -> ssl.SSLContext | bool:
    if not settings.verify_ssl:
        return False
    if settings.ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    return True


def _segment(object_id: str) -> str:
    return url_quote(object_id, safe="")


def _query(fields: Sequence[str], filter: str | None, limit: int | None) -> dict[str, str]:
    # `fields` is always sent: without it XO answers with href strings instead of objects.
    params = {"fields": ",".join(fields)}
    if filter:
        params["filter"] = filter
    if limit is not None:
        params["limit"] = str(limit)
    return params


def _filter_only(filter: str | None) -> dict[str, str]:
    return {"filter": filter, "ndjson": "true"} if filter else {"ndjson": "true"}


def _parse_line(line: bytes, path: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise errors.invalid_json(path) from None


def _objects(data: Any, path: str) -> list[JsonObject]:
    if not isinstance(data, list):
        raise XoApiError(f"Xen Orchestra answered {path} with {type(data).__name__}, expected a list of objects.")
    return [item for item in data if isinstance(item, dict)]


def _object(data: Any, path: str) -> JsonObject:
    if not isinstance(data, dict):
        raise XoApiError(f"Xen Orchestra answered {path} with {type(data).__name__}, expected an object.")
    return data


async def _read_capped(response: httpx.Response) -> bytes:
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= _ERROR_BODY_LIMIT:
            break
    return body


def as_dict(value: Any) -> JsonObject:
    """A nested XO object, or {} when the property is absent, null or of another type."""
    return value if isinstance(value, dict) else {}
