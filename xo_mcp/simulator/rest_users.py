"""Users and ACLs (CONTRACT-2 §8, spec): `/users/me` redirects, self reads, own tokens, own privileges.

The simulator's accounts (`state.users`) are XO users: one missing from the inventory is shown with
a record made from the account, so `/users/me` works for every account that can log in. Each
account's token is listed among its authentication tokens, as XO lists the token in use.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from xo_mcp.simulator.auth import User
from xo_mcp.simulator.collection import compile_user_filter, select
from xo_mcp.simulator.errors import missing_privilege, no_such_object, not_enough_permissions
from xo_mcp.simulator.gen_accounts import OBFUSCATED
from xo_mcp.simulator.inventory import Collection, JsonObject
from xo_mcp.simulator.kinds import KINDS
from xo_mcp.simulator.query import collection_query
from xo_mcp.simulator.rest_base import PREFIX, Params, RestBase, json_response

_TOKEN_LIFETIME_MS = 30 * 86_400_000


class UserRoutes(RestBase):
    def _user_records(self) -> Collection:
        """The inventory's users, plus a record for each simulator account it lacks."""
        records = self.state.inventory.users
        missing = [account for account in self.state.users or () if account.id not in records]
        if not missing:
            return records
        merged = dict(records)
        for account in missing:
            merged[account.id] = {
                "email": account.email,
                "permission": "admin" if account.admin else "none",
                "pw_hash": OBFUSCATED,
                "groups": [],
                "name": account.email,
                "preferences": {},
                "id": account.id,
            }
        return merged

    def _me_redirect(self, user: User, raw_path: str, query: str) -> Response | None:
        """XO rewrites `/users/me` when `/` or the end of the URL (query string included) follows it."""
        relative = raw_path[len(PREFIX) :]
        if not relative.startswith("/users/me"):
            return None
        rest = relative[len("/users/me") :]
        if rest.startswith("/") or (rest == "" and query == ""):
            target = f"{PREFIX}/users/{user.id}{rest}" + (f"?{query}" if query else "")
            return RedirectResponse(target, status_code=307)
        return None

    def _user(self, user: User, user_id: str) -> JsonObject:
        """Anyone reads themselves; others need `user:read`."""
        record = self._user_records().get(user_id)
        if record is None:
            raise no_such_object("user", user_id)
        if user_id != user.id and not user.can_read(record):
            raise missing_privilege(user_id, "user")
        return record

    def _users(self, user: User, params: Params) -> Response:
        return self._collection(user, KINDS["users"], self._user_records().items(), params, f"{PREFIX}/users")

    def _tokens(self, user: User, user_id: str, params: Params) -> Response:
        """Only one's own tokens (spec); full objects, `filter` and `limit` only."""
        self._user(user, user_id)
        if user_id != user.id:
            raise not_enough_permissions()
        tokens = list(self.state.inventory.authentication_tokens.get(user_id, ()))
        created = int(self.state.inventory.clock() * 1000) - 86_400_000
        tokens.extend(
            {
                "client": {"id": "xo-mcp-simulator"},
                "created_at": created,
                "description": "xo-mcp simulator account token",
                "user_id": user_id,
                "expiration": created + _TOKEN_LIFETIME_MS,
                "id": account.token,
            }
            for account in self.state.users or ()
            if account.id == user_id and account.token
        )
        query = collection_query({key: params[key] for key in ("filter", "limit") if key in params})
        predicate = compile_user_filter(query.filter) if query.filter else None
        everyone = User("", "", "", "", admin=True)
        kept = [token for _, token in select(((t["id"], t) for t in tokens), predicate, everyone, query.limit)]
        return json_response(kept)

    def _privileges_of(self, user_id: str) -> list[tuple[str, JsonObject]]:
        inventory = self.state.inventory
        record = self._user_records().get(user_id) or {}
        groups = set(record.get("groups") or ())
        roles = [
            role
            for role in inventory.acl_roles.values()
            if user_id in (role.get("userIds") or ()) or groups & set(role.get("groupIds") or ())
        ]
        return [
            (privilege_id, inventory.acl_privileges[privilege_id])
            for role in roles
            for privilege_id in role.get("privilegeIds") or ()
            if privilege_id in inventory.acl_privileges
        ]

    def _user_privileges(self, user: User, user_id: str, params: Params) -> Response:
        """One's own privileges need no privilege; someone else's are filtered by `acl-privilege:read`."""
        self._user(user, user_id)
        viewer = User(user.id, user.email, "", "", admin=True) if user_id == user.id else user
        kind = KINDS["acl-privileges"]
        items = self._privileges_of(user_id)
        return self._collection(viewer, kind, items, params, f"{PREFIX}/acl-privileges", markdown=False)

    def _user_groups(self, user: User, user_id: str, params: Params) -> Response:
        record = self._user(user, user_id)
        groups = self.state.inventory.groups
        items = [(group_id, groups[group_id]) for group_id in record.get("groups") or () if group_id in groups]
        return self._collection(user, KINDS["groups"], items, params, f"{PREFIX}/groups")
