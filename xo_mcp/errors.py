"""Every failure the assistant can see, and the one place that words them.

XoMcpError                    base: its str() is the whole message for the assistant
├── ConfigError               settings missing or invalid (start-up only, never a tool result)
├── InvalidArgument           bad tool input caught before any request leaves
├── XoUnreachable             connection refused, DNS failure, dropped connection
├── XoTlsError                certificate verification failed
├── XoTimeout                 no answer within XO_TIMEOUT
├── XoApiError                XO answered with an error status or an unreadable body
│   ├── XoAuthError           401, throttled logins
│   ├── XoForbidden           403
│   ├── XoNotFound            404
│   └── XoMcpDisabled         503 mcp_disabled (the administrator's kill-switch)
└── DocsUnavailable           no documentation index, or an incompatible one

Messages are written for a language model: what went wrong, which object or setting is
involved, and what to do next. They never contain credentials or tracebacks, and stay under
about 400 characters.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from xo_mcp.secrets import scrub, scrub_url

MAX_MESSAGE_CHARS = 400
_QUOTE_LIMIT = 120

if TYPE_CHECKING:
    import httpx

    from xo_mcp.arguments import XoId

FILTER_SYNTAX_HINT = (
    "Filter syntax: `property:value` (e.g. `power_state:Running`), globs `name_label:web*`, "
    'negation `!power_state:Halted`, OR `|(a b)`, numbers `CPUs:max:>=4`, quoted values `tags:"a b"`.'
)


class XoMcpError(Exception):
    """Base class: the message is complete and safe to show to the assistant."""

    def __init__(self, message: str) -> None:
        super().__init__(_cap(message))

    @property
    def message(self) -> str:
        return str(self.args[0])


class ConfigError(XoMcpError):
    """Settings are missing or invalid."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        Exception.__init__(self, "\n".join(problems))


class InvalidArgument(XoMcpError):
    """A tool argument is unusable; nothing was sent to XO."""


class XoUnreachable(XoMcpError):
    """XO could not be reached at the network level."""


class XoTlsError(XoMcpError):
    """TLS certificate verification failed."""


class XoTimeout(XoMcpError):
    """XO did not answer in time."""


class XoApiError(XoMcpError):
    """XO answered, but with an error status or an unreadable body."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class XoAuthError(XoApiError):
    """Credentials rejected (401) or login throttled."""


class XoForbidden(XoApiError):
    """The authenticated user lacks a privilege (403), or the XOA plan lacks a feature (`feature_code`)."""

    def __init__(self, message: str, status: int | None = None, *, feature_code: str | None = None) -> None:
        super().__init__(message, status)
        self.feature_code = feature_code


class XoNotFound(XoApiError):
    """The object does not exist (404)."""


class XoMcpDisabled(XoApiError):
    """The XO administrator switched MCP access off (503 mcp_disabled)."""


class DocsUnavailable(XoMcpError):
    """The documentation index is missing, unreadable or built by an incompatible version."""


def _cap(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[: MAX_MESSAGE_CHARS - 1].rstrip() + "…"


def quote(value: str, limit: int = _QUOTE_LIMIT) -> str:
    """Quote user-supplied text for a message, shortened so a 10 kB argument cannot flood it."""
    shown = value if len(value) <= limit else value[:limit] + f"… ({len(value)} chars)"
    return json.dumps(shown, ensure_ascii=False)


# --- transport failures ---------------------------------------------------------------------


def from_transport_error(
    exc: httpx.TransportError,
    *,
    base_url: str,
    timeout: float,
    tls: Literal["off", "verify"] | None = None,
    proxy: tuple[str, str] | None = None,
) -> XoMcpError:
    """Map an httpx transport failure (no HTTP answer) to a message.

    ``tls`` is how the client treats certificates (None for plain http): advice never suggests a setting
    that is already applied. ``proxy`` is the (variable, address) of the proxy the environment sets for XO.
    """
    import httpx

    if proxy is not None and isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.ProxyError):
        variable, address = proxy
        return XoUnreachable(
            f"Cannot go through the proxy {address} (set by {variable}) to reach Xen Orchestra at {base_url}: "
            "the proxy is down or refused the connection. Check the proxy, or add the XO host to NO_PROXY."
        )

    if isinstance(exc, httpx.TimeoutException):
        kind = "connect to" if isinstance(exc, httpx.ConnectTimeout) else "get an answer from"
        return XoTimeout(
            f"Timed out after {timeout:g} s trying to {kind} Xen Orchestra at {base_url}. "
            "XO may be overloaded or the network slow: retry, narrow the request (filter, limit), "
            "or raise XO_TIMEOUT."
        )
    if _is_plain_http_answer(exc):
        return XoTlsError(
            f"Xen Orchestra at {base_url} does not speak TLS on that port (it answered in plain HTTP): "
            "use http:// in XO_URL, or the port where XO serves HTTPS."
        )
    if _is_certificate_failure(exc):
        return XoTlsError(
            f"TLS certificate verification failed for {base_url} ({_tls_reason(exc)}). "
            "XOA often uses a self-signed certificate: set XO_CA_BUNDLE to the CA file that signed it, "
            "or XO_VERIFY_SSL=false to skip verification (only on a trusted network)."
        )
    if _find_ssl_error(exc) is not None:
        advice = "" if tls == "off" else " Certificates are not the cause unless XO_VERIFY_SSL=false makes it work."
        return XoTlsError(
            f"The TLS handshake with Xen Orchestra at {base_url} failed ({_ssl_reason(exc)}): check that XO_URL "
            f"names XO's HTTPS address and port, and any TLS proxy in between.{advice}"
        )
    if isinstance(exc, httpx.ProxyError):
        return XoUnreachable(
            f"The HTTP proxy refused or failed the connection to {base_url}. "
            "Check HTTPS_PROXY/HTTP_PROXY, or add the XO host to NO_PROXY."
        )
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return XoUnreachable(
                f"Cannot resolve the host name of XO_URL ({base_url}): DNS lookup failed. "
                "Check the spelling of XO_URL and the machine's DNS."
            )
        return XoUnreachable(
            f"Cannot connect to Xen Orchestra at {base_url} (connection refused or host unreachable). "
            "Check that XO is running, that XO_URL has the right scheme, host and port, and any firewall."
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return XoUnreachable(
            f"The connection to Xen Orchestra at {base_url} was closed before a complete answer arrived. "
            "XO or a proxy in between dropped it: retry; if it persists, check XO's logs."
        )
    return XoUnreachable(f"Network error talking to Xen Orchestra at {base_url}: {type(exc).__name__}.")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    return next((e for e in _chain(exc) if isinstance(e, ssl.SSLError)), None)


def _is_certificate_failure(exc: BaseException) -> bool:
    return any(
        isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(e) for e in _chain(exc)
    )


# OpenSSL's words when the peer answers a ClientHello with plain HTTP (`HTTP/1.1 400 …`).
_PLAIN_HTTP_REASONS = ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE")


def _is_plain_http_answer(exc: BaseException) -> bool:
    error = _find_ssl_error(exc)
    if error is None:
        return False
    reason = (getattr(error, "reason", None) or str(error)).upper().replace(" ", "_")
    return any(word in reason for word in _PLAIN_HTTP_REASONS)


def _ssl_reason(exc: BaseException) -> str:
    error = _find_ssl_error(exc)
    reason = getattr(error, "reason", None) if error is not None else None
    return str(reason).lower().replace("_", " ") if reason else "handshake failed"


def _tls_reason(exc: BaseException) -> str:
    for error in _chain(exc):
        if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
            return str(error.verify_message)
    return "certificate not trusted"


# --- HTTP error answers ---------------------------------------------------------------------


def from_response(
    status: int,
    body: bytes,
    *,
    target: XoId | None = None,
    endpoint: str | None = None,
    filter_text: str | None = None,
    password_has_colon: bool = False,
    users_own_token: bool = False,
    api_url: str = "XO_URL + /rest/v0",
) -> XoApiError:
    """Map an error answer from XO's REST API to a message.

    ``target`` is the object id the request is about (its kind knows how to find valid ids); ``endpoint``
    names an optional route that older XOs lack; ``filter_text`` is the filter sent, quoted back when XO
    cannot parse it.
    """
    error, data = _parse_error_body(body)
    error_text = error if isinstance(error, str) else ""
    if status == 401:
        if password_has_colon:
            return XoAuthError(
                "Xen Orchestra rejected the credentials (401). XO_PASSWORD contains ':', which XO's Basic "
                "authentication cannot carry (it keeps only the part before the next ':'): use XO_TOKEN instead.",
                status,
            )
        if users_own_token:
            return XoAuthError(
                "Xen Orchestra rejected your XO token (401 invalid credentials): it has expired or been revoked. "
                "Create a new one in XO and put it in your MCP client's Authorization header.",
                status,
            )
        return XoAuthError(
            "Xen Orchestra rejected the credentials (401 invalid credentials). Check XO_TOKEN, or "
            "XO_USERNAME/XO_PASSWORD; the token may have expired or been revoked.",
            status,
        )
    if status == 403:
        feature = data.get("featureCode") if isinstance(data, Mapping) else None
        return XoForbidden(_forbidden_message(error_text, data), status, feature_code=str(feature) if feature else None)
    if status == 404:
        return XoNotFound(_not_found_message(error_text, data, target, endpoint, api_url), status)
    if status == 400 and (error_text.startswith("parse error") or _has_key(data, "stringToParse")):
        return XoApiError(_filter_message(error_text, data, filter_text), status)
    if status == 400 and "multiple authentication" in error_text:
        return XoAuthError(
            "XO refused the request: it carried both a token and a password. Set only XO_TOKEN, "
            "or only XO_USERNAME/XO_PASSWORD.",
            status,
        )
    if status == 422:
        return XoApiError(_validation_message(error, data), status)
    if status == 503 and isinstance(data, Mapping) and data.get("error") == "mcp_disabled":
        return XoMcpDisabled(
            "The Xen Orchestra administrator has disabled MCP access (503 mcp_disabled). "
            "Ask them to set `[mcp] enabled = true` in xo-server's configuration; nothing can be read until then.",
            status,
        )
    if status == 500 and "too fast authentication" in error_text:
        return XoAuthError(
            "XO is throttling logins for this user after a failed attempt (500 too fast authentication tries). "
            "Wait a few seconds and retry; check XO_PASSWORD, or use XO_TOKEN, which is not throttled.",
            status,
        )
    if status >= 500:
        detail = f": {quote(error_text, 160)}" if error_text else ""
        return XoApiError(
            f"Xen Orchestra failed with HTTP {status}{detail}. This is a server-side problem: retry later "
            "or check xo-server's logs.",
            status,
        )
    detail = f": {quote(error_text, 160)}" if error_text else ""
    return XoApiError(f"Xen Orchestra answered HTTP {status}{detail}.", status)


def invalid_json(path: str, content_type: str = "") -> XoApiError:
    if "html" in content_type.lower():
        return XoApiError(
            f"The answer to {path} is an HTML page, not XO's REST API: check that XO_URL points at "
            "Xen Orchestra itself (XO 5.x or later with the REST API), not at a login portal or another site."
        )
    return XoApiError(
        f"Xen Orchestra sent an answer to {path} that is not valid JSON (truncated or corrupted). "
        "Retry; if it persists, a proxy may be altering responses."
    )


def redirected(status: int, location: str, base_url: str) -> XoApiError:
    target = f" to {quote(location, 120)}" if location else ""
    return XoApiError(
        f"Xen Orchestra at {base_url} redirected the request (HTTP {status}){target}. Set XO_URL to the "
        "final address (often https:// instead of http://).",
        status,
    )


def _parse_error_body(body: bytes) -> tuple[Any, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return scrub_url(body[:200].decode("utf-8", "replace").strip()), None
    if isinstance(parsed, Mapping):
        # XO may quote a repository or proxy URL in an error: its credentials stay here.
        return scrub(parsed.get("error")), scrub(parsed.get("data"))
    return None, None


def _has_key(data: Any, key: str) -> bool:
    return isinstance(data, Mapping) and key in data


def _forbidden_message(error_text: str, data: Any) -> str:
    missing = data.get("missingPrivileges") if isinstance(data, Mapping) else None
    if isinstance(missing, list) and missing:
        parts = [
            f"{item.get('action', '?')} on {item.get('resource', '?')} {item.get('objectId', '')}".strip()
            for item in missing[:3]
            if isinstance(item, Mapping)
        ]
        return (
            "Not enough privileges in Xen Orchestra: missing " + "; ".join(parts) + ". "
            "Ask an XO administrator to grant read access, or use an admin account."
        )
    if isinstance(data, Mapping) and data.get("featureCode"):
        return (
            f"This XO feature ({data.get('featureCode')}) is not included in the current XOA plan "
            f"({data.get('currentPlan', 'unknown')}); it needs {data.get('minPlan', 'a higher plan')}."
        )
    reason = f" ({error_text})" if error_text else ""
    return (
        f"Xen Orchestra refused the request (403 forbidden{reason}). The account lacks the permission; "
        "only XO administrators can use the whole REST API."
    )


def _not_found_message(error_text: str, data: Any, target: XoId | None, endpoint: str | None, api_url: str) -> str:
    # XO words a missing object `no such <type> <id>`; any other 404 is a route this XO does not have.
    if error_text.lower().startswith("no such "):
        type_word = str(data.get("type")) if isinstance(data, Mapping) and data.get("type") else None
        missing_id = str(data.get("id")) if isinstance(data, Mapping) and data.get("id") else None
        if target is not None and (missing_id is None or missing_id == target):
            return (
                f"No {target.kind.noun} with id {quote(target)} in Xen Orchestra. {target.kind.lister} gives valid ids."
            )
        if type_word and missing_id:
            return f"No {type_word} with id {quote(missing_id)} in Xen Orchestra."
        return f"Xen Orchestra: {quote(error_text, 160)}."
    if endpoint is not None:
        return (
            f"This Xen Orchestra has no {endpoint} endpoint (HTTP 404): it is older than the REST API route "
            "this answer needs. Updating XO adds it."
        )
    return (
        f"There is no XO REST API at {api_url} (HTTP 404 for a route every XO REST API has). Check XO_URL: "
        "scheme, host, port, and the path prefix of any reverse proxy."
    )


def _filter_message(error_text: str, data: Any, filter_text: str | None) -> str:
    shown = filter_text
    if shown is None and isinstance(data, Mapping) and isinstance(data.get("stringToParse"), str):
        shown = data["stringToParse"]
    return f"XO could not parse the filter {quote(shown or '')}: {error_text}. {FILTER_SYNTAX_HINT}"


def _validation_message(error: Any, data: Any) -> str:
    if isinstance(error, Mapping):
        parts = []
        for field, detail in list(error.items())[:3]:
            msg = detail.get("message") if isinstance(detail, Mapping) else detail
            parts.append(f"{field}: {msg}")
        return "XO rejected a query parameter (422): " + "; ".join(parts) + "."
    return f"XO rejected the request as invalid (422): {quote(str(error or data), 200)}."
