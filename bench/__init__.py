"""`make bench`: xo-mcp measured side by side with the official `@xen-orchestra/mcp`, plus load and fault soaks.

Run with ``python -m bench`` (``make bench``). Every figure is measured in the same run for both servers,
against the project's simulator on 127.0.0.1; ratios are computed pair by pair; nothing asserts a time.
"""

from __future__ import annotations
