"""The simulator's HAN: device identities from the SMKI store, device state and faults in PostgreSQL.

A device's handling of a frame changes its state (anti-replay counters, registers, logs). When the DCC
sends a frame on behalf of a device job or a timer, what the DCC does with the reply — the job marked
done, the Response and alerts written to the outbox, inventory updates — must commit together with that
state change: were they separate, a crash between them would leave a device that executed a command and
a job that runs it again, which the device refuses as a replay. A ``DccTransaction`` given to the HAN
bus as ``within`` makes the device's work commit together with the caller's ``finish`` step.

The state is read without a lock and saved over the version read (compare and set), in the statement that
also marks the job done and queues the messages: where ``finish`` reads or writes nothing, that statement
is sent alone (``dccsim.db.on_demand``), so a device job costs two round trips. A save over a state that
changed meanwhile — another host's job for the device, a timer, the first state of a device two hosts met
at once — writes nothing, and the device works again on the state as it now is.
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
from dccsim.db.cache import DEVICE_FAULTS, Cache, Caches
from dccsim.db.on_demand import OnDemandTransaction
from dccsim.delivery import outbox
from dccsim.delivery.outbox import LocalDelivery
from dccsim.duis.ids import canonical_request_id
from dccsim.han.directory import PgHanDirectory, off_the_log
from dccsim.han.identities import Identities
from dccsim.han.installation import provisioned_state
from dccsim.han.job_queue import StartingState, older_job_pending
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import Inventory

Work = Callable[[DeviceIdentity, DeviceState], DeviceReply]


@dataclass
class DccTransaction:
    """What the DCC does, in the device's transaction, around the device's handling of a frame.

    With ``job_id`` the transaction saves that device job as done with the device's new state — or does nothing
    if it was done already (``skipped``), or if an older job for the same device still waits to run
    (``deferred``: the device would refuse a lower counter after a higher one). ``finish(conn, device, reply)``
    returns the messages the outcome sends (they are queued in the outbox in the same statement as the device's
    new state is saved); ``done`` tells the caller the transaction committed.
    """

    finish: Callable[[object, object, DeviceReply | None], Awaitable[list]]
    now: datetime                      # the simulator's time: a job held until later is not older
    delivers_here: bool                # this process delivers what it queues (see dccsim.delivery.outbox)
    job_id: int | None = None
    start: StartingState | None = None  # the state as read with the job: the first attempt works on it
    local_delivery: LocalDelivery | None = None     # the messages' hand-over to this process's delivery worker
    done: bool = False
    skipped: bool = False
    deferred: bool = False


class Unsaved(Exception):
    """An outcome ``save`` did not write, nor anything of it: its job was done already (``skipped``), an
    older job for the device must run first (``deferred``), or the state changed since it was read
    (``conflict``, ``StateConflict``). Raised inside the caller's transaction, it rolls back what came before."""

    def __init__(self, reason: str, device_id: str):
        super().__init__(f"device {device_id}: {reason}")
        self.reason = reason


class StateConflict(Unsaved):
    """The device's state changed between its reading and its saving (another host's job, a timer, the DCC
    managing the device): read it again and let the device work on that."""


SAVED, SKIPPED, DEFERRED, CONFLICT = "saved", "skipped", "deferred", "conflict"

# How often the device's work is done again over a state that keeps changing under it before the job is left to
# run again when its lease runs out.
_ATTEMPTS = 20

# One round trip, no lock taken: whether the job is still to be done (read by its key alone, as save_device_outcome
# locks it), whether an older job for the device must go first, the device's state and its version, and — for a
# device reached through a hub ($4) — the hub's device log (``dccsim.han.directory.off_the_log``).
_READ = f"""
SELECT $2::bigint IS NULL OR (SELECT j.status = 'pending' FROM device_job j WHERE j.id = $2) IS TRUE AS pending,
       {older_job_pending("$1", "$2", "$3")} AS older, s.state, s.version,
       h.hub_device_log AS hub_log, h.device_id IS NOT NULL AS hub_contacted
FROM (SELECT 1) AS one
LEFT JOIN device_state s ON s.device_id = $1
LEFT JOIN device_state h ON h.device_id = $4::text
"""

# The device's new state saved over the version read (with what the DCC reads of it: when its next held command
# is due, a hub's device log, the state's format version), its job marked done and the outcome's messages queued
# for delivery, in one statement (schemas/migrations/0017_job_locked_by_key.sql).
_SAVE = ("SELECT * FROM save_device_outcome($1, $2, $3::text, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
         "$15, $16)")


async def save(conn, device_id: str, state: DeviceState | None, messages: list, *, delivers_here: bool = False,
               version: int | None = None, job_id: int | None = None, now: datetime | None = None,
               local_delivery: LocalDelivery | None = None) -> None:
    """Save a device's state over ``version`` (the one read; None: it had no state) and queue messages
    (``Outgoing``) in the outbox — with ``job_id``, also marking that job done — in one statement; raise
    ``Unsaved`` (``StateConflict``) when nothing was written. Through an ``OnDemandTransaction`` that nothing
    began, the statement is sent alone and commits itself. Messages this process delivers itself, queued in a
    transaction, wake its delivery workers when it commits instead of being announced through PostgreSQL to
    every process; with ``local_delivery``, each that is its user's only pending message is queued leased and
    handed over to the worker, which then needs no claim."""
    if state is None and not messages and job_id is None:
        return
    after_commit = getattr(conn, "after_commit", None)
    here = bool(messages) and delivers_here and after_commit is not None and conn.is_in_transaction()
    lease = local_delivery.lease if here and local_delivery is not None else None
    bodies = [m.body.decode() if isinstance(m.body, bytes) else m.body for m in messages]
    request_ids = [canonical_request_id(m.request_id) for m in messages]
    last_row = conn.last_row if isinstance(conn, OnDemandTransaction) else conn.fetchrow
    saved = await last_row(
        _SAVE, device_id, version, state_codec.encode(state) if state is not None else None, job_id, now,
        [m.user_id for m in messages], request_ids, [m.response_id for m in messages], [m.kind for m in messages],
        bodies, None if here else outbox.CHANNEL, outbox.notification_prefix(delivers_here), *_derived(state), lease)
    outcome = saved["outcome"]
    if outcome == CONFLICT:
        raise StateConflict(outcome, device_id)
    if outcome != SAVED:
        raise Unsaved(outcome, device_id)
    if not here:
        return
    handed = saved["handed"] or [None] * len(messages)
    rows = [{"id": handed[n], "user_id": m.user_id, "request_id": request_ids[n], "response_id": m.response_id,
             "kind": m.kind, "body": bodies[n], "attempts": 1, "endpoint": saved["endpoints"][n]}
            for n, m in enumerate(messages) if handed[n] is not None]
    if rows:
        after_commit(lambda: local_delivery.hand_over(rows))
    if len(rows) < len(messages):
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
            "SELECT s.device_id, s.state, d.device_type FROM device_state s "
            "LEFT JOIN device d ON d.device_id = s.device_id WHERE s.format_version < $1 "
            "ORDER BY s.device_id LIMIT $2", state_codec.VERSION, batch)
        if not rows:
            return done
        states = [state_codec.decode(r["state"], kind=r["device_type"]) for r in rows]
        await conn.executemany(
            "UPDATE device_state SET state = $2, next_timer_at = $3, hub_device_log = $4, "
            "format_version = $5, version = version + 1 WHERE device_id = $1",
            [(r["device_id"], state_codec.encode(state), *_derived(state)) for r, state in zip(rows, states)])
        done += len(rows)


async def _off_the_log(conn, device, hub_id: str | None, start: StartingState) -> DeviceReply | None:
    """The refusal for a device its hub's device log (read with the device's state) does not list."""
    if hub_id is None:
        return None
    reason = await off_the_log(conn, device.device_id, device.chf_id, hub_id, start.hub_contacted, start.hub_log)
    return None if reason is None else DeviceReply(refused=reason)


async def _nothing_to_send(conn, device, reply) -> list:
    return []


class PgStateStore:
    """Device state rows: read without a lock, worked on, and saved over the version read (compare and set)."""

    def __init__(self, pool, inventory: Inventory, identities: Identities, clock: Callable[[], datetime]):
        self.pool = pool
        self.inventory = inventory
        self.identities = identities
        self.clock = clock

    async def with_device(self, device_id: str, work: Work, *, within: DccTransaction | None = None,
                          on_log_of: str | None = None) -> DeviceReply | None:
        transaction = within
        if transaction is None:
            if await self.inventory.device(device_id) is None:
                return None
            transaction = DccTransaction(_nothing_to_send, now=self.clock(), delivers_here=False)
            return await self._joined(transaction, device_id, work, on_log_of)
        # Shielded: a caller that stops waiting (the DCC's device timeout) must not cut the save in half;
        # whichever of it and the caller's own outcome commits first wins, on the job's row.
        return await asyncio.shield(self._joined(transaction, device_id, work, on_log_of))

    async def _joined(self, transaction: DccTransaction, device_id: str, work: Work,
                      on_log_of: str | None) -> DeviceReply | None:
        device = await self.inventory.device(device_id)
        start = transaction.start
        if start is not None and (start.older or on_log_of not in (None, start.hub_id)):
            start = None    # read while an older job was still to run (it may be done now), or another hub's log
        async with self.pool.acquire() as conn:
            for _ in range(_ATTEMPTS):
                fresh = start is None
                if fresh:
                    row = await conn.fetchrow(_READ, device_id, transaction.job_id, transaction.now, on_log_of)
                    if not row["pending"]:
                        transaction.skipped = True
                        return None
                    start = StartingState.from_row(row, on_log_of)
                if start.older:
                    transaction.deferred = True
                    return None
                # A device off its hub's log is not reached: the refusal is the outcome, the state untouched.
                reply = None if device is None else await _off_the_log(conn, device, on_log_of, start)
                if reply is not None and not fresh:
                    start = None        # the log as it was when the job was written: refused only on the log now
                    continue
                state = None
                if device is not None and reply is None:
                    state, reply = await self._run(conn, device, start.state, work)
                try:
                    async with OnDemandTransaction(conn) as work_done:
                        messages = await transaction.finish(work_done, device, reply)
                        await save(work_done, device_id, state, messages, delivers_here=transaction.delivers_here,
                                   version=start.version, job_id=transaction.job_id, now=transaction.now,
                                   local_delivery=transaction.local_delivery)
                except StateConflict:
                    start = None
                    continue
                except Unsaved as unsaved:
                    transaction.deferred, transaction.skipped = unsaved.reason == DEFERRED, unsaved.reason == SKIPPED
                    return None
                transaction.done = True
                return reply
        raise StateConflict(f"{CONFLICT} on each of {_ATTEMPTS} attempts", device_id)

    async def _run(self, conn, device, saved, work: Work) -> tuple[DeviceState, DeviceReply]:
        state = await provisioned_state(conn, device, saved, self.identities, inventory=self.inventory)
        reply = work(self.identities.identity(device.device_id), state)
        return state, reply

    async def update(self, conn, device_id: str, change: Callable[[DeviceState], None]) -> None:
        """Change a device's state out of band (the DCC managing the device, say a re-key), in ``conn``'s
        transaction."""
        device = await repo.get_device(conn, device_id)
        if device is None:
            raise LookupError(f"{device_id} is not in the inventory")
        for _ in range(_ATTEMPTS):
            try:
                async with conn.transaction():
                    row = await conn.fetchrow("SELECT state, version FROM device_state WHERE device_id = $1 "
                                              "FOR UPDATE", device_id)
                    state = await provisioned_state(conn, device, row and row["state"], self.identities)
                    change(state)
                    await save(conn, device_id, state, [], version=row and row["version"])
                    return
            except StateConflict:
                continue      # its first state was saved meanwhile: the row is there to lock now
        raise StateConflict(f"{CONFLICT} on each of {_ATTEMPTS} attempts", device_id)


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
    return HanBus(PgStateStore(pool, inventory, identities, clock), faults, clock=clock,
                  directory=PgHanDirectory(pool, inventory))
