"""Device credentials derived on first use instead of issued and stored at start: a million-device estate costs
nothing until a device is used.

A device's GBCS key pair is derived from the SMKI seed (one per database, ``smki_seed``) and the device id
(HKDF-SHA256 → a P-256 scalar); its certificate is issued by the test PKI's device CA with a serial derived
the same way and a deterministic ECDSA signature. So every worker and every host on one database derives
the same credentials, byte for byte, without telling each other. Credentials are derived only for devices
the caller has found in the inventory (``DerivedDevices.admit``); an entity that is not a device of the
inventory never gets one. Stored credentials (the demo estate's, RTDS / ZAZ1 imports, certificates a device
reported) are always preferred: the credential store asks here only when it holds none.

A device's first contact needs its key pairs, not its certificates: a derived credential
(``DerivedCredential``) has its key pair at once and its certificate issued the first time anything reads it
(an SMKI search or retrieval, a keys export, a read of the device's certificates, the console) — the same
certificate, byte for byte, whenever that is.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dccsim.smki import authority
from dccsim.smki.authority import Authority
from dccsim.smki.credentials import Credential, Usage

# The usages a device's derived credentials serve, and so the only ones looked up here.
DEVICE_USAGES = (Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT)
_USAGES = {usage.value: usage for usage in DEVICE_USAGES}
# An inventory of at most this many devices has its devices' credentials stored when it is prepared (as a
# small estate always had them): keys exports and the SMKI repository list every one of them.
STORED_UP_TO = 1_000
# Derived credentials kept in memory at most (the least recently used go, and are derived again if needed).
KEEP = 20_000

_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)   # of P-256


def _hkdf(seed: bytes, purpose: str, device_id: str, usage: Usage, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"dccsim SMKI device credentials",
                info=f"{purpose}/{device_id}/{usage.value}".encode()).derive(seed)


def derive_device_key(seed: bytes, device_id: str, usage: Usage) -> ec.EllipticCurvePrivateKey:
    """The device's private key for ``usage``: the same for the same seed, device id and usage."""
    # 48 bytes reduced modulo the group order: the bias is below 2^-128 (FIPS 186-5, A.2.1).
    scalar = int.from_bytes(_hkdf(seed, "key", device_id, usage, 48), "big") % (_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def derive_device_serial(seed: bytes, device_id: str, usage: Usage) -> int:
    """The serial number of the device's certificate for ``usage`` (odd, so never zero)."""
    return int.from_bytes(_hkdf(seed, "serial", device_id, usage, 19), "big") | 1


def derive_device_credential(seed: bytes, ca: Authority, device_id: str, usage: Usage) -> Credential:
    """The device's credential for ``usage``, its certificate issued now: the same for the same seed, CA,
    device id and usage."""
    return authority.issue_device(ca, device_id, usage, key=derive_device_key(seed, device_id, usage),
                                  serial=derive_device_serial(seed, device_id, usage))


class DerivedCredential(Credential):
    """A device's derived credential: its key pair at once, its certificate issued by the device CA when first
    read (``derive_device_credential``'s, byte for byte). Its serial number, validity period and public key
    are known without issuing it."""

    def __init__(self, seed: bytes, ca: Authority, device_id: str, usage: Usage):
        # Not the dataclass's __init__: ``certificate`` is a property here.
        self.entity_id = device_id
        self.usage = usage
        self.role_code = None
        self.private_key = derive_device_key(seed, device_id, usage)
        self.source = "generated"
        self.is_device = True
        self._seed = seed
        self._ca = ca
        self._public_key = self.private_key.public_key()
        self._serial: int | None = None
        self._certificate: x509.Certificate | None = None

    @property
    def certificate(self) -> x509.Certificate:
        if self._certificate is None:
            self._certificate = authority.issue_device(self._ca, self.entity_id, self.usage,
                                                       key=self.private_key, serial=self.serial).certificate
        return self._certificate

    @property
    def issued(self) -> bool:
        """Whether its certificate has been issued (read) yet."""
        return self._certificate is not None

    @property
    def serial(self) -> int:
        if self._serial is None:
            self._serial = derive_device_serial(self._seed, self.entity_id, self.usage)
        return self._serial

    @property
    def validity(self) -> tuple[datetime, datetime]:
        return authority.NOT_BEFORE, authority.NOT_AFTER

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public_key


class DerivedDevices:
    """The derived credentials of the inventory devices this process has met (``admit``), for the credential
    store to fall back on (``credential``)."""

    def __init__(self, seed: bytes, ca: Authority, *, keep: int = KEEP):
        self.seed = seed
        self.ca = ca
        self.keep = keep
        self._admitted: set[str] = set()
        self._kept: OrderedDict[tuple[str, str], DerivedCredential] = OrderedDict()

    def admit(self, device_id: str) -> None:
        """``device_id`` is a device of the inventory (the caller read it there): it may have credentials."""
        self._admitted.add(device_id)

    def admitted(self, device_id: str) -> bool:
        return device_id in self._admitted

    def derives(self, entity_id: str, usage: str) -> bool:
        """Whether ``credential(entity_id, usage)`` gives one (an admitted device, ``"ds"`` or ``"ka"``)."""
        return entity_id in self._admitted and usage in _USAGES

    def credential(self, entity_id: str, usage: str) -> DerivedCredential | None:
        """The derived credential of an admitted device for ``"ds"`` or ``"ka"``; None for anything else."""
        if not self.derives(entity_id, usage):
            return None
        key = (entity_id, usage)
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            return found
        found = self._kept[key] = DerivedCredential(self.seed, self.ca, entity_id, _USAGES[usage])
        if len(self._kept) > self.keep:
            self._kept.popitem(last=False)
        return found

    def public_key(self, entity_id: str, usage: str) -> ec.EllipticCurvePublicKey | None:
        """The public key of ``credential(entity_id, usage)``."""
        found = self.credential(entity_id, usage)
        return found.public_key() if found is not None else None

    def credentials(self, device_id: str) -> list[Credential]:
        """Both credentials of an admitted device (none for anything else)."""
        found = (self.credential(device_id, usage.value) for usage in DEVICE_USAGES)
        return [c for c in found if c is not None]


async def smki_seed(conn) -> bytes:
    """The database's SMKI seed, made on first use (every process then reads the same one)."""
    seed = await conn.fetchval("SELECT seed FROM smki_seed WHERE id = 1")
    if seed is None:
        await conn.execute("INSERT INTO smki_seed (id, seed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                           os.urandom(32))
        seed = await conn.fetchval("SELECT seed FROM smki_seed WHERE id = 1")
    return bytes(seed)


async def derived_devices(conn, devices_ca: Credential, *, keep: int = KEEP) -> DerivedDevices:
    """What derives this database's device credentials, given the test PKI's device CA (with its key)."""
    if devices_ca.private_key is None:
        raise LookupError("the SMKI test PKI's device CA has no private key")
    return DerivedDevices(await smki_seed(conn), Authority(devices_ca.certificate, devices_ca.private_key),
                          keep=keep)
