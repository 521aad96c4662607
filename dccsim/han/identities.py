"""Each emulated device's own key pairs and certificates, issued by the SMKI test PKI, and their life cycle:
issued when a device enters the inventory, re-issued when a device is re-keyed.

A device's identity holds only its own keys; the Remote Parties it trusts are in its trust-anchor cells
(device state, see ``dccsim.han.installation``). The organisations' key-agreement certificates travel in
a shared directory a device uses to MAC its answers, never to accept a signature.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from cryptography.hazmat.primitives import serialization

import gbcs
from devices.device import DeviceIdentity
from devices.installation import replace_own_credential
from dccsim.smki import repository as smki_repo
from dccsim.smki.credentials import Credential, Usage
from dccsim.smki.store import CredentialStore

if TYPE_CHECKING:
    from dccsim.runtime.simulator import Simulator


class Identities:
    """Builds (and caches) each device's identity from the SMKI store."""

    def __init__(self, smki: CredentialStore, acb: str):
        self.smki = smki
        self.acb = acb
        self._cache: dict[str, DeviceIdentity] = {}
        self._directory: gbcs.StaticKeyStore | None = None
        self.generation = 0          # bumped whenever the credentials behind the caches change

    def directory(self) -> gbcs.StaticKeyStore:
        """The organisations' key-agreement public keys (what the ACB hands devices to answer them)."""
        if self._directory is None:
            keys = gbcs.StaticKeyStore(acb=self.acb)
            for credential in self.smki.active():
                if not credential.is_device and credential.entity_id and credential.usage is Usage.GBCS_KEY_AGREEMENT:
                    keys.add(credential.entity_id, "ka", public=credential.certificate)
            self._directory = keys
        return self._directory

    def identity(self, device_id: str) -> DeviceIdentity:
        cached = self._cache.get(device_id)
        if cached is not None:
            return cached
        keys = gbcs.StaticKeyStore(acb=self.acb)
        certificates = {}
        for usage in ("ds", "ka"):
            credential = self._own(device_id, usage)
            if credential is None:
                continue
            keys.add(device_id, usage, public=credential.certificate, private=credential.private_key)
            certificates[usage] = credential.certificate.public_bytes(serialization.Encoding.DER)
        identity = DeviceIdentity(device_id, keys, certificates, self.directory())
        self._cache[device_id] = identity
        return identity

    def _own(self, device_id: str, usage: str) -> Credential | None:
        """The device's key pair: the credential whose private key the simulator issued to it."""
        for credential in self.smki.all_gbcs(device_id, usage):
            if credential.private_key is not None:
                return credential
        return None

    def forget(self, device_id: str | None = None) -> None:
        self.generation += 1
        if device_id is None:
            self._cache.clear()
            self._directory = None
        else:
            self._cache.pop(device_id, None)


def forget_keys(sim: "Simulator", device_id: str | None = None) -> None:
    """Drop the cached key stores after credentials changed (the DCC's, and the device identities)."""
    sim.extras.pop("dcc_keys", None)
    if sim.identities is not None:
        sim.identities.forget(device_id)


async def enrol_devices(conn, sim: "Simulator", device_ids: Iterable[str]) -> list[Credential]:
    """Devices entering the inventory (pre-notification, estate load) get their digital-signing and
    key-agreement certificates from the SMKI test PKI, unless the simulator already holds their keys."""
    device_ids = list(device_ids)
    issued = await smki_repo.issue_device_credentials(conn, sim.smki, device_ids)
    if issued:
        for device_id in {c.entity_id for c in issued}:
            forget_keys(sim, device_id)
    return issued


async def enrol_device(conn, sim: "Simulator", device_id: str) -> list[Credential]:
    return await enrol_devices(conn, sim, [device_id])


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


def devices_authority(smki: CredentialStore):
    """The test PKI's device-issuing CA."""
    from dccsim.smki.authority import Authority

    held = smki.authorities.get("devices")
    if held is None or held.private_key is None:
        raise LookupError("the SMKI test PKI has no device-issuing CA")
    return Authority(held.certificate, held.private_key)


async def reissue_device_certificate(conn, sim: "Simulator", device_id: str, usage: Usage) -> Credential:
    """The test PKI re-keys a device: a new key pair and certificate, installed on the device.

    The device keeps the new private key in its own state and reports the new certificate when asked
    (6.24.2); the DCC's SMKI repository and inventory follow only then (certificate tracking)."""
    from dccsim.smki import authority

    credential = authority.issue_device(devices_authority(sim.smki), device_id, usage)
    der = credential.certificate.public_bytes(serialization.Encoding.DER)
    pem = credential.key_pem().decode()
    await sim.han.store.update(conn, device_id, lambda state: replace_own_credential(state, usage.value, der, pem))
    return credential
