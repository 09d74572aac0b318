"""What a parsed documentation page is, whatever it was parsed from (MDX source or rendered HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["prose", "code"]


@dataclass(frozen=True)
class Block:
    """One piece of a section in reading order: prose (paragraphs, lists, tables, notes) or code."""

    kind: BlockKind
    text: str
    caption: str = ""  # a code block's title (a terminal's `title`)
    language: str = ""  # a code block's language (`toml`, `shell`)


@dataclass
class Section:
    """The text under one heading, up to the next heading of any level."""

    level: int
    title: str
    anchor: str
    path: tuple[str, ...]
    blocks: list[Block] = field(default_factory=list)

    @property
    def prose(self) -> str:
        return "\n".join(block.text for block in self.blocks if block.kind == "prose")

    @property
    def code(self) -> str:
        return "\n".join(
            f"{block.caption}\n{block.text}" if block.caption else block.text
            for block in self.blocks
            if block.kind == "code"
        )

    def render(self) -> str:
        """Readable plain text in reading order; code fenced so commands stay distinguishable."""
        parts = []
        for block in self.blocks:
            if block.kind == "code":
                info = " ".join(part for part in (block.language, block.caption) if part)
                parts.append(f"```{info}\n{block.text}\n```")
            else:
                parts.append(block.text)
        return "\n".join(parts)


@dataclass
class ParsedPage:
    """A page split into sections; the first section holds the text before the first subheading."""

    title: str
    sections: list[Section]
    front_matter: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "front_matter": self.front_matter,
            "sections": [
                {
                    "level": s.level,
                    "title": s.title,
                    "anchor": s.anchor,
                    "path": list(s.path),
                    "blocks": [[b.kind, b.text, b.caption, b.language] for b in s.blocks],
                }
                for s in self.sections
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedPage:
        return cls(
            title=data["title"],
            front_matter=dict(data["front_matter"]),
            sections=[
                Section(
                    level=s["level"],
                    title=s["title"],
                    anchor=s["anchor"],
                    path=tuple(s["path"]),
                    blocks=[Block(*block) for block in s["blocks"]],
                )
                for s in data["sections"]
            ],
        )
