"""The message log: every DUIS message in and out, and every GBCS frame, by RequestID.

Requests, synchronous answers and GBCS frames are queued in memory and written in batches off the
request path (one COPY per batch). Asynchronous messages (Responses, alerts) are not copied here: their
outbox row, written in the transaction that caused them, is their record, and each delivery attempt adds
a ``delivery-attempt`` line with its HTTP status or error. ``messages_for`` merges both.

RequestIDs are stored in one canonical form (``dccsim.duis.ids.canonical_request_id``), so a lookup finds
a request whichever way its IDs were written. Times are the simulator's clock.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg

from dccsim.duis.ids import canonical_request_id
from dccsim.timing.clock import Clock

log = logging.getLogger(__name__)

_COLUMNS = ("at", "request_id", "direction", "kind", "user_id", "http_status", "response_code", "body")


class MessageLog:
    """Queues log rows and writes them with one COPY per batch."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, *, batch: int = 500, interval: float = 0.02):
        self._pool = pool
        self._clock = clock
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
        self._rows.append((self._clock.now(), canonical_request_id(request_id), direction, kind, user_id,
                           http_status, response_code, body))
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


_MESSAGES = """
SELECT at, request_id, direction, kind, user_id, http_status, response_code, body, NULL::bigint AS outbox_id,
       NULL::text AS status, id AS log_id
FROM message_log WHERE request_id = $1
UNION ALL
SELECT created_at, request_id, 'out', kind, user_id, NULL, NULL, body, id, status, NULL
FROM outbox WHERE request_id = $1
ORDER BY 1, 11
"""


async def messages_for(conn, request_id: str) -> list[dict[str, Any]]:
    """Everything logged for a request, oldest first: the exchange, GBCS frames, outgoing messages (with
    their delivery status) and delivery attempts."""
    rows = await conn.fetch(_MESSAGES, canonical_request_id(request_id))
    found = []
    for r in rows:
        entry = {"at": r["at"].isoformat(), "request_id": r["request_id"], "direction": r["direction"],
                 "kind": r["kind"], "user_id": r["user_id"], "http_status": r["http_status"],
                 "response_code": r["response_code"], "body": r["body"]}
        if r["outbox_id"] is not None:
            entry["outbox_id"] = r["outbox_id"]
            entry["delivery_status"] = r["status"]
        found.append(entry)
    return found
