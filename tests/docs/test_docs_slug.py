"""Heading ids as the docs site makes them."""

from __future__ import annotations

from xo_mcp.docs.slug import Slugger, github_slug


def test_github_slugs() -> None:
    assert github_slug("Rolling Pool Updates (RPU)") == "rolling-pool-updates-rpu"
    assert github_slug("What's new in `config.toml`?") == "whats-new-in-configtoml"
    assert github_slug("Stable 🚀 channel") == "stable--channel"
    assert github_slug("Étape 1: démarrer") == "étape-1-démarrer"


def test_repeated_titles_are_numbered_and_explicit_ids_are_reserved() -> None:
    slugger = Slugger()
    slugger.reserve("upgrade")
    assert slugger.slug("Upgrade") == "upgrade-1"
    assert slugger.slug("Upgrade") == "upgrade-2"
    assert slugger.slug("Other") == "other"
