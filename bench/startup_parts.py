"""Where our start-up goes beyond the SDK, timed in a fresh interpreter: run as a script, prints JSON.

Parts, in the order the server does them: importing the SDK, importing our modules, ``build_server``
(settings are already parsed; tool registration builds pydantic models per tool), and the lifespan's
``XoClient`` construction.
"""

from __future__ import annotations

import json
import time


def main() -> None:
    marks = [time.perf_counter()]
    import mcp.server.mcpserver  # noqa: F401

    marks.append(time.perf_counter())
    from xo_mcp.client import XoClient
    from xo_mcp.config import load_settings
    from xo_mcp.logs import configure_logging  # noqa: F401
    from xo_mcp.server import build_server

    marks.append(time.perf_counter())
    settings = load_settings({"XO_URL": "http://127.0.0.1:9", "XO_TOKEN": "bench"})
    build_server(settings)
    marks.append(time.perf_counter())
    XoClient(settings)
    marks.append(time.perf_counter())
    names = ("sdk_import_ms", "our_imports_ms", "build_server_ms", "xo_client_ms")
    print(json.dumps({name: (marks[i + 1] - marks[i]) * 1000 for i, name in enumerate(names)}))


if __name__ == "__main__":
    main()
