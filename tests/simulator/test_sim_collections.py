"""The newer collections and their routes (spec, CONTRACT-2 §3, §5, §8): users and tokens, ACLs, archives,
repositories, logs, sub-collections, and what non-admins see."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests import estate_truth as truth
from xo_mcp.simulator import RunningSimulator, SimulatorState, User, estate, generate_inventory, run_simulator
from xo_mcp.simulator.credentials import PROXY_URL_TOKEN, REMOTE_URL_PASSWORD, USER_OTP_SECRET


def _named(sim: RunningSimulator, collection: str, name: str) -> str:
    """The id of the object of that `name`."""
    return str(next(o for o in sim.state.inventory.collection(collection).values() if o.get("name") == name)["id"])


# Users --------------------------------------------------------------------------------------------


def test_users_me_redirects_with_its_quirk(admin: httpx.Client, sim: RunningSimulator) -> None:
    own = f"/rest/v0/users/{sim.state.authenticator.users[0].id}"
    response = admin.get("/users/me", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, own)
    sub = admin.get("/users/me/acl-privileges", params={"fields": "*"}, follow_redirects=False)
    assert (sub.status_code, sub.headers["location"]) == (307, f"{own}/acl-privileges?fields=%2A")
    # A query string right after `me` defeats XO's rewrite: `me` is then looked up as an id.
    quirk = admin.get("/users/me", params={"fields": "id"})
    assert (quirk.status_code, quirk.json()["error"]) == (404, "no such user me")
    me = admin.get("/users/me", follow_redirects=True).json()
    assert me["email"] == sim.admin_username and me["pw_hash"] == "***obfuscated***"


def test_users_hold_what_xo_shows(admin: httpx.Client) -> None:
    users = admin.get("/users", params={"fields": "*"}).json()
    assert {user["permission"] for user in users} == {"admin", "none"}
    assert any(user.get("preferences", {}).get("otp") == USER_OTP_SECRET for user in users)
    assert any("authProviders" in user for user in users)


def test_an_account_missing_from_the_inventory_is_still_a_user() -> None:
    inventory = generate_inventory(vms=2)
    extra = User("0c0ffee0-0000-4000-8000-0000000000aa", "extra@example.net", "pw", "tok-extra", admin=True)
    cookies = {"authenticationToken": "tok-extra"}
    with (
        run_simulator(SimulatorState(inventory=inventory, users=[extra])) as sim,
        httpx.Client(base_url=sim.rest_url, cookies=cookies, follow_redirects=True) as client,
    ):
        assert client.get("/users/me").json()["email"] == "extra@example.net"
        tokens = client.get(f"/users/{extra.id}/authentication_tokens").json()
        assert [token["id"] for token in tokens] == ["tok-extra"]


def test_own_tokens_only_with_filter_and_limit(
    admin: httpx.Client, viewer: httpx.Client, sim: RunningSimulator
) -> None:
    admin_id = sim.state.authenticator.users[0].id
    tokens = admin.get(f"/users/{admin_id}/authentication_tokens").json()
    ids = [token["id"] for token in tokens]
    assert sim.admin_token in ids and len(ids) == 3
    assert all({"user_id", "expiration", "id"} <= set(token) for token in tokens)
    assert len(admin.get(f"/users/{admin_id}/authentication_tokens", params={"limit": "1"}).json()) == 1
    firefox = admin.get(f"/users/{admin_id}/authentication_tokens", params={"filter": "description:Firefox"}).json()
    assert len(firefox) == 1
    # fields/ndjson are not declared there: ignored.
    assert admin.get(f"/users/{admin_id}/authentication_tokens", params={"ndjson": "true"}).json() == tokens
    assert viewer.get(f"/users/{admin_id}/authentication_tokens").status_code == 403


def test_privileges_roles_groups(admin: httpx.Client, viewer: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    viewer_id = sim.state.authenticator.users[1].id
    own = viewer.get(f"/users/{viewer_id}/acl-privileges", params={"fields": "action,resource,selector"}).json()
    first_pool = next(iter(inventory.pools))
    assert own and all(p["action"] == "read" and p["selector"] == f"$pool:{first_pool}" for p in own)
    assert viewer.get(f"/users/{viewer_id}").json()["id"] == viewer_id  # self read
    assert viewer.get("/acl-privileges").json() == []
    roles = admin.get("/acl-roles", params={"fields": "name,privilegeIds", "markdown": "true"})
    assert roles.headers["content-type"].startswith("application/json")  # markdown is not declared there
    role_id = next(iter(inventory.acl_roles))
    privileges = admin.get(f"/acl-roles/{role_id}/privileges").json()
    assert len(privileges) == len(inventory.acl_roles[role_id]["privilegeIds"])
    group_id, group = next(iter(inventory.groups.items()))
    assert admin.get(f"/groups/{group_id}/users").json() == [f"/rest/v0/users/{uid}" for uid in group["users"]]
    assert admin.get(f"/users/{group['users'][0]}/groups").json()


# Backups --------------------------------------------------------------------------------------------


def test_archives_need_a_repository(admin: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    assert admin.get("/backup-archives").json() == []
    every = admin.get("/backup-archives", params={"backup-repository": "*", "fields": "backupRepository"}).json()
    working = truth.working_repositories(inventory)
    assert len(every) == sum(a["backupRepository"] in working for a in inventory.backup_archives.values())
    nas = _named(sim, "backup-repositories", estate.REPOSITORY_NAS)
    s3 = _named(sim, "backup-repositories", estate.REPOSITORY_S3)
    both = admin.get(f"/backup-archives?backup-repository={nas}&backup-repository={s3}&fields=id").json()
    assert {item["id"].split("/")[0] for item in both} == {nas, s3}
    unknown = admin.get("/backup-archives", params={"backup-repository": "nope"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "no such remote nope")
    disabled = _named(sim, "backup-repositories", estate.REPOSITORY_DISABLED)
    assert admin.get("/backup-archives", params={"backup-repository": disabled}).json() == []
    archive_id = both[0]["id"]
    assert admin.get(f"/backup-archives/{quote(archive_id, safe='')}").json()["id"] == archive_id
    assert admin.get("/backup-archives/not-an-archive").json()["error"] == "no such backup-archive not-an-archive"


def test_repositories_and_their_health(admin: httpx.Client, sim: RunningSimulator) -> None:
    ok = _named(sim, "backup-repositories", estate.REPOSITORY_NAS)
    assert admin.get(f"/backup-repositories/{ok}/health").json() == {"success": True}
    disabled = _named(sim, "backup-repositories", estate.REPOSITORY_DISABLED)
    response = admin.get(f"/backup-repositories/{disabled}/health")
    assert (response.status_code, response.json()) == (500, {"error": "remote is disabled"})
    broken = _named(sim, "backup-repositories", estate.REPOSITORY_BROKEN)
    assert admin.get(f"/backup-repositories/{broken}/health").status_code == 500
    assert admin.get("/backup-repositories/nope").json()["error"] == "no such remote nope"
    urls = [remote["url"] for remote in admin.get("/backup-repositories", params={"fields": "url"}).json()]
    assert any(REMOTE_URL_PASSWORD in url for url in urls)
    proxies = admin.get("/proxies", params={"fields": "url"}).json()
    assert PROXY_URL_TOKEN in proxies[0]["url"]


def test_log_stores(admin: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    backup_log, restore_log = next(iter(inventory.backup_logs)), next(iter(inventory.restore_logs))
    assert admin.get(f"/backup-logs/{backup_log}").json()["id"] == backup_log
    assert admin.get(f"/restore-logs/{restore_log}").json()["message"] in {"restore", "metadataRestore"}
    assert admin.get(f"/backup-logs/{restore_log}").json()["error"] == "no such object backup-log"
    assert admin.get(f"/restore-logs/{backup_log}").json()["error"] == "no such object restore-log"
    assert admin.get("/backup-logs/1").json()["error"] == "no such backup-ng-log 1"
    assert admin.get("/restore/logs").json() == [f"/rest/v0/restore/logs/{log_id}" for log_id in inventory.restore_logs]
    # Oldest first, the filter applied before the limit.
    failed = admin.get(
        "/backup-logs", params={"filter": "status:failure", "limit": "2", "fields": "start,status"}
    ).json()
    every_failure = [log for log in inventory.backup_logs.values() if log["status"] == "failure"]
    assert [item["start"] for item in failed] == [log["start"] for log in every_failure[:2]]


def test_backup_jobs_and_schedules(admin: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    job_id = next(iter(inventory.backup_jobs))
    assert admin.get(f"/backup-jobs/{job_id}").json() == inventory.backup_jobs[job_id]
    assert admin.get("/backup-jobs/nope").json()["error"] == "no such job nope"
    redirect = admin.get(f"/backup/jobs/{job_id}", follow_redirects=False)
    assert (redirect.status_code, redirect.headers["location"]) == (308, f"/rest/v0/backup/jobs/vm/{job_id}")
    metadata = next(i for i, job in inventory.backup_jobs.items() if job["type"] == "metadataBackup")
    assert admin.get(f"/backup/jobs/vm/{metadata}").json()["error"] == f"no such backup-job {metadata}"
    assert admin.get("/schedules/nope").json()["error"] == "no such schedule nope"
    assert len(admin.get("/schedules").json()) == len(inventory.schedules)


# Infrastructure --------------------------------------------------------------------------------------


def test_servers_never_hold_a_password(admin: httpx.Client) -> None:
    servers = admin.get("/servers", params={"fields": "*"}).json()
    assert {server["status"] for server in servers} == {"connected", "disconnected", "connecting"}
    assert all("password" not in server for server in servers)


@pytest.mark.parametrize(
    ("collection", "sub"),
    [
        ("vm-controllers", "vdis"),
        ("vifs", "alarms"),
        ("vbds", "messages"),
        ("pifs", "tasks"),
        ("vdi-snapshots", "tasks"),
    ],
)
def test_sub_collections_of_new_kinds(admin: httpx.Client, sim: RunningSimulator, collection: str, sub: str) -> None:
    object_id = next(iter(sim.state.inventory.collection(collection)))
    assert admin.get(f"/{collection}/{object_id}/{sub}").status_code == 200
    assert admin.get(f"/{collection}/nope/{sub}").status_code == 404


def test_control_domain_vdis(admin: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    dom0 = next(d for d in inventory.vm_controllers.values() if d["$VBDs"])
    vdis = admin.get(f"/vm-controllers/{dom0['id']}/vdis", params={"fields": "name_label"}).json()
    assert estate.DOM0_VDI in [vdi["name_label"] for vdi in vdis]


def test_public_and_host_routes(anonymous: httpx.Client, admin: httpx.Client, sim: RunningSimulator) -> None:
    assert anonymous.get("/ping").json()["result"] == "pong"
    assert anonymous.get("/gui-routes").json() == {"xo5": "/", "xo6": "/v6"}
    assert anonymous.get("/ping", auth=("nobody@example.net", "x")).status_code == 401
    hosts = sim.state.inventory.hosts.values()
    running = next(h for h in hosts if h["power_state"] == "Running")
    assert admin.get(f"/hosts/{running['id']}/smt").json() == {"enabled": True}
    halted = next(h for h in hosts if h["power_state"] == "Halted")
    assert admin.get(f"/hosts/{halted['id']}/smt").status_code == 500
    # The patch query fails on a halted host: XO answers an empty list.
    assert admin.get(f"/hosts/{halted['id']}/missing_patches").json() == []


def test_viewer_sees_its_pool_in_the_new_collections(viewer: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    first_pool = next(iter(inventory.pools))
    for collection in ("vifs", "vbds", "pifs", "vm-controllers", "vdi-snapshots"):
        expected = [o for o in inventory.collection(collection).values() if o.get("$pool") == first_pool]
        assert len(viewer.get(f"/{collection}").json()) == len(expected) > 0, collection
    assert viewer.get("/backup-archives", params={"backup-repository": "*"}).json() == []
    assert viewer.get("/servers").json() == []
