"""The test PKI re-keys a device: a new key pair and certificate, installed on the device itself.

The device keeps the new private key in its own state and reports the new certificate when asked (6.24.2);
the DCC's SMKI repository and inventory follow only then (certificate tracking, ``dccsim.han.processing``)."""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from devices.installation import replace_own_credential
from dccsim.han.context import HanContext
from dccsim.han.identities import devices_authority
from dccsim.smki import authority
from dccsim.smki.credentials import Credential, Usage


async def reissue_device_certificate(conn, han: HanContext, device_id: str, usage: Usage) -> Credential:
    """A new certificate (and key) for ``usage`` from the test PKI's device CA, held by the device only."""
    credential = authority.issue_device(devices_authority(han.smki), device_id, usage)
    der = credential.certificate.public_bytes(serialization.Encoding.DER)
    pem = credential.key_pem().decode()
    await han.bus.store.update(conn, device_id, lambda state: replace_own_credential(state, usage.value, der, pem))
    return credential
