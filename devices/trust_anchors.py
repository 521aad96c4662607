"""A device's trust-anchor cells: the Remote Parties it knows, and the keys it checks them with.

Each cell holds one Remote Party's certificate for one key usage (digital signing or key agreement): the
Supplier, the Network Operator, the Access Control Broker, the WAN Provider, Recovery, the Transitional CoS,
the Root. A meter that takes top-ups also holds the Supplier's prepayment key: a key-agreement cell whose
cell usage (GBCS ``CellUsage``) is prepaymentTopUp rather than management — kept here with the usage
``gbcs.KeyUsage.PREPAYMENT`` ("pp-ka"); the meter authenticates UTRNs with it (``devices.top_ups``).

The cells are filled when the device is installed (from the inventory's responsible parties) and live in
the device's state; a device checks a critical command's signature against the cell of the role that may
sign it, and knows the Access Control Broker only from its cell.

A device's own key pairs come from its identity (issued by the SMKI test PKI) unless it holds replacements
in its state (a device whose certificate was re-issued keeps its new private key itself).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Mapping

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from devices.state import Cell, DeviceState, Role
from gbcs import KeyUsage

# GBCS remote-party role codes (as 6.24.1 reports them) of the cells a device holds.
ROLE_CODES: dict[Role, int] = {Role.ROOT: 0, Role.RECOVERY: 1, Role.SUPPLIER: 2, Role.NETWORK_OPERATOR: 3,
                               Role.ACB: 4, Role.TRANSITIONAL_COS: 5, Role.WAN_PROVIDER: 6,
                               Role.LOAD_CONTROLLER: 8}
KEY_USAGE_BITS = {KeyUsage.SIGNING: "0780", KeyUsage.KEY_AGREEMENT: "0308", KeyUsage.PREPAYMENT: "0308"}
# GBCS CellUsage of a cell other than management (the DEFAULT, left out): the prepayment cell's.
PREPAYMENT_TOP_UP = {KeyUsage.PREPAYMENT: 1}


def make_cell(role: Role | str, usage: KeyUsage | str, entity: str, public_key: ec.EllipticCurvePublicKey,
              ski: bytes) -> Cell:
    """A cell for a Remote Party's key."""
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return Cell(Role(role), KeyUsage(usage), entity.upper(), point, bytes(ski))


def cell(state: DeviceState, role: Role | str, usage: KeyUsage | str) -> Cell | None:
    return next((c for c in state.cells if c.role == role and c.usage == usage), None)


def roles_of(state: DeviceState, entity: str) -> list[Role]:
    """The roles in which ``entity`` holds a cell of this device."""
    entity = entity.upper()
    return sorted({c.role for c in state.cells if c.entity == entity})


def entity_for(state: DeviceState, role: Role | str) -> str | None:
    found = cell(state, role, KeyUsage.KEY_AGREEMENT) or cell(state, role, KeyUsage.SIGNING)
    return found.entity if found else None


@lru_cache(maxsize=4096)
def _public(point: bytes) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


@lru_cache(maxsize=1024)
def _private(pem: str) -> ec.EllipticCurvePrivateKey:
    return serialization.load_pem_private_key(pem.encode(), None)


def cell_key(found: Cell) -> ec.EllipticCurvePublicKey:
    return _public(found.key)


class DeviceKeys:
    """The keys a device works with (a ``gbcs.KeyStore``): its own pair, its cells, and the organisations'
    key-agreement certificates the Access Control Broker hands it for answering (never for signatures)."""

    def __init__(self, device_id: str, own: gbcs.KeyStore, state: DeviceState, directory: gbcs.KeyStore | None = None,
                 *, issued: bool = False):
        self.device_id = device_id.upper()
        self.own = own
        self.state = state
        self.directory = directory
        self.issued = issued         # the key pairs it was issued with, not the replacements it holds
        acb = cell(state, Role.ACB, KeyUsage.KEY_AGREEMENT)
        self.acb = acb.entity if acb else None

    def _own_override(self, usage: str):
        held = None if self.issued else self.state.own_credentials.get(usage)
        return _private(held.key_pem) if held else None

    def replaced(self, usage: str) -> bool:
        return usage in self.state.own_credentials

    def private_key(self, entity: str, usage: str):
        if entity.upper() != self.device_id:
            return None
        return self._own_override(usage) or self.own.private_key(entity, usage)

    def public_key(self, entity: str, usage: str):
        entity = entity.upper()
        if entity == self.device_id:
            override = self._own_override(usage)
            return override.public_key() if override else self.own.public_key(entity, usage)
        found = next((c for c in self.state.cells if c.entity == entity and c.usage == usage), None)
        if found is not None:
            return cell_key(found)
        if usage == KeyUsage.KEY_AGREEMENT and self.directory is not None:
            return self.directory.public_key(entity, usage)
        return None


def signature_roles(state: DeviceState, entity: str) -> list[Role]:
    """Roles in which ``entity`` holds a digital-signing cell."""
    entity = entity.upper()
    return [c.role for c in state.cells if c.entity == entity and c.usage == KeyUsage.SIGNING]


def _cell_usage(found: Cell) -> list[dict]:
    """A cell's CellUsage as DER writes it: left out for management (the DEFAULT)."""
    usage = PREPAYMENT_TOP_UP.get(found.usage)
    return [{"tag": "02", "hex": f"{usage:02x}"}] if usage is not None else []


def report(state: DeviceState, role_codes: Iterable[int], sequence_numbers: Mapping[Role, int] | None = None) \
        -> list[dict]:
    """CS02a / CS02f: per requested role, the cells the device holds (key usage, entity, key identifier)."""
    by_code = {code: role for role, code in ROLE_CODES.items()}
    sequence_numbers = sequence_numbers or {}
    entries = []
    for code in role_codes:
        role = by_code.get(code)
        held = [c for c in state.cells if c.role == role]
        items = [{"tag": "30", "children": [{"tag": "03", "hex": KEY_USAGE_BITS[c.usage]}, *_cell_usage(c),
                                            {"tag": "04", "hex": c.entity.lower()},
                                            {"tag": "04", "hex": c.ski.hex()}]}
                 for c in sorted(held, key=lambda c: c.usage)]
        status = "00" if held else "01"
        entries.append({"tag": "30", "children": [
            {"tag": "02", "hex": f"{code:02x}"}, {"tag": "0a", "hex": status},
            {"tag": "02", "hex": f"{sequence_numbers.get(role, 0):02x}"}, {"tag": "30", "children": items}]})
    return [{"tag": "30", "children": entries}]
