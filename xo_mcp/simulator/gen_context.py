"""State shared by the generator steps: the seeded RNG, id factories, and what each pool holds."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xo_mcp.simulator.catalog import Platform
from xo_mcp.simulator.credentials import ADMIN_ID
from xo_mcp.simulator.inventory import Inventory, JsonObject

# Shared immutable-by-convention values: one object for thousands of references.
EMPTY_LIST: list[Any] = []
EMPTY_DICT: dict[str, Any] = {}


@dataclass
class PoolPlan:
    """Where a pool's VMs can live, filled by the infrastructure step and read by the VM step."""

    index: int
    pool: JsonObject
    platform: Platform
    hosts: list[JsonObject] = field(default_factory=list)
    running_hosts: list[JsonObject] = field(default_factory=list)
    shared_sr: JsonObject | None = None
    local_srs: dict[str, JsonObject] = field(default_factory=dict)
    """host id -> its local storage SR"""
    vm_network: JsonObject | None = None
    templates: dict[str, JsonObject] = field(default_factory=dict)
    """template name_label -> template"""
    ip_counter: int = 0


def uuid_factory(rng: random.Random) -> Callable[[], str]:
    """A fast, seeded source of uuid-shaped ids (a closure: this runs ~7 times per generated VM)."""
    bits = rng.getrandbits

    def uuid() -> str:
        digits = "%032x" % bits(128)  # noqa: UP031 (faster than an f-string format spec here)
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"

    return uuid


class GenContext:
    def __init__(self, seed: int, inventory: Inventory) -> None:
        self.rng = random.Random(seed)
        self.inventory = inventory
        self.pools: list[PoolPlan] = []
        self.admin_user_id = ADMIN_ID
        self._task_ids: set[str] = set()
        self.uuid = uuid_factory(self.rng)

    def ref(self) -> str:
        return "OpaqueRef:" + self.uuid()

    def task_id(self) -> str:
        """XO task ids look like `0mdd1basu`: 9 base-36 characters."""
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
        while True:
            value = self.rng.getrandbits(46)
            chars = []
            for _ in range(9):
                value, digit = divmod(value, 36)
                chars.append(alphabet[digit])
            task_id = "".join(chars)
            if task_id not in self._task_ids:
                self._task_ids.add(task_id)
                return task_id

    def xapi_identity(self, object_id: str, pool_id: str) -> JsonObject:
        """The keys every XAPI object ends with, in XO's order."""
        return {"id": object_id, "uuid": object_id, "$pool": pool_id, "$poolId": pool_id, "_xapiRef": self.ref()}
