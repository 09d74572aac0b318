"""A small TCP round-robin load balancer on 127.0.0.1, for figure 10: each new connection goes to the next
backend in turn, bytes are copied both ways (an L4 balancer, as most are in front of replicas).

    python -m bench.rr_proxy --backend 127.0.0.1:8001 --backend 127.0.0.1:8002
    -> prints `listening on 127.0.0.1:<port>` on stdout, then serves until terminated.

On exit (SIGTERM) it prints how many connections each backend received.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
import sys
from collections import Counter
from collections.abc import Sequence

CHUNK = 65536


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.close()


async def serve(backends: Sequence[tuple[str, int]], port: int) -> None:
    turn = itertools.cycle(range(len(backends)))
    served: Counter[str] = Counter()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        host, backend_port = backends[next(turn)]
        served[f"{host}:{backend_port}"] += 1
        try:
            backend_reader, backend_writer = await asyncio.open_connection(host, backend_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, backend_writer), _pipe(backend_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    print(f"listening on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    print("connections: " + ", ".join(f"{backend}={count}" for backend, count in sorted(served.items())), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rr_proxy", description=__doc__)
    parser.add_argument("--backend", action="append", required=True, help="host:port, repeat for each replica")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    backends = [(value.rsplit(":", 1)[0], int(value.rsplit(":", 1)[1])) for value in options.backend]
    asyncio.run(serve(backends, options.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
