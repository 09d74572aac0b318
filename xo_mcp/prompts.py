"""The `infrastructure-overview` prompt (same name and intent as the official server's)."""

from __future__ import annotations

from collections.abc import Set

from mcp.server.mcpserver import MCPServer

from xo_mcp.state import AppState

OVERVIEW = """\
Give me an overview of my Xen Orchestra infrastructure.

1. Call get_infrastructure_summary for the counts of pools, hosts and VMs.
2. For each pool (list_pools gives the ids), call get_pool_dashboard and note hosts that are halted or
   disabled, storage repositories above 80% used, high RAM/CPU consumers, alarms and missing patches.{health}
3. If something looks wrong, drill down with list_hosts, list_vms (filters such as power_state:Halted)
   or get_vm_details.

Answer with a short health report: the totals first, then one line per pool, then the problems found,
most urgent first, each with the object's name. Sizes are in bytes in the data; give them in GiB/TiB.
"""
HEALTH_STEP = "\n   Call get_health_report once for XO's Health checklist over the whole estate."
BACKUP_STEP = "\n   Call get_backup_status for failed backup jobs and unprotected VMs."


OVERVIEW_TOOLS = frozenset(
    {"get_infrastructure_summary", "list_pools", "get_pool_dashboard", "list_hosts", "list_vms", "get_vm_details"}
)
"""The tools the overview prompt names: it is offered only when all of them are exposed."""


def register(mcp: MCPServer[AppState], tools: Set[str]) -> None:
    """Register the prompts whose steps the exposed ``tools`` can carry out."""
    if not tools >= OVERVIEW_TOOLS:
        return
    # The optional steps are said only when their tools are exposed (XO_MCP_TOOLSETS).
    extra = (HEALTH_STEP if "get_health_report" in tools else "") + (
        BACKUP_STEP if "get_backup_status" in tools else ""
    )
    text = OVERVIEW.format(health=extra)

    @mcp.prompt(
        name="infrastructure-overview",
        title="Infrastructure overview",
        description="Overview of the Xen Orchestra infrastructure: totals, per-pool health and problems found.",
    )
    def infrastructure_overview() -> str:
        return text
