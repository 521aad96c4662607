"""A-XDR values as the ESME builds and reads them: typed nodes, compact arrays and GBCS time stamps.

Nodes are the plain JSON trees of ``gbcs.payload`` (``{"type": "double-long-unsigned", "value": 5}``).
A compact array carries a type description and its rows packed without tags (``gbcs.compact_array_contents``);
GBCS logs and profiles use it, with time stamps as UTC seconds since 2000-01-01 (the ZigBee epoch).
Date-times are ``gbcs``'s (``date_time`` / ``parse_date_time`` here are its codec, by the names the model uses).
"""
from __future__ import annotations

from typing import Any, Iterable

import gbcs
from devices.clock import from_zigbee_time, zigbee_time

Node = dict[str, Any]

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


def compact(description: Node, rows: Iterable[Any]) -> Node:
    """A compact-array node: every row packed by ``description`` (a structure row is a tuple)."""
    return {"type": "compact-array", "description": description,
            "contents": gbcs.compact_array_contents(description, list(rows)).hex()}


def _rows(description: Node, value: Any) -> Any:
    if description["type"] == "structure":
        return tuple(_rows(part, item) for part, item in zip(description["items"], value))
    if description["type"] == "array":
        return [_rows(description["of"], item) for item in value]
    return value


def compact_rows(node: Node) -> list[Any]:
    """The rows of a compact-array node (the inverse of :func:`compact`; a structure row is a tuple)."""
    entries = gbcs.compact_array_entries(node["description"], bytes.fromhex(node["contents"]))
    if entries is None:
        raise gbcs.MalformedMessage("compact array contents that do not read as whole rows")
    return [_rows(node["description"], entry) for entry in entries]


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

utc_seconds = zigbee_time              # the time stamp of GBCS compact arrays and range selections
from_utc_seconds = from_zigbee_time
date_time = gbcs.encode_dlms_date_time
parse_date_time = gbcs.decode_dlms_date_time
