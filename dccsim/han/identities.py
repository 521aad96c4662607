"""Each emulated device's own key pairs and certificates, issued by the SMKI test PKI, and their life cycle:
issued when a device enters the inventory (a large estate's derived on first use instead, see
``dccsim.smki.derived``), re-issued when a device is re-keyed.

A device's identity holds only its own keys, each looked up as the device uses it (a device met for the first
time derives only the key pairs it uses, and has its certificates issued only if asked for them); the Remote
Parties it trusts are in its trust-anchor cells (device state, see ``dccsim.han.installation``), made once per
Remote Party here. The organisations' key-agreement certificates travel in a shared directory a device uses to
MAC its answers, never to accept a signature.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, Mapping, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from devices import Cell, DeviceIdentity, Role, installation
from dccsim.db.cache import PER_DEVICE, SMKI, Cache, Caches
from dccsim.inventory.models import Device
from dccsim.smki import repository as smki_repo
from dccsim.smki.authority import Authority
from dccsim.smki.credentials import Credential, Usage
from dccsim.smki.derived import STORED_UP_TO
from dccsim.smki.store import CredentialStore


class OwnCredentials:
    """A device's own credentials by usage (``"ds"``, ``"ka"``), each looked up when first asked for: a device
    whose credentials are derived has only the key pairs it uses derived (``dccsim.smki.derived``)."""

    USAGES = (gbcs.SIGNING.value, gbcs.KEY_AGREEMENT.value)

    def __init__(self, device_id: str, look_up: Callable[[str], Credential | None]):
        self.device_id = device_id.upper()
        self._look_up = look_up
        self._found: dict[str, tuple[Credential, ec.EllipticCurvePublicKey] | None] = {}

    def _get(self, usage: str) -> tuple[Credential, ec.EllipticCurvePublicKey] | None:
        if usage not in self._found:
            credential = self._look_up(usage) if usage in self.USAGES else None
            self._found[usage] = None if credential is None else (credential, credential.public_key())
        return self._found[usage]

    def get(self, usage: str) -> Credential | None:
        found = self._get(usage)
        return found[0] if found is not None else None

    def public_key(self, usage: str) -> ec.EllipticCurvePublicKey | None:
        found = self._get(usage)
        return found[1] if found is not None else None


class OwnKeys(gbcs.StaticKeyStore):
    """A device's own key pairs (a ``gbcs.KeyStore``), from its credentials as it uses them."""

    def __init__(self, own: OwnCredentials, acb: str):
        super().__init__(acb=acb)
        self._own = own

    def public_key(self, entity: str, usage: gbcs.KeyUsage | str) -> ec.EllipticCurvePublicKey | None:
        return self._own.public_key(str(usage)) if entity.upper() == self._own.device_id else None

    def private_key(self, entity: str, usage: gbcs.KeyUsage | str) -> ec.EllipticCurvePrivateKey | None:
        found = self._own.get(str(usage)) if entity.upper() == self._own.device_id else None
        return found.private_key if found is not None else None


class OwnCertificates(Mapping[str, bytes]):
    """A device's own certificates (DER) by usage, each read from its credential only when asked for: a derived
    credential's certificate is issued then (``dccsim.smki.derived``)."""

    def __init__(self, own: OwnCredentials):
        self._own = own

    def __getitem__(self, usage: str) -> bytes:
        found = self._own.get(usage)
        if found is None:
            raise KeyError(usage)
        return found.certificate.public_bytes(serialization.Encoding.DER)

    def __iter__(self) -> Iterator[str]:
        return (usage for usage in OwnCredentials.USAGES if self._own.get(usage) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Identities:
    """Builds each device's identity from the SMKI store, kept until the credentials change."""

    def __init__(self, smki: CredentialStore, acb: str, caches: Caches):
        self.smki = smki
        self.acb = acb
        self._identities: Cache[str, DeviceIdentity] = caches.add(
            Cache("device identities", (SMKI,), max_entries=PER_DEVICE))
        self._directories: Cache[str, gbcs.StaticKeyStore] = caches.add(Cache("organisations' keys", (SMKI,)))
        self._cells: Cache[tuple[Role, str, str | None], Cell | None] = caches.add(
            Cache("trust-anchor cells", (SMKI,)))

    def directory(self) -> gbcs.StaticKeyStore:
        """The organisations' key-agreement public keys (what the ACB hands devices to answer them)."""
        return self._directories.derived("organisations", self._organisations)

    def _organisations(self) -> gbcs.StaticKeyStore:
        keys = gbcs.StaticKeyStore(acb=self.acb)
        for credential in self.smki.active():
            if not credential.is_device and credential.entity_id and credential.usage is Usage.GBCS_KEY_AGREEMENT:
                keys.add(credential.entity_id, gbcs.KEY_AGREEMENT, public=credential.certificate)
        return keys

    def cell(self, role: Role, usage: str, entity: str | None) -> Cell | None:
        """The trust-anchor cell naming ``entity`` in ``role`` for ``usage`` (the Root's, for ``Role.ROOT``), or
        None where it holds no such certificate: made once, kept until the credentials change (every device
        installed holds the same few)."""
        return self._cells.derived((role, usage, entity), lambda: self._cell(role, usage, entity))

    def _cell(self, role: Role, usage: str, entity: str | None) -> Cell | None:
        if role == Role.ROOT:
            root = self.smki.authorities.get("root")
            return None if root is None else installation.make_cell(
                role, usage, "0000000000000000", root.certificate.public_key(), _key_identifier(root.certificate))
        credential = self.smki.gbcs(entity, usage) if entity else None
        if credential is None:
            return None
        return installation.make_cell(role, usage, entity, credential.public_key(),
                                      _key_identifier(credential.certificate))

    def identity(self, device_id: str) -> DeviceIdentity:
        return self._identities.derived(device_id, lambda: self._identity(device_id))

    def _identity(self, device_id: str) -> DeviceIdentity:
        own = OwnCredentials(device_id, lambda usage: self._own(device_id, usage))
        return DeviceIdentity(device_id, OwnKeys(own, self.acb), OwnCertificates(own), self.directory())

    def forget(self, device_id: str) -> None:
        """The device's credentials changed in this process: its identity is built again when next asked for."""
        self._identities.discard(device_id)

    def _own(self, device_id: str, usage: str) -> Credential | None:
        """The device's key pair: the credential whose private key the simulator issued to it."""
        for credential in self.smki.all_gbcs(device_id, usage):
            if credential.private_key is not None:
                return credential
        return None


def _key_identifier(certificate: x509.Certificate) -> bytes:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest[:8]
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest[:8]


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


class StoredCredentials(Protocol):
    """Whether the SMKI repository stores a device's own credentials, as a cache of it answers
    (``Inventory.credentials_stored``)."""

    async def credentials_stored(self, device_id: str) -> bool: ...


async def load_missing(conn, smki: CredentialStore, device_id: str,
                       stored: StoredCredentials | None = None) -> bool:
    """Credentials another worker issued to a device after this one loaded its store: read them in. With
    ``stored``, a device it says has none stored is not looked up."""
    if smki.holds(device_id, "ka") and smki.holds(device_id, "ds"):
        return False
    if stored is not None and not await stored.credentials_stored(device_id):
        return False
    known = {(c.certificate.issuer.rfc4514_string(), c.serial) for c in smki.all_gbcs(device_id, "ds")
             + smki.all_gbcs(device_id, "ka")}
    added = False
    for credential in await smki_repo.own_credentials(conn, device_id):
        if (credential.certificate.issuer.rfc4514_string(), credential.serial) not in known:
            smki.add(credential)
            added = True
    return added


async def device_credentials(conn, smki: CredentialStore, device: Device,
                             stored: StoredCredentials | None = None) -> bool:
    """Make the credentials of a device of the inventory available to this process: those another worker
    stored since this one loaded its store, else (none stored) its derived ones. True when stored ones were
    read (what was built from the store goes); a device admitted to derivation changes nothing cached, as
    nothing is built for a device before it is admitted. ``stored`` spares the lookup of a device it says
    has none stored (as ``load_missing``)."""
    added = await load_missing(conn, smki, device.device_id, stored)
    if smki.derived is not None:
        smki.derived.admit(device.device_id)
    return added


def devices_authority(smki: CredentialStore) -> Authority:
    """The test PKI's device-issuing CA."""
    held = smki.authorities.get("devices")
    if held is None or held.private_key is None:
        raise LookupError("the SMKI test PKI has no device-issuing CA")
    return Authority(held.certificate, held.private_key)
