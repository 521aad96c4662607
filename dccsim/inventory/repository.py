"""SQL for the Smart Metering Inventory. Every function takes an asyncpg connection (or pool).

Reads of a device, of its parties and of its premises (with CPL statuses) are served from an in-process
cache when they go through the simulator's pool or one of its connections outside a transaction (a
transaction may see its own changes). Any change to devices, parties, users or the CPL clears it: at once
in the writing process (the write functions here), and in every process when the change commits (a
statement trigger notifies ``dccsim_inventory``; see ``InventoryCache.watch``).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import time
from datetime import date, datetime
from typing import Any, Iterable

import asyncpg

from dccsim.inventory.models import CplEntry, Device, User

Conn = asyncpg.Connection | asyncpg.Pool

CHANNEL = "dccsim_inventory"


class InventoryCache:
    """Devices and parties by device id, for a few seconds at most, cleared on every inventory change."""

    def __init__(self, ttl: float = 10.0):
        self.ttl = ttl
        self.enabled = False          # only once every change reaches it (``watch``)
        self.generation = 0
        self._devices: dict[str, tuple[float, Device | None]] = {}
        self._parties: dict[str, tuple[float, dict[str, str]]] = {}
        self._premises: dict[str, tuple[float, list]] = {}

    def clear(self) -> None:
        self.generation += 1
        self._devices.clear()
        self._parties.clear()
        self._premises.clear()

    async def read(self, table: dict, key: str, load):
        """``table[key]`` if fresh, else ``await load()``, kept unless the inventory changed meanwhile."""
        hit = table.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        generation = self.generation
        value = await load()
        if generation == self.generation:      # nothing changed while it was being read
            table[key] = (time.monotonic(), value)
        return value

    async def watch(self, listener) -> None:
        """Clear on every committed inventory change, in whichever process it was made."""
        await listener.subscribe(CHANNEL, lambda _pid, _payload: self.clear())
        self.enabled = listener.available


_CACHES: dict[int, InventoryCache] = {}


def use_cache(pool: asyncpg.Pool, cache: InventoryCache) -> None:
    _CACHES[id(pool)] = cache


def forget_cache(pool: asyncpg.Pool) -> None:
    _CACHES.pop(id(pool), None)


async def _cached(conn, table: str, key: str, load):
    """A read through this process's inventory cache where ``conn`` may use it (see ``_cache_of``)."""
    cache = _cache_of(conn)
    return await load() if cache is None else await cache.read(getattr(cache, table), key, load)


def _cache_of(conn) -> InventoryCache | None:
    """The cache a read through ``conn`` may use: a registered pool's, or its connection's outside a
    transaction."""
    cache = _CACHES.get(id(conn))
    if cache is None:
        cache = getattr(conn, "inventory_cache", None)
        if cache is not None and conn.is_in_transaction():
            return None
    return cache if cache is not None and cache.enabled else None


def _inventory_changed() -> None:
    """This process changed the inventory: drop what it cached (the commit's notification follows)."""
    for cache in list(_CACHES.values()):
        cache.clear()


def _invalidates(write):
    """A write to the inventory clears this process's cache before and after it runs, and again when its
    transaction commits: no read racing the write can leave a stale entry behind in this process."""
    @functools.wraps(write)
    async def wrapper(conn, *args, **kwargs):
        _inventory_changed()
        try:
            return await write(conn, *args, **kwargs)
        finally:
            _inventory_changed()
            if getattr(conn, "after_commit", None) is not None and conn.is_in_transaction():
                conn.after_commit(_inventory_changed)
    return wrapper

_DEVICE_COLUMNS = [f.name for f in dataclasses.fields(Device)]


def _user(row: asyncpg.Record) -> User:
    return User(
        entity_id=row["entity_id"],
        name=row["name"],
        roles=tuple(row["roles"]),
        response_endpoint=row["response_endpoint"],
        capacity_rps=row["capacity_rps"],
        capacity_burst=row["capacity_burst"],
    )


def _device(row: asyncpg.Record) -> Device:
    values = {name: row[name] for name in _DEVICE_COLUMNS}
    attrs = values["attributes"]
    values["attributes"] = json.loads(attrs) if isinstance(attrs, str) else (attrs or {})
    return Device(**values)


# --- users ---------------------------------------------------------------------------------

async def get_user(conn: Conn, entity_id: str) -> User | None:
    row = await conn.fetchrow("SELECT * FROM dcc_user WHERE entity_id = $1", entity_id)
    return _user(row) if row else None


async def list_users(conn: Conn) -> list[User]:
    return [_user(r) for r in await conn.fetch("SELECT * FROM dcc_user ORDER BY entity_id")]


@_invalidates
async def upsert_user(conn: Conn, user: User) -> None:
    """Add or update a user; its capacity allocation becomes exactly what ``user`` says (None: none)."""
    await conn.execute(
        """
        INSERT INTO dcc_user (entity_id, name, roles, response_endpoint, capacity_rps, capacity_burst)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (entity_id) DO UPDATE SET
            name = EXCLUDED.name,
            roles = EXCLUDED.roles,
            response_endpoint = COALESCE(EXCLUDED.response_endpoint, dcc_user.response_endpoint),
            capacity_rps = EXCLUDED.capacity_rps,
            capacity_burst = EXCLUDED.capacity_burst
        """,
        user.entity_id, user.name, list(user.roles), user.response_endpoint,
        user.capacity_rps, user.capacity_burst,
    )


@_invalidates
async def set_endpoint(conn: Conn, entity_id: str, url: str | None) -> bool:
    result = await conn.execute("UPDATE dcc_user SET response_endpoint = $2 WHERE entity_id = $1", entity_id, url)
    return result.endswith(" 1")


# --- devices -------------------------------------------------------------------------------

async def get_device(conn: Conn, device_id: str) -> Device | None:
    async def load() -> Device | None:
        row = await conn.fetchrow("SELECT * FROM device WHERE device_id = $1", device_id)
        return _device(row) if row else None
    return await _cached(conn, "_devices", device_id, load)


async def find_devices(conn: Conn, *, mpxn: str | None = None, uprn: str | None = None,
                       postcode: str | None = None, address_identifier: str | None = None,
                       chf_id: str | None = None) -> list[Device]:
    clauses, args = [], []
    for column, value in (("uprn", uprn), ("postcode", postcode),
                          ("address_identifier", address_identifier), ("chf_id", chf_id)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if mpxn is not None:
        args.append(mpxn)
        n = len(args)
        clauses.append(f"(import_mpxn = ${n} OR secondary_import_mpan = ${n} OR export_mpan = ${n})")
    if not clauses:
        return []
    rows = await conn.fetch(f"SELECT * FROM device WHERE {' AND '.join(clauses)} ORDER BY device_id", *args)
    return [_device(r) for r in rows]


async def premises_devices(conn: Conn, device: Device) -> list[Device]:
    """The device and every device sharing its Communications Hub (its premises), CHF first."""
    chf = device.device_id if device.device_type == "CHF" else device.chf_id
    if chf is None:
        return [device]
    rows = await conn.fetch(
        "SELECT * FROM device WHERE device_id = $1 OR chf_id = $1 "
        "ORDER BY (device_type = 'CHF') DESC, (device_type = 'GPF') DESC, device_id",
        chf,
    )
    found = [_device(r) for r in rows]
    if all(d.device_id != device.device_id for d in found):
        found.append(device)
    return found


async def premises_with_cpl(conn: Conn, device_id: str) -> list[tuple[Device, str | None]]:
    """The device's premises (as ``premises_devices``) with each device's CPL status, in one query."""
    return list(await _cached(conn, "_premises", device_id, lambda: _premises_with_cpl(conn, device_id)))


async def _premises_with_cpl(conn: Conn, device_id: str) -> list[tuple[Device, str | None]]:
    rows = await conn.fetch(
        """
        WITH target AS (
            SELECT CASE WHEN device_type = 'CHF' THEN device_id ELSE chf_id END AS hub, device_id
            FROM device WHERE device_id = $1
        )
        SELECT d.*, c.status AS cpl_status
        FROM target t
        JOIN device d ON d.device_id = t.device_id OR (t.hub IS NOT NULL AND (d.device_id = t.hub OR d.chf_id = t.hub))
        LEFT JOIN cpl_entry c ON c.manufacturer IS NOT DISTINCT FROM d.manufacturer
             AND c.model IS NOT DISTINCT FROM d.model AND c.firmware_version = d.firmware_version
        ORDER BY (d.device_type = 'CHF') DESC, (d.device_type = 'GPF') DESC, d.device_id
        """,
        device_id,
    )
    return [(_device(r), r["cpl_status"]) for r in rows]


@_invalidates
async def upsert_device(conn: Conn, device: Device) -> None:
    values = dataclasses.asdict(device)
    values["attributes"] = json.dumps(values["attributes"])
    columns = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "device_id")
    await conn.execute(
        f"INSERT INTO device ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT (device_id) DO UPDATE SET {updates}",
        *values.values(),
    )


@_invalidates
async def update_device(conn: Conn, device_id: str, **changes: Any) -> None:
    """Set the given columns; a status change also stamps ``status_changed_at``."""
    if not changes:
        return
    if "attributes" in changes:
        changes["attributes"] = json.dumps(changes["attributes"])
    assignments = [f"{column} = ${i}" for i, column in enumerate(changes, start=2)]
    if "status" in changes:
        assignments.append("status_changed_at = now()")
    await conn.execute(
        f"UPDATE device SET {', '.join(assignments)} WHERE device_id = $1",
        device_id, *changes.values(),
    )


@_invalidates
async def delete_device(conn: Conn, device_id: str) -> None:
    await conn.execute("UPDATE device SET chf_id = NULL WHERE chf_id = $1", device_id)
    await conn.execute("UPDATE device SET gpf_id = NULL WHERE gpf_id = $1", device_id)
    await conn.execute("DELETE FROM device WHERE device_id = $1", device_id)


# --- responsibilities ----------------------------------------------------------------------

async def parties(conn: Conn, device_id: str) -> dict[str, str]:
    async def load() -> dict[str, str]:
        rows = await conn.fetch("SELECT role, entity_id FROM device_party WHERE device_id = $1", device_id)
        return {r["role"]: r["entity_id"] for r in rows}
    return dict(await _cached(conn, "_parties", device_id, load))


@_invalidates
async def set_party(conn: Conn, device_id: str, role: str, entity_id: str) -> None:
    await conn.execute(
        "INSERT INTO device_party (device_id, role, entity_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (device_id, role) DO UPDATE SET entity_id = EXCLUDED.entity_id, since = now()",
        device_id, role, entity_id,
    )


async def opt_in(conn: Conn, device_id: str, entity_id: str, when: date) -> None:
    await conn.execute(
        "INSERT INTO device_opt_in (device_id, entity_id, opt_in_date) VALUES ($1, $2, $3) "
        "ON CONFLICT (device_id, entity_id) DO UPDATE SET opt_in_date = EXCLUDED.opt_in_date",
        device_id, entity_id, when,
    )


async def opted_in(conn: Conn, device_id: str, entity_id: str) -> bool:
    return bool(await conn.fetchval(
        "SELECT 1 FROM device_opt_in WHERE device_id = $1 AND entity_id = $2", device_id, entity_id))


# --- Central Products List -----------------------------------------------------------------

@_invalidates
async def upsert_cpl(conn: Conn, entries: Iterable[CplEntry]) -> None:
    await conn.executemany(
        """
        INSERT INTO cpl_entry (manufacturer, model, firmware_version, status, firmware_hash, device_type, gbcs_version)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (manufacturer, model, firmware_version) DO UPDATE SET
            status = EXCLUDED.status, firmware_hash = EXCLUDED.firmware_hash,
            device_type = EXCLUDED.device_type, gbcs_version = EXCLUDED.gbcs_version
        """,
        [(e.manufacturer, e.model, e.firmware_version, e.status, e.firmware_hash, e.device_type, e.gbcs_version)
         for e in entries],
    )


async def cpl_lookup(conn: Conn, manufacturer: str | None, model: str | None, firmware_version: str) -> CplEntry | None:
    row = await conn.fetchrow(
        "SELECT * FROM cpl_entry WHERE manufacturer IS NOT DISTINCT FROM $1 AND model IS NOT DISTINCT FROM $2 "
        "AND firmware_version = $3",
        manufacturer, model, firmware_version,
    )
    if row is None:
        return None
    return CplEntry(row["manufacturer"], row["model"], row["firmware_version"], row["status"],
                    row["firmware_hash"], row["device_type"], row["gbcs_version"])


# --- request counters ----------------------------------------------------------------------

async def advance_counter(conn: Conn, originator: str, counter: int) -> bool:
    """Record ``counter`` as the originator's latest if it is strictly greater; False otherwise."""
    accepted = await conn.fetchval(
        """
        INSERT INTO request_counter (originator, last_counter) VALUES ($1, $2)
        ON CONFLICT (originator) DO UPDATE SET last_counter = EXCLUDED.last_counter, updated_at = now()
            WHERE request_counter.last_counter < EXCLUDED.last_counter
        RETURNING 1
        """,
        originator, counter,
    )
    return bool(accepted)


async def last_counter(conn: Conn, originator: str) -> int | None:
    value = await conn.fetchval("SELECT last_counter FROM request_counter WHERE originator = $1", originator)
    return int(value) if value is not None else None


# --- message log ---------------------------------------------------------------------------

async def messages_for(conn: Conn, request_id: str) -> list[dict[str, Any]]:
    from dccsim.delivery.message_log import messages_for as merged

    return await merged(conn, request_id)


def as_datetime(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None
