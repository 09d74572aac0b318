"""Settings: read from the environment, validated once, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from xo_mcp.config import (
    DEFAULT_TIMEOUT_S,
    LOOPBACK_HOSTS,
    LOOPBACK_ORIGINS,
    http_startup_warnings,
    load_http_settings,
    load_settings,
    startup_warnings,
)
from xo_mcp.errors import ConfigError

from .tls_proxy import make_certificate


def problems(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    return "\n".join(caught.value.problems)


def test_url_forms_are_normalised() -> None:
    for raw in ("https://xo.example.net", "https://xo.example.net/", "https://xo.example.net/rest/v0/"):
        settings = load_settings({"XO_URL": raw, "XO_TOKEN": "t"})
        assert settings.base_url == "https://xo.example.net"
        assert settings.api_url == "https://xo.example.net/rest/v0"
    behind_proxy = load_settings({"XO_URL": "https://gw.example.net:8443/xo/rest/v0", "XO_TOKEN": "t"})
    assert behind_proxy.api_url == "https://gw.example.net:8443/xo/rest/v0"


def test_token_wins_over_password_and_secrets_stay_out_of_repr() -> None:
    settings = load_settings({"XO_URL": "http://xo", "XO_TOKEN": "tok-123", "XO_USERNAME": "u", "XO_PASSWORD": "p"})
    assert settings.auth_kind == "token" and settings.password is None
    assert "tok-123" not in repr(settings)
    basic = load_settings({"XO_URL": "http://xo", "XO_USERNAME": "u", "XO_PASSWORD": "pw-secret"})
    assert basic.auth_kind == "basic" and "pw-secret" not in repr(basic)


def test_defaults_and_options(tmp_path: Path) -> None:
    settings = load_settings({"XO_URL": "http://xo", "XO_TOKEN": "t"})
    assert settings.verify_ssl and settings.timeout == DEFAULT_TIMEOUT_S and settings.ca_bundle is None
    assert settings.log_level == "WARNING"
    bundle, _ = make_certificate(tmp_path)
    env = {"XO_URL": "http://xo", "XO_TOKEN": "t", "XO_VERIFY_SSL": "FALSE", "XO_TIMEOUT": "2.5"}
    env |= {"XO_CA_BUNDLE": str(bundle), "XO_DOCS_INDEX": str(tmp_path), "XO_LOG_LEVEL": "info"}
    settings = load_settings(env)
    assert not settings.verify_ssl and settings.timeout == 2.5 and settings.log_level == "INFO"
    assert settings.ca_bundle == bundle and settings.docs_index == tmp_path
    assert startup_warnings(settings) == []


def test_every_problem_is_named_at_once() -> None:
    text = problems({"XO_VERIFY_SSL": "maybe", "XO_TIMEOUT": "-1", "XO_CA_BUNDLE": "/no/such/ca.pem"})
    for expected in ("XO_URL not set", "XO_USERNAME and XO_PASSWORD not set", "XO_TOKEN", "XO_VERIFY_SSL=maybe"):
        assert expected in text
    assert "XO_TIMEOUT=-1" in text and "XO_CA_BUNDLE=/no/such/ca.pem" in text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("xo.example.net", "not an http(s) URL"),
        ("ftp://xo", "not an http(s) URL"),
        ("https://", "not an http(s) URL"),
        ("https://xo:99999", "invalid port"),
        ("https://admin:pw@xo", "must not carry credentials"),
    ],
)
def test_bad_urls(url: str, expected: str) -> None:
    assert expected in problems({"XO_URL": url, "XO_TOKEN": "t"})


def test_password_only_names_the_username() -> None:
    text = problems({"XO_URL": "http://xo", "XO_PASSWORD": "p"})
    assert "XO_USERNAME not set" in text and "XO_PASSWORD not set" not in text


# --- issue 13 item 8: unusable credentials and CA bundles are start-up errors --------------------------


@pytest.mark.parametrize("token", ["tök-€n-5e1f", "tok with space", "tok;injected=1", "tok\x01ctl"])
def test_a_token_no_cookie_can_carry_is_refused_without_being_quoted(token: str) -> None:
    text = problems({"XO_URL": "http://xo", "XO_TOKEN": token})
    assert "XO_TOKEN contains characters an HTTP cookie cannot carry" in text
    assert token.strip() not in text


def test_a_ca_bundle_that_is_not_pem_is_refused(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.pem"
    truncated.write_text("-----BEGIN CERTIFICATE-----\n")
    _, key = make_certificate(tmp_path)
    der = tmp_path / "ca.der"
    der.write_bytes(bytes(range(256)))
    for bundle in (truncated, key, der):
        text = problems({"XO_URL": "http://xo", "XO_TOKEN": "t", "XO_CA_BUNDLE": str(bundle)})
        assert f"XO_CA_BUNDLE={bundle} holds no PEM certificate" in text


# --- issue 13 item 11: every setting is checked at start -----------------------------------------------


def test_an_unknown_log_level_is_refused() -> None:
    assert "XO_LOG_LEVEL=LOUD is not a log level" in problems(
        {"XO_URL": "http://xo", "XO_TOKEN": "t", "XO_LOG_LEVEL": "LOUD"}
    )


def test_a_docs_index_that_is_not_a_folder_is_a_warning_not_an_error(tmp_path: Path) -> None:
    settings = load_settings({"XO_URL": "http://xo", "XO_TOKEN": "t", "XO_DOCS_INDEX": str(tmp_path / "nowhere")})
    [warning] = startup_warnings(settings)
    assert warning.startswith(f"XO_DOCS_INDEX={tmp_path / 'nowhere'} is not a folder")


# --- Streamable HTTP: authentication modes, binds, allow-lists -----------------------------------------

XO = {"XO_URL": "http://xo"}
SECRET = "s3cret-shared-0123456789abcdef"


def http_problems(env: dict[str, str], **where: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_http_settings(env, **where)  # type: ignore[arg-type]
    return "\n".join(caught.value.problems)


def test_without_server_credentials_each_user_brings_their_xo_token() -> None:
    settings = load_http_settings(XO)
    assert settings.auth == "xo-token" and settings.xo.credentials is None
    assert settings.loopback and settings.url == "http://127.0.0.1:8000/mcp"
    assert settings.allowed_hosts == LOOPBACK_HOSTS and settings.allowed_origins == LOOPBACK_ORIGINS
    # stdio still needs the server's own credentials
    assert "XO_USERNAME and XO_PASSWORD not set" in problems(XO)


def test_the_mode_follows_what_is_configured(tmp_path: Path) -> None:
    assert load_http_settings(XO | {"XO_TOKEN": "t"}).auth == "none"
    static = load_http_settings(XO | {"XO_TOKEN": "t", "XO_MCP_HTTP_TOKEN": SECRET})
    assert static.auth == "static" and static.http_token == SECRET
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    from_file = load_http_settings(XO | {"XO_TOKEN": "t", "XO_MCP_HTTP_TOKEN_FILE": str(secret_file)})
    assert from_file.auth == "static" and from_file.http_token == SECRET
    explicit = load_http_settings(XO | {"XO_TOKEN": "t", "XO_MCP_AUTH": "xo-token"}, host="0.0.0.0")
    assert explicit.auth == "xo-token" and explicit.xo.credentials is not None  # kept for /readyz only


def test_secrets_stay_out_of_repr() -> None:
    settings = load_http_settings(XO | {"XO_TOKEN": "tok-server-9a", "XO_MCP_HTTP_TOKEN": SECRET})
    assert SECRET not in repr(settings) and "tok-server-9a" not in repr(settings)
    assert set(settings.secrets) == {SECRET, "tok-server-9a"}
    assert "tok-server-9a" not in repr(settings.xo.credentials)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "xo-mcp.example.net"])
def test_an_open_bind_without_authentication_is_refused(host: str) -> None:
    text = http_problems(XO | {"XO_TOKEN": "t"}, host=host)
    assert f"Refusing to serve on {host} without authentication" in text
    assert "XO_MCP_AUTH=xo-token" in text and "XO_MCP_HTTP_TOKEN" in text
    assert "Refusing" in http_problems(XO | {"XO_TOKEN": "t", "XO_MCP_AUTH": "none"}, host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_binds_may_go_without_authentication(host: str) -> None:
    assert load_http_settings(XO | {"XO_TOKEN": "t"}, host=host).auth == "none"


def test_allowed_hosts_default_to_loopback_plus_a_specific_address() -> None:
    assert load_http_settings(XO, host="0.0.0.0").allowed_hosts == LOOPBACK_HOSTS
    assert load_http_settings(XO, host="192.0.2.10").allowed_hosts == (*LOOPBACK_HOSTS, "192.0.2.10")
    assert load_http_settings(XO, host="2001:db8::5").allowed_hosts == (*LOOPBACK_HOSTS, "[2001:db8::5]")
    [warning] = http_startup_warnings(load_http_settings(XO, host="0.0.0.0"))
    assert "set XO_MCP_ALLOWED_HOSTS" in warning
    configured = load_http_settings(
        XO
        | {
            "XO_MCP_ALLOWED_HOSTS": "MCP.example.net, mcp.example.net:8443",
            "XO_MCP_ALLOWED_ORIGINS": "https://chat.example.net/",
        },
        host="0.0.0.0",
    )
    assert configured.allowed_hosts == ("mcp.example.net", "mcp.example.net:8443")
    assert configured.allowed_origins == ("https://chat.example.net",)
    assert http_startup_warnings(configured) == []


@pytest.mark.parametrize(
    ("env", "where", "expected"),
    [
        ({"XO_MCP_AUTH": "static"}, {}, "XO_MCP_AUTH=static needs the shared secret"),
        ({"XO_MCP_AUTH": "static", "XO_MCP_HTTP_TOKEN": SECRET}, {}, "XO_USERNAME and XO_PASSWORD not set"),
        ({"XO_MCP_AUTH": "sometimes"}, {}, "XO_MCP_AUTH=sometimes is not an authentication mode"),
        ({"XO_MCP_AUTH": "xo-token", "XO_MCP_HTTP_TOKEN": SECRET}, {}, "XO_MCP_AUTH=xo-token does not use it"),
        ({"XO_MCP_HTTP_TOKEN": "short"}, {}, "XO_MCP_HTTP_TOKEN is shorter than 16 characters"),
        ({"XO_MCP_HTTP_TOKEN": SECRET + " é"}, {}, "XO_MCP_HTTP_TOKEN contains characters"),
        ({"XO_MCP_HTTP_TOKEN": SECRET, "XO_MCP_HTTP_TOKEN_FILE": "/x"}, {}, "both set: keep one"),
        ({"XO_MCP_HTTP_TOKEN_FILE": "/no/such/secret"}, {}, "XO_MCP_HTTP_TOKEN_FILE=/no/such/secret cannot be read"),
        ({"XO_USERNAME": "ops@example.net"}, {}, "XO_PASSWORD not set"),
        ({}, {"port": 99999}, "--port 99999 is not a TCP port"),
        ({}, {"port": 0}, "--port 0 is not a TCP port"),
        ({"XO_MCP_ALLOWED_HOSTS": "https://mcp.example.net/"}, {}, "XO_MCP_ALLOWED_HOSTS=https://mcp.example.net/"),
        ({"XO_MCP_ALLOWED_ORIGINS": "chat.example.net"}, {}, "XO_MCP_ALLOWED_ORIGINS=chat.example.net is not"),
        ({"XO_MCP_MAX_CONCURRENT_PER_CLIENT": "0"}, {}, "XO_MCP_MAX_CONCURRENT_PER_CLIENT=0 is not"),
    ],
)
def test_http_problems(env: dict[str, str], where: dict[str, object], expected: str) -> None:
    text = http_problems(XO | env, **where)
    assert expected in text
    assert SECRET not in text


def test_every_http_problem_is_named_at_once() -> None:
    text = http_problems({"XO_LOG_LEVEL": "LOUD", "XO_MCP_AUTH": "open"}, port=70000)
    for expected in ("XO_URL not set", "XO_LOG_LEVEL=LOUD", "XO_MCP_AUTH=open", "--port 70000"):
        assert expected in text
