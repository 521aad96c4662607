"""Device credentials derived on first use instead of issued and stored at start: a million-device estate costs
nothing until a device is used.

A device's GBCS key pair is derived from the SMKI seed (one per database, ``smki_seed``) and the device id
(HKDF-SHA256 → a P-256 scalar); its certificate is issued by the test PKI's device CA with a serial derived
the same way and a deterministic ECDSA signature. So every worker and every host on one database derives
the same credentials, byte for byte, without telling each other. Credentials are derived only for devices
the caller has found in the inventory (``DerivedDevices.admit``); an entity that is not a device of the
inventory never gets one. Stored credentials (the demo estate's, RTDS / ZAZ1 imports, certificates a device
reported) are always preferred: the credential store asks here only when it holds none.
"""
from __future__ import annotations

import os
from collections import OrderedDict

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


def derive_device_credential(seed: bytes, ca: Authority, device_id: str, usage: Usage) -> Credential:
    """The device's credential for ``usage``: the same for the same seed, CA, device id and usage."""
    # 48 bytes reduced modulo the group order: the bias is below 2^-128 (FIPS 186-5, A.2.1).
    scalar = int.from_bytes(_hkdf(seed, "key", device_id, usage, 48), "big") % (_ORDER - 1) + 1
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    serial = int.from_bytes(_hkdf(seed, "serial", device_id, usage, 19), "big") | 1
    return authority.issue_device(ca, device_id, usage, key=key, serial=serial)


class DerivedDevices:
    """The derived credentials of the inventory devices this process has met (``admit``), for the credential
    store to fall back on (``credential``)."""

    def __init__(self, seed: bytes, ca: Authority, *, keep: int = KEEP):
        self.seed = seed
        self.ca = ca
        self.keep = keep
        self._admitted: set[str] = set()
        self._kept: OrderedDict[tuple[str, str], tuple[Credential, ec.EllipticCurvePublicKey]] = OrderedDict()

    def admit(self, device_id: str) -> None:
        """``device_id`` is a device of the inventory (the caller read it there): it may have credentials."""
        self._admitted.add(device_id)

    def admitted(self, device_id: str) -> bool:
        return device_id in self._admitted

    def credential(self, entity_id: str, usage: str) -> Credential | None:
        """The derived credential of an admitted device for ``"ds"`` or ``"ka"``; None for anything else."""
        found = self._derived(entity_id, usage)
        return found[0] if found is not None else None

    def public_key(self, entity_id: str, usage: str) -> ec.EllipticCurvePublicKey | None:
        """The public key of ``credential(entity_id, usage)``."""
        found = self._derived(entity_id, usage)
        return found[1] if found is not None else None

    def _derived(self, entity_id: str, usage: str) -> tuple[Credential, ec.EllipticCurvePublicKey] | None:
        if entity_id not in self._admitted or usage not in _USAGES:
            return None
        key = (entity_id, usage)
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            return found
        credential = derive_device_credential(self.seed, self.ca, entity_id, _USAGES[usage])
        found = self._kept[key] = (credential, credential.certificate.public_key())
        if len(self._kept) > self.keep:
            self._kept.popitem(last=False)
        return found

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
