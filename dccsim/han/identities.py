"""Each emulated device's own key pairs and certificates, issued by the SMKI test PKI, and their life cycle:
issued when a device enters the inventory, re-issued when a device is re-keyed.

A device's identity holds only its own keys; the Remote Parties it trusts are in its trust-anchor cells
(device state, see ``dccsim.han.installation``). The organisations' key-agreement certificates travel in
a shared directory a device uses to MAC its answers, never to accept a signature.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping

from cryptography.hazmat.primitives import serialization

import gbcs
from devices import DeviceIdentity
from dccsim.db.cache import PER_DEVICE, SMKI, Cache, Caches
from dccsim.inventory.models import Device
from dccsim.smki import repository as smki_repo
from dccsim.smki.authority import Authority
from dccsim.smki.credentials import Credential, Usage
from dccsim.smki.derived import STORED_UP_TO
from dccsim.smki.store import CredentialStore


class OwnCertificates(Mapping[str, bytes]):
    """A device's own certificates (DER) by usage, each read from its credential only when asked for: a derived
    credential's certificate is issued then (``dccsim.smki.derived``)."""

    def __init__(self, credentials: dict[str, Credential]):
        self._credentials = credentials

    def __getitem__(self, usage: str) -> bytes:
        return self._credentials[usage].certificate.public_bytes(serialization.Encoding.DER)

    def __iter__(self) -> Iterator[str]:
        return iter(self._credentials)

    def __len__(self) -> int:
        return len(self._credentials)


class Identities:
    """Builds each device's identity from the SMKI store, kept until the credentials change."""

    def __init__(self, smki: CredentialStore, acb: str, caches: Caches):
        self.smki = smki
        self.acb = acb
        self._identities: Cache[str, DeviceIdentity] = caches.add(
            Cache("device identities", (SMKI,), max_entries=PER_DEVICE))
        self._directories: Cache[str, gbcs.StaticKeyStore] = caches.add(Cache("organisations' keys", (SMKI,)))

    def directory(self) -> gbcs.StaticKeyStore:
        """The organisations' key-agreement public keys (what the ACB hands devices to answer them)."""
        return self._directories.derived("organisations", self._organisations)

    def _organisations(self) -> gbcs.StaticKeyStore:
        keys = gbcs.StaticKeyStore(acb=self.acb)
        for credential in self.smki.active():
            if not credential.is_device and credential.entity_id and credential.usage is Usage.GBCS_KEY_AGREEMENT:
                keys.add(credential.entity_id, gbcs.KEY_AGREEMENT, public=credential.certificate)
        return keys

    def identity(self, device_id: str) -> DeviceIdentity:
        return self._identities.derived(device_id, lambda: self._identity(device_id))

    def _identity(self, device_id: str) -> DeviceIdentity:
        keys = gbcs.StaticKeyStore(acb=self.acb)
        own = {}
        for usage in (gbcs.SIGNING, gbcs.KEY_AGREEMENT):
            credential = self._own(device_id, usage)
            if credential is None:
                continue
            keys.add(device_id, usage, public=credential.public_key(), private=credential.private_key)
            own[usage.value] = credential
        return DeviceIdentity(device_id, keys, OwnCertificates(own), self.directory())

    def forget(self, device_id: str) -> None:
        """The device's credentials changed in this process: its identity is built again when next asked for."""
        self._identities.discard(device_id)

    def _own(self, device_id: str, usage: str) -> Credential | None:
        """The device's key pair: the credential whose private key the simulator issued to it."""
        for credential in self.smki.all_gbcs(device_id, usage):
            if credential.private_key is not None:
                return credential
        return None


async def enrol_small_inventory(conn, smki: CredentialStore) -> list[Credential]:
    """An inventory of at most ``STORED_UP_TO`` devices (the demo estate, a hand-written one) has every
    device's credentials issued and stored, as it always had; a larger one has them derived on first use."""
    rows = await conn.fetch("SELECT device_id FROM device ORDER BY device_id LIMIT $1", STORED_UP_TO + 1)
    if len(rows) > STORED_UP_TO:
        return []
    return await enrol_devices(conn, smki, [row["device_id"] for row in rows])


async def enrol_devices(conn, smki: CredentialStore, device_ids: Iterable[str]) -> list[Credential]:
    """Devices entering the inventory (pre-notification, estate load) get their digital-signing and
    key-agreement certificates from the SMKI test PKI, unless the simulator already holds their keys."""
    return await smki_repo.issue_device_credentials(conn, smki, list(device_ids))


async def load_missing(conn, smki: CredentialStore, device_id: str) -> bool:
    """Credentials another worker issued to a device after this one loaded its store: read them in."""
    if smki.gbcs(device_id, "ka") is not None and smki.gbcs(device_id, "ds") is not None:
        return False
    rows = await conn.fetch("SELECT * FROM smki_credential WHERE entity_id = $1 AND usage IN ('ds', 'ka') "
                            "ORDER BY created_at, id", device_id)
    known = {(c.certificate.issuer.rfc4514_string(), c.serial) for c in smki.all_gbcs(device_id, "ds")
             + smki.all_gbcs(device_id, "ka")}
    added = False
    for row in rows:
        credential = smki_repo.credential_from_row(row)
        if (credential.certificate.issuer.rfc4514_string(), credential.serial) not in known:
            smki.add(credential)
            added = True
    return added


async def device_credentials(conn, smki: CredentialStore, device: Device) -> bool:
    """Make the credentials of a device of the inventory available to this process: those another worker
    stored since this one loaded its store, else (none stored) its derived ones. True when stored ones were
    read (what was built from the store goes); a device admitted to derivation changes nothing cached, as
    nothing is built for a device before it is admitted."""
    added = await load_missing(conn, smki, device.device_id)
    if smki.derived is not None:
        smki.derived.admit(device.device_id)
    return added


def devices_authority(smki: CredentialStore) -> Authority:
    """The test PKI's device-issuing CA."""
    held = smki.authorities.get("devices")
    if held is None or held.private_key is None:
        raise LookupError("the SMKI test PKI has no device-issuing CA")
    return Authority(held.certificate, held.private_key)
