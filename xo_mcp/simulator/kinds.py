"""The object kinds the simulator serves: URL segment, XO type word, ACL resource name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    collection: str
    """URL segment under /rest/v0 and the inventory key, e.g. `vms`."""
    type_word: str
    """XO's type word, used in `no such <type> <id>` errors, e.g. `VM`."""
    resource: str
    """ACL resource name reported in `missingPrivileges`."""
    acl_scoped: bool
    """True: non-admins see the objects of their pools. False: non-admins get 403 `not enough permissions`."""


_ALL = (
    Kind("pools", "pool", "pool", True),
    Kind("hosts", "host", "host", True),
    Kind("vms", "VM", "vm", True),
    Kind("srs", "SR", "sr", True),
    Kind("networks", "network", "network", True),
    Kind("vdis", "VDI", "vdi", True),
    Kind("vm-templates", "VM-template", "vm-template", True),
    Kind("vm-snapshots", "VM-snapshot", "vm-snapshot", True),
    Kind("alarms", "alarm", "alarm", True),
    Kind("messages", "message", "message", True),
    Kind("tasks", "task", "task", False),
    Kind("backup-jobs", "backup-job", "backup-job", False),
    Kind("backup-logs", "backup-log", "backup-log", False),
)

KINDS: dict[str, Kind] = {kind.collection: kind for kind in _ALL}
COLLECTIONS: tuple[str, ...] = tuple(KINDS)
