"""Hatch build hook: ship the built documentation index (and the manifest) inside the packages.

The index is a build artefact (git-ignored), so it is force-included when it exists: in the wheel at
`xo_mcp/_docs_index` (where the server looks first) and in the sdist at its checkout place, from which a
wheel built out of the sdist picks it up. Without an index, the build goes on with a warning, and the
installed server explains how to build one. Editable installs read docs_corpus/ in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DocsIndexHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        corpus = Path(self.root) / "docs_corpus"
        index = corpus / "index"
        built = (index / ".built").is_file()
        if self.target_name == "wheel":
            build_data["force_include"][str(corpus / "topics.toml")] = "xo_mcp/docs/topics.toml"
            if built:
                build_data["force_include"][str(index)] = "xo_mcp/_docs_index"
        elif self.target_name == "sdist" and built:
            build_data["force_include"][str(index)] = "docs_corpus/index"
        if not built and self.target_name in ("wheel", "sdist"):
            self.app.display_warning(
                f"{index} holds no built documentation index: this {self.target_name} will not include one "
                "(run `make index` first, as `make dist` does)."
            )
