"""Building the index: every kind of source, the cache, warnings, and the old index surviving failures."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.docs.helpers import (
    GARDEN,
    SHARED_DOCS,
    SHARED_TARBALL,
    Serve,
    docusaurus_page,
    needs_shared_docs,
    quiet_progress,
    small_manifest,
    write_pages,
)
from xo_mcp.docs import writer
from xo_mcp.docs.build import BuildSummary, build_index, main
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.manifest import Manifest
from xo_mcp.docs.schema import BUILD_MANIFEST, INDEX_VERSION
from xo_mcp.docs.sources import FolderSource, SiteSource, SourceError, TarballSource, resolve_source
from xo_mcp.errors import DocsUnavailable


def test_folder_source_with_cache_warnings_and_build_manifest(tmp_path: Path) -> None:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades", "tools/rakes.md": "/tools/rakes", "gone.md": "/gone"})
    source = write_pages(tmp_path / "site" / "docs", GARDEN)
    output, cache = tmp_path / "index", tmp_path / "cache"

    first = build_index(FolderSource(tmp_path / "site"), output, manifest, cache, quiet_progress())
    assert (first.pages, first.sections, first.parsed) == (3, 4, 3)
    assert first.warnings == (
        "gone.md is in the manifest but not in the source (removed or renamed upstream?)",
        "extra.md is in the source but in no topic: add it to docs_corpus/topics.toml (searchable under 'all' only)",
    )
    record = json.loads((output / BUILD_MANIFEST).read_text())
    assert record["schema_version"] == INDEX_VERSION
    assert record["source"] == f"folder {tmp_path / 'site'}"
    spades = record["pages"]["spades.md"]
    assert spades["sha256"] == hashlib.sha256((source / "spades.md").read_bytes()).hexdigest()
    assert spades["url"] == "https://garden.example/spades"
    assert record["pages"]["extra.md"]["url"] == "https://garden.example/bonus"  # front-matter slug

    second = build_index(FolderSource(tmp_path / "site"), output, manifest, cache, quiet_progress())
    assert second.parsed == 0  # every page came from the parse cache
    (source / "spades.md").write_text(GARDEN["spades.md"] + "\n## Storage\n\nHang it.\n", encoding="utf-8")
    third = build_index(FolderSource(tmp_path / "site"), output, manifest, cache, quiet_progress())
    assert (third.parsed, third.sections) == (1, 5)

    library = DocsLibrary(output)
    hit = library.search("manage", "oil blade").results[0]
    assert (hit.source_path, hit.url, hit.topic) == ("spades.md", "https://garden.example/spades#care", "manage")
    assert library.search("all", "compost").results[0].topic == "all"
    assert not list(tmp_path.glob("index.tmp*"))


def test_rendered_site_over_http(tmp_path: Path, serve: Serve) -> None:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades", "tools/rakes.md": "/tools/rakes", "gone.md": "/gone"})
    spades_article = '<p>Spades dig holes.</p><h2 id="care">Care</h2><p>Oil the blade.</p>'
    server = serve(
        {
            "/docs/spades": docusaurus_page("Spades", spades_article).encode(),
            "/docs/tools/rakes": docusaurus_page("Rakes", "<p>Rakes gather leaves.</p>").encode(),
            "/docs/sitemap.xml": b"<urlset><url><loc>https://x/docs/spades</loc></url>"
            b"<url><loc>https://x/docs/tools/rakes</loc></url><url><loc>https://x/docs/compost</loc></url></urlset>",
        }
    )
    source = resolve_source(f"{server.url}/docs", tmp_path / "cache")
    assert isinstance(source, SiteSource)
    summary = build_index(source, tmp_path / "index", manifest, None, quiet_progress())
    assert (summary.pages, summary.sections) == (2, 3)
    assert summary.warnings == (
        "gone.md is in the manifest but not in the source (removed or renamed upstream?)",
        "compost.md is in the source but in no topic: add it to docs_corpus/topics.toml (searchable under 'all' only)",
    )
    library = DocsLibrary(tmp_path / "index")
    hit = library.search("manage", "oil").results[0]
    assert (hit.heading, hit.url) == ("Spades › Care", "https://garden.example/spades#care")
    page = library.read("spades.md").text
    assert "Edit this page" not in page and "sidebar" not in page


def test_folder_of_rendered_pages(tmp_path: Path) -> None:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades", "tools/rakes.md": "/tools/rakes"})
    site = tmp_path / "build"
    (site / "tools" / "rakes").mkdir(parents=True)
    (site / "spades.html").write_text(docusaurus_page("Spades", "<p>Spades dig holes.</p>"), encoding="utf-8")
    (site / "tools" / "rakes" / "index.html").write_text(docusaurus_page("Rakes", "<p>Rakes rake.</p>"))
    summary = build_index(FolderSource(site), tmp_path / "index", manifest, None, quiet_progress())
    assert (summary.pages, summary.warnings) == (2, ())
    assert DocsLibrary(tmp_path / "index").read("tools/rakes.md").text == "# Rakes\nRakes rake."


@needs_shared_docs
def test_tarball_over_http_with_a_retried_failure(tmp_path: Path, serve: Serve, manifest: Manifest) -> None:
    answers = iter([(503, b"busy")])
    tarball = SHARED_TARBALL.read_bytes()
    server = serve({"/snapshots/xo-docs.tar.gz": lambda: next(answers, (200, tarball))})
    source = resolve_source(f"{server.url}/snapshots/xo-docs.tar.gz", tmp_path / "cache")
    assert isinstance(source, TarballSource)
    summary = build_index(source, tmp_path / "index", manifest, None, quiet_progress())
    assert server.requests == ["/snapshots/xo-docs.tar.gz"] * 2
    assert (summary.pages, summary.warnings) == (59, ())
    assert summary.sections > 900
    assert summary.index_bytes < 10_000_000
    hit = DocsLibrary(tmp_path / "index").search("backups", "tag to include the RAM in a backup").results[0]
    assert hit.source_path == "xo5/backups.md"


@needs_shared_docs
def test_shared_folder_and_its_companion_files(tmp_path: Path, manifest: Manifest) -> None:
    summary = build_index(FolderSource(SHARED_DOCS), tmp_path / "index", manifest, None, quiet_progress())
    assert summary.pages == 61  # the 59 pages, plus PAGES.md and SOURCE.md, which are in no topic
    assert [w.split()[0] for w in summary.warnings] == ["PAGES.md", "SOURCE.md"]


def test_a_git_archive_records_its_commit(tmp_path: Path) -> None:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades"})
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers={"comment": "a" * 40}) as tar:
        body = GARDEN["spades.md"].encode()
        member = tarfile.TarInfo("repo-aaaa/docs/docs/spades.md")
        member.size = len(body)
        tar.addfile(member, io.BytesIO(body))
    (tmp_path / "repo.tgz").write_bytes(data.getvalue())
    build_index(TarballSource(str(tmp_path / "repo.tgz")), tmp_path / "index", manifest, None, quiet_progress())
    assert json.loads((tmp_path / "index" / BUILD_MANIFEST).read_text())["revision"] == "a" * 40


def built_garden(tmp_path: Path) -> tuple[Manifest, Path, str]:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades"})
    write_pages(tmp_path / "docs", GARDEN)
    output = tmp_path / "index"
    build_index(FolderSource(tmp_path / "docs"), output, manifest, None, quiet_progress())
    return manifest, output, (output / BUILD_MANIFEST).read_text()


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError("disk full")], ids=["interrupted", "failed"])
def test_an_interrupted_or_failed_build_keeps_the_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    manifest, output, before = built_garden(tmp_path)
    library = DocsLibrary(output)
    assert library.search("manage", "clay").results

    real_write = writer.write_index

    def write_then_fail(folder: Path, *args: object, **kwargs: object) -> int:
        real_write(folder, *args, **kwargs)  # type: ignore[arg-type]
        raise failure

    monkeypatch.setattr(writer, "write_index", write_then_fail)
    (tmp_path / "docs" / "spades.md").write_text("# Spades\n\nRewritten.\n", encoding="utf-8")
    with pytest.raises(type(failure)):
        build_index(FolderSource(tmp_path / "docs"), output, manifest, None, quiet_progress())
    assert (output / BUILD_MANIFEST).read_text() == before
    assert library.search("manage", "clay").results
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("index")] == ["index"]


def test_main_reports_failures_and_leaves_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, output, before = built_garden(tmp_path)
    empty = tmp_path / "empty"
    write_pages(empty, {"unrelated.md": "# Nothing of ours\n"})
    code = main(["--source", str(empty), "--output", str(output), "--manifest", str(tmp_path / "topics.toml")])
    assert code == 1
    assert "build failed, previous index left intact" in capsys.readouterr().err
    assert (output / BUILD_MANIFEST).read_text() == before


def test_main_builds_from_the_env_default_and_prints_a_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small_manifest(tmp_path, {"spades.md": "/spades"})
    write_pages(tmp_path / "docs", GARDEN)
    monkeypatch.setenv("XO_DOCS_SOURCE", str(tmp_path / "docs"))
    options = ["--output", str(tmp_path / "out"), "--manifest", str(tmp_path / "topics.toml")]
    code = main([*options, "--cache", str(tmp_path / "c"), "--lexical-only"])
    assert code == 0
    err = capsys.readouterr().err
    assert f"source: folder {tmp_path / 'docs'}" in err
    assert "fetched: 3/3" in err and "parsed: 3/3" in err and "indexed: 3/3" in err
    assert "indexed 3 pages, 4 sections, 20 words in " in err
    assert " kB (3 pages parsed, 0 unchanged; lexical only)" in err


def test_unknown_sources_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        resolve_source(str(tmp_path / "missing"), tmp_path)


def test_no_manifest_page_in_the_source_is_an_error(tmp_path: Path) -> None:
    manifest = small_manifest(tmp_path, {"spades.md": "/spades"})
    write_pages(tmp_path / "docs", {"other.md": "# Other\n"})
    with pytest.raises(SourceError):
        build_index(FolderSource(tmp_path / "docs"), tmp_path / "index", manifest, None, quiet_progress())


def test_an_incompatible_index_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    _, output, before = built_garden(tmp_path)
    record = json.loads(before)
    record["schema_version"] = INDEX_VERSION + 1
    (output / BUILD_MANIFEST).write_text(json.dumps(record))
    with pytest.raises(DocsUnavailable, match=r"format version \d+, but this xo-mcp reads version \d+.*Rebuild"):
        DocsLibrary(output).search("all", "spades")


def test_a_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(
        DocsUnavailable, match=r"No documentation index at .*make index.*xo-mcp index --source.*XO_DOCS_INDEX"
    ):
        DocsLibrary(tmp_path / "nowhere").search("all", "spades")


def test_summary_line() -> None:
    summary = BuildSummary(
        pages=59, sections=956, words=75000, seconds=3.21, index_bytes=2_600_000, parsed=2, warnings=()
    )
    assert summary.line() == (
        "indexed 59 pages, 956 sections, 75000 words in 3.2 s; index 2.6 MB (2 pages parsed, 57 unchanged; "
        "lexical only)"
    )
    semantic = dataclasses.replace(summary, embedded=3, from_cache=1909, index_bytes=27_000_000)
    assert semantic.line().endswith(
        "index 27.0 MB (2 pages parsed, 57 unchanged; 3 texts embedded, 1909 from the cache)"
    )
