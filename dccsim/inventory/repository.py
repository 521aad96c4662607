"""SQL for the Smart Metering Inventory. Every function takes an asyncpg connection (or pool) and reads or
writes exactly what it says; a running simulator reads through its caches and writes through
``dccsim.inventory.cached.Inventory``, which empties them."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

import asyncpg

from dccsim.inventory.models import CplEntry, Device, DeviceStatus, DeviceType, User, UserRole
from dccsim.smki import repository as smki_repo

Conn = asyncpg.Connection | asyncpg.Pool

_DEVICE_COLUMNS = [f.name for f in dataclasses.fields(Device)]


def _user(row: asyncpg.Record) -> User:
    return User(
        entity_id=row["entity_id"],
        name=row["name"],
        roles=tuple(UserRole(role) for role in row["roles"]),
        response_endpoint=row["response_endpoint"],
        capacity_rps=row["capacity_rps"],
        capacity_burst=row["capacity_burst"],
    )


def _device(row: asyncpg.Record) -> Device:
    values = {name: row[name] for name in _DEVICE_COLUMNS}
    attrs = values["attributes"]
    values["attributes"] = json.loads(attrs) if isinstance(attrs, str) else (attrs or {})
    values["device_type"] = DeviceType(values["device_type"])
    values["status"] = DeviceStatus(values["status"])
    return Device(**values)


# --- users ---------------------------------------------------------------------------------

async def get_user(conn: Conn, entity_id: str) -> User | None:
    row = await conn.fetchrow("SELECT * FROM dcc_user WHERE entity_id = $1", entity_id)
    return _user(row) if row else None


async def list_users(conn: Conn) -> list[User]:
    return [_user(r) for r in await conn.fetch("SELECT * FROM dcc_user ORDER BY entity_id")]


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


async def set_endpoint(conn: Conn, entity_id: str, url: str | None) -> bool:
    result = await conn.execute("UPDATE dcc_user SET response_endpoint = $2 WHERE entity_id = $1", entity_id, url)
    return result.endswith(" 1")


# --- devices -------------------------------------------------------------------------------

async def get_device(conn: Conn, device_id: str) -> Device | None:
    row = await conn.fetchrow("SELECT * FROM device WHERE device_id = $1", device_id)
    return _device(row) if row else None


@dataclass(frozen=True)
class DeviceRead:
    """A device with what is read with it: its responsible parties ({role: entity id}, as ``parties``) and
    whether credentials of its own are stored (as ``smki.repository.own_credentials_stored``; None for a
    device not in the inventory, of which nothing is read)."""

    device: Device | None
    parties: dict[str, str]
    credentials_stored: bool | None


def device_read_sql(device_id: str) -> str:
    """The one statement that reads a device, its responsible parties and whether its credentials are stored, for
    the device whose id is the SQL expression ``device_id`` (a parameter, or a column of an outer query)."""
    return ("SELECT d.*, p.roles AS party_roles, p.entities AS party_entities, "
            + smki_repo.own_credentials_stored_sql("d.device_id") + " AS credentials_stored FROM device d "
            "LEFT JOIN LATERAL (SELECT array_agg(role) AS roles, array_agg(entity_id) AS entities FROM device_party "
            f"WHERE device_party.device_id = d.device_id) p ON true WHERE d.device_id = {device_id}")


def device_read(row: asyncpg.Record | None) -> DeviceRead:
    """The ``DeviceRead`` of a row with ``device_read_sql``'s columns (no row, or a NULL device_id: no such device)."""
    if row is None or row["device_id"] is None:
        return DeviceRead(None, {}, None)
    return DeviceRead(_device(row), dict(zip(row["party_roles"] or (), row["party_entities"] or ())),
                      row["credentials_stored"])


async def get_device_with_parties(conn: Conn, device_id: str) -> DeviceRead:
    """A device, its responsible parties and whether its credentials are stored, in one statement."""
    return device_read(await conn.fetchrow(device_read_sql("$1"), device_id))


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


async def delete_device(conn: Conn, device_id: str) -> None:
    await conn.execute("UPDATE device SET chf_id = NULL WHERE chf_id = $1", device_id)
    await conn.execute("UPDATE device SET gpf_id = NULL WHERE gpf_id = $1", device_id)
    await conn.execute("DELETE FROM device WHERE device_id = $1", device_id)


# --- responsibilities ----------------------------------------------------------------------

async def parties(conn: Conn, device_id: str) -> dict[str, str]:
    rows = await conn.fetch("SELECT role, entity_id FROM device_party WHERE device_id = $1", device_id)
    return {r["role"]: r["entity_id"] for r in rows}


def _role_holders(roles: str) -> str:
    """SQL: for each of the users' roles in the parameter ``roles`` (say "$2"), the first user (by entity id)
    that holds it."""
    return ("SELECT DISTINCT ON (role) true AS holder, role, entity_id FROM dcc_user "
            f"CROSS JOIN LATERAL unnest(roles) AS role WHERE role = ANY({roles}::text[]) ORDER BY role, entity_id")


async def parties_and_role_holders(conn: Conn, device_id: str,
                                   roles: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """A device's parties (as ``parties``) and, for each of the users' ``roles``, the first user (by entity id)
    that holds it ({role: entity id}), in one statement."""
    rows = await conn.fetch(
        "SELECT false AS holder, role, entity_id FROM device_party WHERE device_id = $1 "
        f"UNION ALL ({_role_holders('$2')})", device_id, list(roles))
    parties = {r["role"]: r["entity_id"] for r in rows if not r["holder"]}
    return parties, {r["role"]: r["entity_id"] for r in rows if r["holder"]}


async def role_holders(conn: Conn, roles: Iterable[str]) -> dict[str, str]:
    """For each of the users' ``roles``, the first user (by entity id) that holds it ({role: entity id})."""
    rows = await conn.fetch(_role_holders("$1"), list(roles))
    return {r["role"]: r["entity_id"] for r in rows}


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
