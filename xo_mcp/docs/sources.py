"""Where the documentation pages come from: upstream git, the published site, a folder or a tarball.

`--source` accepts:
- `github:<ref>` (default `github:master`): the Markdown sources of vatesfr/xen-orchestra, folder docs/docs;
- `site:<url>` or any other http(s) URL: the rendered pages of the published site (article text only);
- an http(s) URL or file path ending in .tar.gz/.tgz: an archive holding the docs folder anywhere inside;
- a local folder: Markdown sources (the docs folder or any parent of it), or a built site of HTML pages.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlsplit

from xo_mcp.docs.fetch import DownloadError, download, download_many
from xo_mcp.docs.manifest import Manifest

DEFAULT_SOURCE = "github:master"
GITHUB_REPO = "vatesfr/xen-orchestra"
GITHUB_DOCS_FOLDER = "docs/docs"
GITHUB_API = "https://api.github.com"
GITHUB_RAW = "https://raw.githubusercontent.com"

PageKind = Literal["markdown", "html"]
Progress = Callable[[int, int], None]  # (done, total) of the downloads
_MARKDOWN_SUFFIXES = (".md", ".mdx")
_COMMIT_ID = re.compile(r"^[0-9a-f]{40}$")  # a git object id (commit or blob)


class SourceError(Exception):
    """The source cannot be read or holds no documentation; the message says why."""


class SourceUnreachable(SourceError):
    """The source is on the network and could not be reached (no network, DNS, refused, HTTP error)."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the docs root, e.g. xo5/backups.md
    content: bytes
    kind: PageKind


@dataclass
class Snapshot:
    description: str
    revision: str | None
    files: list[SourceFile]
    # every page path the source offers, also those not fetched (None: the source cannot list them)
    listed: set[str] | None = None
    # git blob ids by path, when the source knows them (lets a rebuild skip unchanged downloads)
    blob_ids: dict[str, str] = field(default_factory=dict)
    checksum: str | None = None  # sha256 of the archive, for an archive source


def git_blob_id(content: bytes) -> str:
    """The id git gives a file's content: what the GitHub tree lists, comparable across sources."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


class Source(Protocol):
    description: str
    spec: str  # the --source value that names it again

    def fetch(self, manifest: Manifest, progress: Progress) -> Snapshot: ...


def resolve_source(spec: str, cache_dir: Path) -> Source:
    """The Source a `--source` value names."""
    if spec.startswith("github:"):
        api = os.environ.get("XO_DOCS_GITHUB_API") or GITHUB_API  # a mirror, GitHub Enterprise, or a test server
        return GitHubSource(spec.removeprefix("github:") or "master", cache_dir=cache_dir, api=api)
    if spec.startswith("site:"):
        return SiteSource(spec.removeprefix("site:"))
    if spec.startswith(("http://", "https://")):
        if spec.split("?", 1)[0].endswith((".tar.gz", ".tgz")):
            return TarballSource(spec)
        return SiteSource(spec)
    path = Path(spec).expanduser()
    if path.is_dir():
        return FolderSource(path)
    if path.is_file():
        return TarballSource(str(path))
    raise SourceError(f"--source {spec}: no such file or folder, and not a URL or github:<ref>")


# --- local folder -----------------------------------------------------------------------------


class FolderSource:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"folder {folder}"
        self.spec = str(folder)

    def fetch(self, manifest: Manifest, progress: Progress) -> Snapshot:
        names = [p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*") if p.is_file()]
        markdown = [n for n in names if n.endswith(_MARKDOWN_SUFFIXES)]
        if markdown:
            root = docs_root(markdown, manifest)
            files = [
                SourceFile(name[len(root) :], (self.folder / name).read_bytes(), "markdown")
                for name in markdown
                if name.startswith(root)
            ]
            progress(len(files), len(files))
            return Snapshot(self.description, None, files, {f.path for f in files})
        html = {n for n in names if n.endswith(".html")}
        if html:
            return self._rendered(manifest, html, progress)
        raise SourceError(f"{self.folder} holds no Markdown (.md) or HTML pages")

    def _rendered(self, manifest: Manifest, names: set[str], progress: Progress) -> Snapshot:
        """A built site: /xo5/backups is xo5/backups.html or xo5/backups/index.html."""
        files = []
        for page in manifest.pages:
            stem = page.url_path.strip("/")
            for candidate in (f"{stem}.html", f"{stem}/index.html" if stem else "index.html"):
                if candidate in names:
                    files.append(SourceFile(page.path, (self.folder / candidate).read_bytes(), "html"))
                    break
        progress(len(files), len(files))
        return Snapshot(f"{self.description} (rendered pages)", None, files, None)


# --- tarball (file or URL) --------------------------------------------------------------------


class TarballSource:
    def __init__(self, location: str) -> None:
        self.location = location
        self.description = f"archive {location}"
        self.spec = location

    def fetch(self, manifest: Manifest, progress: Progress) -> Snapshot:
        if self.location.startswith(("http://", "https://")):
            data = download(self.location)
        else:
            data = Path(self.location).read_bytes()
        contents, comment = _read_tar(data, self.location)
        markdown = [name for name in contents if name.endswith(_MARKDOWN_SUFFIXES)]
        if not markdown:
            raise SourceError(f"{self.location} holds no Markdown (.md) pages")
        root = docs_root(markdown, manifest)
        files = [
            SourceFile(name[len(root) :], contents[name], "markdown") for name in markdown if name.startswith(root)
        ]
        revision = comment if _COMMIT_ID.match(comment) else None
        progress(len(files), len(files))
        checksum = hashlib.sha256(data).hexdigest()
        return Snapshot(self.description, revision, files, {f.path for f in files}, checksum=checksum)


def _read_tar(data: bytes, location: str) -> tuple[dict[str, bytes], str]:
    """The archive's Markdown files by name, and its global pax comment (where `git archive` puts the commit)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            contents = {}
            for member in archive.getmembers():
                wanted = member.isfile() and member.name.endswith(_MARKDOWN_SUFFIXES)
                extracted = archive.extractfile(member) if wanted else None
                if extracted is not None:
                    contents[member.name.removeprefix("./")] = extracted.read()
            return contents, str(archive.pax_headers.get("comment", ""))
    except tarfile.TarError as exc:
        raise SourceError(f"{location} is not a readable tar archive ({exc})") from None


def docs_root(names: Iterable[str], manifest: Manifest) -> str:
    """The folder prefix ('' or 'xo-docs/', 'xen-orchestra-abc/docs/docs/') under which the manifest's pages sit."""
    wanted = {page.path for page in manifest.pages}
    votes: Counter[str] = Counter()
    for name in names:
        for path in wanted:
            if name == path or name.endswith("/" + path):
                votes[name[: len(name) - len(path)]] += 1
    if not votes:
        raise SourceError("none of the manifest's pages (e.g. installation.md) were found in the source")
    return votes.most_common(1)[0][0]


# --- upstream git (GitHub) --------------------------------------------------------------------


class GitHubSource:
    """docs/docs at a git ref of vatesfr/xen-orchestra: the tree from the API, pages from raw URLs.

    Pages whose git blob id matches one downloaded before are read from the cache instead.
    """

    def __init__(
        self,
        ref: str,
        *,
        cache_dir: Path,
        repo: str = GITHUB_REPO,
        api: str = GITHUB_API,
        raw: str = GITHUB_RAW,
    ) -> None:
        self.ref = ref
        self.repo = repo
        self.api = api.rstrip("/")
        self.raw = raw.rstrip("/")
        self.blob_cache = cache_dir / "blobs"
        self.description = f"github {repo} {GITHUB_DOCS_FOLDER} at {ref}"
        self.spec = f"github:{ref}"

    def listing(self) -> tuple[str, dict[str, str]]:
        """The commit the ref points at, and the git blob id of every page under the docs folder.

        Three API calls and no page download: what `xo-mcp index --check` compares with an index.
        """
        api_headers = {"Accept": "application/vnd.github+json"}
        commit = self._json(f"{self.api}/repos/{self.repo}/commits/{quote(self.ref, safe='')}", api_headers)
        sha = str(commit["sha"])
        parent, _, leaf = GITHUB_DOCS_FOLDER.rpartition("/")
        listing = self._json(f"{self.api}/repos/{self.repo}/contents/{parent}?ref={sha}", api_headers)
        tree_sha = next((str(e["sha"]) for e in listing if e.get("name") == leaf and e.get("type") == "dir"), None)
        if tree_sha is None:
            raise SourceError(f"{self.repo} has no {GITHUB_DOCS_FOLDER} folder at {self.ref}")
        tree = self._json(f"{self.api}/repos/{self.repo}/git/trees/{tree_sha}?recursive=1", api_headers)
        blobs = {
            str(e["path"]): str(e["sha"])
            for e in tree["tree"]
            if e.get("type") == "blob" and str(e["path"]).endswith(_MARKDOWN_SUFFIXES)
        }
        return sha, blobs

    def fetch(self, manifest: Manifest, progress: Progress) -> Snapshot:
        sha, blobs = self.listing()
        cached = {path: self._cached(blob) for path, blob in blobs.items()}
        missing = [path for path, content in cached.items() if content is None]
        urls = {f"{self.raw}/{self.repo}/{sha}/{GITHUB_DOCS_FOLDER}/{quote(path)}": path for path in missing}
        done = len(blobs) - len(missing)
        progress(done, len(blobs))

        def one_more() -> None:
            nonlocal done
            done += 1
            progress(done, len(blobs))

        for url, body in download_many(list(urls), on_done=one_more).items():
            if body is None:
                raise SourceError(f"{url} is listed in the git tree but could not be downloaded (404)")
            cached[urls[url]] = body
            self._store(blobs[urls[url]], body)
        files = [SourceFile(path, content, "markdown") for path, content in cached.items() if content is not None]
        return Snapshot(f"{self.description} ({sha[:12]})", sha, files, set(blobs), blobs)

    def _json(self, url: str, headers: dict[str, str]) -> Any:
        try:
            found = download_many([url], headers=headers)[url]
        except DownloadError as exc:
            raise SourceUnreachable(str(exc)) from None
        if found is None:
            raise SourceError(f"{url}: not found (unknown ref {self.ref!r}?)")
        return json.loads(found)

    def _cached(self, blob: str) -> bytes | None:
        path = self.blob_cache / blob
        return path.read_bytes() if _COMMIT_ID.match(blob) and path.is_file() else None

    def _store(self, blob: str, content: bytes) -> None:
        if _COMMIT_ID.match(blob):  # a git object id, safe as a file name
            self.blob_cache.mkdir(parents=True, exist_ok=True)
            (self.blob_cache / blob).write_bytes(content)


# --- published site (rendered HTML) -----------------------------------------------------------


class SiteSource:
    """The published pages of the manifest, fetched from the site; sitemap.xml, if any, lists the others."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.description = f"site {self.base_url}"
        self.spec = f"site:{self.base_url}"

    def fetch(self, manifest: Manifest, progress: Progress) -> Snapshot:
        urls = {self.base_url + page.url_path: page.path for page in manifest.pages}
        done = 0

        def one_more() -> None:
            nonlocal done
            done += 1
            progress(done, len(urls))

        bodies = download_many(list(urls), on_done=one_more)
        files = [SourceFile(urls[url], body, "html") for url, body in bodies.items() if body is not None]
        return Snapshot(self.description, None, files, self._listed(manifest))

    def _listed(self, manifest: Manifest) -> set[str] | None:
        """Page paths in sitemap.xml (unknown URLs as their path + .md), or None without a sitemap."""
        sitemap = f"{self.base_url}/sitemap.xml"
        try:
            found = download_many([sitemap])[sitemap]
        except DownloadError:
            return None
        if found is None:
            return None
        base_path = urlsplit(self.base_url).path.rstrip("/")
        by_url = {page.url_path: page.path for page in manifest.pages}
        listed = set()
        for loc in re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", found.decode("utf-8", "replace")):
            url_path = "/" + urlsplit(loc).path.removeprefix(base_path).strip("/")
            listed.add(by_url.get(url_path, url_path.strip("/") + ".md"))
        return listed
