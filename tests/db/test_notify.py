"""The notification listener on a real PostgreSQL: when its connection is cut it says so, connects again by
itself, hears its channels again, and the caches it feeds neither keep what they held nor trust themselves
while it could not hear."""
from __future__ import annotations

import asyncio

import asyncpg

from dccsim.db.cache import INVENTORY, Cache, Caches
from dccsim.db.notify import Listener


async def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_listener_whose_connection_is_cut_reconnects_and_hears_again(fresh_database_url):
    listener = Listener(fresh_database_url)
    assert await listener.start()
    heard: list[str] = []
    states: list[str] = []
    await listener.subscribe(INVENTORY, lambda _pid, payload: heard.append(payload))
    listener.on_lost(lambda: states.append("lost"))
    listener.on_restored(lambda: states.append("restored"))
    caches = Caches()
    cache: Cache[str, int] = caches.add(Cache("numbers", (INVENTORY,)))
    await caches.watch(listener)
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await conn.execute("SELECT pg_notify($1, 'before')", INVENTORY)
        await _wait_for(lambda: heard == ["before"])
        assert await cache.get("a", _one) == 1 and cache.watched

        await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                           "AND datname = current_database() AND query LIKE 'LISTEN%'")
        await _wait_for(lambda: states == ["lost", "restored"])
        assert listener.available and cache.watched
        assert cache.peek("a") is None, "what was kept before the cut may have changed unheard"

        await conn.execute("SELECT pg_notify($1, 'after')", INVENTORY)
        await _wait_for(lambda: heard == ["before", "after"])
    finally:
        await conn.close()
        await listener.close()
    assert states == ["lost", "restored"], "closing the listener is not a lost connection"


async def _one() -> int:
    return 1
