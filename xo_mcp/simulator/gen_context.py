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
    srs: list[JsonObject] = field(default_factory=list)
    """Every SR of the pool, in creation order."""
    iso_sr: JsonObject | None = None
    linstor_sr: JsonObject | None = None
    removable_srs: dict[str, JsonObject] = field(default_factory=dict)
    """host id -> its `Removable storage` udev SR (content type disk)"""


def uuid_factory(rng: random.Random) -> Callable[[], str]:
    """A fast, seeded source of uuid-shaped ids (a closure: this runs ~7 times per generated VM)."""
    bits = rng.getrandbits

    def uuid() -> str:
        digits = "%032x" % bits(128)  # noqa: UP031 (faster than an f-string format spec here)
        # str.join beats an f-string of five slices by a fifth; this runs a million times at 100 000 VMs.
        return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))

    return uuid


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def derived_ref(object_id: str) -> str:
    """An opaque ref made from the object's own uuid (its hex digits reversed): as unique as the uuid, and
    five times cheaper than a random one for the hundreds of thousands of VBDs and VIFs of a big estate."""
    digits = object_id.replace("-", "")[::-1]
    return "OpaqueRef:" + "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))


def base36(value: int, width: int = 0) -> str:
    digits = []
    while value:
        value, digit = divmod(value, 36)
        digits.append(_BASE36[digit])
    return "".join(reversed(digits)).rjust(width, "0") or "0"


class GenContext:
    def __init__(self, seed: int, inventory: Inventory, now_s: int) -> None:
        self.rng = random.Random(seed)
        self.inventory = inventory
        self.pools: list[PoolPlan] = []
        self.admin_user_id = ADMIN_ID
        self._task_ids: set[str] = set()
        self.uuid = uuid_factory(self.rng)
        # Objects added after the first version of the generator (devices, VIFs, VBDs, VDI snapshots…)
        # draw from their own stream, so every object the first version made keeps its ids and values.
        self.aux_rng = random.Random(f"xo-sim-aux-{seed}")
        self.aux_uuid = uuid_factory(self.aux_rng)
        self.now_s = now_s
        """The generated estate's "now": every timestamp is relative to it."""
        self.now_ms = now_s * 1000

    def ref(self) -> str:
        return "OpaqueRef:" + self.uuid()

    def aux_ref(self) -> str:
        return "OpaqueRef:" + self.aux_uuid()

    def task_id(self, created_ms: int) -> str:
        """Current XO task ids (CONTRACT-2 §7): creation ms in base 36 on 9 characters, `-`, a random
        base-36 suffix; so the task store's key order is chronological."""
        while True:
            task_id = f"{base36(created_ms, 9)}-{base36(self.rng.getrandbits(40))}"
            if task_id not in self._task_ids:
                self._task_ids.add(task_id)
                return task_id

    def xapi_identity(self, object_id: str, pool_id: str, aux: bool = False) -> JsonObject:
        """The keys every XAPI object ends with, in XO's order (`aux`: its ref from the second stream)."""
        ref = self.aux_ref() if aux else self.ref()
        return {"id": object_id, "uuid": object_id, "$pool": pool_id, "$poolId": pool_id, "_xapiRef": ref}
