"""The three GitHub API answers and the raw pages GitHubSource reads, for a loopback server."""

from __future__ import annotations

import json

from tests.docs.helpers import Route

COMMIT = "c0ffee" + "0" * 34


def fake_github(pages: dict[str, tuple[str, str]], ref: str = "main") -> dict[str, Route]:
    """Routes for the docs folder at `ref` holding `pages` (path -> (text, git blob id))."""
    repo = "/repos/vatesfr/xen-orchestra"
    tree = [{"path": "tools", "type": "tree", "sha": "t2"}] + [
        {"path": path, "type": "blob", "sha": blob} for path, (_, blob) in pages.items()
    ]
    routes: dict[str, Route] = {
        f"{repo}/commits/{ref}": json.dumps({"sha": COMMIT}).encode(),
        f"{repo}/contents/docs?ref={COMMIT}": json.dumps(
            [{"name": "package.json", "type": "file", "sha": "p"}, {"name": "docs", "type": "dir", "sha": "t1"}]
        ).encode(),
        f"{repo}/git/trees/t1?recursive=1": json.dumps({"tree": tree, "truncated": False}).encode(),
    }
    for path, (text, _) in pages.items():
        routes[f"/vatesfr/xen-orchestra/{COMMIT}/docs/docs/{path}"] = text.encode()
    return routes
