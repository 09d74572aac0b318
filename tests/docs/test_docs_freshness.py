"""What an index was built from, and `xo-mcp index --check` against a fake upstream and without network."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
from pathlib import Path

from tests.docs.github_fake import COMMIT, fake_github
from tests.docs.helpers import GARDEN, REPO, SHARED_TARBALL, Serve, quiet_progress, small_manifest, write_pages
from xo_mcp.docs.build import build_index
from xo_mcp.docs.freshness import CHANGED, UNKNOWN, UP_TO_DATE, check_freshness
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.sources import FolderSource, GitHubSource, git_blob_id

PAGES = {"spades.md": GARDEN["spades.md"], "tools/rakes.md": GARDEN["tools/rakes.md"]}


def test_git_blob_ids_are_gits() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_provenance_of_an_archive_build(shared_index: Path) -> None:
    provenance = DocsLibrary(shared_index).provenance()
    assert provenance is not None
    assert provenance.source.startswith("archive ") and provenance.pages == 59 and provenance.sections > 500
    assert provenance.checksum == hashlib.sha256(SHARED_TARBALL.read_bytes()).hexdigest()
    assert provenance.built_at[:2] == "20"
    assert provenance.checksum[:12] in provenance.render()
    topic_map = DocsLibrary(shared_index).search("backups").render()
    assert "Index built" in topic_map and provenance.checksum[:12] in topic_map


def _built(tmp_path: Path) -> tuple[Path, object]:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades", "tools/rakes.md": "/tools/rakes"})
    folder = write_pages(tmp_path / "docs", PAGES)
    build_index(FolderSource(folder), tmp_path / "index", manifest, None, quiet_progress())
    return tmp_path / "index", manifest


def test_check_against_an_unchanged_and_a_changed_upstream(tmp_path: Path, serve: Serve) -> None:
    index, manifest = _built(tmp_path)
    same = serve(fake_github({path: (text, git_blob_id(text.encode())) for path, text in PAGES.items()}))
    out = io.StringIO()
    source = GitHubSource("main", cache_dir=tmp_path / "cache", api=same.url, raw=same.url)
    assert check_freshness(index, source, manifest, out) == UP_TO_DATE  # type: ignore[arg-type]
    assert f"commit {COMMIT[:12]}" in out.getvalue() and "Up to date" in out.getvalue()

    edited = {**PAGES, "spades.md": PAGES["spades.md"] + "\nSharpen the edge.\n"}
    changed = serve(fake_github({path: (text, git_blob_id(text.encode())) for path, text in edited.items()}))
    out = io.StringIO()
    source = GitHubSource("main", cache_dir=tmp_path / "cache", api=changed.url, raw=changed.url)
    assert check_freshness(index, source, manifest, out) == CHANGED  # type: ignore[arg-type]
    assert "1 changed: spades.md" in out.getvalue() and "xo-mcp index --source github:main" in out.getvalue()


def test_check_without_network_says_so(tmp_path: Path) -> None:
    index, _ = _built(tmp_path)
    with socket.socket() as probe:  # a loopback port nobody listens on: connection refused, like no network
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = {**os.environ, "XO_DOCS_GITHUB_API": closed}
    done = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "xo-mcp"),
            "index",
            "--check",
            "--source",
            "github:master",
            "--output",
            str(index),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == UNKNOWN, done.stderr
    assert "Cannot tell whether the documentation changed" in done.stdout
    assert "needs network access" in done.stdout and "--source docs.tar.gz" in done.stdout
    assert "Traceback" not in done.stderr


def test_check_without_an_index(tmp_path: Path) -> None:
    _, manifest = _built(tmp_path)
    out = io.StringIO()
    source = FolderSource(tmp_path / "docs")
    assert check_freshness(tmp_path / "nothing", source, manifest, out) == UNKNOWN  # type: ignore[arg-type]
    assert "No readable documentation index" in out.getvalue()
    assert json.loads((tmp_path / "index" / "build.json").read_text())["pages"]["spades.md"]["git_blob"]
