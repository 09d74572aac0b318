"""What each MDX component of the XO docs contributes to the index.

The docs register their components globally (no imports needed), so the page text only shows the tags.
Each is read for the words a reader would see on the site: a terminal's commands, a screenshot's
caption, a diagram's label, a compatibility table's rows. Unknown components keep their text
attributes and Markdown children, so a new component degrades to plain text rather than vanishing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from xo_mcp.docs.jsx import (
    AttributeValue,
    JsExpression,
    JsxElement,
    JsxSyntaxError,
    literal_string,
    parse_literal,
    scan_element,
)

ViewKind = Literal["code", "text", "markdown", "drop"]

# The words the component itself prints when used without a body (ours, not the site's wording).
_INTERFACE_NOTE = "Note: this page documents the XO 5 web interface."
_TEXT_ATTRIBUTES = ("title", "label", "alt", "caption", "aria-label")


@dataclass(frozen=True)
class ComponentView:
    """`code`: text is a code block with a caption; `text`: prose; `markdown`: parse `text` as Markdown,
    after the prose `caption` if any; `drop`: nothing to index."""

    kind: ViewKind
    text: str = ""
    caption: str = ""


def view(element: JsxElement) -> ComponentView:
    handler = _HANDLERS.get(element.name)
    if handler is not None:
        return handler(element)
    if element.name[:1].islower():  # raw HTML/SVG written as JSX: layout, not prose
        return ComponentView("drop")
    return _generic(element)


def _terminal(element: JsxElement) -> ComponentView:
    title = _string(element.attributes.get("title"))
    body = (element.children or "").strip()
    if body.startswith("{") and body.endswith("}"):
        body = literal_string(body[1:-1]) or body[1:-1]
    return ComponentView("code", body.strip("\n"), title)


def _screenshot(element: JsxElement) -> ComponentView:
    alt = _string(element.attributes.get("alt"))
    return ComponentView("text", f"Screenshot: {alt}") if alt else ComponentView("drop")


def _schema(element: JsxElement) -> ComponentView:
    label = _string(element.attributes.get("label"))
    description = _svg_description(element.children or "")
    words = " — ".join(part for part in (label, description) if part)
    return ComponentView("text", f"Diagram: {words}") if words else ComponentView("drop")


def _interface_note(element: JsxElement) -> ComponentView:
    if element.children is None or not element.children.strip():
        return ComponentView("text", _INTERFACE_NOTE)
    return ComponentView("markdown", element.children, "Note:")


def _host_table(element: JsxElement) -> ComponentView:
    rows = _literal(element.attributes.get("rows"))
    if not isinstance(rows, list):
        return ComponentView("drop")
    lines = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        cells = [str(row.get(key, "")) for key in ("version", "status", "notes") if row.get(key)]
        if row.get("eol"):
            cells.append("end of life")
        lines.append(" | ".join(cells))
    return ComponentView("text", "\n".join(lines))


def _interactive(element: JsxElement) -> ComponentView:
    return ComponentView("text", "(An interactive tool is shown here on the web page.)")


def _generic(element: JsxElement) -> ComponentView:
    caption = " — ".join(text for name in _TEXT_ATTRIBUTES if (text := _string(element.attributes.get(name))))
    if element.children and element.children.strip():
        return ComponentView("markdown", element.children, caption)
    return ComponentView("text", caption) if caption else ComponentView("drop")


_HANDLERS = {
    "Terminal": _terminal,
    "UiShot": _screenshot,
    "UiDetail": _screenshot,
    "Schema": _schema,
    "InterfaceNote": _interface_note,
    "HostCompatTable": _host_table,
    "LtrBackupCalculator": _interactive,
}


def _string(value: AttributeValue | None) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, JsExpression):
        return (literal_string(value.source) or "").strip()
    return ""


def _literal(value: AttributeValue | None) -> Any:
    if not isinstance(value, JsExpression):
        return None
    try:
        return parse_literal(value.source)
    except JsxSyntaxError:
        return None


def _svg_description(children: str) -> str:
    """The `aria-label` of the diagram's `<svg>`, its accessible description."""
    start = children.find("<svg")
    if start < 0:
        return ""
    try:
        svg = scan_element(children, start)
    except JsxSyntaxError:
        return ""
    return _string(svg.attributes.get("aria-label"))
