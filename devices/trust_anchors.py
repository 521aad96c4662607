"""A device's trust-anchor cells: the Remote Parties it knows, and the keys it checks them with.

Each cell holds one Remote Party's certificate for one key usage (digital signing or key agreement): the
Supplier, the Network Operator, the Access Control Broker, the WAN Provider, Recovery, the Transitional CoS,
the Root. A meter that takes top-ups also holds the Supplier's prepayment key: a key-agreement cell whose
cell usage (GBCS ``CellUsage``) is prepaymentTopUp rather than management — kept here with the usage
``"pp-ka"`` (``gbcs.PREPAYMENT``); the meter authenticates UTRNs with it (``devices.top_ups``).

The cells are filled when the device is installed (from the inventory's responsible parties) and live in
the device's state; a device checks a critical command's signature against the cell of the role that may
sign it, and knows the Access Control Broker only from its cell.

A device's own key pairs come from its identity (issued by the SMKI test PKI) unless it holds replacements
in its state (a device whose certificate was re-issued keeps its new private key itself).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

# GBCS remote-party role codes (as 6.24.1 reports them) of the cells a device holds.
ROLE_CODES = {"root": 0, "recovery": 1, "supplier": 2, "network-operator": 3, "acb": 4, "transitional-cos": 5,
              "wan-provider": 6, "load-controller": 8}
KEY_USAGE_BITS = {"ds": "0780", "ka": "0308", "pp-ka": "0308"}
# GBCS CellUsage of a cell other than management (the DEFAULT, left out): the prepayment cell's.
PREPAYMENT_TOP_UP = {"pp-ka": 1}


def make_cell(role: str, usage: str, entity: str, public_key: ec.EllipticCurvePublicKey, ski: bytes) -> dict:
    """A cell as device state keeps it (JSON)."""
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"role": role, "usage": usage, "entity": entity.upper(), "key": point.hex(), "ski": ski.hex()}


def cells(state: dict) -> list[dict]:
    return state.get("trust_anchors") or []


def cell(state: dict, role: str, usage: str) -> dict | None:
    return next((c for c in cells(state) if c["role"] == role and c["usage"] == usage), None)


def roles_of(state: dict, entity: str) -> list[str]:
    """The roles in which ``entity`` holds a cell of this device."""
    entity = entity.upper()
    return sorted({c["role"] for c in cells(state) if c["entity"] == entity})


def entity_for(state: dict, role: str) -> str | None:
    found = cell(state, role, "ka") or cell(state, role, "ds")
    return found["entity"] if found else None


@lru_cache(maxsize=4096)
def _public(point_hex: str) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(point_hex))


@lru_cache(maxsize=1024)
def _private(pem: str) -> ec.EllipticCurvePrivateKey:
    return serialization.load_pem_private_key(pem.encode(), None)


def cell_key(found: dict) -> ec.EllipticCurvePublicKey:
    return _public(found["key"])


class DeviceKeys:
    """The keys a device works with (a ``gbcs.KeyStore``): its own pair, its cells, and the organisations'
    key-agreement certificates the Access Control Broker hands it for answering (never for signatures)."""

    def __init__(self, device_id: str, own, state: dict, directory=None, *, issued: bool = False):
        self.device_id = device_id.upper()
        self.own = own
        self.state = state
        self.directory = directory
        self.issued = issued         # the key pairs it was issued with, not the replacements it holds
        acb = cell(state, "acb", "ka")
        self.acb = acb["entity"] if acb else None

    def _own_override(self, usage: str):
        held = None if self.issued else (self.state.get("own_credentials") or {}).get(usage)
        return _private(held["key"]) if held else None

    def replaced(self, usage: str) -> bool:
        return usage in (self.state.get("own_credentials") or {})

    def private_key(self, entity: str, usage: str):
        if entity.upper() != self.device_id:
            return None
        return self._own_override(usage) or self.own.private_key(entity, usage)

    def public_key(self, entity: str, usage: str):
        entity = entity.upper()
        if entity == self.device_id:
            override = self._own_override(usage)
            return override.public_key() if override else self.own.public_key(entity, usage)
        found = next((c for c in cells(self.state) if c["entity"] == entity and c["usage"] == usage), None)
        if found is not None:
            return cell_key(found)
        if usage == "ka" and self.directory is not None:
            return self.directory.public_key(entity, usage)
        return None


def signature_roles(state: dict, entity: str) -> list[str]:
    """Roles in which ``entity`` holds a digital-signing cell."""
    entity = entity.upper()
    return [c["role"] for c in cells(state) if c["entity"] == entity and c["usage"] == "ds"]


def _cell_usage(found: dict) -> list[dict]:
    """A cell's CellUsage as DER writes it: left out for management (the DEFAULT)."""
    usage = PREPAYMENT_TOP_UP.get(found["usage"])
    return [{"tag": "02", "hex": f"{usage:02x}"}] if usage is not None else []


def report(state: dict, role_codes: Iterable[int], sequence_numbers: dict | None = None) -> list[dict]:
    """CS02a / CS02f: per requested role, the cells the device holds (key usage, entity, key identifier)."""
    by_code = {code: role for role, code in ROLE_CODES.items()}
    sequence_numbers = sequence_numbers or {}
    entries = []
    for code in role_codes:
        role = by_code.get(code)
        held = [c for c in cells(state) if c["role"] == role]
        items = [{"tag": "30", "children": [{"tag": "03", "hex": KEY_USAGE_BITS[c["usage"]]}, *_cell_usage(c),
                                            {"tag": "04", "hex": c["entity"].lower()},
                                            {"tag": "04", "hex": c["ski"]}]}
                 for c in sorted(held, key=lambda c: c["usage"])]
        status = "00" if held else "01"
        entries.append({"tag": "30", "children": [
            {"tag": "02", "hex": f"{code:02x}"}, {"tag": "0a", "hex": status},
            {"tag": "02", "hex": f"{sequence_numbers.get(role, 0):02x}"}, {"tag": "30", "children": items}]})
    return [{"tag": "30", "children": entries}]
