"""`xo-mcp demo`: the real stdio server against the simulator, asked the questions an admin would ask.

It starts the XO simulator in this process on a free loopback port, launches `xo-mcp` as a subprocess
talking MCP over stdio (exactly as Claude Desktop would), and prints every tool call and its answer.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, TextContent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="xo-mcp demo", description=__doc__)
    parser.add_argument("--seed", type=int, default=7, help="inventory seed (default 7)")
    parser.add_argument("--vms", type=int, default=60, help="number of simulated VMs (default 60)")
    parser.add_argument("--pools", type=int, default=2, help="number of simulated pools (default 2)")
    options = parser.parse_args(argv)

    from xo_mcp.simulator.generator import generate_inventory
    from xo_mcp.simulator.runner import run_simulator
    from xo_mcp.simulator.state import SimulatorState

    # Today's clock: backup runs, snapshots and alarms are as recent as in a live estate.
    inventory = generate_inventory(
        seed=options.seed, pools=options.pools, hosts_per_pool=3, vms=options.vms, now=time.time()
    )
    with run_simulator(SimulatorState(inventory=inventory)) as sim:
        print(f"Simulated Xen Orchestra at {sim.url} ({options.vms} VMs, {options.pools} pools)\n")
        env = {**os.environ, "XO_URL": sim.url, "XO_TOKEN": sim.admin_token}
        env.pop("XO_USERNAME", None)
        env.pop("XO_PASSWORD", None)
        server = StdioServerParameters(command=sys.executable, args=["-m", "xo_mcp"], env=env)
        anyio.run(_walk_through, server)
    return 0


async def _walk_through(server: StdioServerParameters) -> None:
    async with Client(server) as client:
        tools = await client.list_tools()
        print("Tools:", ", ".join(tool.name for tool in tools.tools))
        prompts = await client.list_prompts()
        print("Prompts:", ", ".join(prompt.name for prompt in prompts.prompts), "\n")

        await _ask(client, "Can you reach my Xen Orchestra?", "check_connection", {})
        await _ask(client, "How many VMs are running?", "get_infrastructure_summary", {})
        pools = await _ask(client, "List my pools", "list_pools", {})
        pool_id = _first_id(pools)
        if pool_id:
            await _ask(client, "How is my first pool doing?", "get_pool_dashboard", {"pool_id": pool_id})
        running = await _ask(
            client,
            "Which web VMs are running?",
            "list_vms",
            {"filter": "power_state:Running name_label:web*", "limit": 5},
        )
        vm_id = _first_id(running)
        if vm_id:
            await _ask(client, "Tell me about that VM", "get_vm_details", {"vm_id": vm_id})
        await _ask(client, "Is anything wrong with my infrastructure?", "get_health_report", {})
        await _ask(client, "Are my backups OK, and which VMs are not protected?", "get_backup_status", {})
        await _ask(
            client, "Why did backups fail last night?", "list_backup_runs", {"status": "failure", "since_hours": 24}
        )
        await _ask(client, "Which storage is almost full?", "list_srs", {"limit": 5})
        await _ask(client, "What if I ask for a VM that does not exist?", "get_vm_details", {"vm_id": "no-such-vm"})
        await _ask(
            client,
            "How do I restore a VM from a backup?",
            "search_documentation",
            {"topic": "backups", "query": "restore a VM from a backup"},
        )


async def _ask(client: Client, question: str, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    print(f"Q: {question}")
    print(f"-> {tool}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})")
    result = await client.call_tool(tool, arguments)
    text = "\n".join(block.text for block in result.content if isinstance(block, TextContent))
    marker = "ERROR " if result.is_error else ""
    print(textwrap.indent(f"{marker}{text}", "   "), "\n")
    return result


def _first_id(result: CallToolResult) -> str | None:
    items = (result.structured_content or {}).get("items") or []
    first = items[0] if items else None
    return str(first["id"]) if isinstance(first, dict) and "id" in first else None
