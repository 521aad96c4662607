"""Each emulated device's keys: its own private keys (from the SMKI test PKI) and its trust anchors."""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization

import gbcs
from devices.device import DeviceIdentity
from dccsim.smki.store import CredentialStore


class Identities:
    """Builds (and caches) each device's key store: its own private keys and its trust anchors."""

    def __init__(self, smki: CredentialStore, acb: str):
        self.smki = smki
        self.acb = acb
        self._cache: dict[str, DeviceIdentity] = {}

    def anchors(self) -> gbcs.StaticKeyStore:
        keys = gbcs.StaticKeyStore(acb=self.acb)
        for credential in self.smki.active():
            if (not credential.is_device and not credential.preparatory and credential.entity_id
                    and credential.usage.value in ("ds", "ka")):
                keys.add(credential.entity_id, credential.usage.value, public=credential.certificate)
        return keys

    def identity(self, device_id: str, device_type: str) -> DeviceIdentity:
        cached = self._cache.get(device_id)
        if cached is not None:
            return cached
        keys = self.anchors()
        certificates = {}
        for usage in ("ds", "ka"):
            credential = self.smki.gbcs(device_id, usage)
            if credential is None:
                continue
            keys.add(device_id, usage, public=credential.certificate, private=credential.private_key)
            certificates[usage] = credential.certificate.public_bytes(serialization.Encoding.DER)
        identity = DeviceIdentity(device_id, device_type, keys, certificates)
        self._cache[device_id] = identity
        return identity

    def forget(self, device_id: str) -> None:
        self._cache.pop(device_id, None)
