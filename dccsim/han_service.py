"""The simulator's HAN: device identities from the SMKI store, device state and faults in PostgreSQL."""
from __future__ import annotations

import json
import time
from typing import Callable

from devices.device import DeviceIdentity, DeviceReply
from devices.han import Faults, HanBus
from dccsim.device_identities import Identities
from dccsim.device_provisioning import provisioned_state
from dccsim.han_directory import PgHanDirectory
from dccsim.inventory import repository as repo
from dccsim.smki.store import CredentialStore


class PgStateStore:
    """Device state rows, locked for the duration of one frame's handling."""

    def __init__(self, pool, identities: Identities):
        self.pool = pool
        self.identities = identities

    async def with_device(self, device_id: str, work: Callable[[DeviceIdentity, dict], DeviceReply]) \
            -> DeviceReply | None:
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                device = await repo.get_device(conn, device_id)
                if device is None:
                    return None
                row = await conn.fetchrow("SELECT state FROM device_state WHERE device_id = $1 FOR UPDATE",
                                          device_id)
                state = await provisioned_state(conn, device, row["state"] if row else None, self.identities)
                reply = work(self.identities.identity(device_id, device.device_type), state)
                await conn.execute(
                    "INSERT INTO device_state (device_id, state, updated_at) VALUES ($1, $2, now()) "
                    "ON CONFLICT (device_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()",
                    device_id, json.dumps(state))
                return reply


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
    return HanBus(PgStateStore(pool, identities), faults, directory=PgHanDirectory(pool)), identities, faults
