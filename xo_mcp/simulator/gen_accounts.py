"""Generator step 10: XO's own objects: users (TOTP secrets and `pw_hash` as XO shows them), groups, ACL
roles and privileges, authentication tokens, and the Xen server connections (every status
/dashboard's poolsStatus tells apart; never a password).

The admin and the viewer are the simulator's default accounts (credentials.py); the viewer's role
reads only the first pool's objects, which is what `User.pools` enforces.
"""

from __future__ import annotations

import base64

from xo_mcp.simulator.credentials import (
    ADMIN_ID,
    ADMIN_USERNAME,
    USER_OTP_SECRET,
    VIEWER_ID,
    VIEWER_USERNAME,
)
from xo_mcp.simulator.gen_context import EMPTY_DICT, GenContext
from xo_mcp.simulator.inventory import JsonObject

_DAY_MS = 86_400_000
OBFUSCATED = "***obfuscated***"
_READ_RESOURCES = (
    "alarm",
    "backup-archive",
    "backup-job",
    "backup-log",
    "backup-repository",
    "group",
    "host",
    "message",
    "network",
    "pbd",
    "pci",
    "pgpu",
    "pif",
    "pool",
    "proxy",
    "restore-log",
    "schedule",
    "server",
    "sm",
    "sr",
    "task",
    "user",
    "vbd",
    "vdi",
    "vdi-snapshot",
    "vif",
    "vm",
    "vm-controller",
    "vm-snapshot",
    "vm-template",
)
_POOL_RESOURCES = ("host", "network", "pool", "sr", "vdi", "vif", "vbd", "vm", "vm-snapshot", "vm-template")


def generate_accounts(ctx: GenContext) -> None:
    inventory = ctx.inventory
    auditor, ldap = ctx.uuid(), ctx.uuid()
    ops_group, lyon_group, empty_group = ctx.uuid(), ctx.uuid(), ctx.uuid()
    read_only, lyon_role = ctx.uuid(), ctx.uuid()
    users = [
        _user(
            ADMIN_ID, ADMIN_USERNAME, "admin", [ops_group], {"lang": "en", "defaultHomeFilter": "power_state:running"}
        ),
        _user(VIEWER_ID, VIEWER_USERNAME, "none", [lyon_group], EMPTY_DICT),
        # XO hands a user's TOTP secret out with the user (CONTRACT-2 §8).
        _user(auditor, "auditor@example.net", "none", [ops_group], {"otp": USER_OTP_SECRET, "lang": "fr"}),
        _user(ldap, "jdoe", "none", [], EMPTY_DICT, {"ldap": "uid=jdoe,ou=people,dc=example,dc=net"}),
    ]
    for user in users:
        inventory.add("users", user)
    groups = [
        {"aclRoleIds": [read_only], "name": "Operators", "users": [ADMIN_ID, auditor], "id": ops_group},
        {"aclRoleIds": [lyon_role], "name": "Lyon DC viewers", "users": [VIEWER_ID], "id": lyon_group},
        {"aclRoleIds": [], "name": "Contractors (unused)", "users": [], "id": empty_group},
    ]
    for group in groups:
        inventory.add("groups", group)
    first_pool = ctx.pools[0].pool["id"]
    roles = [
        (
            read_only,
            "Read only",
            "Access the whole infra in read-only mode",
            [auditor],
            [ops_group],
            _READ_RESOURCES,
            None,
        ),
        (
            lyon_role,
            f"{ctx.pools[0].pool['name_label']} viewer",
            "Read the objects of one pool",
            [],
            [lyon_group],
            _POOL_RESOURCES,
            f"$pool:{first_pool}",
        ),
    ]
    for role_id, name, description, user_ids, group_ids, resources, selector in roles:
        privileges = []
        for resource in resources:
            privilege: JsonObject = {"action": "read", "effect": "allow", "resource": resource, "roleId": role_id}
            if selector is not None:
                privilege["selector"] = selector
            privilege["id"] = ctx.uuid()
            inventory.add("acl-privileges", privilege)
            privileges.append(privilege["id"])
        role: JsonObject = {
            "name": name,
            "description": description,
            "id": role_id,
            "userIds": user_ids,
            "groupIds": group_ids,
            "privilegeIds": privileges,
        }
        inventory.add("acl-roles", role)
    _tokens(ctx, [ADMIN_ID, auditor])
    _servers(ctx)


def _user(
    user_id: str,
    email: str,
    permission: str,
    groups: list[str],
    preferences: JsonObject,
    providers: dict[str, str] | None = None,
) -> JsonObject:
    user: JsonObject = {
        "email": email,
        "permission": permission,
        "pw_hash": OBFUSCATED,
        "groups": groups,
        "name": email,
        "preferences": preferences,
    }
    if providers is not None:
        user["authProviders"] = providers
    user["id"] = user_id
    return user


def _tokens(ctx: GenContext, owners: list[str]) -> None:
    """Tokens XO lists for their owner, ids included (the ids are the secrets)."""
    clients = [
        ("xo-cli@0.32.2 - ops-laptop - Linux x86_64", "::ffff:192.168.0.23"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:141.0) Gecko/20100101 Firefox/141.0", "::1"),
    ]
    for owner in owners:
        tokens = []
        for position, (description, address) in enumerate(clients):
            created = ctx.now_ms - (12 + 9 * position) * _DAY_MS
            tokens.append(
                {
                    "client": {"id": f"{ctx.rng.getrandbits(40):010x}"},
                    "created_at": created,
                    "description": description,
                    "user_id": owner,
                    "expiration": created + 30 * _DAY_MS,
                    "last_uses": {address: {"timestamp": ctx.now_ms - (position + 1) * 3_600_000}},
                    "id": base64.urlsafe_b64encode(ctx.rng.getrandbits(256).to_bytes(32, "big")).decode()[:43],
                }
            )
        ctx.inventory.authentication_tokens[owner] = tokens


def _servers(ctx: GenContext) -> None:
    connected: list[str] = []
    for plan in ctx.pools:
        master = plan.hosts[0]
        server_id = ctx.uuid()
        connected.append(server_id)
        ctx.inventory.add(
            "servers",
            {
                "host": master["address"],
                "label": plan.pool["name_label"],
                "username": "root",
                "allowUnauthorized": plan.index % 2 == 1,
                "poolNameLabel": plan.pool["name_label"],
                "poolNameDescription": plan.pool["name_description"],
                "enabled": True,
                "readOnly": False,
                "id": server_id,
                "status": "connected",
                "poolId": plan.pool["id"],
                "master": master["id"],
            },
        )
    extra = [
        # Disabled: disconnected, no error.
        ("192.168.90.10", "Old lab (decommissioned)", False, "disconnected", None),
        # Cannot be reached: unreachable.
        (
            "192.168.40.10",
            "Berlin DR standby",
            True,
            "disconnected",
            {"message": "connect ETIMEDOUT 192.168.40.10:443", "name": "Error", "code": "ETIMEDOUT"},
        ),
        # A member of an already connected pool: disconnected, not unreachable.
        (
            ctx.pools[0].hosts[-1]["address"],
            "Lyon member added by mistake",
            True,
            "disconnected",
            {"message": "this pool is already connected", "name": "Error", "connectedServerId": connected[0]},
        ),
        # Still connecting: unknown.
        ("192.168.77.5", "Nantes edge (new)", True, "connecting", None),
    ]
    for host, label, enabled, status, error in extra:
        server: JsonObject = {
            "host": host,
            "label": label,
            "username": "root",
            "allowUnauthorized": False,
            "enabled": enabled,
            "readOnly": False,
            "id": ctx.uuid(),
            "status": status,
        }
        if error is not None:
            server["error"] = error
        ctx.inventory.add("servers", server)
