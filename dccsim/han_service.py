"""The simulator's HAN: device identities from the SMKI store, device state and faults in PostgreSQL.

A device's handling of a frame changes its state (anti-replay counters, registers, logs). When the DCC
sends a frame on behalf of a device job or a timer, what the DCC does with the reply — the job marked
done, the Response and alerts written to the outbox, inventory updates — must commit together with that
state change: were they separate, a crash between them would leave a device that executed a command and
a job that runs it again, which the device refuses as a replay. ``in_dcc_transaction`` makes the HAN
bus run the device's work inside one transaction with the caller's ``finish`` step.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from devices.device import DeviceIdentity, DeviceReply
from devices.han import Faults, HanBus
from dccsim.device_identities import Identities
from dccsim.inventory import repository as repo
from dccsim.smki.store import CredentialStore

Work = Callable[[DeviceIdentity, dict], DeviceReply]


@dataclass
class DccTransaction:
    """What the DCC does, in the device's transaction, around the device's handling of a frame.

    ``begin(conn)`` runs first and returns False when the work is no longer wanted (the job is done
    already: nothing is executed); ``finish(conn, device, reply)`` writes the outcome. ``done`` tells
    the caller whether the transaction committed.
    """

    begin: Callable[[object], Awaitable[bool]]
    finish: Callable[[object, object, DeviceReply | None], Awaitable[None]]
    done: bool = False
    skipped: bool = False


_CURRENT: contextvars.ContextVar[DccTransaction | None] = contextvars.ContextVar("dccsim_dcc_transaction",
                                                                               default=None)


class in_dcc_transaction:
    """``with in_dcc_transaction(tx): await bus.exchange(...)`` — the device work joins ``tx``."""

    def __init__(self, transaction: DccTransaction):
        self.transaction = transaction
        self._token = None

    def __enter__(self) -> DccTransaction:
        self._token = _CURRENT.set(self.transaction)
        return self.transaction

    def __exit__(self, *exc) -> None:
        _CURRENT.reset(self._token)


class PgStateStore:
    """Device state rows, locked for the duration of one frame's handling."""

    def __init__(self, pool, identities: Identities):
        self.pool = pool
        self.identities = identities

    async def with_device(self, device_id: str, work: Work) -> DeviceReply | None:
        transaction = _CURRENT.get()
        if transaction is None:
            async with self.pool.acquire() as conn:
                async with conn.transaction():
                    _device, reply = await self.apply(conn, device_id, work)
                    return reply
        # Shielded: a caller that stops waiting (the DCC's device timeout) must not cut the transaction
        # in half; whichever of it and the caller's own outcome commits first wins, on the job's row lock.
        return await asyncio.shield(self._joined(transaction, device_id, work))

    async def _joined(self, transaction: DccTransaction, device_id: str, work: Work) -> DeviceReply | None:
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                if not await transaction.begin(conn):
                    transaction.skipped = True
                    return None
                device, reply = await self.apply(conn, device_id, work)
                await transaction.finish(conn, device, reply)
            transaction.done = True
            return reply

    async def apply(self, conn, device_id: str, work: Work):
        """Run ``work`` on the locked state of ``device_id`` and save it; (device, reply) or (None, None)."""
        device = await repo.get_device(conn, device_id)
        if device is None:
            return None, None
        row = await conn.fetchrow("SELECT state FROM device_state WHERE device_id = $1 FOR UPDATE", device_id)
        state = json.loads(row["state"]) if row else await initial_state(conn, device)
        reply = work(self.identities.identity(device_id, device.device_type), state)
        await conn.execute(
            "INSERT INTO device_state (device_id, state, updated_at) VALUES ($1, $2, now()) "
            "ON CONFLICT (device_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()",
            device_id, json.dumps(state))
        return device, reply


async def initial_state(conn, device) -> dict:
    """A device's state on first contact, from what the inventory says of it."""
    state: dict = {"type": device.device_type, "firmware": {"version": device.firmware_version or "00000001"}}
    if device.device_type == "CHF":
        members = await repo.find_devices(conn, chf_id=device.device_id)
        state["device_log"] = [{"device_id": d.device_id, "added": "estate"} for d in members
                               if d.device_type not in ("GPF",)]
    return state


class PgFaultSource:
    """Faults per device from the database, re-read at most every half second (shared by workers)."""

    def __init__(self, pool, ttl: float = 0.5):
        self.pool = pool
        self.ttl = ttl
        self._loaded = 0.0
        self._faults: dict[str, Faults] = {}

    async def faults(self, device_id: str) -> Faults:
        if time.monotonic() - self._loaded > self.ttl:
            rows = await self.pool.fetch("SELECT * FROM device_fault")
            self._faults = {r["device_id"]: Faults(r["offline"], r["latency_ms"], r["loss"]) for r in rows}
            self._loaded = time.monotonic()
        return self._faults.get(device_id, Faults())

    def invalidate(self) -> None:
        self._loaded = 0.0


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


def make_bus(pool, smki: CredentialStore, acb: str) -> tuple[HanBus, Identities, PgFaultSource]:
    identities = Identities(smki, acb)
    faults = PgFaultSource(pool)
    return HanBus(PgStateStore(pool, identities), faults), identities, faults
