"""What an estate load leaves in the inventory, read back in one comparable form."""
from __future__ import annotations

import asyncpg

from dccsim.db.migrations import migrate
from tests.conftest import create_fresh_database

_TABLES = {
    "device": "SELECT * FROM device ORDER BY device_id",
    "device_party": "SELECT device_id, role, entity_id FROM device_party ORDER BY device_id, role",
    "dcc_user": "SELECT entity_id, name, roles, response_endpoint, capacity_rps, capacity_burst FROM dcc_user "
                "ORDER BY entity_id",
    "cpl_entry": "SELECT manufacturer, model, firmware_version, status, firmware_hash, device_type, gbcs_version "
                 "FROM cpl_entry ORDER BY manufacturer, model, firmware_version",
}
_STAMPS = ("status_changed_at", "created_at")


async def migrated_database(pg_base_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(await create_fresh_database(pg_base_url))
    await migrate(conn)
    return conn


async def inventory(conn: asyncpg.Connection) -> dict[str, list[dict]]:
    """Every inventory row, without the time stamps a load sets."""
    found = {}
    for table, query in _TABLES.items():
        found[table] = [{k: v for k, v in dict(r).items() if k not in _STAMPS} for r in await conn.fetch(query)]
    return found
