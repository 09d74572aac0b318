"""Contract §2: authentication, the throttle, and what a non-admin may see."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from xo_mcp.simulator import RunningSimulator, SimulatorState, User, generate_inventory, run_simulator

INVALID = {"error": "invalid credentials"}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_credentials_are_accepted(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    response = anonymous.get("/vms", headers=basic(sim.admin_username, sim.admin_password))
    assert response.status_code == 200
    assert len(response.json()) == len(sim.state.inventory.vms)


def test_scheme_word_is_ignored(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    encoded = base64.b64encode(f"{sim.admin_username}:{sim.admin_password}".encode()).decode()
    assert anonymous.get("/pools", headers={"Authorization": f"Whatever {encoded}"}).status_code == 200


def test_only_the_second_colon_piece_is_the_password(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    # `admin:anything` after the real password is ignored: the quirk lets this in...
    response = anonymous.get("/pools", headers=basic(sim.admin_username, f"{sim.admin_password}:anything"))
    assert response.status_code == 200


def test_a_password_containing_a_colon_never_works() -> None:
    inventory = generate_inventory(vms=2)
    users = [User("u1", "colon@example.net", "pa:ss", "colon-token", admin=True)]
    with run_simulator(SimulatorState(inventory=inventory, users=users)) as sim:
        response = httpx.get(f"{sim.rest_url}/pools", headers=basic("colon@example.net", "pa:ss"))
        assert response.status_code == 401
        assert response.json() == INVALID
        token = httpx.get(f"{sim.rest_url}/pools", cookies={"authenticationToken": "colon-token"})
        assert token.status_code == 200


def test_header_without_space_is_malformed(anonymous: httpx.Client) -> None:
    response = anonymous.get("/vms", headers={"Authorization": "Basic"})
    assert response.status_code == 400
    assert response.json() == {"error": "Malformed Authorization header"}


def test_cookie_and_header_together_are_refused(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    response = anonymous.get(
        "/vms",
        headers={**basic(sim.admin_username, sim.admin_password), "Cookie": f"authenticationToken={sim.admin_token}"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Having multiple authentication methods is not supported, please choose one"}


def test_no_credentials_on_a_protected_route(anonymous: httpx.Client) -> None:
    response = anonymous.get("/vms")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="xo"'


@pytest.mark.parametrize("path", ["/vms", "/mcp/status", "/docs/swagger.json"])
def test_bad_password_is_401_even_on_public_routes(anonymous: httpx.Client, path: str) -> None:
    response = anonymous.get(path, headers=basic("nobody@example.net", "wrong"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="xo"'
    assert response.json() == INVALID
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_public_routes_need_no_credentials(anonymous: httpx.Client) -> None:
    assert anonymous.get("/mcp/status").json() == {"enabled": True}


def test_token_cookie(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    response = anonymous.get("/hosts", headers={"Cookie": f"authenticationToken={sim.admin_token}"})
    assert response.status_code == 200


def test_fallback_token_cookie(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    assert anonymous.get("/hosts", headers={"Cookie": f"token={sim.admin_token}"}).status_code == 200


def test_unknown_token_is_401(anonymous: httpx.Client) -> None:
    response = anonymous.get("/hosts", headers={"Cookie": "authenticationToken=nope"})
    assert response.status_code == 401
    assert response.json() == INVALID


def test_empty_values_count_as_absent(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    # JavaScript truthiness: an empty cookie does not clash with a header, and is no credential at all.
    headers = {**basic(sim.admin_username, sim.admin_password), "Cookie": "authenticationToken="}
    assert anonymous.get("/pools", headers=headers).status_code == 200
    assert anonymous.get("/pools", headers={"Cookie": "authenticationToken="}).status_code == 401


def test_throttle_after_a_failed_password(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    assert anonymous.get("/pools", headers=basic(sim.admin_username, "wrong")).status_code == 401
    throttled = anonymous.get("/pools", headers=basic(sim.admin_username, sim.admin_password))
    assert throttled.status_code == 500
    assert throttled.json() == {"error": "too fast authentication tries"}
    # Tokens are never throttled, and other usernames are unaffected.
    assert anonymous.get("/pools", headers={"Cookie": f"token={sim.admin_token}"}).status_code == 200
    assert anonymous.get("/pools", headers=basic(sim.viewer_username, sim.viewer_password)).status_code == 200


def test_throttle_expires(anonymous: httpx.Client, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.state.authenticator, "throttle_seconds", 0.2)
    assert anonymous.get("/pools", headers=basic(sim.admin_username, "wrong")).status_code == 401
    time.sleep(0.25)
    assert anonymous.get("/pools", headers=basic(sim.admin_username, sim.admin_password)).status_code == 200


def test_empty_password(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    response = anonymous.get("/pools", headers=basic(sim.admin_username, ""))
    assert response.status_code == 500
    assert response.json() == {"error": "empty password"}


def test_missing_password_fails_and_throttles(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    headers = {"Authorization": "Basic " + base64.b64encode(sim.viewer_username.encode()).decode()}
    assert anonymous.get("/pools", headers=headers).status_code == 401
    throttled = anonymous.get("/pools", headers=basic(sim.viewer_username, sim.viewer_password))
    assert throttled.status_code == 500


def test_viewer_sees_only_the_first_pool(viewer: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    first_pool = next(iter(inventory.pools))
    expected = [f"/rest/v0/vms/{vm_id}" for vm_id, vm in inventory.vms.items() if vm["$pool"] == first_pool]
    assert viewer.get("/vms").json() == expected
    assert 0 < len(expected) < len(inventory.vms)
    assert viewer.get("/pools").json() == [f"/rest/v0/pools/{first_pool}"]


def test_viewer_limit_counts_visible_objects(viewer: httpx.Client, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    shown = viewer.get("/vms", params={"limit": "3", "fields": "$pool"}).json()
    assert len(shown) == 3
    assert {item["$pool"] for item in shown} == {first_pool}


def test_viewer_gets_403_on_an_object_outside(viewer: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    other_pool = list(inventory.pools)[1]
    vm_id = next(vm_id for vm_id, vm in inventory.vms.items() if vm["$pool"] == other_pool)
    response = viewer.get(f"/vms/{vm_id}")
    assert response.status_code == 403
    assert response.json() == {
        "error": "not enough privileges",
        "data": {"missingPrivileges": [{"objectId": vm_id, "action": "read", "resource": "vm"}]},
    }
    pool_response = viewer.get(f"/pools/{other_pool}/dashboard")
    assert pool_response.status_code == 403
    assert pool_response.json()["data"]["missingPrivileges"][0]["resource"] == "pool"


def test_viewer_unknown_object_is_still_404(viewer: httpx.Client) -> None:
    assert viewer.get("/vms/unknown").status_code == 404


def test_viewer_reads_objects_of_its_pool(viewer: httpx.Client, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    vm_id = next(vm_id for vm_id, vm in sim.state.inventory.vms.items() if vm["$pool"] == first_pool)
    assert viewer.get(f"/vms/{vm_id}").json()["id"] == vm_id


@pytest.mark.parametrize(
    "path", ["/tasks", "/backup-jobs", "/backup-logs", "/backup/logs", "/schedules", "/backup-repositories", "/users"]
)
def test_xo_object_collections_are_filtered_for_the_viewer(viewer: httpx.Client, path: str) -> None:
    """CONTRACT-2 §8: filtered, not refused; the viewer's role reads only its pool's objects."""
    response = viewer.get(path)
    assert (response.status_code, response.json()) == (200, [])


def test_deprecated_single_routes_and_the_dashboard_are_admin_only(
    viewer: httpx.Client, admin: httpx.Client, sim: RunningSimulator
) -> None:
    inventory = sim.state.inventory
    job_id = next(job_id for job_id, job in inventory.backup_jobs.items() if job["type"] == "backup")
    log_id = next(iter(inventory.backup_logs))
    restore_id = next(iter(inventory.restore_logs))
    paths = [
        f"/backup/jobs/vm/{job_id}",
        f"/backup/jobs/{job_id}",
        f"/backup/logs/{log_id}",
        "/restore/logs",
        f"/restore/logs/{restore_id}",
        "/dashboard",
    ]
    forbidden = {"error": "not enough permissions", "data": {"object": {}}}
    for path in paths:
        response = viewer.get(path, follow_redirects=False)
        assert (response.status_code, response.json()) == (403, forbidden), path
        assert admin.get(path, follow_redirects=False).status_code in {200, 308}, path


def test_viewer_gets_403_on_an_xo_object_and_404_on_an_unknown_one(viewer: httpx.Client, sim: RunningSimulator) -> None:
    job_id = next(iter(sim.state.inventory.backup_jobs))
    response = viewer.get(f"/backup-jobs/{job_id}")
    assert response.status_code == 403
    assert response.json()["data"]["missingPrivileges"] == [
        {"objectId": job_id, "action": "read", "resource": "backup-job"}
    ]
    assert viewer.get("/backup-jobs/nope").json()["error"] == "no such job nope"
