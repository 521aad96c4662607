"""Every in-process cache of the simulator, under one rule.

The rule, written once: a cached value stands for what PostgreSQL (or the credential store read from
it) held when it was read, until that changes. Each cache names the notification channels on which its
sources announce a committed change (statement triggers in ``schemas/migrations``); when one arrives, in
whichever process the change was made, the cache is emptied. The process that makes a change also
empties its own caches at once (``changed``), before and after the write and again when its
transaction commits, so that no read racing the write leaves a stale value behind. A value read while a
change was being made is not kept. Where notifications are not available (no listener, or its connection
broken until it is made again), nothing is kept for longer than ``ttl`` seconds.
"""
from __future__ import annotations

import time
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

from dccsim.db.notify import Listener

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Channels whose notifications mean "this source changed" (see schemas/migrations).
INVENTORY = "dccsim_inventory"          # devices, their parties, users, the CPL
DEVICE_FAULTS = "dccsim_device_faults"  # faults set on devices at run time
SMKI = "dccsim_smki"                    # credentials issued, imported or tracked

# Without notifications a cached value is re-read after this long.
FALLBACK_TTL = 1.0
# A cache of something per device keeps at most this many (a large estate's devices do not all fit; the
# oldest kept goes first).
PER_DEVICE = 10_000


class Cache(Generic[K, V]):
    """Values by key, emptied whenever one of ``channels`` announces a change (see the module docstring)."""

    def __init__(self, name: str, channels: tuple[str, ...], *, ttl: float = FALLBACK_TTL,
                 max_entries: int | None = None):
        self.name = name
        self.channels = channels
        self.ttl = ttl
        self.max_entries = max_entries
        self.watched = False            # True once every change of its sources reaches it
        self.generation = 0
        self._entries: dict[K, tuple[float, V]] = {}
        self._on_clear: list[Callable[[], None]] = []

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        for callback in self._on_clear:
            callback()

    def on_clear(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever the cache is emptied (something derived from its values goes too)."""
        self._on_clear.append(callback)

    def peek(self, key: K) -> V | None:
        hit = self._entries.get(key)
        if hit is None or (not self.watched and time.monotonic() - hit[0] >= self.ttl):
            return None
        return hit[1]

    def put(self, key: K, value: V, generation: int) -> None:
        """Keep ``value`` unless the cache was emptied since ``generation`` (when its read began)."""
        if generation == self.generation:
            self._entries[key] = (time.monotonic(), value)
            if self.max_entries is not None and len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]

    def discard(self, key: K) -> None:
        """Forget the value kept for ``key`` (this process changed what it was built from)."""
        self._entries.pop(key, None)

    def derived(self, key: K, build: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``build()`` (from what this process holds in memory) kept from now."""
        generation = self.generation
        value = self.peek(key)
        if value is None:
            value = build()
            self.put(key, value, generation)
        return value

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        hit = self._entries.get(key)
        if hit is not None and (self.watched or time.monotonic() - hit[0] < self.ttl):
            return hit[1]
        generation = self.generation
        value = await load()
        self.put(key, value, generation)
        return value


class Caches:
    """The process's caches, wired to its notification listener."""

    def __init__(self) -> None:
        self._caches: list[Cache] = []

    def add(self, cache: Cache) -> Cache:
        self._caches.append(cache)
        return cache

    async def watch(self, listener: Listener) -> None:
        """Empty each cache on its channels' notifications; without a listener, fall back to ``ttl``. While the
        listener's connection is broken a change made elsewhere goes unheard: the caches fall back to ``ttl``
        then, and are emptied when it is restored."""
        for cache in self._caches:
            for channel in cache.channels:
                await listener.subscribe(channel, lambda _pid, _payload, cache=cache: cache.clear())
            cache.watched = listener.available
        listener.on_lost(lambda: self._watched(False))
        listener.on_restored(lambda: self._watched(True))

    def _watched(self, watched: bool) -> None:
        for cache in self._caches:
            cache.clear()
            cache.watched = watched

    def changed(self, channel: str) -> None:
        """This process changed a source announced on ``channel``: empty its caches now."""
        for cache in self._caches:
            if channel in cache.channels:
                cache.clear()
