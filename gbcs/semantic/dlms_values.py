"""A-XDR data as compact typed values: ``{"long-unsigned": 5}``, ``{"structure": [...]}``, ``null``.

Each value is ``null`` or a one-key object naming its DLMS type, so that it builds back into exactly the
tree it came from. Readable forms where the type allows it without losing octets:

* octet-strings of 12 octets that are valid DLMS date-times read ``{"octet-string": {"date_time": ...}}``
  (see ``dlms_time``); other octet-strings are hex;
* visible-strings are text when printable ASCII, utf8-strings text when valid UTF-8 (else ``{"hex": ...}``);
* bit-strings are strings of ``0``/``1`` when their padding bits are zero (else ``{"bits": n, "hex": ...}``);
* booleans are ``true``/``false`` for 1/0 (any other octet stays a number);
* compact arrays list their ``entries`` (``compact_array``) beside their type description, or keep their
  ``contents`` as hex when these do not read back to the same octets.

Named views of a few structures (data protection parameters, for example) are one-key objects whose key is
not a DLMS type; ``dlms`` decides where they may appear.
"""
from __future__ import annotations

from typing import Any

from gbcs.errors import MalformedMessage
from gbcs.semantic import compact_array
from gbcs.semantic.common import hex_bytes
from gbcs.semantic.dlms_time import date_time_octets, date_time_text

INTEGER_TYPES = ("integer", "long", "double-long", "long64", "unsigned", "long-unsigned", "double-long-unsigned",
                 "long64-unsigned", "enum", "bcd")
_OPAQUE = ("float32", "float64", "date", "time")
_WIDTHS = {"float32": 4, "float64": 8, "date": 5, "time": 4, "date-time": 12}
TYPES = frozenset(INTEGER_TYPES + _OPAQUE + (
    "boolean", "octet-string", "visible-string", "utf8-string", "bit-string", "date-time", "array", "structure",
    "compact-array"))


def value_of(node: dict[str, Any]) -> Any:
    """The typed value of one A-XDR tree node."""
    kind = node["type"]
    if kind == "null":
        return None
    if kind in ("array", "structure"):
        return {kind: [value_of(item) for item in node["items"]]}
    if kind in INTEGER_TYPES:
        return {kind: node["value"]}
    if kind == "boolean":
        return {kind: {0: False, 1: True}.get(node["value"], node["value"])}
    if kind in ("octet-string", "date-time"):
        raw = bytes.fromhex(node["hex"])
        readable = date_time_text(raw)
        return {kind: readable if readable is not None else node["hex"]}
    if kind in ("visible-string", "utf8-string"):
        raw = bytes.fromhex(node["hex"])
        try:
            text = raw.decode("ascii" if kind == "visible-string" else "utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and (kind == "utf8-string" or text.isprintable()):
            return {kind: text}
        return {kind: {"hex": node["hex"]}}
    if kind == "bit-string":
        bits, raw = node["bits"], bytes.fromhex(node["hex"])
        text = "".join(f"{octet:08b}" for octet in raw)
        if len(raw) == (bits + 7) // 8 and set(text[bits:]) <= {"0"}:
            return {kind: text[:bits]}
        return {kind: {"bits": bits, "hex": node["hex"]}}
    if kind == "compact-array":
        entries = compact_array.entries(node["description"], bytes.fromhex(node["contents"]))
        if entries is not None:
            return {kind: {"description": node["description"], "entries": entries}}
        return {kind: {"description": node["description"], "contents": node["contents"]}}
    return {kind: node["hex"]}


def node_of(value: Any) -> dict[str, Any]:
    """The A-XDR tree node of a typed value (the inverse of ``value_of``)."""
    if value is None:
        return {"type": "null"}
    if not isinstance(value, dict) or len(value) != 1:
        raise MalformedMessage(f"a DLMS value is null or a one-key object naming its type, not {value!r}")
    (kind, inner), = value.items()
    if kind not in TYPES:
        raise MalformedMessage(f"unknown DLMS type {kind!r}")
    if kind in ("array", "structure"):
        if not isinstance(inner, list):
            raise MalformedMessage(f"{kind} wants a list, got {inner!r}")
        return {"type": kind, "items": [node_of(item) for item in inner]}
    if kind in INTEGER_TYPES:
        if isinstance(inner, bool) or not isinstance(inner, int):
            raise MalformedMessage(f"{kind} wants an integer, got {inner!r}")
        return {"type": kind, "value": inner}
    if kind == "boolean":
        if not isinstance(inner, int):
            raise MalformedMessage(f"boolean wants true, false or an octet, got {inner!r}")
        return {"type": kind, "value": int(inner)}
    if kind in ("octet-string", "date-time"):
        raw = date_time_octets(inner) if isinstance(inner, dict) else hex_bytes(inner, kind)
        return {"type": kind, "hex": _sized(kind, raw).hex()}
    if kind in ("visible-string", "utf8-string"):
        if isinstance(inner, dict):
            return {"type": kind, "hex": hex_bytes(inner.get("hex"), kind).hex()}
        if not isinstance(inner, str):
            raise MalformedMessage(f"{kind} wants text, got {inner!r}")
        try:
            raw = inner.encode("ascii" if kind == "visible-string" else "utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedMessage(f"{kind} cannot hold {inner!r}") from exc
        return {"type": kind, "hex": raw.hex()}
    if kind == "bit-string":
        if isinstance(inner, dict):
            bits, raw = inner.get("bits"), hex_bytes(inner.get("hex"), kind)
            if isinstance(bits, bool) or not isinstance(bits, int) or bits < 0 or (bits + 7) // 8 != len(raw):
                raise MalformedMessage(f"bit-string of {bits!r} bits cannot hold {len(raw)} octets")
            return {"type": kind, "bits": bits, "hex": raw.hex()}
        if not isinstance(inner, str) or set(inner) - {"0", "1"}:
            raise MalformedMessage(f"bit-string wants a string of 0 and 1, got {inner!r}")
        padded = inner + "0" * (-len(inner) % 8)
        raw = bytes(int(padded[i:i + 8], 2) for i in range(0, len(padded), 8))
        return {"type": kind, "bits": len(inner), "hex": raw.hex()}
    if kind == "compact-array":
        if not isinstance(inner, dict) or not isinstance(inner.get("description"), dict):
            raise MalformedMessage(f"compact-array wants description and entries (or contents), got {inner!r}")
        if "entries" in inner:
            contents = compact_array.contents_of(inner["description"], inner["entries"])
        else:
            contents = hex_bytes(inner.get("contents"), kind)
        return {"type": kind, "description": inner["description"], "contents": contents.hex()}
    return {"type": kind, "hex": _sized(kind, hex_bytes(inner, kind)).hex()}


def _sized(kind: str, raw: bytes) -> bytes:
    width = _WIDTHS.get(kind)
    if width is not None and len(raw) != width:
        raise MalformedMessage(f"{kind} is {width} octets, not {len(raw)}")
    return raw
