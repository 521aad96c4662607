"""Device credentials on first use: a credential store that derives those of inventory devices it holds none
for (``dccsim.smki.derived``), and derived credentials stored where they must be — when a repository search
shows them (so that retrieval by serial number finds them) or before a certificate the device reports
replaces one (so that the repository keeps the one replaced, as it keeps issued ones).
"""
from __future__ import annotations

from dccsim.smki import repository as smki_repo
from dccsim.smki.credentials import Credential
from dccsim.smki.derived import DerivedDevices, derived_devices
from dccsim.smki.store import CredentialStore


async def derive_in(conn, store: CredentialStore) -> CredentialStore:
    """Give ``store`` this database's device credential derivation (its device CA must be loaded)."""
    devices_ca = store.authorities.get("devices")
    if devices_ca is None:
        raise LookupError("the SMKI test PKI has no device-issuing CA (bootstrap has not run)")
    store.derived = await derived_devices(conn, devices_ca)
    return store


async def in_inventory(conn, device_id: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM device WHERE device_id = $1", device_id))


def derived_in_use(store: CredentialStore, device_id: str) -> list[Credential]:
    """The derived credentials the store uses for an admitted device (none where it holds stored ones)."""
    if store.derived is None:
        return []
    return [c for c in store.derived.credentials(device_id) if store.gbcs(device_id, c.usage.value) is c]


async def keep_derived(conn, store: CredentialStore, device_id: str) -> list[Credential]:
    """Store (with their keys, as issued credentials are) the derived credentials the store uses for a
    device, and hold them as stored from now on; return them."""
    in_use = derived_in_use(store, device_id)
    await smki_repo.save_credentials(conn, in_use)
    for credential in in_use:
        store.add(credential)
    return in_use


async def repository_certificates(conn, derived: DerivedDevices | None, entity_id: str) -> list[Credential]:
    """What the SMKI repository holds for an entity (``smki_repo.certificates_of``); a device of the
    inventory with nothing stored has its derived certificates stored first. Anything else has none."""
    stored = await smki_repo.certificates_of(conn, entity_id)
    if stored or derived is None or not await in_inventory(conn, entity_id):
        return stored
    derived.admit(entity_id)
    await smki_repo.save_credentials(conn, derived.credentials(entity_id))
    return await smki_repo.certificates_of(conn, entity_id)


def hold_derived(store: CredentialStore, device_ids: list[str]) -> list[Credential]:
    """Hold as stored, in this store only, the derived credentials it uses for admitted devices (``keys
    export --device``); return them."""
    found = [c for device_id in device_ids for c in derived_in_use(store, device_id)]
    for credential in found:
        store.add(credential)
    return found
