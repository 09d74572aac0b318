"""The simulator's users: XO's default admin account, and a viewer limited to the first pool.

Fixed tokens so demos and tests can print and reuse them.
"""

from __future__ import annotations

ADMIN_USERNAME = "admin@admin.net"
ADMIN_PASSWORD = "admin"
ADMIN_TOKEN = "sim-admin-token-0123456789"
ADMIN_ID = "a5e8c2f4-6d1b-4e7a-9c3f-0b2d4e6f8a10"

VIEWER_USERNAME = "viewer@example.net"
VIEWER_PASSWORD = "viewer"
VIEWER_TOKEN = "sim-viewer-token-0123456789"
VIEWER_ID = "b7f9d3a5-8e2c-4f6b-a1d4-1c3e5a7b9d20"
