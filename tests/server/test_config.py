"""Settings: read from the environment, validated once, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from xo_mcp.config import DEFAULT_TIMEOUT_S, load_settings
from xo_mcp.errors import ConfigError


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
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {"XO_URL": "http://xo", "XO_TOKEN": "t", "XO_VERIFY_SSL": "FALSE", "XO_TIMEOUT": "2.5"}
    settings = load_settings(env | {"XO_CA_BUNDLE": str(bundle), "XO_DOCS_INDEX": str(tmp_path)})
    assert not settings.verify_ssl and settings.timeout == 2.5
    assert settings.ca_bundle == bundle and settings.docs_index == tmp_path


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
