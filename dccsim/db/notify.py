"""One connection per process that LISTENs on the simulator's channels and calls back per notification.

Notifications are how the processes on one database — on one host or on many — tell each other that
something changed (caches to empty, the clock moved, a job or a message queued). A notification sent while
the listening connection is broken is lost, so the listener reconnects by itself and tells its subscribers
both when it loses the connection (``on_lost``: trust nothing kept since, poll) and when it has it again
(``on_restored``: read again what may have changed meanwhile).
"""
from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

Callback = Callable[[int, str], None]      # (notifying backend's pid, payload)
StateCallback = Callable[[], Awaitable[None] | None]

RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)   # seconds between attempts to reconnect (the last repeats)


class Listener:
    """Subscriptions to PostgreSQL notification channels over one dedicated connection."""

    def __init__(self, url: str):
        self.url = url
        self._connection: asyncpg.Connection | None = None
        self._callbacks: dict[str, list[Callback]] = {}
        self._lost: list[StateCallback] = []
        self._restored: list[StateCallback] = []
        self._reconnecting: asyncio.Task | None = None
        self._closed = False

    async def start(self) -> bool:
        """Connect; False (and a warning) if notifications are unavailable — callers then poll."""
        try:
            await self._connect()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("notifications unavailable (%s); polling instead", exc)
            return False
        return True

    async def _connect(self) -> None:
        connection = await asyncpg.connect(self.url)
        for channel in self._callbacks:
            await connection.add_listener(channel, self._dispatch)
        connection.add_termination_listener(self._terminated)
        self._connection = connection

    @property
    def available(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def subscribe(self, channel: str, callback: Callback) -> None:
        if channel not in self._callbacks:
            self._callbacks[channel] = []
            if self.available:
                await self._connection.add_listener(channel, self._dispatch)
        self._callbacks[channel].append(callback)

    def on_lost(self, callback: StateCallback) -> None:
        """Call ``callback`` when the connection breaks (notifications stop until it is restored)."""
        self._lost.append(callback)

    def on_restored(self, callback: StateCallback) -> None:
        """Call ``callback`` when a broken connection is made again (notifications may have been missed)."""
        self._restored.append(callback)

    def _dispatch(self, _connection, pid: int, channel: str, payload: str) -> None:
        for callback in self._callbacks.get(channel, ()):
            try:
                callback(pid, payload)
            except Exception:  # noqa: BLE001 - one subscriber's failure must not silence the others
                log.exception("notification callback for %s failed", channel)

    def _terminated(self, _connection) -> None:
        if self._closed or self._reconnecting is not None:
            return
        log.warning("the notification connection to PostgreSQL broke; reconnecting")
        self._connection = None
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            await self._call(self._lost)
            attempt = 0
            while not self._closed:
                try:
                    await self._connect()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                    log.warning("notifications still unavailable (%s); trying again in %s s", exc, delay)
                    attempt += 1
                    await asyncio.sleep(delay)
                    continue
                log.info("notifications restored")
                await self._call(self._restored)
                return
        finally:
            self._reconnecting = None

    @staticmethod
    async def _call(callbacks: list[StateCallback]) -> None:
        for callback in callbacks:
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:  # noqa: BLE001 - every subscriber hears of it
                log.exception("notification state callback failed")

    async def close(self) -> None:
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            await asyncio.gather(self._reconnecting, return_exceptions=True)
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()
