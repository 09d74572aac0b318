"""Contract §4: fields, limit, ndjson, markdown, validation, on a small hand-written inventory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from xo_mcp.simulator import RunningSimulator, SimulatorState, inventory_from_data, run_simulator

VMS: list[dict[str, Any]] = [
    {
        "id": "vm-1",
        "name_label": "web-01",
        "power_state": "Running",
        "CPUs": {"max": 4, "number": 2},
        "tags": ["prod", "web"],
        "os_version": {"distro": "debian"},
        "CPUs.max": "literal key",
        "notes": "line one\nline two | piped",
        "$pool": "pool-a",
    },
    {
        "id": "vm-2",
        "name_label": "db-01",
        "power_state": "Halted",
        "CPUs": {"max": 8, "number": 8},
        "tags": [],
        "os_version": None,
        "auto_poweron": True,
        "$pool": "pool-a",
    },
    {"id": "vm-3", "name_label": "bare", "power_state": "Paused", "ratio": 0.5, "big": 1e21, "tiny": 1e-7},
]
HREF = "/rest/v0/vms/"


@pytest.fixture(scope="module")
def small() -> Iterator[RunningSimulator]:
    state = SimulatorState(inventory=inventory_from_data({"vms": VMS, "pools": [{"id": "pool-a", "$pool": "pool-a"}]}))
    with run_simulator(state) as running:
        yield running


@pytest.fixture(scope="module")
def client(small: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=small.rest_url, cookies={"authenticationToken": small.admin_token}) as http:
        yield http


def get(client: httpx.Client, query: str, path: str = "/vms") -> httpx.Response:
    return client.get(f"{path}?{query}" if query else path)


# fields ------------------------------------------------------------------------------------


def test_no_fields_gives_hrefs(client: httpx.Client) -> None:
    response = get(client, "")
    assert response.json() == [HREF + "vm-1", HREF + "vm-2", HREF + "vm-3"]
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_body_is_pretty_printed_like_express(client: httpx.Client) -> None:
    assert get(client, "limit=1").text == '[\n  "/rest/v0/vms/vm-1"\n]'
    assert get(client, "limit=1&fields=CPUs").text == (
        '[\n  {\n    "CPUs": {\n      "max": 4,\n      "number": 2\n    },\n    "href": "/rest/v0/vms/vm-1"\n  }\n]'
    )
    assert get(client, "limit=0").text == "[]"


def test_star_gives_everything_with_href_last(client: httpx.Client) -> None:
    items = get(client, "fields=*").json()
    assert items[1] == {**VMS[1], "href": HREF + "vm-2"}
    assert list(items[1])[-1] == "href"


def test_fields_follow_the_requested_order(client: httpx.Client) -> None:
    item = get(client, "fields=power_state,name_label&limit=1").json()[0]
    assert list(item) == ["power_state", "name_label", "href"]


def test_unknown_and_untrimmed_fields_are_omitted(client: httpx.Client) -> None:
    assert get(client, "fields=name_label,%20power_state,nope,*&limit=1").json() == [
        {"name_label": "web-01", "href": HREF + "vm-1"}
    ]


def test_empty_fields_gives_only_href(client: httpx.Client) -> None:
    assert get(client, "fields=&limit=2").json() == [{"href": HREF + "vm-1"}, {"href": HREF + "vm-2"}]


def test_dotted_path_picks_nested_values(client: httpx.Client) -> None:
    items = get(client, "fields=CPUs.number,os_version.distro").json()
    assert items[1] == {"CPUs": {"number": 8}, "href": HREF + "vm-2"}
    assert items[2] == {"href": HREF + "vm-3"}


def test_literal_dotted_key_wins_over_the_path(client: httpx.Client) -> None:
    assert get(client, "fields=CPUs.max&limit=2").json() == [
        {"CPUs.max": "literal key", "href": HREF + "vm-1"},
        {"CPUs": {"max": 8}, "href": HREF + "vm-2"},
    ]


def test_array_index_paths_leave_holes(client: httpx.Client) -> None:
    assert get(client, "fields=tags.1,tags.length&limit=2").json() == [
        {"tags": [None, "web"], "href": HREF + "vm-1"},
        {"tags": {"length": 0}, "href": HREF + "vm-2"},
    ]


def test_trailing_slash_is_removed_from_hrefs(client: httpx.Client) -> None:
    assert client.get("/vms/?limit=1").json() == [HREF + "vm-1"]


# limit -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "count"),
    [("0", 0), ("1", 1), ("2", 2), ("1.", 1), ("2e0", 2), ("-1", 3), ("1.5", 3), (".5", 3), ("e3", 3), ("1e3", 3)],
)
def test_limit_decrements_to_exactly_zero(client: httpx.Client, limit: str, count: int) -> None:
    assert len(get(client, f"limit={limit}").json()) == count


@pytest.mark.parametrize("raw", ["abc", "0x10", "Infinity", "", "%205", "+5", "1e", "1,5"])
def test_bad_limit_is_422(client: httpx.Client, raw: str) -> None:
    response = get(client, f"limit={raw}")
    assert response.status_code == 422
    value = raw.replace("%20", " ").replace("+", " ")
    assert response.json() == {"error": {"limit": {"message": "invalid float number", "value": value}}, "data": {}}


def test_encoded_plus_is_a_valid_sign(client: httpx.Client) -> None:
    assert len(get(client, "limit=%2B1").json()) == 1


# ndjson ------------------------------------------------------------------------------------


def test_ndjson_lines(client: httpx.Client) -> None:
    response = get(client, "ndjson=true&fields=name_label")
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.text == "".join(
        json.dumps({"name_label": vm["name_label"], "href": HREF + vm["id"]}, separators=(",", ":")) + "\n"
        for vm in VMS
    )


def test_ndjson_hrefs_are_quoted(client: httpx.Client) -> None:
    assert get(client, "ndjson=true&limit=1").text == '"/rest/v0/vms/vm-1"\n'


def test_ndjson_without_matches_is_empty(client: httpx.Client) -> None:
    assert get(client, "ndjson=true&limit=0").content == b""


def test_switch_only_reacts_to_lowercase_true(client: httpx.Client) -> None:
    response = get(client, "ndjson=True&markdown=FALSE&limit=1")
    assert response.status_code == 200
    assert response.json() == [HREF + "vm-1"]


@pytest.mark.parametrize("name", ["ndjson", "markdown"])
def test_non_boolean_switch_is_422(client: httpx.Client, name: str) -> None:
    response = get(client, f"{name}=yes")
    assert response.status_code == 422
    assert response.json() == {"error": {name: {"message": "invalid boolean value", "value": "yes"}}, "data": {}}


def test_ndjson_and_markdown_together_is_422(client: httpx.Client) -> None:
    response = get(client, "ndjson=true&markdown=true")
    assert response.status_code == 422
    assert response.json() == {"error": "Cannot use both ndjson and markdown output formats simultaneously", "data": {}}


@pytest.mark.parametrize("name", ["fields", "filter"])
def test_repeated_string_parameter_is_422(client: httpx.Client, name: str) -> None:
    response = get(client, f"{name}=a&{name}=b")
    assert response.status_code == 422
    assert response.json() == {"error": {name: {"message": "invalid string value", "value": ["a", "b"]}}, "data": {}}


def test_bracketed_parameter_is_an_array(client: httpx.Client) -> None:
    response = get(client, "fields[]=name_label")
    assert response.json()["error"]["fields"]["value"] == ["name_label"]


def test_unknown_parameters_are_ignored(client: httpx.Client) -> None:
    assert get(client, "whatever=1&limit=1").json() == [HREF + "vm-1"]


# markdown ----------------------------------------------------------------------------------


def test_markdown_hrefs(client: httpx.Client) -> None:
    response = get(client, "markdown=true")
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.text == "/rest/v0/vms/vm-1\n/rest/v0/vms/vm-2\n/rest/v0/vms/vm-3"


def test_markdown_no_results(client: httpx.Client) -> None:
    assert get(client, "markdown=true&limit=0").text == "No results."


def test_markdown_table(client: httpx.Client) -> None:
    response = get(client, "markdown=true&fields=name_label,CPUs,os_version,notes,auto_poweron")
    assert response.text == (
        "| name_label | CPUs | os_version | notes |\n"
        "| --- | --- | --- | --- |\n"
        '| web-01 | {"max":4,"number":2} | {"distro":"debian"} | line one line two \\| piped |\n'
        '| db-01 | {"max":8,"number":8} |  |  |\n'
        "| bare |  |  |  |"
    )


def test_markdown_numbers_as_javascript_prints_them(client: httpx.Client) -> None:
    response = get(client, "markdown=true&fields=ratio,big,tiny&filter=bare")
    assert response.text == "| ratio | big | tiny |\n| --- | --- | --- |\n| 0.5 | 1e+21 | 1e-7 |"


def test_markdown_with_only_href_columns(client: httpx.Client) -> None:
    assert get(client, "markdown=true&fields=&limit=1").text == "|  |\n|  |\n|  |"


# filter ------------------------------------------------------------------------------------


def test_filter_is_applied_before_the_projection(client: httpx.Client) -> None:
    assert get(client, "filter=CPUs:max:>4&fields=name_label").json() == [
        {"name_label": "db-01", "href": HREF + "vm-2"}
    ]


def test_filter_parse_error_is_400(client: httpx.Client) -> None:
    response = get(client, "filter=web,db")
    assert response.status_code == 400
    assert response.json() == {
        "error": "parse error: expected end of input at position 3",
        "data": {"stringToParse": "web,db"},
    }


def test_plus_in_a_filter_is_a_space(client: httpx.Client) -> None:
    assert get(client, "filter=power_state:Running+web").json() == [HREF + "vm-1"]
