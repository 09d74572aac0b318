"""`xo-mcp index --check`: has the documentation changed upstream since the index was built?

Pages are compared by their git blob ids: the index records one for every page (computed from the
content, whatever the source was), and the GitHub tree lists them without downloading any page. Any
other source (an archive, a folder) is fetched and hashed the same way. Exit status: 0 up to date,
1 changed (rebuild), 3 could not tell (no network, unknown index), so scripts can act on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from xo_mcp.docs.manifest import Manifest
from xo_mcp.docs.schema import BUILD_MANIFEST
from xo_mcp.docs.sources import GitHubSource, Source, SourceError, SourceUnreachable, git_blob_id

UP_TO_DATE, CHANGED, UNKNOWN = 0, 1, 3


@dataclass(frozen=True)
class Comparison:
    changed: list[str]
    added: list[str]
    removed: list[str]

    @property
    def same(self) -> bool:
        return not (self.changed or self.added or self.removed)


def compare(indexed: dict[str, str], upstream: dict[str, str]) -> Comparison:
    """Page path -> git blob id, in the index and upstream."""
    return Comparison(
        changed=sorted(path for path in indexed.keys() & upstream.keys() if indexed[path] != upstream[path]),
        added=sorted(upstream.keys() - indexed.keys()),
        removed=sorted(indexed.keys() - upstream.keys()),
    )


def check_freshness(index_dir: Path, source: Source, manifest: Manifest, out: TextIO) -> int:
    try:
        build = json.loads((index_dir / BUILD_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print(
            f"No readable documentation index at {index_dir}: nothing to compare (build one with `xo-mcp index`).",
            file=out,
        )
        return UNKNOWN
    built = f"built {build.get('built_at', '?')} from {build.get('source', '?')}"
    indexed = {path: str(page.get("git_blob", "")) for path, page in build.get("pages", {}).items()}
    print(f"Index: {built}, {len(indexed)} pages.", file=out)
    try:
        if isinstance(source, GitHubSource):
            commit, upstream = source.listing()
            where = f"{source.description} (commit {commit[:12]})"
        else:
            snapshot = source.fetch(manifest, lambda done, total: None)
            upstream = {file.path: git_blob_id(file.content) for file in snapshot.files}
            where = snapshot.description
    except SourceUnreachable as exc:
        print(
            f"Cannot tell whether the documentation changed: {source.description} is unreachable ({exc}). "
            "This check needs network access to the source. Offline, rebuild from an archive or folder "
            "instead: `xo-mcp index --source docs.tar.gz`.",
            file=out,
        )
        return UNKNOWN
    except (SourceError, OSError) as exc:
        print(f"Cannot tell whether the documentation changed: {exc}", file=out)
        return UNKNOWN
    upstream = {path: blob for path, blob in upstream.items() if path in indexed or manifest.page(path)}
    result = compare(indexed, upstream)
    if result.same:
        print(f"Up to date with {where}: every page is the same.", file=out)
        return UP_TO_DATE
    parts = [
        f"{len(names)} {label}: {', '.join(names[:8])}{' …' if len(names) > 8 else ''}"
        for label, names in (("changed", result.changed), ("new", result.added), ("removed", result.removed))
        if names
    ]
    print(f"The documentation changed in {where}: {'; '.join(parts)}.", file=out)
    print(f"Rebuild the index: `xo-mcp index --source {source.spec}`.", file=out)
    return CHANGED
