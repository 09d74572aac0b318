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
from typing import TYPE_CHECKING, Any

MAX_MESSAGE_CHARS = 400
_QUOTE_LIMIT = 120

if TYPE_CHECKING:
    import httpx

FILTER_SYNTAX_HINT = (
    "Filter syntax: `property:value` (e.g. `power_state:Running`), globs `name_label:web*`, "
    'negation `!power_state:Halted`, OR `|(a b)`, numbers `CPUs:max:>=4`, quoted values `tags:"a b"`.'
)

# Which tool lists valid ids of each XO object type, for 404 advice.
_LISTING_TOOL = {
    "vm": "list_vms",
    "host": "list_hosts",
    "pool": "list_pools",
}


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
    """The authenticated user lacks a privilege (403)."""


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


def from_transport_error(exc: httpx.TransportError, *, base_url: str, timeout: float) -> XoMcpError:
    """Map an httpx transport failure (no HTTP answer) to a message."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        kind = "connect to" if isinstance(exc, httpx.ConnectTimeout) else "get an answer from"
        return XoTimeout(
            f"Timed out after {timeout:g} s trying to {kind} Xen Orchestra at {base_url}. "
            "XO may be overloaded or the network slow: retry, narrow the request (filter, limit), "
            "or raise XO_TIMEOUT."
        )
    if _is_tls_failure(exc):
        return XoTlsError(
            f"TLS certificate verification failed for {base_url} ({_tls_reason(exc)}). "
            "XOA often uses a self-signed certificate: set XO_CA_BUNDLE to the CA file that signed it, "
            "or XO_VERIFY_SSL=false to skip verification (only on a trusted network)."
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


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _tls_reason(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) and seen.verify_message:
            return str(seen.verify_message)
        seen = seen.__cause__ or seen.__context__
    return "certificate not trusted"


# --- HTTP error answers ---------------------------------------------------------------------


def from_response(
    status: int,
    body: bytes,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    filter_text: str | None = None,
    password_has_colon: bool = False,
) -> XoApiError:
    """Map an error answer from XO's REST API to a message.

    ``object_type``/``object_id`` name what a single-object request asked for;
    ``filter_text`` is the filter sent, quoted back when XO cannot parse it.
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
        return XoAuthError(
            "Xen Orchestra rejected the credentials (401 invalid credentials). Check XO_TOKEN, or "
            "XO_USERNAME/XO_PASSWORD; the token may have expired. Only XO administrators can use the REST API.",
            status,
        )
    if status == 403:
        return XoForbidden(_forbidden_message(error_text, data), status)
    if status == 404:
        return XoNotFound(_not_found_message(error_text, data, object_type, object_id), status)
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
        return body[:200].decode("utf-8", "replace").strip(), None
    if isinstance(parsed, Mapping):
        return parsed.get("error"), parsed.get("data")
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


def _not_found_message(error_text: str, data: Any, object_type: str | None, object_id: str | None) -> str:
    kind = object_type or (str(data.get("type")) if isinstance(data, Mapping) and data.get("type") else "object")
    ident = object_id or (str(data.get("id")) if isinstance(data, Mapping) and data.get("id") else None)
    what = f"No {kind} with id {quote(ident)}" if ident else f"Not found ({error_text or 'no such object'})"
    tool = _LISTING_TOOL.get(kind.lower())
    advice = f" Use {tool} to find valid ids." if tool else ""
    return f"{what} in Xen Orchestra.{advice}"


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
