"""The Smart Metering Inventory as a running simulator process sees it: reads served from its caches
(outside transactions), and writes that empty them (``dccsim.db.cache`` states the rule).

Inside a transaction, read with ``dccsim.inventory.repository`` on the transaction's connection: a
transaction must see its own changes, which no cache holds.
"""
from __future__ import annotations

from typing import Any, Iterable, Protocol

import asyncpg

from dccsim.db.cache import INVENTORY, PER_DEVICE, SMKI, Cache, Caches
from dccsim.inventory import repository as repo
from dccsim.inventory.models import CplEntry, Device, User
from dccsim.smki import repository as smki_repo


class InventoryView(Protocol):
    """The reads access control needs, from a cache or from a transaction's connection."""

    async def parties(self, device_id: str) -> dict[str, str]: ...

    async def premises_devices(self, device: Device) -> list[Device]: ...

    async def parties_and_role_holders(self, device_id: str,
                                       roles: frozenset[str]) -> tuple[dict[str, str], dict[str, str]]: ...


class InTransaction:
    """Inventory reads on one connection, uncached (what a transaction sees)."""

    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn

    async def device(self, device_id: str) -> Device | None:
        return await repo.get_device(self.conn, device_id)

    async def parties(self, device_id: str) -> dict[str, str]:
        return await repo.parties(self.conn, device_id)

    async def premises_devices(self, device: Device) -> list[Device]:
        return await repo.premises_devices(self.conn, device)

    async def parties_and_role_holders(self, device_id: str,
                                       roles: frozenset[str]) -> tuple[dict[str, str], dict[str, str]]:
        return await repo.parties_and_role_holders(self.conn, device_id, roles)


class Inventory:
    """Cached reads on the pool, and writes that empty this process's inventory caches at once and again
    when their transaction commits (other processes hear of the commit through its notification)."""

    def __init__(self, pool: asyncpg.Pool, caches: Caches):
        self.pool = pool
        self._caches = caches
        self._devices: Cache[str, Device | None] = caches.add(
            Cache("devices", (INVENTORY,), max_entries=PER_DEVICE))
        self._parties: Cache[str, dict[str, str]] = caches.add(
            Cache("device parties", (INVENTORY,), max_entries=PER_DEVICE))
        self._premises: Cache[str, tuple[tuple[Device, str | None], ...]] = caches.add(
            Cache("premises with CPL statuses", (INVENTORY,), max_entries=PER_DEVICE))
        self._users: Cache[str, User | None] = caches.add(Cache("users", (INVENTORY,)))
        self._credentials_stored: Cache[str, bool] = caches.add(
            Cache("devices' credentials stored", (INVENTORY, SMKI), max_entries=PER_DEVICE))
        self._role_holders: Cache[frozenset[str], dict[str, str]] = caches.add(Cache("role holders", (INVENTORY,)))

    # --- reads ------------------------------------------------------------------------------------

    async def device(self, device_id: str) -> Device | None:
        return await self._devices.get(device_id, lambda: self._device_and_parties(device_id))

    async def _device_and_parties(self, device_id: str) -> Device | None:
        """Read a device and keep its parties too (whoever reads a device reads its parties next), and whether
        its credentials are stored (whoever sends it a command asks next)."""
        generations = self.generations()
        read = await repo.get_device_with_parties(self.pool, device_id)
        self._keep_with(device_id, read, generations)
        return read.device

    def holds_device(self, device_id: str) -> bool:
        """Whether a read of the device would be served from the cache."""
        return self._devices.peek(device_id) is not None

    def generations(self) -> tuple[int, int, int]:
        """Where the device caches stand, taken before a device is read elsewhere (``keep_device``)."""
        return self._devices.generation, self._parties.generation, self._credentials_stored.generation

    def keep_device(self, device_id: str, read: repo.DeviceRead, generations: tuple[int, int, int]) -> None:
        """Keep a device read in another statement (``repo.device_read_sql``) as ``device`` keeps what it reads,
        unless the caches were emptied since ``generations`` were taken, before that read."""
        self._devices.put(device_id, read.device, generations[0])
        self._keep_with(device_id, read, generations)

    def _keep_with(self, device_id: str, read: repo.DeviceRead, generations: tuple[int, int, int]) -> None:
        if read.device is not None:
            self._parties.put(device_id, read.parties, generations[1])
            self._credentials_stored.put(device_id, read.credentials_stored, generations[2])

    async def credentials_stored(self, device_id: str) -> bool:
        """Whether the SMKI repository stores credentials of the device's own (``ds`` or ``ka``)."""
        return await self._credentials_stored.get(device_id,
                                                  lambda: smki_repo.own_credentials_stored(self.pool, device_id))

    async def parties(self, device_id: str) -> dict[str, str]:
        return dict(await self._parties.get(device_id, lambda: repo.parties(self.pool, device_id)))

    async def premises_devices(self, device: Device) -> list[Device]:
        return await repo.premises_devices(self.pool, device)

    async def parties_and_role_holders(self, device_id: str,
                                       roles: frozenset[str]) -> tuple[dict[str, str], dict[str, str]]:
        """A device's parties and the first user holding each of ``roles``, both as the caches hold them (a
        device the front door has just let through has its parties read already)."""
        holders = await self._role_holders.get(roles, lambda: self._load_role_holders(roles))
        return await self.parties(device_id), dict(holders)

    async def _load_role_holders(self, roles: frozenset[str]) -> dict[str, str]:
        return await repo.role_holders(self.pool, roles)

    async def premises_with_cpl(self, device_id: str) -> tuple[tuple[Device, str | None], ...]:
        """The device's premises with each device's CPL status: the same tuple for as long as the cache keeps
        it, so that what is made of it may be kept by its identity."""
        return await self._premises.get(device_id, lambda: self._load_premises(device_id))

    async def _load_premises(self, device_id: str) -> tuple[tuple[Device, str | None], ...]:
        return tuple(await repo.premises_with_cpl(self.pool, device_id))

    async def user(self, entity_id: str) -> User | None:
        return await self._users.get(entity_id, lambda: repo.get_user(self.pool, entity_id))

    # --- writes -------------------------------------------------------------------------------------

    def _changing(self, conn) -> None:
        self._caches.changed(INVENTORY)
        if hasattr(conn, "after_commit") and conn.is_in_transaction():
            conn.after_commit(lambda: self._caches.changed(INVENTORY))

    async def _write(self, conn, write, *args: Any, **kwargs: Any):
        self._changing(conn)
        try:
            return await write(conn, *args, **kwargs)
        finally:
            self._changing(conn)

    async def upsert_device(self, conn, device: Device) -> None:
        await self._write(conn, repo.upsert_device, device)

    async def update_device(self, conn, device_id: str, **changes: Any) -> None:
        await self._write(conn, repo.update_device, device_id, **changes)

    async def delete_device(self, conn, device_id: str) -> None:
        await self._write(conn, repo.delete_device, device_id)

    async def set_party(self, conn, device_id: str, role: str, entity_id: str) -> None:
        await self._write(conn, repo.set_party, device_id, role, entity_id)

    async def upsert_user(self, conn, user: User) -> None:
        await self._write(conn, repo.upsert_user, user)

    async def set_endpoint(self, conn, entity_id: str, url: str | None) -> bool:
        return await self._write(conn, repo.set_endpoint, entity_id, url)

    async def upsert_cpl(self, conn, entries: Iterable[CplEntry]) -> None:
        await self._write(conn, repo.upsert_cpl, entries)
