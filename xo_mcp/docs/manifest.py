"""The committed manifest (`docs_corpus/topics.toml`): the nine topics and the pages each covers."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from xo_mcp.docs.locations import manifest_path

Topic = Literal[
    "installation",
    "configuration",
    "backups",
    "restapi",
    "manage",
    "users",
    "architecture",
    "troubleshooting",
    "releases",
]
TOPICS: tuple[Topic, ...] = get_args(Topic)


@dataclass(frozen=True)
class ManifestPage:
    path: str  # relative to docs/docs/, e.g. xo5/backups.md
    url_path: str  # on the published site, e.g. /xo5/backups
    title: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class TopicInfo:
    name: Topic
    summary: str
    core: str


@dataclass(frozen=True)
class Manifest:
    site: str
    topics: dict[Topic, TopicInfo]
    pages: tuple[ManifestPage, ...]

    def page(self, path: str) -> ManifestPage | None:
        return next((page for page in self.pages if page.path == path), None)

    def pages_of(self, topic: Topic) -> list[ManifestPage]:
        """The topic's pages, its core page first."""
        core = self.topics[topic].core
        return sorted((p for p in self.pages if topic in p.topics), key=lambda p: p.path != core)

    def url(self, url_path: str, anchor: str = "") -> str:
        return self.site.rstrip("/") + url_path + (f"#{anchor}" if anchor else "")


class ManifestError(ValueError):
    """The manifest file is malformed."""


def load_manifest(path: Path | None = None) -> Manifest:
    path = path or manifest_path()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        topics = {
            _topic(name): TopicInfo(_topic(name), str(info["summary"]), str(info["core"]))
            for name, info in data["topics"].items()
        }
        pages = tuple(
            ManifestPage(
                path=str(page["path"]),
                url_path=str(page["url"]),
                title=str(page["title"]),
                topics=tuple(_topic(t) for t in page["topics"]),
            )
            for page in data["pages"]
        )
        site = str(data["site"])
    except (KeyError, TypeError) as exc:
        raise ManifestError(f"{path}: missing or malformed entry ({exc})") from None
    if set(topics) != set(TOPICS):
        raise ManifestError(f"{path}: topics must be exactly {', '.join(TOPICS)}")
    return Manifest(site=site, topics=topics, pages=pages)


def _topic(name: str) -> Topic:
    if name not in TOPICS:
        raise ManifestError(f"unknown topic {name!r}")
    return name


def published_url_path(source_path: str, front_matter: dict[str, str]) -> str:
    """Docusaurus's URL for a page the manifest does not list: `slug`, else folder + (`id` or file name)."""
    slug = front_matter.get("slug")
    if slug:
        return slug if slug.startswith("/") else "/" + slug
    folder, _, name = source_path.rpartition("/")
    stem = front_matter.get("id") or name.rsplit(".", 1)[0]
    return "/" + (f"{folder}/{stem}" if folder else stem)
