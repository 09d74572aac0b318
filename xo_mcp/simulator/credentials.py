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

# Secrets XO itself hands out in its answers (CONTRACT-2 §5, §8; spec examples): a backup repository
# URL whose userinfo XO does not obfuscate (an NFS URL), a proxy URL carrying its token, a user's TOTP
# secret in `preferences.otp`. Distinctive so tests can prove a client never passes them on.
REMOTE_URL_PASSWORD = "remote-canary-7f3a91c2"
PROXY_URL_TOKEN = "proxy-canary-0d5e8b44"
USER_OTP_SECRET = "SIMOTPCANARYJBSWY3DPEHPK3PXP"
