"""Every case of the shared filter vectors (outputs of XO's real complex-matcher 1.1.1), through HTTP.

The 37 vector objects are served as one collection by a simulator loaded through the same
inventory loader users have; each case asks `/vms?filter=F&fields=` and maps the returned hrefs
back to object indexes. Parse errors must answer 400 with `stringToParse`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from xo_mcp.simulator import RunningSimulator, SimulatorState, inventory_from_data, run_simulator

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "xo-rest-api" / "filter-vectors.json"

if not VECTORS.is_file():
    pytest.skip(f"the shared filter vectors are absent ({VECTORS})", allow_module_level=True)

DATA: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
OBJECTS: list[dict[str, Any]] = DATA["objects"]
CASES: list[dict[str, Any]] = DATA["cases"]
HREF = "/rest/v0/vms/"


@pytest.fixture(scope="module")
def vectors_sim() -> Iterator[RunningSimulator]:
    ids = [obj["id"] for obj in OBJECTS]
    assert len(set(ids)) == len(ids), "each vector object needs its own id to be found again"
    with run_simulator(SimulatorState(inventory=inventory_from_data({"vms": OBJECTS}))) as running:
        yield running


@pytest.fixture(scope="module")
def client(vectors_sim: RunningSimulator) -> Iterator[httpx.Client]:
    credentials = (vectors_sim.admin_username, vectors_sim.admin_password)
    with httpx.Client(base_url=vectors_sim.rest_url, auth=credentials, timeout=10) as http:
        yield http


def test_the_vectors_are_all_there() -> None:
    assert len(OBJECTS) == 37
    assert len(CASES) >= 200


@pytest.mark.parametrize("case", CASES, ids=[repr(case["filter"]) for case in CASES])
def test_filter_vector(client: httpx.Client, case: dict[str, Any]) -> None:
    response = client.get("/vms", params={"filter": case["filter"], "fields": ""})
    if case.get("error"):
        assert response.status_code == 400, response.text
        body = response.json()
        assert isinstance(body["error"], str) and body["error"]
        assert body["data"] == {"stringToParse": case["filter"]}
        return
    assert response.status_code == 200, response.text
    index_of = {obj["id"]: index for index, obj in enumerate(OBJECTS)}
    returned = [index_of[item["href"].removeprefix(HREF)] for item in response.json()]
    assert returned == case["matches"]
