"""The device statuses and types the catalogue and the inventory model name are exactly those the
database accepts (migration 0007); anything else is refused by PostgreSQL itself."""
from __future__ import annotations

import asyncpg
import pytest

from dccsim.catalogue import CATALOGUE
from dccsim.db.migrations import migrate
from dccsim.inventory.models import DeviceStatus, DeviceType


async def _insert(conn, device_id: str, device_type: str, status: str) -> None:
    await conn.execute("INSERT INTO device (device_id, device_type, status) VALUES ($1, $2, $3)",
                       device_id, device_type, status)


async def test_database_accepts_known_statuses_and_types_only(fresh_database_url):
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await migrate(conn)
        catalogue_types = {t for spec in CATALOGUE.all() for t in spec.device_types}
        catalogue_statuses = {s for spec in CATALOGUE.all() for s in spec.device_statuses}
        assert catalogue_types <= {t.value for t in DeviceType}
        assert catalogue_statuses <= {s.value for s in DeviceStatus}
        for n, status in enumerate(DeviceStatus):
            await _insert(conn, f"00DB00000000{n:04X}", "ESME", status.value)
        for n, device_type in enumerate(DeviceType):
            await _insert(conn, f"00DB00000001{n:04X}", device_type.value, "Pending")
        with pytest.raises(asyncpg.CheckViolationError):
            await _insert(conn, "00DB000000020000", "ESME", "Comissioned")
        with pytest.raises(asyncpg.CheckViolationError):
            await _insert(conn, "00DB000000020001", "Gas meter", "Pending")
    finally:
        await conn.close()
