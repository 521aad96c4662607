"""The outbox: durable, ordered, retried delivery of signed DUIS messages to users' endpoints.

Writers call ``enqueue`` inside the transaction that changes state, so a message exists exactly when
its cause does. Any number of ``DeliveryWorker``s (one per ``dccsim serve`` process) deliver from the
table: each claims the oldest pending message of a user with a lease, so messages to one user go out in
order and one at a time; a worker that dies mid-delivery loses its lease and the message is delivered
again, with the same body and ResponseID, so the receiver can de-duplicate.

The outbox row is also the message log's record of an outgoing message (written at enqueue, in the
same transaction); every delivery attempt adds a line to the message log with its HTTP status or error.
"""
from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg

from dccsim.db.notify import Listener
from dccsim.delivery.http_client import HttpClient
from dccsim.duis.ids import canonical_request_id
from dccsim.timing.clock import Clock, WallClock

log = logging.getLogger(__name__)

CHANNEL = "dccsim_outbox"

# Endpoint answers worth trying again: the endpoint is busy or timed out (408, 429, 5xx). Any other 4xx
# is the endpoint refusing the message, which retrying cannot change.
RETRYABLE_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: exponential back-off with jitter, capped, until the give-up horizon."""

    timeout: float = 10.0            # seconds for one POST
    base_delay: float = 0.5          # first retry after about this long
    max_delay: float = 300.0
    give_up_after: float = 24 * 3600.0
    lease: float = 30.0              # a claimed message is re-deliverable after this long
    poll_interval: float = 1.0
    max_parallel_users: int = 64

    def retry_delay(self, attempts: int) -> float:
        delay = min(self.max_delay, self.base_delay * (2 ** max(0, attempts - 1)))
        return delay * random.uniform(0.5, 1.5)


@dataclass(frozen=True)
class Attempt:
    """The result of one POST: ``error`` is None on success."""

    error: str | None = None
    permanent: bool = False
    http_status: int | None = None
    retry_after: float | None = None


_ENQUEUE = """
WITH added AS (
    INSERT INTO outbox (user_id, request_id, response_id, kind, body) VALUES ($1, $2, $3, $4, $5) RETURNING id
)
SELECT id, pg_notify($6, $7 || $1) FROM added
"""

OWNED = "owned:"   # notification prefix: the process that queued the message delivers it itself


def notification_prefix(delivers_here: bool) -> str:
    """``OWNED`` where the queueing process runs a delivery worker itself, else nothing."""
    return OWNED if delivers_here else ""


_HERE: set["DeliveryWorker"] = set()     # the delivery workers running in this process


class LocalDelivery:
    """The delivery worker of one simulator process, for messages its device jobs queue already leased to it
    (``dccsim.han.store.save``): handed over once they commit, they go out without a claim. Until a worker is
    attached (or once it stops) nothing is handed over and messages are claimed as any others."""

    def __init__(self) -> None:
        self._worker: "DeliveryWorker | None" = None

    def attach(self, worker: "DeliveryWorker | None") -> None:
        self._worker = worker

    @property
    def lease(self) -> float | None:
        """How long a message queued for hand-over is leased (None: nothing is handed over now)."""
        return self._worker.policy.lease if self._worker is not None else None

    def hand_over(self, rows: list[dict[str, Any]]) -> None:
        """Deliver these committed, leased messages (their outbox rows, with their users' endpoints)."""
        worker = self._worker
        if worker is None:
            return        # the worker stopped meanwhile: their leases run out and they are claimed
        worker.hand_over(rows)


def queued_here() -> None:
    """Messages this process queued, to deliver them itself, have committed: its delivery workers look for
    them now. (Their rows need no notification: a worker of another process leaves owned messages to their
    owner, and should the owner die first they are pending and unleased, for any worker's next poll.)"""
    for worker in list(_HERE):
        worker.wake()


async def enqueue(conn, *, user_id: str, kind: str, body: bytes | str, request_id: str | None = None,
                  response_id: str | None = None, delivers_here: bool = False) -> int:
    """Add a message for ``user_id`` (call inside the state change's transaction); one round trip.
    ``delivers_here``: the calling process runs a delivery worker that will take it."""
    text = body.decode() if isinstance(body, bytes) else body
    row = await conn.fetchrow(_ENQUEUE, user_id, canonical_request_id(request_id), response_id, kind, text,
                              CHANNEL, notification_prefix(delivers_here))
    return row["id"]


async def pending_and_undeliverable(conn) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT id, user_id, request_id, response_id, kind, status, attempts, next_attempt_at, last_error, "
        "created_at, resent_at FROM outbox WHERE status <> 'delivered' ORDER BY user_id, id")
    return [dict(r) for r in rows]


async def pending_count(conn) -> int:
    """How many messages wait for delivery (retries included)."""
    return await conn.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'")


async def resend(conn, message_id: int) -> bool:
    """Put a message (undeliverable or delivered) back in the queue for delivery as soon as possible.

    It keeps its place (its id) in its user's order, its ``created_at`` and its body; the give-up horizon
    counts from the resend (``resent_at``)."""
    result = await conn.execute(
        "UPDATE outbox SET status = 'pending', next_attempt_at = now(), lease_until = NULL, attempts = 0, "
        "resent_at = now(), delivered_at = NULL WHERE id = $1", message_id)
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return result.endswith(" 1")


# The oldest pending message of each user ("heads"), found with one index probe per user (a loose index
# scan over outbox_pending_idx) rather than by reading every pending row.
_HEADS = """
WITH RECURSIVE heads AS (
    (SELECT user_id, id FROM outbox WHERE status = 'pending' ORDER BY user_id, id LIMIT 1)
    UNION ALL
    SELECT nxt.user_id, nxt.id FROM heads h, LATERAL (
        SELECT user_id, id FROM outbox WHERE status = 'pending' AND user_id > h.user_id
        ORDER BY user_id, id LIMIT 1) nxt
)
"""

_ROW = """o.id, o.user_id, o.request_id, o.response_id, o.kind, o.body, o.attempts"""

_CLAIMABLE = """o.status = 'pending' AND o.next_attempt_at <= now() AND (o.lease_until IS NULL OR o.lease_until < now())"""

# Lease every due head message of the users this worker is not already delivering to, with each one's
# endpoint; and, in a last row, how long until the next head not claimed now is due (its retry time, or the
# end of another worker's lease on it). The status is checked again on the row being updated: another
# worker may have delivered it (and cleared its lease) between this statement's snapshot and the row lock.
_CLAIM = _HEADS + f""",
claimed AS (
    UPDATE outbox o SET lease_until = now() + make_interval(secs => $1), attempts = o.attempts + 1
    FROM heads h
    WHERE o.id = h.id AND {_CLAIMABLE} AND NOT (o.user_id = ANY($2::text[]))
    RETURNING {_ROW}
)
SELECT c.*, u.response_endpoint AS endpoint, NULL::float8 AS next_due
FROM claimed c LEFT JOIN dcc_user u ON u.entity_id = c.user_id
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       (SELECT EXTRACT(EPOCH FROM min(GREATEST(o.next_attempt_at, COALESCE(o.lease_until, o.next_attempt_at))) - now())
        FROM heads h JOIN outbox o ON o.id = h.id
        WHERE NOT (o.user_id = ANY($2::text[])) AND o.id NOT IN (SELECT id FROM claimed))
"""

# A delivery acknowledged, and the same user's next message (if it is due) leased in the same statement;
# ``more`` tells whether the user has another pending message at all.
_ACKNOWLEDGE = f"""
WITH done AS (
    UPDATE outbox SET status = 'delivered', delivered_at = now(), lease_until = NULL, last_error = NULL
    WHERE id = $1 RETURNING user_id
), following AS (
    SELECT o.id FROM outbox o JOIN done d ON o.user_id = d.user_id
    WHERE o.status = 'pending' AND o.id <> $1 ORDER BY o.id LIMIT 1
), claimed AS (
    UPDATE outbox o SET lease_until = now() + make_interval(secs => $2), attempts = o.attempts + 1
    FROM following f WHERE o.id = f.id AND {_CLAIMABLE}
    RETURNING {_ROW}
)
SELECT c.*, (SELECT response_endpoint FROM dcc_user WHERE entity_id = c.user_id) AS endpoint,
       EXISTS (SELECT 1 FROM following) AS more
FROM (SELECT 1) one LEFT JOIN claimed c ON true
"""


class DeliveryWorker:
    """Delivers pending messages until stopped; safe to run in several processes at once.

    Leases and acknowledgements go through ``fast_pool`` where given (commits that do not wait for the WAL
    flush): were one lost in a PostgreSQL crash, the message would only be delivered again, with the same
    ResponseID. Notifications of messages queued by this process (``own_pids``, its backends) wake it at
    once; those of another process that delivers its own messages are left to it (should it die first, its
    messages are pending and unleased: any worker's next poll takes them), others a moment later.
    """

    def __init__(self, pool: asyncpg.Pool, database_url: str, *, policy: DeliveryPolicy | None = None,
                 message_log=None, fast_pool: asyncpg.Pool | None = None, listener=None,
                 own_pids: set[int] | None = None, wall: Clock | None = None, local: LocalDelivery | None = None):
        self.pool = pool
        self.wall = wall or WallClock()      # deliveries and their retries run in real time
        self.fast_pool = fast_pool or pool
        self.database_url = database_url
        self.policy = policy or DeliveryPolicy()
        self.message_log = message_log
        self._listener = listener
        self._own_listener = listener is None
        self._own_pids = own_pids
        self._wake = asyncio.Event()
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task] = set()
        self._main: asyncio.Task | None = None
        self._http: HttpClient | None = None
        self._stopping = False
        self._next_due: float | None = None
        self._local = local
        self._handed: dict[str, deque] = {}     # per user, messages handed over while it was being delivered to

    async def start(self) -> None:
        self._http = HttpClient(timeout=self.policy.timeout, keep_per_origin=self.policy.max_parallel_users)
        if self._listener is None:
            self._listener = Listener(self.database_url)
            await self._listener.start()
        await self._listener.subscribe(CHANNEL, self._notified)
        self._listener.on_restored(self._wake.set)
        self._main = asyncio.create_task(self._run(), name="outbox-delivery")
        _HERE.add(self)
        if self._local is not None:
            self._local.attach(self)

    def wake(self) -> None:
        """Look for messages to deliver now."""
        self._wake.set()

    def _notified(self, pid: int, payload: str) -> None:
        if self._own_pids is None or pid in self._own_pids or not payload:
            self._wake.set()
        elif not payload.startswith(OWNED):
            # Queued by a process that does not deliver (a command, a script): take it after a moment.
            asyncio.get_running_loop().call_later(0.02, self._wake.set)

    async def stop(self) -> None:
        _HERE.discard(self)
        if self._local is not None:
            self._local.attach(None)
        self._stopping = True
        self._wake.set()
        if self._main is not None:
            await self._main
        # Let deliveries on the wire finish and record their outcome (no new message is started);
        # cancelled, a delivered message would be sent again once its lease runs out.
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.policy.timeout + 1.0)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._own_listener and self._listener is not None:
            await self._listener.close()
        if self._http is not None:
            await self._http.close()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                for row in await self.claim():
                    self._start_delivery(row)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("outbox claim failed: %s", exc)
                self._next_due = None
            try:
                await asyncio.wait_for(self._wake.wait(), self._idle_time())
            except asyncio.TimeoutError:
                pass

    def _idle_time(self) -> float:
        """Sleep until the next head message is due (or the poll interval, whichever is sooner)."""
        if self._next_due is None:
            return self.policy.poll_interval
        return min(self.policy.poll_interval, max(0.01, self._next_due))

    async def claim(self) -> list[asyncpg.Record]:
        """Lease the due head messages of users this worker is not delivering to (the rows to POST)."""
        if len(self._busy) >= self.policy.max_parallel_users:
            self._next_due = None
            return []
        rows = await self.fast_pool.fetch(_CLAIM, self.policy.lease, list(self._busy))
        due = rows[-1]["next_due"]
        self._next_due = float(due) if due is not None else None
        return rows[:-1]

    def _start_delivery(self, row) -> None:
        self._busy.add(row["user_id"])
        task = asyncio.create_task(self._deliver(row))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def hand_over(self, rows: list[dict[str, Any]]) -> None:
        """Deliver messages queued leased to this worker (``LocalDelivery``): at once, or after the message being
        delivered to their user now."""
        for row in rows:
            if self._stopping:
                return         # their leases run out and they are claimed
            if row["user_id"] in self._busy:
                self._handed.setdefault(row["user_id"], deque()).append(row)
            else:
                self._start_delivery(row)

    async def _deliver(self, row: asyncpg.Record) -> None:
        """POST the user's messages one after another, for as long as the next one is due."""
        user = row["user_id"]
        wake = True
        try:
            while row is not None and not self._stopping:
                attempt = await self._post(row["endpoint"], row["body"])
                self._log_attempt(row, row["endpoint"], attempt)
                if attempt.error is not None:
                    async with self.pool.acquire() as conn:
                        await self._failed(conn, row, attempt)
                    break
                log.debug("delivered outbox %s to %s", row["id"], user)
                acknowledged = await self.fast_pool.fetchrow(_ACKNOWLEDGE, row["id"], self.policy.lease)
                wake = acknowledged["more"] and acknowledged["id"] is None
                row = acknowledged if acknowledged["id"] is not None else self._next_handed(user)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the lease expires and the message is tried again
            log.exception("outbox delivery to %s failed unexpectedly", user)
        finally:
            self._busy.discard(user)
            left = self._handed.pop(user, None)
            if left:
                # Not delivered after all (a failure, or stopping): claimable again, behind any retry of the user's.
                task = asyncio.create_task(self._release([r["id"] for r in left]))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if wake:
                self._wake.set()

    def _next_handed(self, user: str):
        """The next message handed over for ``user`` while it was being delivered to, if any."""
        waiting = self._handed.get(user)
        if not waiting:
            return None
        row = waiting.popleft()
        if not waiting:
            del self._handed[user]
        return row

    async def _release(self, ids: list[int]) -> None:
        try:
            await self.fast_pool.execute("UPDATE outbox SET lease_until = NULL WHERE id = ANY($1::bigint[]) "
                                         "AND status = 'pending'", ids)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("outbox leases of %s not released (they run out): %s", ids, exc)

    def _log_attempt(self, row, endpoint: str | None, attempt: Attempt) -> None:
        if self.message_log is None:
            return
        outcome = "delivered" if attempt.error is None else attempt.error
        self.message_log.add(request_id=row["request_id"], direction="out", kind="delivery-attempt",
                             body=f"outbox {row['id']} ({row['kind']} {row['response_id'] or ''}) attempt "
                                  f"{row['attempts']} to {endpoint or '-'}: {outcome}",
                             user_id=row["user_id"], http_status=attempt.http_status)

    async def _post(self, endpoint: str | None, body: str) -> Attempt:
        if not endpoint:
            return Attempt("the user has no response endpoint registered")
        try:
            answer = await self._http.post(endpoint, body.encode())
        except (OSError, ValueError) as exc:        # TimeoutError and MalformedAnswer are OSErrors
            return Attempt(f"{type(exc).__name__}: {exc} ({endpoint})")
        status = answer.status
        if status < 300:
            return Attempt(http_status=status)
        retryable = status >= 500 or status in RETRYABLE_STATUSES
        return Attempt(f"HTTP {status} from {endpoint}", permanent=not retryable, http_status=status,
                       retry_after=retry_after_seconds(answer.headers.get("retry-after"), self.wall.now()))

    async def _failed(self, conn, row, attempt: Attempt) -> None:
        """Retry the message later, or give up on it (a refusal, or past the give-up horizon, which counts
        in real time from its creation or resend)."""
        delay = self.policy.retry_delay(row["attempts"])
        if attempt.retry_after is not None:
            delay = attempt.retry_after
        given_up = await conn.fetchval(_FAILED, row["id"], attempt.error, timedelta(seconds=delay), attempt.permanent,
                                       timedelta(seconds=self.policy.give_up_after))
        if given_up:
            log.warning("outbox %s to %s is undeliverable: %s", row["id"], row["user_id"], attempt.error)


# A failed attempt: the message is tried again after a delay, or (refused, or too old) marked undeliverable.
_FAILED = """
UPDATE outbox SET lease_until = NULL, last_error = $2,
    status = CASE WHEN $4 OR now() - COALESCE(resent_at, created_at) >= $5 THEN 'undeliverable' ELSE status END,
    next_attempt_at = now() + $3
WHERE id = $1
RETURNING status = 'undeliverable'
"""


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` header (delay in seconds or an HTTP date) as seconds after ``now`` (real time: the
    date is the endpoint's); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
