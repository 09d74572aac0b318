"""Rendered pages of the docs site: the article body only, headings with the site's ids."""

from __future__ import annotations

from tests.docs.helpers import docusaurus_page
from xo_mcp.docs.html_page import parse_html

ARTICLE = """
<p>Spades dig <strong>holes</strong>, see <a href="/rakes">rakes</a>.</p>
<h2 class="anchor" id="care">Care<a href="#care" class="hash-link" aria-label="Direct link to Care">​</a></h2>
<div class="theme-admonition theme-admonition-warning alert alert--danger">
  <div class="admonitionHeading"><span class="admonitionIcon"><svg><path d="M0"/></svg></span>Rust ahead</div>
  <div class="admonitionContent"><p>Dry the blade.</p></div></div>
<ol><li>Wash it.</li><li>Oil it<ul><li>lightly</li></ul></li></ol>
<div class="language-bash codeBlockContainer"><div class="codeBlockTitle">shed — oil</div>
<div class="codeBlockContent">
<pre class="prism-code"><code><span class="token-line">oil --blade <span>spade</span></span>
</code></pre><div class="buttonGroup"><button aria-label="Copy code">Copy</button></div></div></div>
<h3 id="storage">Storage</h3>
<table><thead><tr><th>Place</th><th>Why</th></tr></thead>
<tbody><tr><td>Shed</td><td>dry<br/>and dark</td></tr></tbody></table>
<p><img src="/img/shed.png" alt="The shed door"/></p>
"""


def test_article_only_with_site_anchors() -> None:
    page = parse_html(docusaurus_page("Spades", ARTICLE), "fallback")
    assert page.title == "Spades"
    assert [(s.level, s.title, s.anchor) for s in page.sections] == [
        (1, "Spades", ""),
        (2, "Care", "care"),
        (3, "Storage", "storage"),
    ]
    everything = "\n".join(s.render() for s in page.sections)
    for furniture in (
        "Skip to main content",
        "sidebar link",
        "Home crumb",
        "On this page",
        "Edit this page",
        "Last updated",
        "Previous page",
        "toc entry",
        "Copyright",
        "Direct link",
        "Copy",
        "var x",
    ):
        assert furniture not in everything, furniture
    assert page.sections[0].prose == "Spades dig holes, see rakes."


def test_admonitions_lists_code_tables_and_images() -> None:
    page = parse_html(docusaurus_page("Spades", ARTICLE), "fallback")
    care, storage = page.sections[1], page.sections[2]
    assert care.prose.splitlines()[:3] == ["Warning (Rust ahead): Dry the blade.", "1. Wash it.", "2. Oil it"]
    assert "- lightly" in care.prose
    assert care.code.endswith("oil --blade spade")
    assert storage.prose.splitlines() == ["Place | Why", "Shed | dry and dark", "The shed door"]


def test_a_page_without_article_falls_back_to_main_then_body() -> None:
    page = parse_html("<html><body><main><h1>Bare</h1><p>Just text.</p></main></body></html>", "x")
    assert page.title == "Bare"
    assert page.sections[0].prose == "Just text."
