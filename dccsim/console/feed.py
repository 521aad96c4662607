"""Wake-ups for the console's event streams: one subscription per process to the notifications that say the
message log or the outbox has new rows (from any worker), fanned out to every open stream."""
from __future__ import annotations

import asyncio

from dccsim.db.notify import Listener
from dccsim.delivery.outbox import CHANNEL as OUTBOX_CHANNEL

__all__ = ["CONSOLE_CHANNEL", "Feed"]

CONSOLE_CHANNEL = "dccsim_console"       # migration 0011: a batch was written to the message log
POLL = 1.0                                # seconds between reads when notifications are unavailable
QUIET = 15.0                              # seconds between reads (and keep-alives) when they are available


class Feed:
    """Streams wait here for the next notification (or, without notifications, for the next poll)."""

    def __init__(self, listener: Listener):
        self._listener = listener
        self._subscribed = False
        self._waiting: set[asyncio.Event] = set()
        self.closing = False

    async def start(self) -> None:
        if self._subscribed:
            return
        self._subscribed = True
        await self._listener.subscribe(CONSOLE_CHANNEL, self._notified)
        await self._listener.subscribe(OUTBOX_CHANNEL, self._notified)

    def _notified(self, _pid: int, _payload: str) -> None:
        for event in self._waiting:
            event.set()

    async def close(self, _app=None) -> None:
        """The server is stopping: every stream ends now rather than hold the shutdown up."""
        self.closing = True
        self._notified(0, "")

    def waiter(self) -> asyncio.Event:
        """An event set at the next notification; ``done`` with it when the stream has looked."""
        event = asyncio.Event()
        self._waiting.add(event)
        return event

    def done(self, event: asyncio.Event) -> None:
        self._waiting.discard(event)

    @property
    def interval(self) -> float:
        return QUIET if self._listener.available else POLL
