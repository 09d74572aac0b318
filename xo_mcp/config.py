"""Settings: read from the environment (and, for HTTP, the command line) once, validated into frozen objects.

`load_settings()` is what stdio needs: how to reach XO and as whom. `load_http_settings()` adds how the
Streamable HTTP endpoint is guarded (authentication mode, Host/Origin allow-lists, limits) and validates
everything at once, so one start-up names every problem.
"""

from __future__ import annotations

import math
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from xo_mcp.credentials import XoCredentials, token_problem
from xo_mcp.errors import ConfigError

DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 3600.0
REST_PREFIX = "/rest/v0"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TOOLSETS = ("core", "backups", "health", "objects", "docs")
"""Groups of tools an administrator can expose (XO_MCP_TOOLSETS); every tool declares one."""


@dataclass(frozen=True)
class Settings:
    """How to reach and authenticate to Xen Orchestra. Secrets never appear in repr()."""

    base_url: str
    """Scheme, host, port and any path prefix of XO, without a trailing slash or /rest/v0."""
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    verify_ssl: bool = True
    ca_bundle: Path | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    docs_index: Path | None = None
    log_level: str = "WARNING"
    toolsets: frozenset[str] = frozenset(TOOLSETS)
    """The toolsets whose tools (and resources) the server exposes."""

    @property
    def api_url(self) -> str:
        return self.base_url + REST_PREFIX

    @property
    def credentials(self) -> XoCredentials | None:
        """The server's own XO credentials; None when it has none (HTTP where each user sends their token)."""
        if self.token:
            return XoCredentials.token(self.token)
        if self.username and self.password is not None:
            return XoCredentials.basic(self.username, self.password)
        return None

    @property
    def auth_kind(self) -> Literal["token", "basic"]:
        return "token" if self.token else "basic"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach an answer or a log line."""
        return tuple(s for s in (self.token, self.password) if s)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Validate the XO_* environment (stdio: XO credentials required); raise ConfigError naming every problem."""
    env = os.environ if env is None else env
    problems: list[str] = []
    settings = _xo_settings(env, problems, credentials_required=True)
    if problems:
        raise ConfigError(problems)
    assert settings is not None
    return settings


def startup_warnings(settings: Settings) -> list[str]:
    """Settings that are valid but probably not what was meant: said once at start, the server still runs.

    A missing documentation index stays a per-call answer rather than a start-up error: the XO tools do not
    need it, and an index built there later (`xo-mcp index --output …`) is picked up without a restart.
    """
    warnings: list[str] = []
    if settings.docs_index is not None and not settings.docs_index.is_dir():
        warnings.append(
            f"XO_DOCS_INDEX={settings.docs_index} is not a folder: the documentation tools will answer that there "
            "is no index until one is built there (`xo-mcp index --output …`); the XO tools work meanwhile."
        )
    return warnings


def _xo_settings(env: Mapping[str, str], problems: list[str], *, credentials_required: bool) -> Settings | None:
    base_url = _parse_url(env.get("XO_URL", "").strip(), problems)

    token = env.get("XO_TOKEN", "").strip() or None
    username = env.get("XO_USERNAME", "").strip() or None
    password = env.get("XO_PASSWORD") or None
    if token is not None and (why := token_problem(token)) is not None:
        problems.append(f"XO_TOKEN {why}: copy the token again from XO (an XO token is plain ASCII).")
    if token is None and credentials_required:
        missing = [name for name, value in (("XO_USERNAME", username), ("XO_PASSWORD", password)) if not value]
        if missing:
            problems.append(
                f"{' and '.join(missing)} not set: set XO_TOKEN to an XO authentication token "
                "(XO 5: User > Authentication tokens; or `xo-cli create-token`), "
                "or set both XO_USERNAME and XO_PASSWORD of an XO administrator."
            )
    elif token is None and bool(username) != bool(password):
        # Optional credentials (HTTP with per-user tokens) must still be whole when given.
        missing_name = "XO_PASSWORD" if username else "XO_USERNAME"
        problems.append(f"{missing_name} not set: the server's own credentials need both XO_USERNAME and XO_PASSWORD.")

    verify_ssl = _parse_bool(env.get("XO_VERIFY_SSL"), "XO_VERIFY_SSL", default=True, problems=problems)
    ca_bundle = _parse_ca_bundle(env.get("XO_CA_BUNDLE", "").strip(), problems)
    timeout = _parse_timeout(env.get("XO_TIMEOUT"), problems)

    raw_index = env.get("XO_DOCS_INDEX", "").strip()
    docs_index = Path(raw_index).expanduser() if raw_index else None

    log_level = env.get("XO_LOG_LEVEL", "").strip().upper() or "WARNING"
    if log_level not in LOG_LEVELS:
        problems.append(
            f"XO_LOG_LEVEL={env.get('XO_LOG_LEVEL', '').strip()} is not a log level: use "
            f"{', '.join(LOG_LEVELS[:-1])} or {LOG_LEVELS[-1]} (default WARNING)."
        )
        log_level = "WARNING"

    toolsets = _parse_toolsets(env.get("XO_MCP_TOOLSETS"), problems)

    if base_url is None:
        return None
    return Settings(
        base_url=base_url,
        token=token,
        username=None if token else username,
        password=None if token else password,
        verify_ssl=verify_ssl,
        ca_bundle=ca_bundle,
        timeout=timeout,
        docs_index=docs_index,
        log_level=log_level,
        toolsets=toolsets,
    )


def _parse_toolsets(raw: str | None, problems: list[str]) -> frozenset[str]:
    """`core,docs` -> those toolsets; unset or blank -> all of them."""
    if raw is None or not raw.strip():
        return frozenset(TOOLSETS)
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in TOOLSETS]
    if unknown or not names:
        what = f"names unknown toolset(s) {', '.join(unknown)}" if unknown else "names no toolset"
        problems.append(
            f"XO_MCP_TOOLSETS={raw.strip()} {what}: give a comma-separated list of {', '.join(TOOLSETS)} "
            "(default: all of them)."
        )
        return frozenset(TOOLSETS)
    return frozenset(names)


def _parse_ca_bundle(raw: str, problems: list[str]) -> Path | None:
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_file():
        problems.append(f"XO_CA_BUNDLE={raw} is not a readable file: give the path of a PEM CA bundle.")
        return path
    try:
        # Loading it now is the only sure test, and costs what the first request to XO would pay anyway.
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        problems.append(
            f"XO_CA_BUNDLE={raw} holds no PEM certificate that OpenSSL can read: give the CA certificate(s) as PEM "
            "text (-----BEGIN CERTIFICATE----- …), not DER or a key."
        )
    return path


def _parse_url(raw: str, problems: list[str]) -> str | None:
    example = "e.g. XO_URL=https://xo.example.net"
    if not raw:
        problems.append(f"XO_URL not set: set it to the address of Xen Orchestra ({example}).")
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"XO_URL={raw} is not an http(s) URL with a host ({example}).")
        return None
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number or out of range
    except ValueError:
        problems.append(f"XO_URL={raw} has an invalid port ({example}).")
        return None
    if parts.username or parts.password:
        problems.append("XO_URL must not carry credentials: use XO_TOKEN or XO_USERNAME/XO_PASSWORD.")
        return None
    path = parts.path.rstrip("/")
    if path.endswith(REST_PREFIX):
        path = path[: -len(REST_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


def _parse_bool(raw: str | None, name: str, *, default: bool, problems: list[str]) -> bool:
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    problems.append(f"{name}={raw} is not a boolean: use true or false.")
    return default


def _parse_timeout(raw: str | None, problems: list[str]) -> float:
    if raw is None or not raw.strip():
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT_S):
        problems.append(f"XO_TIMEOUT={raw} is not a number of seconds between 0 and {MAX_TIMEOUT_S:g} (default 30).")
        return DEFAULT_TIMEOUT_S
    return value


# --- Streamable HTTP ------------------------------------------------------------------------------

AuthMode = Literal["xo-token", "static", "none"]
AUTH_MODES: tuple[AuthMode, ...] = ("xo-token", "static", "none")

DEFAULT_PORT = 8000
DEFAULT_MAX_CONCURRENT_PER_CLIENT = 16
MAX_BODY_BYTES = 1024 * 1024
"""An MCP request is a few hundred bytes of JSON-RPC: 1 MiB leaves room and bounds memory (413 above)."""
MAX_HEADER_BYTES = 16 * 1024
"""All request headers together (431 above): an XO token is ~43 characters."""
MIN_HTTP_TOKEN_CHARS = 16
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
"""Accepted Host names by default, with any port: what a client on the same machine sends."""
LOOPBACK_ORIGINS = ("http://127.0.0.1", "http://localhost", "http://[::1]")


@dataclass(frozen=True)
class HttpSettings:
    """How the Streamable HTTP endpoint listens and who it lets in. Secrets never appear in repr()."""

    xo: Settings
    host: str
    port: int
    auth: AuthMode
    http_token: str | None = field(default=None, repr=False)
    """The shared secret of `static` mode."""
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    allowed_origins: tuple[str, ...] = LOOPBACK_ORIGINS
    max_concurrent_per_client: int = DEFAULT_MAX_CONCURRENT_PER_CLIENT
    hosts_configured: bool = False
    """XO_MCP_ALLOWED_HOSTS was set (otherwise the loopback defaults apply)."""

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/mcp"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach an answer, a response header or a log line."""
        return self.xo.secrets + ((self.http_token,) if self.http_token else ())


def is_loopback(host: str) -> bool:
    """Only literal loopback addresses and `localhost` count: any other name may resolve to a public address."""
    import ipaddress  # HTTP only: kept off the stdio start path

    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def load_http_settings(
    env: Mapping[str, str] | None = None, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT
) -> HttpSettings:
    """Validate the environment and the listening address for Streamable HTTP; raise ConfigError naming every
    problem at once (XO settings included)."""
    env = os.environ if env is None else env
    problems: list[str] = []

    http_token = _http_token(env, problems)
    has_server_credentials = bool(env.get("XO_TOKEN", "").strip() or env.get("XO_USERNAME", "").strip())
    auth = _auth_mode(env, problems, http_token=http_token, has_server_credentials=has_server_credentials)
    xo = _xo_settings(env, problems, credentials_required=auth != "xo-token")

    if not 1 <= port <= 65535:
        problems.append(f"--port {port} is not a TCP port: use a number from 1 to 65535 (default {DEFAULT_PORT}).")
    if not host.strip():
        problems.append("--host is empty: give an address to listen on (default 127.0.0.1).")
    if auth == "none" and not is_loopback(host):
        problems.append(
            f"Refusing to serve on {host} without authentication: any machine that reaches the port would read XO "
            "with the server's credentials. Set XO_MCP_AUTH=xo-token (each user sends their own XO token) or "
            "XO_MCP_HTTP_TOKEN (a shared secret), or listen on 127.0.0.1."
        )

    raw_hosts = env.get("XO_MCP_ALLOWED_HOSTS", "").strip()
    allowed_hosts = _host_list(raw_hosts, problems) if raw_hosts else _default_hosts(host)
    raw_origins = env.get("XO_MCP_ALLOWED_ORIGINS", "").strip()
    allowed_origins = _origin_list(raw_origins, problems) if raw_origins else LOOPBACK_ORIGINS
    limit = _parse_count(
        env.get("XO_MCP_MAX_CONCURRENT_PER_CLIENT"),
        "XO_MCP_MAX_CONCURRENT_PER_CLIENT",
        DEFAULT_MAX_CONCURRENT_PER_CLIENT,
        problems,
    )

    if problems:
        raise ConfigError(problems)
    assert xo is not None
    return HttpSettings(
        xo=xo,
        host=host,
        port=port,
        auth=auth,
        http_token=http_token,
        allowed_hosts=allowed_hosts,
        allowed_origins=allowed_origins,
        max_concurrent_per_client=limit,
        hosts_configured=bool(raw_hosts),
    )


def http_startup_warnings(settings: HttpSettings) -> list[str]:
    warnings = startup_warnings(settings.xo)
    if not settings.hosts_configured and settings.allowed_hosts == LOOPBACK_HOSTS and not settings.loopback:
        warnings.append(
            f"Listening on {settings.host} but accepting only the Host names {', '.join(settings.allowed_hosts)}: "
            "set XO_MCP_ALLOWED_HOSTS to the names clients use (e.g. mcp.example.net), or they get 421."
        )
    return warnings


def _http_token(env: Mapping[str, str], problems: list[str]) -> str | None:
    value = env.get("XO_MCP_HTTP_TOKEN", "").strip() or None
    file_name = env.get("XO_MCP_HTTP_TOKEN_FILE", "").strip()
    if value and file_name:
        problems.append("XO_MCP_HTTP_TOKEN and XO_MCP_HTTP_TOKEN_FILE are both set: keep one.")
        return None
    name = "XO_MCP_HTTP_TOKEN"
    if file_name:
        name = f"XO_MCP_HTTP_TOKEN_FILE={file_name}"
        try:
            value = Path(file_name).expanduser().read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                f"{name} cannot be read ({type(exc).__name__}): give the path of a file holding the secret."
            )
            return None
        if value is None:
            problems.append(f"{name} is empty: put the shared secret in it.")
            return None
    if value is None:
        return None
    why = token_problem(value)
    if why is None and len(value) < MIN_HTTP_TOKEN_CHARS:
        why = f"is shorter than {MIN_HTTP_TOKEN_CHARS} characters"
    if why is not None:
        problems.append(f"{name} {why}: use a long random value, e.g. `openssl rand -hex 32`.")
        return None
    return value


def _auth_mode(
    env: Mapping[str, str], problems: list[str], *, http_token: str | None, has_server_credentials: bool
) -> AuthMode:
    raw = env.get("XO_MCP_AUTH", "").strip().lower()
    has_secret = http_token is not None or bool(
        env.get("XO_MCP_HTTP_TOKEN", "").strip() or env.get("XO_MCP_HTTP_TOKEN_FILE", "").strip()
    )
    if not raw:
        if has_secret:
            return "static"
        # Without server-wide credentials the only way to reach XO is as each user: their own token.
        return "none" if has_server_credentials else "xo-token"
    for mode in AUTH_MODES:
        if raw == mode:
            if mode == "static" and not has_secret:
                problems.append(
                    "XO_MCP_AUTH=static needs the shared secret: set XO_MCP_HTTP_TOKEN or XO_MCP_HTTP_TOKEN_FILE."
                )
            if mode != "static" and has_secret:
                problems.append(
                    f"XO_MCP_HTTP_TOKEN is set but XO_MCP_AUTH={mode} does not use it: remove it, "
                    "or set XO_MCP_AUTH=static."
                )
            return mode
    problems.append(f"XO_MCP_AUTH={raw} is not an authentication mode: use xo-token, static or none.")
    return "xo-token"


def _default_hosts(host: str) -> tuple[str, ...]:
    """Loopback names, plus the listening address itself when it is one specific address."""
    import ipaddress

    name = host.strip("[]").lower()
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return (*LOOPBACK_HOSTS, name) if name and name != "localhost" else LOOPBACK_HOSTS
    if address.is_unspecified or address.is_loopback:
        return LOOPBACK_HOSTS
    return (*LOOPBACK_HOSTS, f"[{name}]" if address.version == 6 else name)


def _host_list(raw: str, problems: list[str]) -> tuple[str, ...]:
    entries = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    bad = [entry for entry in entries if "/" in entry or " " in entry or entry.startswith(":")]
    if bad or not entries:
        problems.append(
            f"XO_MCP_ALLOWED_HOSTS={raw} is not a comma-separated list of host names: give names as clients send "
            "them in the Host header, e.g. mcp.example.net,mcp.example.net:8443 (a name alone allows any port)."
        )
    return entries


def _origin_list(raw: str, problems: list[str]) -> tuple[str, ...]:
    entries = tuple(part.strip().lower().rstrip("/") for part in raw.split(",") if part.strip())
    bad = [
        entry for entry in entries if not entry.startswith(("http://", "https://")) or "/" in entry.split("://", 1)[1]
    ]
    if bad or not entries:
        problems.append(
            f"XO_MCP_ALLOWED_ORIGINS={raw} is not a comma-separated list of origins: give scheme and host, e.g. "
            "https://chat.example.net (without a port, any port is allowed)."
        )
    return entries


def _parse_count(raw: str | None, name: str, default: int, problems: list[str]) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 10_000:
        problems.append(f"{name}={raw} is not a whole number from 1 to 10000 (default {default}).")
        return default
    return value
