"""Shapes of A-XDR structures with named members: read a tree node into named fields and write it back.

A shape matches only a node of exactly its form (types, member counts, octet-string sizes); ``read`` raises
``Mismatch`` otherwise, so that the caller can fall back to the generic typed values of ``dlms_values``.
"""
from __future__ import annotations

from typing import Any, Callable

from gbcs.errors import MalformedMessage
from gbcs.semantic.common import Mismatch, Names, expect, eui, field, hex_bytes, integer
from gbcs.semantic.cosem_objects import obis_octets, obis_text
from gbcs.semantic.dlms_time import date_time_octets, date_time_text
from gbcs.semantic.dlms_values import node_of, value_of

_RANGES = {"integer": (-0x80, 0x7F), "long": (-0x8000, 0x7FFF), "double-long": (-2**31, 2**31 - 1),
           "unsigned": (0, 0xFF), "long-unsigned": (0, 0xFFFF), "double-long-unsigned": (0, 2**32 - 1),
           "long64": (-2**63, 2**63 - 1), "long64-unsigned": (0, 2**64 - 1), "enum": (0, 0xFF)}


class Shape:
    def read(self, node: dict[str, Any]) -> Any:
        raise NotImplementedError

    def write(self, value: Any) -> dict[str, Any]:
        raise NotImplementedError


class Number(Shape):
    """An integer of one A-XDR type, or an enum with names."""

    def __init__(self, kind: str, names: Names | None = None):
        self.kind, self.names = kind, names

    def read(self, node: dict[str, Any]) -> Any:
        expect(node.get("type") == self.kind, f"expected {self.kind}")
        return self.names.name(node["value"]) if self.names else node["value"]

    def write(self, value: Any) -> dict[str, Any]:
        number = self.names.code(value) if self.names else value
        low, high = _RANGES[self.kind]
        return {"type": self.kind, "value": integer(number, self.kind, low, high)}


class Octets(Shape):
    """An octet-string, shown through ``show`` / ``parse`` (hex by default), optionally of a fixed size."""

    def __init__(self, size: int | None = None, show: Callable[[bytes], Any] = bytes.hex,
                 parse: Callable[[Any], bytes] = hex_bytes):
        self.size, self.show, self.parse = size, show, parse

    def read(self, node: dict[str, Any]) -> Any:
        expect(node.get("type") == "octet-string", "expected an octet-string")
        raw = bytes.fromhex(node["hex"])
        expect(self.size is None or len(raw) == self.size, f"expected {self.size} octets")
        return self.show(raw)

    def write(self, value: Any) -> dict[str, Any]:
        raw = self.parse(value)
        if self.size is not None and len(raw) != self.size:
            raise MalformedMessage(f"expected {self.size} octets, got {len(raw)}")
        return {"type": "octet-string", "hex": raw.hex()}


def _date_time(raw: bytes) -> dict[str, Any]:
    readable = date_time_text(raw)
    expect(readable is not None, "not a DLMS date-time")
    return readable


EUI = Octets(8, eui)
OBIS = Octets(6, obis_text, obis_octets)
DATE_TIME = Octets(12, _date_time, date_time_octets)
HEX = Octets()


class _AnyValue(Shape):
    """Any value, in the generic typed form."""

    def read(self, node: dict[str, Any]) -> Any:
        return value_of(node)

    def write(self, value: Any) -> dict[str, Any]:
        return node_of(value)


ANY = _AnyValue()


class Struct(Shape):
    def __init__(self, *members: tuple[str, Shape]):
        self.members = members

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        expect(node.get("type") == "structure" and len(node["items"]) == len(self.members), "structure shape")
        return {name: shape.read(item) for (name, shape), item in zip(self.members, node["items"])}

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise MalformedMessage(f"expected an object with {', '.join(n for n, _ in self.members)}")
        return {"type": "structure", "items": [shape.write(field(value, name)) for name, shape in self.members]}


class Array(Shape):
    def __init__(self, item: Shape):
        self.item = item

    def read(self, node: dict[str, Any]) -> list[Any]:
        expect(node.get("type") == "array", "expected an array")
        return [self.item.read(item) for item in node["items"]]

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, list):
            raise MalformedMessage(f"expected a list, got {value!r}")
        return {"type": "array", "items": [self.item.write(item) for item in value]}


def try_read(shape: Shape, node: dict[str, Any]) -> Any:
    """``shape.read(node)``, or None if the node has another shape."""
    try:
        return shape.read(node)
    except Mismatch:
        return None
