"""Ground truth read straight from the simulator's REST API, to check that answers carry the right facts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx

WEB_FILTER = "power_state:Running name_label:web*"


@dataclass(frozen=True)
class Truth:
    pools: list[dict[str, Any]]
    hosts: list[dict[str, Any]]
    vms: list[dict[str, Any]]

    @property
    def running(self) -> list[dict[str, Any]]:
        return [vm for vm in self.vms if vm.get("power_state") == "Running"]

    @property
    def running_web(self) -> list[dict[str, Any]]:
        """What ``WEB_FILTER`` matches: XO globs are unanchored and case-insensitive (`web*` ≈ contains "web")."""
        return [vm for vm in self.running if "web" in str(vm.get("name_label", "")).lower()]

    @property
    def pool(self) -> dict[str, Any]:
        """The pool P of the questions: the one with the most VMs."""
        counts = {pool["id"]: 0 for pool in self.pools}
        for vm in self.vms:
            if vm.get("$pool") in counts:
                counts[vm["$pool"]] += 1
        best = max(counts, key=lambda pool_id: counts[pool_id])
        return next(pool for pool in self.pools if pool["id"] == best)

    @property
    def vm(self) -> dict[str, Any]:
        """The VM V of the questions: the median running VM by name (deterministic for a seed)."""
        ordered = sorted(self.running or self.vms, key=lambda vm: str(vm.get("name_label")))
        return ordered[math.floor(len(ordered) / 2)]

    def vms_of_pool(self, pool_id: str) -> list[dict[str, Any]]:
        return [vm for vm in self.vms if vm.get("$pool") == pool_id]


def read_truth(url: str, token: str) -> Truth:
    headers = {"Cookie": f"authenticationToken={token}"}
    with httpx.Client(base_url=url + "/rest/v0", headers=headers, timeout=120) as http:

        def get(collection: str, fields: str) -> list[dict[str, Any]]:
            response = http.get(f"/{collection}", params={"fields": fields})
            response.raise_for_status()
            data = response.json()
            assert isinstance(data, list)
            return [item for item in data if isinstance(item, dict)]

        return Truth(
            pools=get("pools", "id,name_label"),
            hosts=get("hosts", "id,name_label,power_state"),
            vms=get("vms", "id,name_label,power_state,$pool"),
        )
