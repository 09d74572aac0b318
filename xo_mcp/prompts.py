"""The `infrastructure-overview` prompt (same name and intent as the official server's)."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from xo_mcp.state import AppState

OVERVIEW = """\
Give me an overview of my Xen Orchestra infrastructure.

1. Call get_infrastructure_summary for the counts of pools, hosts and VMs.
2. For each pool (list_pools gives the ids), call get_pool_dashboard and note hosts that are halted or
   disabled, storage repositories above 80% used, high RAM/CPU consumers, alarms and missing patches.
3. If something looks wrong, drill down with list_hosts, list_vms (filters such as power_state:Halted)
   or get_vm_details.

Answer with a short health report: the totals first, then one line per pool, then the problems found,
most urgent first, each with the object's name. Sizes are in bytes in the data; give them in GiB/TiB.
"""


def register(mcp: MCPServer[AppState]) -> None:
    @mcp.prompt(
        name="infrastructure-overview",
        title="Infrastructure overview",
        description="Overview of the Xen Orchestra infrastructure: totals, per-pool health and problems found.",
    )
    def infrastructure_overview() -> str:
        return OVERVIEW
