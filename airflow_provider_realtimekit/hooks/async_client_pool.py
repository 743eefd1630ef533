"""One ``httpx.AsyncClient`` per (event loop, base URL, token), shared by every async hook of that loop.

Why: building an ``httpx.AsyncClient`` loads the certificate store into a fresh TLS context, which took
0.35 to 1.8 s of CPU on a loaded 2-core machine. Done inside ``async def`` by thirty triggers starting at
once, that blocked the triggerer's event loop ("Triggerer's async thread was blocked ... likely caused by
a badly-written trigger", issue #14.7). So the pool builds each client once, in a worker thread
(``asyncio.to_thread``: the client needs no loop until its first request), and hands the same client to
every hook of that loop with the same base URL and token. The client is closed when its last user leaves.
The same worker thread imports what httpx's first request would otherwise import on the loop
(:data:`FIRST_REQUEST_MODULES`): on Airflow 3.1, where the triggerer had not loaded anyio's asyncio backend,
that import blocked the loop for 0.95 and 1.49 s in the e2e deployment (py-spy stacks, issue #14.7).

Clients are never shared across event loops: an httpx client's connections belong to the loop that
opened them. The registry is weak on the loop, so a finished loop (a test, a new process) leaves nothing
behind. Per-request settings (timeouts) are passed with each request, not baked into the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import weakref
from dataclasses import dataclass, field

import httpx

from airflow_provider_realtimekit.api import ClientSettings


def client_key(settings: ClientSettings) -> tuple[str, str]:
    """
    What makes two connections share a client: the base URL and a digest of the token (never the token).

    :param settings: the checked connection.
    """
    return settings.base_url, hashlib.sha256(settings.token.encode()).hexdigest()


@dataclass
class _PooledClient:
    ready: asyncio.Future[httpx.AsyncClient]
    users: int = 0


@dataclass
class _LoopPool:
    clients: dict[tuple[str, str], _PooledClient] = field(default_factory=dict)


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopPool] = weakref.WeakKeyDictionary()


#: Modules httpx (through httpcore and anyio) imports lazily during the first request of a process: the
#: connection backend, and anyio's asyncio backend (``anyio.get_async_backend()`` imports it by this name).
FIRST_REQUEST_MODULES = ("httpcore._backends.anyio", "anyio._backends._asyncio")


def _build_client(settings: ClientSettings, user_agent: str) -> httpx.AsyncClient:
    # Runs in a worker thread: creating the TLS context (certificate loading) is the slow, blocking part,
    # and the imports of the first request come along (a missing one only costs its import there).
    for name in FIRST_REQUEST_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    return httpx.AsyncClient(
        base_url=settings.base_url,
        headers={"User-Agent": user_agent, "Accept": "application/json", **settings.authorization},
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )


async def acquire_client(settings: ClientSettings, user_agent: str) -> httpx.AsyncClient:
    """
    The shared client of this loop for ``settings``' base URL and token; built off the loop on first use.
    Every call must be paired with :func:`release_client`.

    :param settings: the checked connection.
    :param user_agent: the User-Agent header.
    """
    pool = _POOLS.setdefault(asyncio.get_running_loop(), _LoopPool())
    key = client_key(settings)
    pooled = pool.clients.get(key)
    if pooled is None:
        pooled = _PooledClient(ready=asyncio.ensure_future(asyncio.to_thread(_build_client, settings, user_agent)))
        pool.clients[key] = pooled
    pooled.users += 1
    try:
        # shield: one cancelled user must not cancel the build the others wait for.
        return await asyncio.shield(pooled.ready)
    except BaseException:
        await release_client(settings)
        raise


async def release_client(settings: ClientSettings) -> None:
    """
    Give back a client taken with :func:`acquire_client`; the last user closes it.

    :param settings: the same settings it was acquired with.
    """
    pool = _POOLS.get(asyncio.get_running_loop())
    key = client_key(settings)
    pooled = pool.clients.get(key) if pool is not None else None
    if pool is None or pooled is None:
        return
    pooled.users -= 1
    if pooled.users > 0:
        return
    del pool.clients[key]
    try:
        client = await pooled.ready
    except Exception:  # the build itself failed; nothing to close
        return
    await client.aclose()


def clients_open() -> int:
    """How many pooled clients this loop holds (tests and benchmarks read it)."""
    pool = _POOLS.get(asyncio.get_running_loop())
    return 0 if pool is None else len(pool.clients)
