"""What documentation tools return: validated structured content, and its compact text for the model."""

from __future__ import annotations

from pydantic import BaseModel, Field

HEADING_SEPARATOR = " › "


class SearchHit(BaseModel):
    topic: str = Field(description="The topic of the page the section is in ('all' for a page in no topic)")
    source_path: str = Field(description="Page path in the docs tree, for read_documentation")
    heading: str = Field(description="Heading path of the section, page title first")
    url: str = Field(description="Published URL of the section, with its anchor")
    excerpt: str = Field(description="The part of the section around the matched words")
    score: float


class TopicSection(BaseModel):
    heading: str
    anchor: str = Field(description="The section's URL is the page URL + '#' + anchor")
    summary: str | None = None


class TopicPage(BaseModel):
    source_path: str
    title: str
    url: str
    summary: str = ""
    sections: list[TopicSection] = Field(default_factory=list, description="Main (level 2) sections")


class SearchAnswer(BaseModel):
    topic: str
    query: str | None = None
    results: list[SearchHit] = Field(default_factory=list, description="Best sections first (with a query)")
    pages: list[TopicPage] | None = Field(default=None, description="The topic's map (without a query)")
    note: str | None = None

    def render(self) -> str:
        if self.pages is not None:
            return self._map_text()
        if not self.results:
            return self.note or f"No documentation section matches {self.query!r}."
        lines = []
        for number, hit in enumerate(self.results, 1):
            lines.append(f"{number}. {hit.heading} [{hit.source_path}]\n{hit.url}\n{hit.excerpt}")
        if self.note:
            lines.append(self.note)
        return "\n\n".join(lines)

    def _map_text(self) -> str:
        """The core page's sections one per line with summaries; other pages' sections on one line."""
        lines = [self.note] if self.note else []
        for page in self.pages or ():
            summary = f"\n{page.summary}" if page.summary else ""
            lines.append(f"\n{page.title} [{page.source_path}] {page.url}{summary}")
            detailed = [s for s in page.sections if s.summary is not None]
            if detailed:
                lines.extend(f"- {s.heading} #{s.anchor}" + (f": {s.summary}" if s.summary else "") for s in detailed)
            elif page.sections:
                lines.append("Sections: " + " · ".join(s.heading for s in page.sections))
        return "\n".join(lines).strip()


class SectionText(BaseModel):
    source_path: str
    heading: str
    url: str
    text: str
    truncated: bool = False

    def render(self) -> str:
        more = "\n\n[truncated: read a narrower heading for the rest]" if self.truncated else ""
        return f"{self.heading} [{self.source_path}]\n{self.url}\n\n{self.text}{more}"


class DocLink(BaseModel):
    """A documentation section that explains something (an error, a health check), to cite or read."""

    title: str = Field(description="Title of the page")
    url: str = Field(description="Published URL of the section, with its anchor")
    source_path: str = Field(description="Page path in the docs tree, for read_documentation")
    heading: str = Field(description="Heading path of the section, page title first")

    def render(self) -> str:
        return f"{self.heading} — {self.url}"


class DocsProvenance(BaseModel):
    """What the documentation index was built from, and when."""

    source: str = Field(description="The source it was built from: git ref, archive, folder or site")
    revision: str | None = Field(default=None, description="Upstream git commit, when known")
    checksum: str | None = Field(default=None, description="sha256 of the source archive, when built from one")
    built_at: str = Field(description="Build time, ISO 8601 UTC")
    pages: int
    sections: int

    def render(self) -> str:
        origin = self.source
        if self.revision:
            origin += f", commit {self.revision[:12]}"
        if self.checksum:
            origin += f", sha256 {self.checksum[:12]}"
        return f"Documentation index built {self.built_at} from {origin}: {self.pages} pages, {self.sections} sections."
