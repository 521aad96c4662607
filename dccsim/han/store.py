"""The simulator's HAN: device identities from the SMKI store, device state and faults in PostgreSQL.

A device's handling of a frame changes its state (anti-replay counters, registers, logs). When the DCC
sends a frame on behalf of a device job or a timer, what the DCC does with the reply — the job marked
done, the Response and alerts written to the outbox, inventory updates — must commit together with that
state change: were they separate, a crash between them would leave a device that executed a command and
a job that runs it again, which the device refuses as a replay. A ``DccTransaction`` given to the HAN
bus as ``within`` makes the device's work run inside one transaction with the caller's ``finish`` step.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable

from devices import queries, state_codec
from devices import DeviceIdentity, DeviceReply
from devices import Faults, HanBus
from devices import DeviceState
from dccsim.db import locks
from dccsim.db.cache import DEVICE_FAULTS, Cache, Caches
from dccsim.delivery import outbox
from dccsim.duis.ids import canonical_request_id
from dccsim.han.directory import PgHanDirectory, off_the_log
from dccsim.han.identities import Identities
from dccsim.han.installation import provisioned_state
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import Inventory

Work = Callable[[DeviceIdentity, DeviceState], DeviceReply]


@dataclass
class DccTransaction:
    """What the DCC does, in the device's transaction, around the device's handling of a frame.

    With ``job_id`` the transaction first marks that device job done — or does nothing if it was done
    already (``skipped``), or if an older job for the same device still waits to run (``deferred``: the
    device would refuse a lower counter after a higher one). ``finish(conn, device, reply)`` returns the
    messages the outcome sends (they are queued in the outbox in the same statement as the device's new
    state is saved); ``done`` tells the caller the transaction committed.
    """

    finish: Callable[[object, object, DeviceReply | None], Awaitable[list]]
    now: datetime                      # the simulator's time: a job held until later is not older
    delivers_here: bool                # this process delivers what it queues (see dccsim.delivery.outbox)
    job_id: int | None = None
    done: bool = False
    skipped: bool = False
    deferred: bool = False


# One round trip: the job marked done (unless done already, or an older job for the device must go first),
# the device's state row locked and read, and — for a device reached through a hub ($4) — the hub's device
# log (``dccsim.han.directory.off_the_log``).
_OLDER_JOB = """EXISTS (SELECT 1 FROM device_job o WHERE o.device_id = $1 AND o.status = 'pending' AND o.id < $2
                AND (o.not_before IS NULL OR o.not_before <= $3))"""
_LOAD = f"""
WITH job AS (
    UPDATE device_job SET status = 'done', done_at = now(), lease_until = NULL
    WHERE id = $2 AND status = 'pending' AND NOT {_OLDER_JOB}
    RETURNING id
)
SELECT (SELECT id FROM job) AS job, {_OLDER_JOB} AS older,
       (SELECT state FROM device_state WHERE device_id = $1 FOR UPDATE) AS state,
       (SELECT hub_device_log FROM device_state WHERE device_id = $4::text) AS hub_log,
       EXISTS (SELECT 1 FROM device_state WHERE device_id = $4::text) AS hub_contacted
"""

# One round trip: the device's new state saved (with what the DCC reads of it: when its next held command is
# due, a hub's device log, the state's format version) and the outcome's messages queued for delivery.
_SAVE = """
WITH saved AS (
    INSERT INTO device_state (device_id, state, updated_at, next_timer_at, hub_device_log, format_version)
    SELECT $1, $2::jsonb, now(), $10, $11::text[], $12::integer WHERE $2::jsonb IS NOT NULL
    ON CONFLICT (device_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now(),
        next_timer_at = EXCLUDED.next_timer_at, hub_device_log = EXCLUDED.hub_device_log,
        format_version = EXCLUDED.format_version
    RETURNING 1
), queued AS (
    INSERT INTO outbox (user_id, request_id, response_id, kind, body)
    SELECT u, r, i, k, b FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
        WITH ORDINALITY AS m(u, r, i, k, b, n) ORDER BY n
    RETURNING user_id
)
SELECT pg_notify($8, $9 || user_id) FROM (SELECT DISTINCT user_id FROM queued) users WHERE $8::text IS NOT NULL
"""


async def save(conn, device_id: str, state: DeviceState | None, messages: list, *,
               delivers_here: bool = False) -> None:
    """Save a device's state and queue messages (``Outgoing``) in the outbox, in one statement. Messages this
    process delivers itself, queued in a transaction, wake its delivery workers when it commits instead of
    being announced through PostgreSQL to every process."""
    after_commit = getattr(conn, "after_commit", None)
    here = bool(messages) and delivers_here and after_commit is not None and conn.is_in_transaction()
    await conn.execute(
        _SAVE, device_id, state_codec.encode(state) if state is not None else None,
        [m.user_id for m in messages], [canonical_request_id(m.request_id) for m in messages],
        [m.response_id for m in messages], [m.kind for m in messages],
        [m.body.decode() if isinstance(m.body, bytes) else m.body for m in messages],
        None if here else outbox.CHANNEL, outbox.notification_prefix(delivers_here), *_derived(state))
    if here:
        after_commit(outbox.queued_here)


def _derived(state: DeviceState | None) -> tuple[datetime | None, list[str] | None, int]:
    """What is saved beside a state for the DCC's queries: its next held command's time, a hub's device log,
    its format version."""
    if state is None:
        return None, None, state_codec.VERSION
    return queries.next_held_command_due(state), queries.device_log(state), state_codec.VERSION


async def migrate_device_states(conn, batch: int = 500) -> int:
    """Rewrite every device state an older format wrote in the current one (at start-up, before any device
    works); return how many were rewritten."""
    done = 0
    while True:
        rows = await conn.fetch(
            "SELECT s.device_id, s.state::text AS state, d.device_type FROM device_state s "
            "LEFT JOIN device d ON d.device_id = s.device_id WHERE s.format_version < $1 "
            "ORDER BY s.device_id LIMIT $2", state_codec.VERSION, batch)
        if not rows:
            return done
        states = [state_codec.decode(r["state"], kind=r["device_type"]) for r in rows]
        await conn.executemany(
            "UPDATE device_state SET state = $2::jsonb, next_timer_at = $3, hub_device_log = $4, "
            "format_version = $5 WHERE device_id = $1",
            [(r["device_id"], state_codec.encode(state), *_derived(state)) for r, state in zip(rows, states)])
        done += len(rows)


async def _off_the_log(conn, device, hub_id: str | None, row) -> DeviceReply | None:
    """The refusal for a device its hub's device log (read with the device's state) does not list."""
    if hub_id is None:
        return None
    reason = await off_the_log(conn, device.device_id, device.chf_id, hub_id, row["hub_contacted"], row["hub_log"])
    return None if reason is None else DeviceReply(refused=reason)


async def first_contact(conn, device_id: str) -> str | None:
    """The state of a device that had none when its transaction began, read again once no other transaction
    (of any host) is making it: a device never used has no row to lock, so the processes that meet it at
    once take turns on an advisory lock, and the later one works on what the first saved."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", locks.DEVICE_FIRST_CONTACT, device_id)
    return await conn.fetchval("SELECT state FROM device_state WHERE device_id = $1 FOR UPDATE", device_id)


class PgStateStore:
    """Device state rows, locked for the duration of one frame's handling."""

    def __init__(self, pool, inventory: Inventory, identities: Identities):
        self.pool = pool
        self.inventory = inventory
        self.identities = identities

    async def with_device(self, device_id: str, work: Work, *, within: DccTransaction | None = None,
                          on_log_of: str | None = None) -> DeviceReply | None:
        transaction = within
        if transaction is None:
            async with self.pool.acquire() as conn:
                async with conn.transaction():
                    device = await self.inventory.device(device_id)
                    if device is None:
                        return None
                    row = await conn.fetchrow(_LOAD, device_id, None, None, on_log_of)
                    refused = await _off_the_log(conn, device, on_log_of, row)
                    if refused is not None:
                        return refused
                    state, reply = await self._run(conn, device, row["state"], work)
                    await save(conn, device_id, state, [])
                    return reply
        # Shielded: a caller that stops waiting (the DCC's device timeout) must not cut the transaction
        # in half; whichever of it and the caller's own outcome commits first wins, on the job's row lock.
        return await asyncio.shield(self._joined(transaction, device_id, work, on_log_of))

    async def _joined(self, transaction: DccTransaction, device_id: str, work: Work,
                      on_log_of: str | None) -> DeviceReply | None:
        device = await self.inventory.device(device_id)
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                row = await conn.fetchrow(_LOAD, device_id, transaction.job_id, transaction.now, on_log_of)
                if transaction.job_id is not None and row["job"] is None:
                    transaction.deferred, transaction.skipped = row["older"], not row["older"]
                    return None
                # A device off its hub's log is not reached: the refusal is the outcome, the state untouched.
                reply = None if device is None else await _off_the_log(conn, device, on_log_of, row)
                state = None
                if device is not None and reply is None:
                    state, reply = await self._run(conn, device, row["state"], work)
                messages = await transaction.finish(conn, device, reply)
                await save(conn, device_id, state, messages, delivers_here=transaction.delivers_here)
            transaction.done = True
            return reply

    async def _run(self, conn, device, saved, work: Work) -> tuple[DeviceState, DeviceReply]:
        if saved is None:
            saved = await first_contact(conn, device.device_id)
        state = await provisioned_state(conn, device, saved, self.identities)
        reply = work(self.identities.identity(device.device_id), state)
        return state, reply

    async def update(self, conn, device_id: str, change: Callable[[DeviceState], None]) -> None:
        """Change a device's state out of band (the DCC managing the device, say a re-key), in ``conn``'s
        transaction."""
        device = await repo.get_device(conn, device_id)
        if device is None:
            raise LookupError(f"{device_id} is not in the inventory")
        async with conn.transaction():
            stored = await conn.fetchval("SELECT state FROM device_state WHERE device_id = $1 FOR UPDATE", device_id)
            if stored is None:
                stored = await first_contact(conn, device_id)
            state = await provisioned_state(conn, device, stored, self.identities)
            change(state)
            await save(conn, device_id, state, [])


class PgFaultSource:
    """Faults per device from the database, read once and kept until they change (``dccsim.db.cache``)."""

    def __init__(self, pool, caches: Caches):
        self.pool = pool
        self._cache: Cache[str, dict[str, Faults]] = caches.add(Cache("device faults", (DEVICE_FAULTS,)))

    @property
    def ttl(self) -> float:
        """How long a change may take to be seen when notifications are unavailable."""
        return self._cache.ttl

    async def faults(self, device_id: str) -> Faults:
        table = await self._cache.get("all", self._load)
        return table.get(device_id, Faults())

    async def _load(self) -> dict[str, Faults]:
        rows = await self.pool.fetch("SELECT * FROM device_fault")
        return {r["device_id"]: Faults(r["offline"] or r["unpowered"], r["latency_ms"], r["loss"]) for r in rows}


async def set_faults(conn, device_id: str, *, offline: bool | None = None, latency_ms: float | None = None,
                     loss: float | None = None) -> Faults:
    row = await conn.fetchrow(
        """
        INSERT INTO device_fault (device_id, offline, latency_ms, loss)
        VALUES ($1, COALESCE($2, false), COALESCE($3, 0), COALESCE($4, 0))
        ON CONFLICT (device_id) DO UPDATE SET
            offline = COALESCE($2, device_fault.offline),
            latency_ms = COALESCE($3, device_fault.latency_ms),
            loss = COALESCE($4, device_fault.loss)
        RETURNING offline, latency_ms, loss
        """, device_id, offline, latency_ms, loss)
    return Faults(row["offline"], row["latency_ms"], row["loss"])


def make_bus(pool, inventory: Inventory, identities: Identities, faults: PgFaultSource,
             clock: Callable[[], datetime]) -> HanBus:
    """The HAN bus of this process: device state and routes from PostgreSQL, faults as users set them."""
    return HanBus(PgStateStore(pool, inventory, identities), faults, clock=clock, directory=PgHanDirectory(pool, inventory))
