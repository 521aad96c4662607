"""Write an estate into the inventory in batches: COPY into temporary tables, then one INSERT … ON CONFLICT
per table, so that a reload is idempotent and a million devices take one pass.

What the row-by-row loader (``dccsim.estate.loader.load_estate``) checks is checked here too, with the same
messages: a link to a device neither in the estate nor in the inventory, a party that is not a known user.
Within one estate a later entry for the same device (or the same device and role) wins, as it does there.
"""
from __future__ import annotations

import dataclasses
import json
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from dccsim.estate.loader import EstateError
from dccsim.estate.stream import DeviceEntry, EstateItem, read_estate
from dccsim.inventory import repository as repo
from dccsim.inventory.models import CplEntry, Device, User

BATCH = 10_000

_COLUMNS = [f.name for f in dataclasses.fields(Device)]
_DEVICE_COPY = ["seq", *_COLUMNS]
_PARTY_COPY = ["seq", "device_id", "role", "entity_id"]
_VALUES = operator.attrgetter(*_COLUMNS[:-1])     # every column but the last, ``attributes`` (JSON)
_COLUMN_LIST = ", ".join(_COLUMNS)
_UPDATES = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "device_id")

_STAGE = """
DROP TABLE IF EXISTS pg_temp.estate_device, pg_temp.estate_party;
CREATE TEMP TABLE estate_device (seq bigint NOT NULL, LIKE device INCLUDING DEFAULTS) ON COMMIT DROP;
CREATE TEMP TABLE estate_party (seq bigint NOT NULL, device_id text NOT NULL, role text NOT NULL,
                                entity_id text NOT NULL) ON COMMIT DROP;
"""

_UNKNOWN_LINK = """
SELECT s.device_id, l.link
FROM estate_device s CROSS JOIN LATERAL (VALUES (1, s.chf_id), (2, s.gpf_id)) AS l(n, link)
WHERE l.link IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM estate_device x WHERE x.device_id = l.link)
  AND NOT EXISTS (SELECT 1 FROM device d WHERE d.device_id = l.link)
ORDER BY s.seq, l.n LIMIT 1
"""

_UNKNOWN_PARTY = """
SELECT p.device_id, p.role, p.entity_id FROM estate_party p
WHERE NOT EXISTS (SELECT 1 FROM dcc_user u WHERE u.entity_id = p.entity_id)
ORDER BY p.seq LIMIT 1
"""

_INSERT_DEVICES = f"""
INSERT INTO device ({_COLUMN_LIST})
SELECT DISTINCT ON (device_id) {_COLUMN_LIST} FROM estate_device ORDER BY device_id, seq DESC
ON CONFLICT (device_id) DO UPDATE SET {_UPDATES}
"""

_INSERT_PARTIES = """
INSERT INTO device_party (device_id, role, entity_id)
SELECT DISTINCT ON (device_id, role) device_id, role, entity_id FROM estate_party ORDER BY device_id, role, seq DESC
ON CONFLICT (device_id, role) DO UPDATE SET entity_id = EXCLUDED.entity_id, since = now()
"""


@dataclass
class EstateLoaded:
    """What an estate load wrote: its users, how many device entries, its CPL entries."""

    users: list[User] = field(default_factory=list)
    devices: int = 0
    cpl: list[CplEntry] = field(default_factory=list)


class _Staging:
    """Device and party rows gathered in batches and copied into the temporary tables."""

    def __init__(self, conn):
        self.conn = conn
        self.devices: list[tuple] = []
        self.parties: list[tuple] = []
        self.seq = 0

    def add(self, entry: DeviceEntry) -> None:
        self.seq += 1
        self.devices.append((self.seq, *_VALUES(entry.device), json.dumps(entry.device.attributes)))
        self.parties.extend((self.seq, *party) for party in entry.parties)

    async def flush(self) -> None:
        if self.devices:
            await self.conn.copy_records_to_table("estate_device", records=self.devices, columns=_DEVICE_COPY)
        if self.parties:
            await self.conn.copy_records_to_table("estate_party", records=self.parties, columns=_PARTY_COPY)
        self.devices, self.parties = [], []


async def settle(conn) -> None:
    """After a large load: vacuum the inventory now rather than have autovacuum do it under load later (not in
    a transaction)."""
    await conn.execute("VACUUM (ANALYZE) device, device_party")


async def load_estate_file(conn, path: Path) -> EstateLoaded:
    """Read an estate file in one streaming pass and write it (``write_estate``)."""
    return await write_estate(conn, read_estate(Path(path)))


async def write_estate(conn, items: Iterable[EstateItem]) -> EstateLoaded:
    """Write users, devices and the CPL in one transaction; raise EstateError (nothing written) when an entry
    is invalid or refers to a device or user that does not exist."""
    loaded = EstateLoaded()
    async with conn.transaction():
        await conn.execute(_STAGE)
        staging = _Staging(conn)
        for item in items:
            if isinstance(item, DeviceEntry):
                staging.add(item)
                loaded.devices += 1
                if len(staging.devices) >= BATCH:
                    await staging.flush()
            elif isinstance(item, User):
                await repo.upsert_user(conn, item)
                loaded.users.append(item)
            else:
                loaded.cpl.append(item)
        await staging.flush()
        await _merge(conn)
        await repo.upsert_cpl(conn, loaded.cpl)
    return loaded


async def _merge(conn) -> None:
    await conn.execute("CREATE INDEX ON estate_device (device_id); ANALYZE estate_device, estate_party")
    unknown = await conn.fetchrow(_UNKNOWN_LINK)
    if unknown is not None:
        raise EstateError(f"device {unknown['device_id']} refers to unknown device {unknown['link']}")
    await conn.execute(_INSERT_DEVICES)
    unknown = await conn.fetchrow(_UNKNOWN_PARTY)
    if unknown is not None:
        raise EstateError(f"device {unknown['device_id']}: party {unknown['role']} {unknown['entity_id']} "
                          "is not a known user")
    await conn.execute(_INSERT_PARTIES)
    await conn.execute("ANALYZE device, device_party")     # the planner knows the new inventory at once
