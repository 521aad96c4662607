"""A-XDR values as the ESME builds and reads them: typed nodes, compact arrays and GBCS time stamps.

Nodes are the plain JSON trees of ``gbcs.payload`` (``{"type": "double-long-unsigned", "value": 5}``).
A compact array carries a type description and its rows packed without tags; GBCS logs and profiles use
it, with time stamps as UTC seconds since 2000-01-01 (the ZigBee epoch).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from devices.clock import ZIGBEE_EPOCH

Node = dict[str, Any]

# Fixed widths (bytes) and signedness of the numeric A-XDR types a compact array may hold.
_NUMERIC = {
    "boolean": (1, False), "integer": (1, True), "unsigned": (1, False), "enum": (1, False),
    "long": (2, True), "long-unsigned": (2, False), "double-long": (4, True),
    "double-long-unsigned": (4, False), "long64": (8, True), "long64-unsigned": (8, False),
}
_OPAQUE = {"date-time": 12, "date": 5, "time": 4}

DLU, DL = "double-long-unsigned", "double-long"


def dlu(value: int) -> Node:
    return {"type": DLU, "value": max(0, min(int(value), 0xFFFFFFFF))}


def dl(value: int) -> Node:
    return {"type": DL, "value": max(-0x80000000, min(int(value), 0x7FFFFFFF))}


def long_unsigned(value: int) -> Node:
    return {"type": "long-unsigned", "value": int(value) & 0xFFFF}


def long(value: int) -> Node:
    return {"type": "long", "value": max(-0x8000, min(int(value), 0x7FFF))}


def unsigned(value: int) -> Node:
    return {"type": "unsigned", "value": int(value) & 0xFF}


def integer(value: int) -> Node:
    return {"type": "integer", "value": max(-128, min(int(value), 127))}


def enum(value: int) -> Node:
    return {"type": "enum", "value": int(value) & 0xFF}


def boolean(value: bool) -> Node:
    return {"type": "boolean", "value": 255 if value else 0}


def octets(value: bytes | str) -> Node:
    return {"type": "octet-string", "hex": value.hex() if isinstance(value, bytes) else value.lower()}


def bits(count: int, value: str) -> Node:
    return {"type": "bit-string", "bits": count, "hex": value}


def null() -> Node:
    return {"type": "null"}


def structure(*items: Node) -> Node:
    return {"type": "structure", "items": list(items)}


def array(items: Iterable[Node]) -> Node:
    return {"type": "array", "items": list(items)}


def scaler_unit(scaler: int, unit: int) -> Node:
    return structure(integer(scaler), enum(unit))


# --- type descriptions and compact arrays -------------------------------------------------------

def t(kind: str) -> Node:
    """A simple type description."""
    return {"type": kind}


def t_array(count: int, of: Node) -> Node:
    return {"type": "array", "count": count, "of": of}


def t_structure(*items: Node) -> Node:
    return {"type": "structure", "items": list(items)}


def _pack(description: Node, value: Any) -> bytes:
    kind = description["type"]
    if kind == "structure":
        parts = description["items"]
        if len(value) != len(parts):
            raise ValueError(f"a compact-array row has {len(value)} values for {len(parts)} fields")
        return b"".join(_pack(part, item) for part, item in zip(parts, value))
    if kind == "array":
        if len(value) != description["count"]:
            raise ValueError(f"{len(value)} values for an array of {description['count']}")
        return b"".join(_pack(description["of"], item) for item in value)
    if kind in _NUMERIC:
        width, signed = _NUMERIC[kind]
        return int(value).to_bytes(width, "big", signed=signed)
    if kind in _OPAQUE:
        raw = value if isinstance(value, bytes) else bytes.fromhex(value)
        if len(raw) != _OPAQUE[kind]:
            raise ValueError(f"a {kind} is {_OPAQUE[kind]} bytes")
        return raw
    if kind == "octet-string":
        raw = value if isinstance(value, bytes) else bytes.fromhex(value)
        return bytes([len(raw)]) + raw
    raise ValueError(f"compact arrays of {kind} are not supported")


def _unpack(description: Node, raw: bytes, pos: int) -> tuple[Any, int]:
    kind = description["type"]
    if kind == "structure":
        values = []
        for part in description["items"]:
            value, pos = _unpack(part, raw, pos)
            values.append(value)
        return tuple(values), pos
    if kind == "array":
        values = []
        for _ in range(description["count"]):
            value, pos = _unpack(description["of"], raw, pos)
            values.append(value)
        return values, pos
    if kind in _NUMERIC:
        width, signed = _NUMERIC[kind]
        if pos + width > len(raw):
            raise ValueError("compact array contents end inside a value")
        return int.from_bytes(raw[pos:pos + width], "big", signed=signed), pos + width
    if kind in _OPAQUE:
        width = _OPAQUE[kind]
        return raw[pos:pos + width].hex(), pos + width
    if kind == "octet-string":
        length = raw[pos]
        return raw[pos + 1:pos + 1 + length].hex(), pos + 1 + length
    raise ValueError(f"compact arrays of {kind} are not supported")


def compact(description: Node, rows: Iterable[Any]) -> Node:
    """A compact-array node: every row packed by ``description`` (a structure row is a tuple)."""
    return {"type": "compact-array", "description": description,
            "contents": b"".join(_pack(description, row) for row in rows).hex()}


def compact_rows(node: Node) -> list[Any]:
    """The rows of a compact-array node (the inverse of :func:`compact`)."""
    raw, pos, rows = bytes.fromhex(node["contents"]), 0, []
    while pos < len(raw):
        row, pos = _unpack(node["description"], raw, pos)
        rows.append(row)
    return rows


def shape(node: Node) -> Any:
    """The structure of a value without its data: types, nesting, and compact-array descriptions.
    Array lengths are left out (logs and profiles are as long as the period read)."""
    kind = node.get("type")
    if kind == "structure":
        return ("structure", tuple(shape(i) for i in node["items"]))
    if kind == "array":
        inner = {repr(shape(i)) for i in node["items"]}
        return ("array", tuple(sorted(inner)))
    if kind == "compact-array":
        return ("compact-array", repr(node["description"]))
    return kind


# --- time stamps ---------------------------------------------------------------------------------

def utc_seconds(moment: datetime) -> int:
    """Seconds since 2000-01-01T00:00Z, the time stamp of GBCS compact arrays and range selections."""
    return int((moment.astimezone(timezone.utc) - ZIGBEE_EPOCH).total_seconds())


def from_utc_seconds(seconds: int) -> datetime:
    return ZIGBEE_EPOCH + timedelta(seconds=int(seconds))


def date_time(moment: datetime, *, day_of_week: bool = False) -> bytes:
    """A COSEM date-time in UTC as GBCS commands carry it: day of week and clock status not specified."""
    moment = moment.astimezone(timezone.utc)
    return (moment.year.to_bytes(2, "big")
            + bytes([moment.month, moment.day, moment.isoweekday() if day_of_week else 0xFF,
                     moment.hour, moment.minute, moment.second, 0x00, 0x80, 0x00, 0xFF]))


def parse_date_time(raw: bytes | str) -> datetime | None:
    """A COSEM date-time (any day of week / status); None for one not fully specified."""
    raw = bytes.fromhex(raw) if isinstance(raw, str) else raw
    if len(raw) != 12 or raw[:2] == b"\xff\xff" or 0xFF in raw[2:4] or 0xFF in raw[5:8]:
        return None
    try:
        return datetime(int.from_bytes(raw[:2], "big"), raw[2], raw[3], raw[5], raw[6], raw[7],
                        tzinfo=timezone.utc)
    except ValueError:
        return None
