"""The message log: every DUIS message in and out, written in batches off the request path."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

import asyncpg

log = logging.getLogger(__name__)

_COLUMNS = ("at", "request_id", "direction", "kind", "user_id", "http_status", "response_code", "body")


class MessageLog:
    """Queues log rows and writes them with one COPY per batch."""

    def __init__(self, pool: asyncpg.Pool, *, batch: int = 500, interval: float = 0.02):
        self._pool = pool
        self._rows: list[tuple] = []
        self._batch = batch
        self._interval = interval
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="message-log-writer")

    def add(self, *, request_id: str | None, direction: str, kind: str, body: str, user_id: str | None = None,
            http_status: int | None = None, response_code: str | None = None) -> None:
        self._rows.append((datetime.now(timezone.utc), request_id, direction, kind, user_id, http_status,
                           response_code, body))
        if len(self._rows) >= self._batch:
            self._wakeup.set()

    async def record_exchange(self, *, request_id: str | None, user_id: str | None, request: str,
                              response: str, http_status: int, response_code: str | None) -> None:
        """A request and the synchronous answer to it."""
        self.add(request_id=request_id, direction="in", kind="request", body=request, user_id=user_id)
        self.add(request_id=request_id, direction="out", kind="response", body=response, user_id=user_id,
                 http_status=http_status, response_code=response_code)
        if self._task is None:
            await self.flush()

    async def flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            async with self._pool.acquire() as conn:
                await conn.copy_records_to_table("message_log", records=rows, columns=_COLUMNS)
        except Exception:  # noqa: BLE001 - keep the rows for the next attempt
            log.exception("message log write failed; will retry")
            self._rows[:0] = rows

    async def _run(self) -> None:
        while not self._closing:
            try:
                await asyncio.wait_for(self._wakeup.wait(), self._interval)
            except asyncio.TimeoutError:
                pass
            self._wakeup.clear()
            await self.flush()

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()
