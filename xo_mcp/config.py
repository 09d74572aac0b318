"""Settings: read from the environment once, validated into one frozen object."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from xo_mcp.errors import ConfigError

DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 3600.0
REST_PREFIX = "/rest/v0"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


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

    @property
    def api_url(self) -> str:
        return self.base_url + REST_PREFIX

    @property
    def auth_kind(self) -> Literal["token", "basic"]:
        return "token" if self.token else "basic"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach an answer or a log line."""
        return tuple(s for s in (self.token, self.password) if s)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Validate the XO_* environment; raise ConfigError naming every problem at once."""
    env = os.environ if env is None else env
    problems: list[str] = []

    base_url = _parse_url(env.get("XO_URL", "").strip(), problems)

    token = env.get("XO_TOKEN", "").strip() or None
    username = env.get("XO_USERNAME", "").strip() or None
    password = env.get("XO_PASSWORD") or None
    if token is None:
        missing = [name for name, value in (("XO_USERNAME", username), ("XO_PASSWORD", password)) if not value]
        if missing:
            problems.append(
                f"{' and '.join(missing)} not set: set XO_TOKEN to an XO authentication token "
                "(XO 5: User > Authentication tokens; or `xo-cli create-token`), "
                "or set both XO_USERNAME and XO_PASSWORD of an XO administrator."
            )

    verify_ssl = _parse_bool(env.get("XO_VERIFY_SSL"), "XO_VERIFY_SSL", default=True, problems=problems)

    ca_bundle: Path | None = None
    raw_ca = env.get("XO_CA_BUNDLE", "").strip()
    if raw_ca:
        ca_bundle = Path(raw_ca).expanduser()
        if not ca_bundle.is_file():
            problems.append(f"XO_CA_BUNDLE={raw_ca} is not a readable file: give the path of a PEM CA bundle.")

    timeout = _parse_timeout(env.get("XO_TIMEOUT"), problems)

    raw_index = env.get("XO_DOCS_INDEX", "").strip()
    docs_index = Path(raw_index).expanduser() if raw_index else None

    if problems:
        raise ConfigError(problems)
    assert base_url is not None
    return Settings(
        base_url=base_url,
        token=token,
        username=None if token else username,
        password=None if token else password,
        verify_ssl=verify_ssl,
        ca_bundle=ca_bundle,
        timeout=timeout,
        docs_index=docs_index,
    )


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
