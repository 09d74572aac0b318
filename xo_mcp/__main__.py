from xo_mcp.cli import main

raise SystemExit(main())
