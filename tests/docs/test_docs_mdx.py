"""The MDX parser on small synthetic pages: one test per construct the XO docs use."""

from __future__ import annotations

from xo_mcp.docs.markdown import parse_markdown
from xo_mcp.docs.model import ParsedPage, Section


def parse(source: str) -> ParsedPage:
    return parse_markdown(source, "fallback")


def section(page: ParsedPage, title: str) -> Section:
    return next(s for s in page.sections if s.title == title)


def test_sections_follow_headings_with_paths_and_anchors() -> None:
    page = parse(
        "# Garden tools\n\nIntro text.\n\n## Spades {#dig}\n\nSharp ones.\n\n### Care\n\nOil them.\n\n"
        "## Rakes\n\n### Care\n\nHang them.\n"
    )
    assert page.title == "Garden tools"
    assert [(s.level, s.title, s.anchor) for s in page.sections] == [
        (1, "Garden tools", ""),
        (2, "Spades", "dig"),
        (3, "Care", "care"),
        (2, "Rakes", "rakes"),
        (3, "Care", "care-1"),
    ]
    assert page.sections[0].prose == "Intro text."
    assert section(page, "Spades").path == ("Garden tools", "Spades")
    assert page.sections[-1].path == ("Garden tools", "Rakes", "Care")


def test_heading_text_drops_inline_markup_badges_and_keeps_code() -> None:
    page = parse("# T\n\n## Using `xo-cli` **now** ![](https://badge.example/x.svg)\n\nBody.\n")
    assert page.sections[1].title == "Using `xo-cli` now"
    assert page.sections[1].anchor == "using-xo-cli-now"


def test_front_matter_is_read_and_titles_a_page_without_h1() -> None:
    page = parse("---\ntitle: Pond sizing\nsidebar_label: 'Ponds'\n---\n\nSome words.\n\n## Depth\n\nDeep.\n")
    assert page.front_matter == {"title": "Pond sizing", "sidebar_label": "Ponds"}
    assert page.title == "Pond sizing"
    assert section(page, "Depth").path == ("Pond sizing", "Depth")
    assert "title:" not in page.sections[0].prose


def test_mdx_import_lines_are_dropped_but_not_inside_code_fences() -> None:
    page = parse("import Widget from '@site/src/components/Widget'\n\n# T\n\n```ts\nimport * as lib from 'lib'\n```\n")
    assert "Widget" not in page.sections[0].prose
    assert page.sections[0].code == "import * as lib from 'lib'"


def test_admonitions_keep_their_kind_and_title_as_text() -> None:
    page = parse("# T\n\n:::tip Water early\nPlants drink at dawn.\n:::\n\n:::warning\nFrost **kills**.\n:::\n")
    assert page.sections[0].prose.splitlines() == [
        "Tip (Water early): Plants drink at dawn.",
        "Warning: Frost kills.",
    ]


def test_admonition_closers_indented_or_fused_with_the_next_line() -> None:
    page = parse(
        "# T\n\n:::info Steps\n\n- first point\n- second point\n  :::\n\nAfter the note.\n\n"
        "1. one\n\n:::tip\nA hint.\n::: 2. two continues the list\n3. three\n"
    )
    lines = page.sections[0].prose.splitlines()
    assert lines[:3] == ["Info (Steps): - first point", "- second point", "After the note."]
    assert "Tip: A hint." in lines
    assert "2. two continues the list" in lines[-2] or "two continues the list" in page.sections[0].prose
    assert ":::" not in page.sections[0].prose


def test_admonition_inside_a_list_item_and_after_a_paragraph_line() -> None:
    page = parse("# T\n\n1. Start it.\\\n   Then wait.\n   :::tip\n   You may leave.\n   :::\n2. Check it.\n")
    prose = page.sections[0].prose
    assert "Tip: You may leave." in prose
    assert "2. Check it." in prose
    assert ":::" not in prose


def test_terminal_bodies_are_code_with_their_title_and_unescaped_backslashes() -> None:
    source = (
        "# T\n\nRun:\n\n"
        '<Terminal shell title="host — water the plants">{`\n'
        "# a comment, not a heading\n"
        "garden water --all \\\\\n"
        "  --slow\n"
        "`}</Terminal>\n\nDone.\n"
    )
    page = parse(source)
    top = page.sections[0]
    assert [s.title for s in page.sections] == ["T"]  # the `#` line stayed inside the code
    code = next(b for b in top.blocks if b.kind == "code")
    assert code.caption == "host — water the plants"
    assert code.text == "# a comment, not a heading\ngarden water --all \\\n  --slow"
    assert top.prose == "Run:\nDone."


def test_terminal_with_a_blank_line_and_a_template_backtick() -> None:
    page = parse('# T\n\n<Terminal title="t">{`\necho \\`date\\`\n\necho done\n`}</Terminal>\n')
    assert page.sections[0].code == "t\necho `date`\n\necho done"


def test_screenshots_keep_their_alt_text_and_diagrams_their_labels_without_svg() -> None:
    source = (
        "# T\n\n"
        '<UiShot light="/img/a.png" alt="The shed with three shelves" url="https://x/y" />\n\n'
        '<UiDetail src="/img/b.png" alt="A close-up of the hinge" width={480} />\n\n'
        '<Schema label="Water flows downhill" legend={[["#fff", "pipe"], ["#000", "tank"]]} maxWidth="600px">\n'
        '<svg viewBox="0 0 10 10" role="img" aria-label="Tank feeds the pipes">\n'
        "  {/* a drawing comment */}\n"
        '  <g strokeWidth="1"><text x="1" y="2">tank label</text></g>\n'
        "</svg>\n"
        "</Schema>\n\nAfter.\n"
    )
    prose = parse(source).sections[0].prose
    assert prose.splitlines() == [
        "Screenshot: The shed with three shelves",
        "Screenshot: A close-up of the hinge",
        "Diagram: Water flows downhill — Tank feeds the pipes",
        "After.",
    ]


def test_interface_note_with_a_body_and_self_closing() -> None:
    with_body = parse("# T\n\n<InterfaceNote>This page shows the **old** shed.</InterfaceNote>\n\nText.\n")
    assert with_body.sections[0].prose.splitlines()[0] == "Note: This page shows the old shed."
    bare = parse("# T\n\n<InterfaceNote />\n\nText.\n")
    assert bare.sections[0].prose.splitlines()[0].startswith("Note: this page documents the XO 5")


def test_host_compatibility_rows_become_table_text() -> None:
    source = (
        "# T\n\n<HostCompatTable rows={[\n"
        "  {version: 'Shed 2', status: '✅', notes: 'Recommended, since spring', highlight: true},\n"
        "  {version: 'Shed 1', status: '☠️', eol: true},\n"
        "]} />\n"
    )
    assert parse(source).sections[0].prose.splitlines() == [
        "Shed 2 | ✅ | Recommended, since spring",
        "Shed 1 | ☠️ | end of life",
    ]


def test_link_cards_keep_title_and_sentence() -> None:
    source = (
        '# T\n\n<CardGrid>\n<LinkCard title="Pruning" href="/pruning">When and how to cut.</LinkCard>\n</CardGrid>\n'
    )
    assert parse(source).sections[0].prose == "Pruning When and how to cut."


def test_tables_keep_cell_text() -> None:
    source = "# T\n\n| Tool | Use |\n|---|---|\n| `rake` | leaves<br/>and grass |\n| **hoe** | weeds |\n"
    assert parse(source).sections[0].prose.splitlines() == ["Tool | Use", "`rake` | leaves and grass", "hoe | weeds"]


def test_code_fences_are_separate_from_prose_and_placeholders_survive() -> None:
    source = "# T\n\nSet `<POND ID>` then run <UUID> check.\n\n```toml\n[pond]\ndepth = 2 # <metres>\n```\n"
    top = parse(source).sections[0]
    assert top.prose == "Set `<POND ID>` then run <UUID> check."
    assert top.code == "[pond]\ndepth = 2 # <metres>"
    assert "```toml\n[pond]" in top.render()


def test_jsx_comments_and_html_fragments() -> None:
    source = (
        "# T\n\n{/* editor note: hidden */}\n\n"
        "<details>\n<summary>More about soil</summary>\n\nClay holds water.\n\n</details>\n\n"
        '<iframe src="https://video.example/embed" title="A video"></iframe>\n\nEnd.\n'
    )
    prose = parse(source).sections[0].prose
    assert "editor note" not in prose
    assert "More about soil" in prose
    assert "Clay holds water." in prose
    assert "iframe" not in prose and "video.example" not in prose


def test_nested_lists_keep_their_numbers_and_depth() -> None:
    prose = parse("# T\n\n1. Dig:\n   - deep\n   - wide\n2. Plant.\n").sections[0].prose
    assert prose.splitlines() == ["1. Dig:", "  - deep", "  - wide", "2. Plant."]


def test_unknown_components_degrade_to_their_text() -> None:
    source = '# T\n\n<Callout title="Mind the gap">Keep **two** metres.</Callout>\n\n<Spinner />\n'
    assert parse(source).sections[0].prose == "Mind the gap Keep two metres."


def test_unclosed_component_falls_back_to_plain_markdown() -> None:
    page = parse("# T\n\n<Broken title='x'\n\nStill here.\n")
    assert "Still here." in page.sections[0].prose
