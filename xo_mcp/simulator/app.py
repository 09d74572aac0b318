"""The simulator's ASGI application: /rest/v0 behind request logging and fault injection,
plus the private /_simulator control routes.

Fault injection sits at the very outside, where uvicorn's own `send` is still at hand: that is
what lets a dropped connection close the socket without any response.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import parse_qs

import anyio
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from xo_mcp.simulator.auth import auth_kind
from xo_mcp.simulator.control import control_routes
from xo_mcp.simulator.faults import Decision
from xo_mcp.simulator.render import JSON_TYPE, pretty_json
from xo_mcp.simulator.request_log import RequestRecord
from xo_mcp.simulator.rest import PREFIX, RestApi
from xo_mcp.simulator.state import SimulatorState

# xo-server's compression() middleware only compresses bodies of 1 KiB or more, at zlib's default level (6;
# starlette's default, 9, costs about twice the CPU for under 1 % smaller bodies).
_GZIP_MINIMUM = 1024
_GZIP_LEVEL = 6
_HELMET_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-dns-prefetch-control", b"off"),
]


def _is_rest_path(path: str) -> bool:
    lowered = path.lower()
    return lowered == PREFIX or lowered.startswith(PREFIX + "/")


class SimulatorApp(Starlette):
    def __init__(self, state: SimulatorState) -> None:
        super().__init__(routes=control_routes(state))
        self.sim_state = state
        self.stopping = threading.Event()
        """Set when the server shuts down: hung connections and task watches let go."""
        self.rest = GZipMiddleware(RestApi(state, self.stopping), minimum_size=_GZIP_MINIMUM, compresslevel=_GZIP_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_rest_path(scope["path"]):
            await super().__call__(scope, receive, send)
            return
        request = Request(scope)
        record = RequestRecord(
            method=scope["method"],
            path=scope["path"],
            query=parse_qs(request.url.query, keep_blank_values=True),
            auth=auth_kind(request.headers, request.cookies),
            client=request.headers.get("x-xo-client"),
        )
        decision = self.sim_state.faults.decide(scope["method"], scope["path"], self.sim_state.base_latency_ms)
        record.fault = decision.label
        self.sim_state.requests.append(record)
        if decision.latency_s > 0:
            await anyio.sleep(decision.latency_s)
        await self._answer(scope, receive, send, record, decision)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, record: RequestRecord, decision: Decision
    ) -> None:
        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                message["headers"] = [*message.get("headers", []), *_HELMET_HEADERS]
            await send(message)

        if decision.action == "drop":
            await _drop_connection(send)
        elif decision.action == "hang":
            if await self._hang(receive):
                await _drop_connection(send)
        elif decision.action == "status":
            await _send_body(recording_send, decision.status, decision.body, decision.content_type)
        elif decision.action == "truncate":
            # Truncate the plain body: drop Accept-Encoding so the prefix is readable, broken JSON.
            plain_scope = dict(scope)
            plain_scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
            await self.rest(plain_scope, receive, _Truncating(recording_send, decision.truncate))
        else:
            await self.rest(scope, receive, recording_send)

    async def _hang(self, receive: Receive) -> bool:
        """Wait until the client leaves (False) or the server stops (True)."""
        while not self.stopping.is_set():
            with anyio.move_on_after(0.05):
                message = await receive()
                if message["type"] == "http.disconnect":
                    return False
        return True


async def _send_body(send: Send, status: int, body: Any, content_type: str | None) -> None:
    if isinstance(body, bytes | str):
        payload = body.encode() if isinstance(body, str) else body
        media_type = content_type or "text/plain; charset=utf-8"
    else:
        payload = pretty_json(body)
        media_type = content_type or JSON_TYPE
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})


async def _drop_connection(send: Send) -> None:
    """Close the socket without a response (uvicorn's send is bound to the connection's cycle)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("simulated dropped connection")
    transport.close()
    # Let uvicorn notice the disconnection, so it does not try to answer 500 on a closed socket.
    for _ in range(200):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0.001)


class _Truncating:
    """Pass the response start, then only the first `keep` body bytes (half the body when negative)."""

    def __init__(self, send: Send, keep: int) -> None:
        self.send = send
        self.keep = keep
        self.start: Message | None = None
        self.body = bytearray()
        self.done = False

    async def __call__(self, message: Message) -> None:
        if self.done:
            return
        if message["type"] == "http.response.start":
            self.start = message
            return
        self.body += message.get("body", b"")
        more = message.get("more_body", False)
        if more and (self.keep < 0 or len(self.body) < self.keep):
            return
        payload = bytes(self.body[: self.keep] if self.keep >= 0 else self.body[: len(self.body) // 2])
        if payload.endswith(b"\n") and len(payload) < len(self.body):
            # A cut right after an NDJSON line would be a well-formed shorter answer that no client can
            # tell from a real one: truncation must break a value, as a dropped transfer does.
            payload = payload[:-2]
        assert self.start is not None
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(payload)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": payload, "more_body": False})
        self.done = True


def create_app(state: SimulatorState) -> SimulatorApp:
    """The ASGI app (a Starlette subclass) serving `state`; changes to the state apply at once."""
    return SimulatorApp(state)
