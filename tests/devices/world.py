"""A small HAN for device tests: an Access Control Broker, Remote Parties and devices with their own keys,
trust-anchor cells filled as the simulator fills them (a meter's prepayment cell with its Supplier's
prepayment key), and a DCC that MACs (and a party that signs) commands."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from devices import trust_anchors
from devices.device import DeviceIdentity
from devices.device_types import kind_of
from devices.state import DeviceState, Firmware, Role, state_class
from gbcs import Payload

ACB = "90B3D51F30000002"
SUPPLIER = "90B3D51F30010000"
OTHER_SUPPLIER = "90B3D51F30030000"
NETWORK_OPERATOR = "90B3D51F30020000"


def _pair() -> dict[str, ec.EllipticCurvePrivateKey]:
    return {"ds": ec.generate_private_key(ec.SECP256R1()), "ka": ec.generate_private_key(ec.SECP256R1())}


def _party() -> dict[str, ec.EllipticCurvePrivateKey]:
    """A Remote Party's keys: a digital-signing and a key-agreement pair, and a prepayment (UTRN) key pair."""
    return {**_pair(), gbcs.PREPAYMENT: ec.generate_private_key(ec.SECP256R1())}


@dataclass
class World:
    parties: dict[str, dict] = field(default_factory=lambda: {
        entity: _party() for entity in (ACB, SUPPLIER, OTHER_SUPPLIER, NETWORK_OPERATOR)})
    devices: dict[str, dict] = field(default_factory=dict)
    counter: int = 1000

    def now(self) -> datetime:
        """The HAN's clock in these tests: the time the test runs at."""
        return datetime.now(timezone.utc)

    def directory(self) -> gbcs.StaticKeyStore:
        keys = gbcs.StaticKeyStore(acb=ACB)
        for entity, pair in self.parties.items():
            keys.add(entity, "ka", public=pair["ka"].public_key())
        return keys

    def device(self, device_id: str, device_type: str, *, supplier: str = SUPPLIER,
               network_operator: str = NETWORK_OPERATOR) -> tuple[DeviceIdentity, DeviceState]:
        pair = self.devices.setdefault(device_id, _pair())
        own = gbcs.StaticKeyStore(acb=ACB)
        for usage, key in pair.items():
            own.add(device_id, usage, private=key)
        roles = {Role.ACB: ACB, Role.SUPPLIER: supplier, Role.NETWORK_OPERATOR: network_operator}
        cells = [trust_anchors.make_cell(role, usage, roles[role], self.parties[roles[role]][usage].public_key(),
                                         bytes(8))
                 for role, usage in kind_of(device_type).cells if role in roles]
        state = state_class(device_type)(firmware=Firmware("00000001"), trust_anchors=cells)
        return DeviceIdentity(device_id, own, {}, self.directory()), state

    def keys(self) -> gbcs.StaticKeyStore:
        """What the DCC and the Remote Parties hold: their private keys and the devices' public ones."""
        keys = gbcs.StaticKeyStore(acb=ACB)
        for entity, pair in {**self.parties, **self.devices}.items():
            for usage, key in pair.items():
                keys.add(entity, usage, private=key if entity in self.parties else None, public=key.public_key())
        return keys

    def command(self, device_id: str, message_code: int, payload: Payload, *, originator: str = SUPPLIER,
                signer: str | None = None, counter: int | None = None, extra: bytes = b"") -> bytes:
        """A command as the DCC sends it: MAC'd by the ACB, signed by ``signer`` if given."""
        if counter is None:
            self.counter += 1
            counter = self.counter
        message = gbcs.Message(cra="command", counter=counter, originator=originator, recipient=device_id,
                               message_code=message_code, payload=payload, other_info_extra=extra,
                               signature_field="absent" if signer else "empty", ciphered=True)
        if signer:
            unsigned = gbcs.encode(replace(message, ciphered=False))
            signed = gbcs.decode(gbcs.sign_precommand(unsigned, self.parties[signer]["ds"]))
            message = replace(signed, ciphered=True, mac=None)
        return gbcs.encode(message, self.keys())
