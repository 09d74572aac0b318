"""The upstream source: the git tree from the GitHub API, pages from raw URLs, unchanged blobs not fetched again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.docs.github_fake import COMMIT
from tests.docs.github_fake import fake_github as fake_github_with_blobs
from tests.docs.helpers import GARDEN, Route, Serve, quiet_progress, small_manifest
from xo_mcp.docs.build import build_index
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.schema import BUILD_MANIFEST
from xo_mcp.docs.sources import GitHubSource, resolve_source


def blob_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]  # any 40-hex id will do


def fake_github(pages: dict[str, str]) -> dict[str, Route]:
    return fake_github_with_blobs({path: (text, blob_id(text)) for path, text in pages.items()})


def test_github_source_fetches_the_tree_then_only_changed_blobs(tmp_path: Path, serve: Serve) -> None:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades", "tools/rakes.md": "/tools/rakes"})
    pages = {"spades.md": GARDEN["spades.md"], "tools/rakes.md": GARDEN["tools/rakes.md"]}
    server = serve(fake_github(pages))
    cache = tmp_path / "cache"
    source = GitHubSource("main", cache_dir=cache, api=server.url, raw=server.url)

    summary = build_index(source, tmp_path / "index", manifest, cache, quiet_progress())
    assert (summary.pages, summary.warnings) == (2, ())
    raw_requests = [r for r in server.requests if not r.startswith("/repos/")]
    assert sorted(raw_requests) == [f"/vatesfr/xen-orchestra/{COMMIT}/docs/docs/{p}" for p in sorted(pages)]
    record = json.loads((tmp_path / "index" / BUILD_MANIFEST).read_text())
    assert record["revision"] == COMMIT
    assert record["source"].startswith("github vatesfr/xen-orchestra docs/docs at main")
    assert record["pages"]["spades.md"]["git_blob"] == blob_id(pages["spades.md"])
    assert DocsLibrary(tmp_path / "index").search("manage", "rakes leaves").results[0].source_path == "tools/rakes.md"

    server.requests.clear()
    again = build_index(source, tmp_path / "index", manifest, cache, quiet_progress())
    assert again.parsed == 0
    assert all(r.startswith("/repos/") for r in server.requests)  # blobs came from the cache


def test_source_specs() -> None:
    cache = Path("/tmp/unused")
    assert isinstance(resolve_source("github:v5.100.0", cache), GitHubSource)
    github = resolve_source("github:", cache)
    assert isinstance(github, GitHubSource) and github.ref == "master"
