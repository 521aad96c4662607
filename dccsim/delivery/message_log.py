"""The message log: every DUIS message in and out, and every GBCS frame, by RequestID.

Requests, synchronous answers and GBCS frames are queued in memory and written in batches off the
request path (one COPY per batch). Asynchronous messages (Responses, alerts) are not copied here: their
outbox row, written in the transaction that caused them, is their record, and each delivery attempt adds
a ``delivery-attempt`` line with its HTTP status or error. ``messages_for`` merges both.

RequestIDs are stored in one canonical form (``dccsim.duis.ids.canonical_request_id``), so a lookup finds
a request whichever way its IDs were written. Times are the simulator's clock.

No input can stop the log: a body is stored as text with any NUL character (which PostgreSQL text cannot
hold) written as ``\x00``; a batch the database refuses is written row by row, and a row it still refuses
is written with a note in place of its body; while the database cannot be reached the rows wait in memory,
at most ``max_queued`` of them (the oldest go first, and the log says how many).
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
# A row the database (or the encoding on the way to it) refuses for what it holds.
_REFUSED = (asyncpg.DataError, UnicodeError)


class MessageLog:
    """Queues log rows and writes them with one COPY per batch."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, *, batch: int = 500, interval: float = 0.02,
                 max_queued: int = 50_000):
        self._pool = pool
        self._clock = clock
        self._max_queued = max_queued
        self.dropped = 0
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
                           http_status, response_code, storable(body)))
        if len(self._rows) > self._max_queued:
            excess = len(self._rows) - self._max_queued
            del self._rows[:excess]
            self.dropped += excess
            log.warning("message log: %d rows waiting for the database; the oldest %d were dropped "
                        "(%d in all)", self._max_queued, excess, self.dropped)
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
                try:
                    await conn.copy_records_to_table("message_log", records=rows, columns=_COLUMNS)
                except _REFUSED:
                    await self._row_by_row(conn, rows)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("message log write failed (%s); the rows wait for the next attempt", exc)
            self._rows[:0] = rows[-self._max_queued:]

    async def _row_by_row(self, conn, rows: list[tuple]) -> None:
        """A batch the database refused: each row on its own, a refused one with a note for its body."""
        for row in rows:
            try:
                await conn.copy_records_to_table("message_log", records=[row], columns=_COLUMNS)
            except _REFUSED as exc:
                note = f"(the body of this message could not be stored: {type(exc).__name__}: {exc})"
                log.warning("message log: a %s row for %s could not be stored (%s); kept with a note",
                            row[3], row[1], exc)
                try:
                    await conn.copy_records_to_table("message_log", records=[(*row[:-1], note)],
                                                     columns=_COLUMNS)
                except _REFUSED:
                    log.warning("message log: a %s row for %s was dropped", row[3], row[1])

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


def storable(body: str) -> str:
    """A body as PostgreSQL text can hold it: a NUL character written ``\\x00``."""
    return body.replace("\x00", "\\x00") if "\x00" in body else body


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


def format_messages(rows: list[dict[str, Any]]) -> str:
    """The rows of ``messages_for`` as ``dccsim log`` prints them: a line per message, then its body."""
    lines = []
    for row in rows:
        status = f" HTTP {row['http_status']}" if row["http_status"] else ""
        code = f" {row['response_code']}" if row["response_code"] else ""
        queued = f" (outbox {row['outbox_id']}: {row['delivery_status']})" if "outbox_id" in row else ""
        lines.append(f"--- {row['at']} {row['direction']:<3} {row['kind']}{status}{code}{queued}")
        lines.append(row["body"] or "")
    return "\n".join(lines)
