"""The one REST client every tool shares: async httpx over XO's /rest/v0, GET only, fetching and nothing else.

Arguments arrive validated (`xo_mcp.arguments`); this module only builds requests and reads answers. Every
request goes through `_request()`, the one place where transport failures and error statuses become
`XoMcpError`s (worded in `errors.py`). No method can send anything but GET.

httpx is imported where it is first needed, not at module level: the server starts without it (about
25 ms of the start-up budget), and the first request pays it once.
"""

from __future__ import annotations

import copy
import json
import re
import ssl
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from xo_mcp import __version__, errors
from xo_mcp.coerce import JsonObject
from xo_mcp.config import Settings
from xo_mcp.credentials import XoCredentials
from xo_mcp.errors import XoApiError, XoNotFound
from xo_mcp.secrets import may_hold_secrets, scrub_response

if TYPE_CHECKING:
    import urllib.request
    from http.cookiejar import Cookie, CookieJar

    import httpx

    from xo_mcp.arguments import XoId

USER_CACHE_S = 300.0
_OWN_RECORD = re.compile(r"/users/([A-Za-z0-9_.:-]{1,200})/?$")
_ERROR_BODY_LIMIT = 64 * 1024
_VERSION_PROBE_BYTES = 64 * 1024
_SPEC_VERSION = re.compile(rb'"info"\s*:\s*\{.*?"version"\s*:\s*"([^"]{1,40})"', re.S)


@dataclass(frozen=True)
class XoUser:
    """The XO account behind a set of credentials: enough to say whose view an answer shows."""

    id: str
    name: str
    permission: str | None
    """`admin` for XO administrators (who see everything); anything else is limited by ACLs."""

    @property
    def is_admin(self) -> bool:
        return self.permission == "admin"


class XoClient:
    """Read-only access to XO's REST API over one pooled connection set.

    A client speaks to XO as one identity, its `credentials` (the server's own by default). Over HTTP with
    per-user tokens, each tool call gets `with_credentials(user)`: a view that shares this client's
    connection pool and adds that user's credentials to each of its requests, and only to its requests.
    """

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._pool = _ConnectionPool(settings, transport)
        self._credentials = settings.credentials
        self.missing_endpoints: set[str] = set()
        """Optional endpoints this XO answered 404 for: older XOs lack them, and asking again costs a request.
        A property of XO, shared by every credentials view (the set is shared by the shallow copies); a
        user's refusal (403) is never remembered."""
        self._users: dict[bytes, tuple[float, XoUser]] = {}
        """Who each set of credentials is, by digest (never the secret), for `USER_CACHE_S`."""

    def with_credentials(self, credentials: XoCredentials | None) -> XoClient:
        """A view on the same connection pool that speaks to XO as ``credentials`` (None: anonymous probes only).

        The view is a shallow copy: whatever else a client holds is shared, so nothing cached on a client may
        depend on who asks.
        """
        view = copy.copy(self)
        view._credentials = credentials
        return view

    @property
    def credentials(self) -> XoCredentials | None:
        """Who this client is at XO; None when it may only ask XO's public routes."""
        return self._credentials

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._pool.http

    def _authentication(self) -> Mapping[str, str]:
        if self._credentials is None:
            # Fail closed: with per-user tokens the shared client has no identity of its own, and a request that
            # reaches it without the caller's credentials is a bug, never a reason to ask XO as someone else.
            raise RuntimeError("no XO credentials are bound to this request")
        return self._credentials.headers

    async def aclose(self) -> None:
        await self._pool.aclose()

    # --- collections ----------------------------------------------------------------------

    async def list_objects(
        self,
        collection: str,
        *,
        fields: Sequence[str],
        filter: str | None = None,
        limit: int | None = None,
        parent: XoId | None = None,
        query: Mapping[str, str] | None = None,
        endpoint: str | None = None,
    ) -> list[JsonObject]:
        """Objects of a collection (or of `parent`'s sub-collection) with the given fields.

        ``query``: parameters some collections need (`backup-repository=*` for archives); ``endpoint``: how a
        404 names a collection an older XO may lack (otherwise a 404 means a wrong XO_URL).
        """
        path = _collection_path(collection, parent)
        params = _query(fields, filter, limit) | dict(query or {})
        data = await self._get_json(path, params, target=parent, endpoint=endpoint, filter_text=filter)
        return _objects(data, path)

    async def iter_objects(
        self,
        collection: str,
        *,
        fields: Sequence[str],
        filter: str | None = None,
        limit: int | None = None,
        parent: XoId | None = None,
        query: Mapping[str, str] | None = None,
        endpoint: str | None = None,
    ) -> AsyncGenerator[JsonObject, None]:
        """Stream a collection as NDJSON: memory stays flat however many objects XO holds (a caller that stops
        early closes it with `contextlib.aclosing`, which closes the response)."""
        path = _collection_path(collection, parent)
        params = _query(fields, filter, limit) | dict(query or {}) | {"ndjson": "true"}
        async for block in self._ndjson_blocks(path, params, target=parent, endpoint=endpoint, filter_text=filter):
            for item in _parse_block(block, path):
                if isinstance(item, dict):
                    yield item

    async def count(
        self,
        collection: str,
        *,
        filter: str | None = None,
        limit: int | None = None,
        query: Mapping[str, str] | None = None,
        endpoint: str | None = None,
    ) -> int:
        """How many objects match (at most ``limit``), streaming bare hrefs (the smallest answer XO gives)."""
        total = 0
        params = {"ndjson": "true"} | ({"filter": filter} if filter else {}) | dict(query or {})
        if limit is not None:
            params["limit"] = str(limit)
        async for block in self._ndjson_blocks(f"/{collection}", params, endpoint=endpoint, filter_text=filter):
            total += block.count(b"\n")
        return total

    async def tally(self, collection: str, field: str) -> Counter[str]:
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

    # --- single objects ---------------------------------------------------------------------

    async def get_object(self, object_id: XoId, *, endpoint: str | None = None) -> JsonObject:
        """One whole object of the kind its id names (``endpoint``: see `list_objects`)."""
        path = f"/{object_id.kind.collection}/{_segment(object_id)}"
        return _object(await self._get_json(path, {}, target=object_id, endpoint=endpoint), path)

    async def get_list(self, parent: XoId, route: str, *, endpoint: str) -> list[JsonObject]:
        """A plain list an object's route answers, without collection parameters (e.g. `missing_patches`)."""
        path = f"/{parent.kind.collection}/{_segment(parent)}/{route}"
        return _objects(await self._get_json(path, {}, target=parent, endpoint=endpoint), path)

    async def get_pool_dashboard(self, pool_id: XoId) -> JsonObject:
        path = f"/pools/{_segment(pool_id)}/dashboard"
        data = await self._get_json(path, {}, target=pool_id, endpoint="pool dashboard")
        return _object(data, "/pools/{id}/dashboard")

    async def get_vm_dashboard(self, vm_id: XoId) -> JsonObject:
        path = f"/vms/{_segment(vm_id)}/dashboard"
        data = await self._get_json(path, {}, target=vm_id, endpoint="VM dashboard")
        return _object(data, "/vms/{id}/dashboard")

    async def dashboard_keys(self, wanted: frozenset[str]) -> dict[str, Any]:
        """The keys of XO's /dashboard named in ``wanted``, from its NDJSON stream (one `{"key": value}` line
        per key). XO sends its fast, in-memory keys first: the stream is closed as soon as every wanted key
        has arrived, so the slow parts (backups, patches) are never waited for. Keys that did not come are
        absent from the result.

        An XO older than the route answers 404 once: it is remembered (`missing_endpoints`), and later calls
        raise XoNotFound without asking."""
        if "dashboard" in self.missing_endpoints:
            raise XoNotFound("This Xen Orchestra has no /dashboard endpoint (older than the REST route).", 404)
        found: dict[str, Any] = {}
        try:
            async with aclosing(self._ndjson_blocks("/dashboard", {"ndjson": "true"}, endpoint="dashboard")) as blocks:
                async for block in blocks:
                    for line in block.splitlines():
                        item = _parse_line(line, "/dashboard") if line.strip() else None
                        if isinstance(item, dict):
                            found.update((key, value) for key, value in item.items() if key in wanted)
                    if wanted <= found.keys():
                        break  # closing the generator closes the response: XO stops sending
        except XoNotFound:
            self.missing_endpoints.add("dashboard")  # an older XO: it will not grow the route while we run
            raise
        return found

    async def whoami(self) -> XoUser | None:
        """`current_user()` remembered for a few minutes per credentials, or None when XO cannot say (an
        older XO without `/users/me`, remembered like the other missing endpoints; a failure): answers then
        simply do not name the user."""
        if self._credentials is None or "users/me" in self.missing_endpoints:
            return None
        key = self._credentials.digest
        cached = self._users.get(key)
        if cached is not None and time.monotonic() - cached[0] < USER_CACHE_S:
            return cached[1]
        try:
            user = await self.current_user()
        except errors.XoMcpError:
            return None
        if len(self._users) >= 1000:
            self._users.clear()  # a bound, not an LRU: losing the cache only costs one request per user
        self._users[key] = (time.monotonic(), user)
        return user

    async def current_user(self) -> XoUser:
        """Who XO sees behind these credentials (CONTRACT-2 §8): `/users/me` redirects (307) to the user's own
        record, which needs no privilege to read. Only the name, id and permission are kept: the record also
        holds the user's TOTP secret (`preferences.otp`), which must never travel further."""
        try:
            async with self._request("/users/me", accept={301, 302, 303, 307, 308}) as response:
                location = response.headers.get("location", "") if response.is_redirect else ""
                body = b"" if location else await response.aread()
        except XoNotFound:
            self.missing_endpoints.add("users/me")  # an XO older than the route: whoami() stops asking
            raise
        if location:
            match = _OWN_RECORD.search(urlsplit(location).path)
            if match is None:
                raise XoApiError(
                    f"Xen Orchestra redirected /users/me to an unexpected place ({errors.quote(location, 80)})."
                )
            record = _object(await self._get_json(f"/users/{match.group(1)}", {}), "/users/{id}")
        else:
            record = _object(_parse_line(body, "/users/me"), "/users/me")
        permission = record.get("permission")
        return XoUser(
            id=str(record.get("id") or ""),
            name=str(record.get("name") or record.get("email") or record.get("id") or "unknown user"),
            permission=permission if isinstance(permission, str) else None,
        )

    # --- service probes -------------------------------------------------------------------

    async def mcp_enabled(self) -> Literal[True] | None:
        """True when the administrator's MCP switch is on, None when XO predates it (XO < 6.5 answers 404).

        A disabled switch raises XoMcpDisabled, like any call XO refuses with `mcp_disabled`.
        """
        # Asked without credentials, like the official server: the switch is public, and a bad
        # password must not be mistaken for a disabled MCP.
        async with self._request("/mcp/status", anonymous=True, accept={404}) as response:
            return None if response.status_code == 404 else True

    async def rest_api_version(self) -> str | None:
        """The REST API version from the head of XO's OpenAPI spec, without downloading all of it."""
        try:
            async with self._request("/docs/swagger.json") as response:
                head = b""
                async for chunk in response.aiter_bytes():
                    head += chunk
                    if (match := _SPEC_VERSION.search(head)) is not None:
                        return match.group(1).decode("utf-8", "replace")
                    if len(head) >= _VERSION_PROBE_BYTES:
                        return None
        except errors.XoMcpError:
            # The version is a nicety: an XO without a reachable spec is still connected.
            return None
        return None

    async def round_trip(self) -> float:
        """Seconds for the smallest authenticated request (also proves the credentials)."""
        started = time.perf_counter()
        await self._get_json("/pools", _query(["id"], None, 1))
        return time.perf_counter() - started

    # --- the request path -------------------------------------------------------------------

    @asynccontextmanager
    async def _request(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        target: XoId | None = None,
        endpoint: str | None = None,
        filter_text: str | None = None,
        anonymous: bool = False,
        accept: frozenset[int] | set[int] = frozenset(),
    ) -> AsyncIterator[httpx.Response]:
        """A streamed GET whose status is checked: the body is the caller's to read, inside the block.

        Statuses of 300 and above raise (unless in ``accept``); so do transport failures, whether they
        happen while connecting or while the caller reads the body.
        """
        import httpx

        headers = None if anonymous else self._authentication()
        request = self._http.build_request("GET", path, params=params, headers=headers)
        try:
            response = await self._http.send(request, stream=True)
            try:
                status = response.status_code
                if status >= 300 and status not in accept:
                    body = await _read_capped(response)
                    raise self._status_error(response, body, target, endpoint, filter_text)
                yield response
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise errors.from_transport_error(
                exc,
                base_url=self._settings.base_url,
                timeout=self._settings.timeout,
                tls=self._tls_mode(),
                proxy=proxy_for(self._settings.base_url),
            ) from None
        except httpx.HTTPError as exc:
            raise XoApiError(f"Unreadable answer from Xen Orchestra for {path}: {type(exc).__name__}.") from None

    async def _get_json(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        target: XoId | None = None,
        endpoint: str | None = None,
        filter_text: str | None = None,
    ) -> Any:
        async with self._request(path, params, target=target, endpoint=endpoint, filter_text=filter_text) as response:
            content = await response.aread()
            content_type = response.headers.get("content-type", "")
        try:
            data = json.loads(content)
        except ValueError:
            raise errors.invalid_json(path, content_type) from None
        # Every object read from XO passes here or through `_parse_line`: secrets never go further.
        return scrub_response(data, path) if may_hold_secrets(content) else data

    async def _ndjson_blocks(
        self,
        path: str,
        params: Mapping[str, str],
        *,
        target: XoId | None = None,
        endpoint: str | None = None,
        filter_text: str | None = None,
    ) -> AsyncGenerator[bytes, None]:
        """The body in blocks of whole lines (each ending with a newline), as they arrive."""
        request = self._request(path, params, target=target, endpoint=endpoint, filter_text=filter_text)
        async with request as response:
            pending = b""
            async for chunk in response.aiter_bytes():
                pending += chunk
                cut = pending.rfind(b"\n") + 1
                if cut:
                    yield pending[:cut]
                    pending = pending[cut:]
            if pending.strip():
                # XO ends every NDJSON line with "\n": a tail without one is a cut-off answer.
                raise errors.invalid_json(path, response.headers.get("content-type", ""))

    def _status_error(
        self,
        response: httpx.Response,
        body: bytes,
        target: XoId | None,
        endpoint: str | None,
        filter_text: str | None,
    ) -> errors.XoMcpError:
        status = response.status_code
        if 300 <= status < 400:
            return errors.redirected(status, response.headers.get("location", ""), self._settings.base_url)
        return errors.from_response(
            status,
            body[:_ERROR_BODY_LIMIT],
            target=target,
            endpoint=endpoint,
            filter_text=filter_text,
            password_has_colon=self._credentials is not None and self._credentials.password_has_colon,
            users_own_token=self._credentials is not None and self._credentials.source == "request",
            api_url=self._settings.api_url,
        )

    def _tls_mode(self) -> Literal["off", "verify"] | None:
        if not self._settings.base_url.startswith("https:"):
            return None
        return "verify" if self._settings.verify_ssl else "off"


def proxy_for(url: str) -> tuple[str, str] | None:
    """The proxy the environment sets for ``url`` (variable name, address without credentials), if any.

    The same variables httpx reads (`trust_env`): HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, and NO_PROXY.
    """
    import os
    import urllib.request

    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):  # NO_PROXY (the environment, on Linux)
        return None
    for name in (f"{parts.scheme}_proxy", "all_proxy"):
        for variable in (name.upper(), name):
            if value := os.environ.get(variable, "").strip():
                proxy = urlsplit(value if "://" in value else f"http://{value}")
                return variable, f"{proxy.scheme}://{proxy.hostname}" + (f":{proxy.port}" if proxy.port else "")
    return None


class _ConnectionPool:
    """The one httpx client every view of an `XoClient` shares: connections, TLS context, timeouts.

    It carries no credentials (each request brings its own) and keeps no cookies: a cookie XO might set for
    one user must never ride along with another user's request.
    """

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None) -> None:
        self._settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        # Built on first use: loading the CA store costs tens of milliseconds that start-up need not pay.
        if self._client is None:
            self._client = self._build()
        return self._client

    def _build(self) -> httpx.AsyncClient:
        import httpx

        settings = self._settings
        headers = {
            "Accept": "application/json",
            "User-Agent": f"xo-mcp/{__version__}",
            # Lets an XO administrator's MCP kill-switch apply to us.
            "X-XO-Client": "mcp",
        }
        return httpx.AsyncClient(
            base_url=settings.api_url,
            headers=headers,
            cookies=_jar_that_keeps_nothing(),
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


def _jar_that_keeps_nothing() -> CookieJar:
    """A cookie jar that stores and sends nothing XO answers with (credentials travel as explicit headers)."""
    from http.cookiejar import CookieJar, DefaultCookiePolicy

    class NoCookies(DefaultCookiePolicy):
        def set_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
            return False

        def return_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
            return False

    return CookieJar(policy=NoCookies())


def _verify_setting(settings: Settings) -> ssl.SSLContext | bool:
    if not settings.verify_ssl:
        return False
    if settings.ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    return True


def _segment(object_id: str) -> str:
    return url_quote(object_id, safe="")


def _collection_path(collection: str, parent: XoId | None) -> str:
    if parent is None:
        return f"/{collection}"
    return f"/{parent.kind.collection}/{_segment(parent)}/{collection}"


def _query(fields: Sequence[str], filter: str | None, limit: int | None) -> dict[str, str]:
    # `fields` is always sent: without it XO answers with href strings instead of objects.
    params = {"fields": ",".join(fields)}
    if filter:
        params["filter"] = filter
    if limit is not None:
        params["limit"] = str(limit)
    return params


def _parse_block(block: bytes, path: str) -> list[Any]:
    """The values of a block of NDJSON lines, parsed as one JSON array: one parser call per block instead of one
    per line (which costs several times more at 100 000 lines).

    One scan per block for secret markers: a block that has some is parsed line by line, each line that may
    hold a secret scrubbed. A block that does not give exactly one value per line is parsed line by line too,
    so that a bad line fails as it would alone."""
    lines = [line for line in block.splitlines() if line.strip()]
    if may_hold_secrets(block):
        return [_parse_line(line, path) for line in lines]
    try:
        values = json.loads(b"[" + b",".join(lines) + b"]")
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != len(lines):
        return [_parse_line(line, path, suspect=False) for line in lines]
    return values


def _parse_line(line: bytes, path: str, *, suspect: bool = True) -> Any:
    """One NDJSON value, secrets withheld (``suspect=False``: its block was scanned and holds none)."""
    try:
        data = json.loads(line)
    except ValueError:
        raise errors.invalid_json(path) from None
    return scrub_response(data, path) if suspect and may_hold_secrets(line) else data


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
