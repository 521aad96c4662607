"""Shapes of A-XDR structures with named members: read a tree node into named fields and write it back.

A shape matches only a node of exactly its form (types, member counts, octet-string sizes); ``read`` raises
``Mismatch`` otherwise, so that the caller can fall back to the generic typed values of ``dlms_values``.
Besides numbers, octet-strings, structures and arrays there are readable octet-strings (labels, dates,
times, date-times: text when they read as such, ``{"hex": ...}`` otherwise), event codes, and profiles
(compact arrays whose entries are objects of named columns).
"""
from __future__ import annotations

from typing import Any, Callable

from gbcs.errors import MalformedMessage
from gbcs.semantic import compact_array
from gbcs.semantic.alerts import ALERT_NAMES
from gbcs.semantic.common import Mismatch, Names, expect, eui, field, hex_bytes, integer, utc_seconds, utc_seconds_text
from gbcs.semantic.cosem_objects import obis_octets, obis_text
from gbcs.semantic.dlms_time import date_octets, date_text, date_time_octets, date_time_text, time_octets, time_text
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


class Readable(Shape):
    """An octet-string shown readably when ``show`` can (``show`` returns None otherwise), else as
    ``{"hex": ...}``: names and labels as text, dates and times as text, date-times as ``dlms_time`` does."""

    def __init__(self, show: Callable[[bytes], Any], parse: Callable[[Any], bytes], size: int | None = None):
        self.show, self.parse, self.size = show, parse, size

    def read(self, node: dict[str, Any]) -> Any:
        expect(node.get("type") == "octet-string", "expected an octet-string")
        raw = bytes.fromhex(node["hex"])
        expect(self.size is None or len(raw) == self.size, f"expected {self.size} octets")
        readable = self.show(raw)
        return {"hex": raw.hex()} if readable is None else readable

    def write(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict) and set(value) == {"hex"}:
            raw = hex_bytes(value["hex"])
        else:
            raw = self.parse(value)
        if self.size is not None and len(raw) != self.size:
            raise MalformedMessage(f"expected {self.size} octets, got {len(raw)}")
        return {"type": "octet-string", "hex": raw.hex()}


def _ascii(raw: bytes) -> str | None:
    return raw.decode("ascii") if raw and all(0x20 <= octet < 0x7F for octet in raw) else None


def _ascii_octets(value: Any) -> bytes:
    if not isinstance(value, str) or _ascii(value.encode("ascii", "replace")) != value:
        raise MalformedMessage(f"expected printable ASCII text or {{\"hex\": ...}}, got {value!r}")
    return value.encode("ascii")


LABEL = Readable(_ascii, _ascii_octets)
DATE = Readable(date_text, date_octets, 5)
TIME = Readable(time_text, time_octets, 4)
WHEN = Readable(date_time_text, date_time_octets, 12)


class Code(Shape):
    """A long-unsigned that is a GBCS event or alert code, shown as four hex digits."""

    def read(self, node: dict[str, Any]) -> str:
        expect(node.get("type") == "long-unsigned", "expected a long-unsigned")
        return f"{node['value']:04X}"

    def write(self, value: Any) -> dict[str, Any]:
        return {"type": "long-unsigned", "value": code_value(value)}


def code_value(value: Any) -> int:
    try:
        number = int(value, 16) if isinstance(value, str) and len(value) == 4 else None
    except ValueError:
        number = None
    if number is None:
        raise MalformedMessage(f"a code is four hex digits, not {value!r}")
    return number


class _AnyValue(Shape):
    """Any value, in the generic typed form."""

    def read(self, node: dict[str, Any]) -> Any:
        return value_of(node)

    def write(self, value: Any) -> dict[str, Any]:
        return node_of(value)


ANY = _AnyValue()


class Struct(Shape):
    """A structure of named members; with ``required``, the members after the first ``required`` ones may be
    left off the end (a structure of fewer items)."""

    def __init__(self, *members: tuple[str, Shape], required: int | None = None):
        self.members = members
        self.required = len(members) if required is None else required

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        expect(node.get("type") == "structure" and self.required <= len(node["items"]) <= len(self.members),
               "structure shape")
        return {name: shape.read(item) for (name, shape), item in zip(self.members, node["items"])}

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise MalformedMessage(f"expected an object with {', '.join(n for n, _ in self.members)}")
        count = self.required
        while count < len(self.members) and self.members[count][0] in value:
            count += 1
        return {"type": "structure",
                "items": [shape.write(field(value, name)) for name, shape in self.members[:count]]}


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


# --- profile buffers: compact arrays of named columns ---------------------------------------------

Column = tuple  # (name, kind): a DLMS type name, "utc", "code", or ("array", count, kind)


def _column_description(kind: Any) -> dict[str, Any]:
    if isinstance(kind, tuple):
        _array, count, of = kind
        return {"type": "array", "count": count, "of": _column_description(of)}
    return {"type": {"utc": "double-long-unsigned", "code": "long-unsigned"}.get(kind, kind)}


def _show_column(kind: Any, value: Any) -> Any:
    if kind == "utc":
        return utc_seconds_text(value)
    if kind == "code":
        return f"{value:04X}"
    return value


def _parse_column(kind: Any, value: Any, name: str) -> Any:
    if kind == "utc":
        return utc_seconds(value, name)
    if kind == "code":
        return code_value(value)
    return value


class Profile(Shape):
    """A profile buffer or log returned as a compact array whose elements are structures of ``columns``:
    each entry reads as an object of named columns. "utc" columns are GBCS time stamps (double-long-unsigned
    seconds since 2000-01-01T00:00:00Z) shown as ISO text; "code" columns are event codes as four hex
    digits, with the event's name beside them (``…_meaning``, derived). Only a compact array of exactly this
    element type matches."""

    def __init__(self, *columns: Column):
        self.columns = columns
        self.description = {"type": "structure", "items": [_column_description(kind) for _, kind in columns]}

    def read(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        expect(node.get("type") == "compact-array" and node.get("description") == self.description,
               "expected a compact array of this profile's entries")
        rows = compact_array.entries(self.description, bytes.fromhex(node["contents"]))
        expect(rows is not None, "compact array contents that do not read back")
        try:
            return [self._entry(row) for row in rows]
        except (ValueError, OverflowError) as exc:
            raise Mismatch("time stamps out of range") from exc

    def _entry(self, row: list[Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        for (name, kind), value in zip(self.columns, row):
            entry[name] = _show_column(kind, value)
            if kind == "code" and value in ALERT_NAMES:
                entry[name.replace("_code", "_meaning")] = ALERT_NAMES[value]
        return entry

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, list):
            raise MalformedMessage("a profile's entries are a list")
        rows = []
        for entry in value:
            if not isinstance(entry, dict):
                raise MalformedMessage(f"a profile entry is an object with {', '.join(n for n, _ in self.columns)}")
            rows.append([_parse_column(kind, field(entry, name), name) for name, kind in self.columns])
        return {"type": "compact-array", "description": self.description,
                "contents": compact_array.contents_of(self.description, rows).hex()}


class Typed(Shape):
    """A value of one DLMS type in its generic readable form without the type name (``dlms_values``): bit
    strings as ``"0101…"``, booleans as ``true``/``false`` …"""

    def __init__(self, kind: str):
        self.kind = kind

    def read(self, node: dict[str, Any]) -> Any:
        expect(node.get("type") == self.kind, f"expected {self.kind}")
        return value_of(node)[self.kind]

    def write(self, value: Any) -> dict[str, Any]:
        return node_of({self.kind: value})


BITS = Typed("bit-string")
BOOLEAN = Typed("boolean")
