"""Build the offline XO documentation index (same as `xo-mcp index`); `--help` lists the sources."""

from __future__ import annotations

import sys

from xo_mcp.docs.build import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
