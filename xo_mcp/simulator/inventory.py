"""What the simulated XO knows: objects per collection, keyed by id, in insertion order.

Objects are plain JSON-like dicts. Generated inventories share nested values between objects
(the same `os_version` dict for every Debian 12 VM, the same empty lists…) to stay small at
100 000 VMs: replace a nested value rather than mutating it in place.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xo_mcp.simulator.kinds import COLLECTIONS

JsonObject = dict[str, Any]
Collection = dict[str, JsonObject]


@dataclass
class Inventory:
    objects: dict[str, Collection] = field(default_factory=lambda: {name: {} for name in COLLECTIONS})
    missing_patches: dict[str, list[JsonObject]] = field(default_factory=dict)
    """Missing patches per host id (served by /hosts/{id}/missing_patches and the pool routes)."""
    authentication_tokens: dict[str, list[JsonObject]] = field(default_factory=dict)
    """XO authentication tokens per user id (/users/{id}/authentication_tokens); their ids are secrets."""
    backup_repository_space: dict[str, JsonObject] = field(default_factory=dict)
    """Space XO has cached per backup repository id: `{size?, used?, available?}` in bytes. A repository
    without an entry has no cached space info yet, so /dashboard's backupRepositories skips it."""
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Values the simulator derives from the objects (smart-mode selections, logs per job), recomputed
    when a collection's size changes: clear it after changing objects in place."""
    now_s: float | None = None
    """The instant generated timestamps are relative to (seconds); None: the wall clock. The simulator's
    own time-dependent answers (/dashboard's 7-day window) use `clock()`."""

    def __post_init__(self) -> None:
        for name in COLLECTIONS:
            self.objects.setdefault(name, {})

    def collection(self, name: str) -> Collection:
        return self.objects[name]

    def add(self, collection: str, obj: JsonObject, object_id: str | None = None) -> None:
        self.objects[collection][object_id if object_id is not None else obj["id"]] = obj

    def clock(self) -> float:
        """Now, in seconds, for this inventory: its reference instant, or the wall clock."""
        return self.now_s if self.now_s is not None else time.time()

    def counts(self) -> dict[str, int]:
        return {name: len(objects) for name, objects in self.objects.items()}

    @property
    def pools(self) -> Collection:
        return self.objects["pools"]

    @property
    def hosts(self) -> Collection:
        return self.objects["hosts"]

    @property
    def vms(self) -> Collection:
        return self.objects["vms"]

    @property
    def srs(self) -> Collection:
        return self.objects["srs"]

    @property
    def networks(self) -> Collection:
        return self.objects["networks"]

    @property
    def vdis(self) -> Collection:
        return self.objects["vdis"]

    @property
    def vm_templates(self) -> Collection:
        return self.objects["vm-templates"]

    @property
    def vm_snapshots(self) -> Collection:
        return self.objects["vm-snapshots"]

    @property
    def alarms(self) -> Collection:
        return self.objects["alarms"]

    @property
    def messages(self) -> Collection:
        return self.objects["messages"]

    @property
    def tasks(self) -> Collection:
        return self.objects["tasks"]

    @property
    def backup_jobs(self) -> Collection:
        return self.objects["backup-jobs"]

    @property
    def backup_logs(self) -> Collection:
        return self.objects["backup-logs"]

    @property
    def vm_controllers(self) -> Collection:
        return self.objects["vm-controllers"]

    @property
    def vifs(self) -> Collection:
        return self.objects["vifs"]

    @property
    def vbds(self) -> Collection:
        return self.objects["vbds"]

    @property
    def vdi_snapshots(self) -> Collection:
        return self.objects["vdi-snapshots"]

    @property
    def pifs(self) -> Collection:
        return self.objects["pifs"]

    @property
    def pbds(self) -> Collection:
        return self.objects["pbds"]

    @property
    def schedules(self) -> Collection:
        return self.objects["schedules"]

    @property
    def restore_logs(self) -> Collection:
        return self.objects["restore-logs"]

    @property
    def backup_repositories(self) -> Collection:
        return self.objects["backup-repositories"]

    @property
    def backup_archives(self) -> Collection:
        return self.objects["backup-archives"]

    @property
    def servers(self) -> Collection:
        return self.objects["servers"]

    @property
    def users(self) -> Collection:
        return self.objects["users"]

    @property
    def groups(self) -> Collection:
        return self.objects["groups"]

    @property
    def acl_roles(self) -> Collection:
        return self.objects["acl-roles"]

    @property
    def acl_privileges(self) -> Collection:
        return self.objects["acl-privileges"]


def _key_spellings(name: str) -> tuple[str, ...]:
    return (name, name.replace("-", "_"))


def inventory_from_data(data: Mapping[str, Any]) -> Inventory:
    """Build an inventory from `{"pools": [...], "vms": [...], ...}`; any key may be absent.

    Collections may be spelled with `-` or `_` (`vm-templates`, `vm_templates`). An object without
    `id` is keyed by its `uuid`, else by its position, without adding keys to it (filters see it as given).
    `missing_patches` maps host ids to patch lists, `authentication_tokens` user ids to token lists,
    `backup_repository_space` repository ids to `{size, used, available}`; `now_s` sets the clock.
    """
    side_tables = {"missing_patches", "authentication_tokens", "backup_repository_space"}
    known = {spelling for name in COLLECTIONS for spelling in _key_spellings(name)} | side_tables | {"now_s"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown inventory keys: {', '.join(unknown)} (expected some of {', '.join(COLLECTIONS)})")
    inventory = Inventory()
    for name in COLLECTIONS:
        for spelling in _key_spellings(name):
            if spelling in data:
                _fill(inventory.objects[name], data[spelling], name)
    patches = _mapping(data, "missing_patches", "host ids to lists of patches")
    inventory.missing_patches = {str(host): list(items) for host, items in patches.items()}
    tokens = _mapping(data, "authentication_tokens", "user ids to lists of tokens")
    inventory.authentication_tokens = {str(user): list(items) for user, items in tokens.items()}
    space = _mapping(data, "backup_repository_space", "repository ids to {size, used, available}")
    inventory.backup_repository_space = {str(remote): dict(info) for remote, info in space.items()}
    now_s = data.get("now_s")
    if now_s is not None and not isinstance(now_s, int | float):
        raise ValueError("now_s must be a number of seconds")
    inventory.now_s = now_s
    return inventory


def _mapping(data: Mapping[str, Any], key: str, what: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} must map {what}")
    return value


def _fill(target: Collection, objects: Iterable[Any], name: str) -> None:
    if isinstance(objects, Mapping):
        objects = objects.values()
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise ValueError(f"{name}[{index}] is not an object")
        key = obj.get("id", obj.get("uuid", str(index)))
        target[str(key)] = obj


def load_inventory(path: str | Path) -> Inventory:
    """Read an inventory JSON file (see `inventory_from_data`)."""
    with Path(path).open(encoding="utf-8") as stream:
        data = json.load(stream)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the inventory must be a JSON object of collections")
    return inventory_from_data(data)
