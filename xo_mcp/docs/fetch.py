"""Concurrent HTTP downloads with retries, for the index build (never used by the server)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import anyio
import httpx

from xo_mcp import __version__

USER_AGENT = f"xo-mcp/{__version__} (documentation index build)"
ATTEMPTS = 4
FIRST_BACKOFF_S = 0.5
TIMEOUT_S = 30.0
CONCURRENCY = 8
_RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class DownloadError(Exception):
    """A download failed after its retries; the message names the URL and the reason."""


def download(url: str, headers: Mapping[str, str] | None = None) -> bytes:
    """One URL's body; raises DownloadError (a 404 included)."""
    found = download_many([url], headers=headers)[url]
    if found is None:
        raise DownloadError(f"{url}: not found (HTTP 404)")
    return found


def download_many(
    urls: Sequence[str],
    *,
    headers: Mapping[str, str] | None = None,
    concurrency: int = CONCURRENCY,
    on_done: Callable[[], None] = lambda: None,
) -> dict[str, bytes | None]:
    """Every URL's body, None for a 404 (a page that no longer exists); DownloadError for other failures."""
    try:
        return anyio.run(_download_all, list(urls), dict(headers or {}), concurrency, on_done)
    except BaseExceptionGroup as group:
        matched, _ = group.split(DownloadError)
        if matched is None:
            raise
        raise _first_leaf(matched) from None


def _first_leaf(group: BaseExceptionGroup[DownloadError]) -> DownloadError:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


async def _download_all(
    urls: list[str], headers: dict[str, str], concurrency: int, on_done: Callable[[], None]
) -> dict[str, bytes | None]:
    results: dict[str, bytes | None] = {}
    limiter = anyio.CapacityLimiter(concurrency)

    async def one(client: httpx.AsyncClient, url: str) -> None:
        async with limiter:
            results[url] = await _get(client, url)
        on_done()

    async with (
        httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, **headers}, timeout=TIMEOUT_S, follow_redirects=True
        ) as client,
        anyio.create_task_group() as group,
    ):
        for url in urls:
            group.start_soon(one, client, url)
    return results


async def _get(client: httpx.AsyncClient, url: str) -> bytes | None:
    reason = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            await anyio.sleep(FIRST_BACKOFF_S * 2 ** (attempt - 1))
        try:
            response = await client.get(url)
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            continue
        if response.status_code == 404:
            return None
        if response.status_code in _RETRIED_STATUSES:
            reason = f"HTTP {response.status_code}"
            continue
        if response.is_error:
            raise DownloadError(f"{url}: HTTP {response.status_code}")
        return response.content
    raise DownloadError(f"{url}: {reason} (after {ATTEMPTS} attempts)")
