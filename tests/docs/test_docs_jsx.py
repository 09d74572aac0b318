"""The JSX scanner and JavaScript literal reader behind the MDX components."""

from __future__ import annotations

import pytest

from xo_mcp.docs.jsx import (
    JsExpression,
    JsxSyntaxError,
    comment_end,
    cook_template,
    parse_literal,
    scan_element,
)


def test_self_closing_element_with_string_expression_and_boolean_attributes() -> None:
    src = '<Shot alt="a > b" width={620} legend={[["#fff", "x}"]]} wide /> tail'
    element = scan_element(src, 0)
    assert element.name == "Shot"
    assert element.attributes == {
        "alt": "a > b",
        "width": JsExpression("620"),
        "legend": JsExpression('[["#fff", "x}"]]'),
        "wide": True,
    }
    assert element.children is None
    assert src[element.end :] == " tail"


def test_children_skip_template_literals_nested_elements_and_same_name_nesting() -> None:
    src = "<Box>{`</Box> inside a template ${1 + 1}`}<Box>inner</Box><br/> text</Box>after"
    element = scan_element(src, 0)
    assert element.children == "{`</Box> inside a template ${1 + 1}`}<Box>inner</Box><br/> text"
    assert src[element.end :] == "after"


def test_unterminated_elements_are_reported() -> None:
    with pytest.raises(JsxSyntaxError):
        scan_element("<Box>never closed", 0)
    with pytest.raises(JsxSyntaxError):
        scan_element('<Box title="open', 0)


def test_template_cooking() -> None:
    assert cook_template(r"a \\ b \` c \${d} \n") == "a \\ b ` c ${d} \n"
    assert cook_template("line \\\ncontinued") == "line continued"


def test_literals() -> None:
    source = "[{version: 'A 1', ok: true, n: 2, note: \"it's\"}, {'quoted-key': null, list: [1.5, -2,],},]"
    assert parse_literal(source) == [
        {"version": "A 1", "ok": True, "n": 2, "note": "it's"},
        {"quoted-key": None, "list": [1.5, -2]},
    ]
    assert parse_literal("`plain template`") == "plain template"
    with pytest.raises(JsxSyntaxError):
        parse_literal("`with ${substitution}`")
    with pytest.raises(JsxSyntaxError):
        parse_literal("someFunction()")


def test_jsx_comment_end() -> None:
    src = "{/* note */} rest"
    end = comment_end(src, 0)
    assert end is not None and src[end:] == " rest"
    assert comment_end("{value}", 0) is None
