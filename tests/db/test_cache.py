"""The one cache rule: a value is kept until its source changes; a read racing a change is not kept; without
notifications nothing is kept longer than its ttl."""
from __future__ import annotations

import asyncio

from dccsim.db.cache import INVENTORY, SMKI, Cache, Caches


async def test_a_value_is_kept_until_its_source_changes():
    caches = Caches()
    cache: Cache[str, int] = caches.add(Cache("numbers", (INVENTORY,)))
    cache.watched = True
    reads = []

    async def load() -> int:
        reads.append(1)
        return len(reads)

    assert await cache.get("a", load) == 1
    assert await cache.get("a", load) == 1
    caches.changed(SMKI)                 # another source: kept
    assert await cache.get("a", load) == 1
    caches.changed(INVENTORY)
    assert await cache.get("a", load) == 2


async def test_a_value_read_while_its_source_changed_is_not_kept():
    cache: Cache[str, int] = Cache("numbers", (INVENTORY,))
    cache.watched = True
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> int:
        started.set()
        await release.wait()
        return 1

    reading = asyncio.create_task(cache.get("a", slow))
    await started.wait()
    cache.clear()                        # the source changed while the value was on its way
    release.set()
    assert await reading == 1
    assert cache.peek("a") is None


async def test_without_notifications_a_value_lives_at_most_its_ttl():
    cache: Cache[str, int] = Cache("numbers", (INVENTORY,), ttl=0.05)
    calls = []

    async def load() -> int:
        calls.append(1)
        return len(calls)

    assert await cache.get("a", load) == 1
    assert await cache.get("a", load) == 1
    await asyncio.sleep(0.06)
    assert await cache.get("a", load) == 2


async def test_what_is_derived_from_a_cache_goes_with_it():
    cache: Cache[str, int] = Cache("numbers", (SMKI,))
    gone = []
    cache.on_clear(lambda: gone.append(True))
    cache.clear()
    assert gone == [True]


async def test_a_bounded_cache_keeps_the_latest_values_and_reads_a_forgotten_one_again():
    cache: Cache[str, str] = Cache("per device", (INVENTORY,), max_entries=2)
    cache.watched = True
    reads = []

    async def load(key: str) -> str:
        reads.append(key)
        return key.upper()

    for key in ("a", "b", "c", "b"):
        assert await cache.get(key, lambda key=key: load(key)) == key.upper()
    assert reads == ["a", "b", "c"]
    assert await cache.get("a", lambda: load("a")) == "A" and reads[-1] == "a"
    cache.discard("c")
    assert cache.peek("c") is None and cache.peek("a") == "A"
