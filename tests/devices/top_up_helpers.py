"""Meters that take top-ups, for device tests: the Supplier's prepayment key in the meter's prepayment cell,
the meter's own key-agreement key, and UTRNs the Supplier builds for the meter with the two."""
from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from devices import top_ups, trust_anchors
from devices.state import DeviceState
from devices.trust_anchors import DeviceKeys

SUPPLIER = "90B3D51F30010000"
SUPPLIER_KEY = ec.generate_private_key(ec.SECP256R1())      # the Supplier's prepayment key pair


@lru_cache(maxsize=None)
def meter_key(device_id: str) -> ec.EllipticCurvePrivateKey:
    """A meter's own key-agreement key pair."""
    return ec.generate_private_key(ec.SECP256R1())


def provision(state: DeviceState, *, supplier: str = SUPPLIER,
              key: ec.EllipticCurvePublicKey | None = None) -> DeviceState:
    """Put the Supplier's prepayment key (``key``, default the test Supplier's) in the meter's prepayment cell."""
    public = key if key is not None else SUPPLIER_KEY.public_key()
    kept = [c for c in state.cells if (c.role, c.usage) != top_ups.PREPAYMENT_CELL]
    state.trust_anchors = kept + [trust_anchors.make_cell(*top_ups.PREPAYMENT_CELL, supplier, public, bytes(8))]
    return state


def entry(state: DeviceState, device_id: str, *, originator: str | None = None,
          counter: int | None = None) -> top_ups.Entry:
    """A UTRN entered at the meter: the meter's keys as a device holds them (its own pair, its cells)."""
    own = gbcs.StaticKeyStore()
    own.add(device_id, gbcs.KEY_AGREEMENT, private=meter_key(device_id))
    return top_ups.Entry(device_id, DeviceKeys(device_id, own, state), originator, counter)


def utrn(pennies: int, *, counter: int, target: str, supplier: str = SUPPLIER, value_class: str = "pennies",
         key: ec.EllipticCurvePrivateKey = SUPPLIER_KEY) -> str:
    """The UTRN the Supplier issues for the meter ``target`` under the originator counter ``counter``."""
    keys = gbcs.StaticKeyStore()
    keys.add(supplier, gbcs.PREPAYMENT, private=key)
    keys.add(target, gbcs.KEY_AGREEMENT, public=meter_key(target).public_key())
    return gbcs.utrn.build(pennies, originator=supplier, target=target, counter=counter, keys=keys,
                           value_class=value_class)


def rtds_meter(state: DeviceState, message: gbcs.Message) -> top_ups.Entry:
    """The meter an RTDS top-up command was made for: the RTDS Supplier's prepayment key in its cell. The RTDS
    publishes no device private key, so the tag is checked from the other side of the same key agreement:
    the Supplier's prepayment private key with the meter's key-agreement certificate (``rtds_keys``)."""
    from tests.gbcs.corpus import rtds_keys

    keys = rtds_keys()
    prepayment = keys.public_key(message.originator, gbcs.PREPAYMENT)
    if prepayment is not None:
        provision(state, supplier=message.originator, key=prepayment)
    return top_ups.Entry(message.recipient, keys, message.originator, message.counter)
