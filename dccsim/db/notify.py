"""One connection per process that LISTENs on the simulator's channels and calls back per notification."""
from __future__ import annotations

import logging
from typing import Callable

import asyncpg

log = logging.getLogger(__name__)

Callback = Callable[[int, str], None]      # (notifying backend's pid, payload)


class Listener:
    """Subscriptions to PostgreSQL notification channels over one dedicated connection."""

    def __init__(self, url: str):
        self.url = url
        self._connection: asyncpg.Connection | None = None
        self._callbacks: dict[str, list[Callback]] = {}

    async def start(self) -> bool:
        """Connect; False (and a warning) if notifications are unavailable — callers then poll."""
        try:
            self._connection = await asyncpg.connect(self.url)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("notifications unavailable (%s); polling instead", exc)
            return False
        return True

    @property
    def available(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def subscribe(self, channel: str, callback: Callback) -> None:
        if self._connection is None:
            return
        if channel not in self._callbacks:
            self._callbacks[channel] = []
            await self._connection.add_listener(channel, self._dispatch)
        self._callbacks[channel].append(callback)

    def _dispatch(self, _connection, pid: int, channel: str, payload: str) -> None:
        for callback in self._callbacks.get(channel, ()):
            try:
                callback(pid, payload)
            except Exception:  # noqa: BLE001 - one subscriber's failure must not silence the others
                log.exception("notification callback for %s failed", channel)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
