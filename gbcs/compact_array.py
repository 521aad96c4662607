"""The contents of a DLMS compact array as entries of plain values, and back (one codec for the whole of
dccsim: the semantic layer names it, devices pack their logs and profiles with it).

A compact array carries a type description (the type of every element) and its contents: the elements one
after the other, each written as A-XDR writes a value of that type but without type tags (structures
without their item count, arrays with the count the description gives; strings keep their length). GBCS
returns profile buffers and logs this way.

Plain values, by type: integers and enums as numbers; booleans as ``true``/``false`` (other octets as
numbers); octet-strings and the opaque types (floats, date, time, date-time) as hex; visible-strings as
text when printable (else ``{"hex": ...}``); utf8-strings as text; bit-strings as a string of ``0``/``1``
(``{"bits": n, "hex": ...}`` when the padding is not zero); structures and arrays as lists; null as
``null`` (structures and arrays may be given as tuples too). ``entries`` returns None when the contents do
not read as whole elements or would not be written back to the same octets (a length in a longer form than
needed, for example); the caller keeps the hex.
"""
from __future__ import annotations

from typing import Any

from gbcs._reader import Reader
from gbcs.errors import GbcsError, MalformedMessage
from gbcs.lengths import encode_length, read_length

_INTEGERS = {"integer": (1, True), "long": (2, True), "double-long": (4, True), "long64": (8, True),
             "unsigned": (1, False), "long-unsigned": (2, False), "double-long-unsigned": (4, False),
             "long64-unsigned": (8, False), "enum": (1, False), "bcd": (1, False)}
_OPAQUE = {"float32": 4, "float64": 8, "date-time": 12, "date": 5, "time": 4}
MAX_ENTRIES = 100_000


def _octets(value: Any, what: str) -> bytes:
    """Octets given as hex text (or as bytes)."""
    if isinstance(value, bytes):
        return value
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise MalformedMessage(f"{what}: expected hex, got {value!r}") from None


def _fixed(value: Any, kind: str) -> bytes:
    width, signed = _INTEGERS[kind]
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedMessage(f"{kind}: expected an integer, got {value!r}")
    try:
        return value.to_bytes(width, "big", signed=signed)
    except OverflowError:
        raise MalformedMessage(f"{kind}: {value} does not fit {width} octets") from None


def _read(description: dict[str, Any], reader: Reader) -> Any:
    kind = description["type"]
    if kind == "null":
        return None
    if kind in _INTEGERS:
        width, signed = _INTEGERS[kind]
        return int.from_bytes(reader.take(width), "big", signed=signed)
    if kind == "boolean":
        octet = reader.byte()
        return {0: False, 1: True}.get(octet, octet)
    if kind in _OPAQUE:
        return reader.take(_OPAQUE[kind]).hex()
    if kind in ("octet-string", "visible-string", "utf8-string"):
        length, _width = read_length(reader)
        raw = reader.take(length)
        if kind == "octet-string":
            return raw.hex()
        try:
            text = raw.decode("ascii" if kind == "visible-string" else "utf-8")
        except UnicodeDecodeError:
            return {"hex": raw.hex()}
        return text if kind == "utf8-string" or text.isprintable() else {"hex": raw.hex()}
    if kind == "bit-string":
        bits, _width = read_length(reader)
        raw = reader.take((bits + 7) // 8)
        text = "".join(f"{octet:08b}" for octet in raw)
        return text[:bits] if set(text[bits:]) <= {"0"} else {"bits": bits, "hex": raw.hex()}
    if kind == "structure":
        return [_read(item, reader) for item in description["items"]]
    if kind == "array":
        return [_read(description["of"], reader) for _ in range(description["count"])]
    raise MalformedMessage(f"no compact form of DLMS {kind!r}")


def _write(description: dict[str, Any], value: Any) -> bytes:
    kind = description["type"]
    if kind == "null":
        if value is not None:
            raise MalformedMessage(f"a null element holds null, not {value!r}")
        return b""
    if kind in _INTEGERS:
        return _fixed(value, kind)
    if kind == "boolean":
        return _fixed(int(value) if isinstance(value, bool) else value, "unsigned")
    if kind in _OPAQUE:
        raw = _octets(value, kind)
        if len(raw) != _OPAQUE[kind]:
            raise MalformedMessage(f"{kind} is {_OPAQUE[kind]} octets")
        return raw
    if kind in ("octet-string", "visible-string", "utf8-string"):
        if isinstance(value, dict):
            raw = _octets(value.get("hex"), kind)
        elif kind == "octet-string":
            raw = _octets(value, kind)
        elif isinstance(value, str):
            try:
                raw = value.encode("ascii" if kind == "visible-string" else "utf-8")
            except UnicodeEncodeError:
                raise MalformedMessage(f"{kind} cannot hold {value!r}") from None
        else:
            raise MalformedMessage(f"{kind} wants text, got {value!r}")
        return encode_length(len(raw)) + raw
    if kind == "bit-string":
        if isinstance(value, dict):
            bits, raw = value.get("bits"), _octets(value.get("hex"), kind)
            if isinstance(bits, bool) or not isinstance(bits, int) or bits < 0 or (bits + 7) // 8 != len(raw):
                raise MalformedMessage(f"bit-string of {bits!r} bits cannot hold {len(raw)} octets")
            return encode_length(bits) + raw
        if not isinstance(value, str) or set(value) - {"0", "1"}:
            raise MalformedMessage(f"bit-string wants a string of 0 and 1, got {value!r}")
        padded = value + "0" * (-len(value) % 8)
        return encode_length(len(value)) + bytes(int(padded[i:i + 8], 2) for i in range(0, len(padded), 8))
    if kind in ("structure", "array"):
        items = description["items"] if kind == "structure" else [description["of"]] * description["count"]
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            raise MalformedMessage(f"a {kind} of {len(items)} items, not {value!r}")
        return b"".join(_write(item, element) for item, element in zip(items, value))
    raise MalformedMessage(f"no compact form of DLMS {kind!r}")


def entries(description: dict[str, Any], contents: bytes) -> list[Any] | None:
    """The elements of a compact array, or None if its contents do not read back to the same octets."""
    reader = Reader(contents)
    found: list[Any] = []
    try:
        while not reader.at_end() and len(found) < MAX_ENTRIES:
            found.append(_read(description, reader))
        if not reader.at_end() or contents_of(description, found) != contents:
            return None
    except (GbcsError, KeyError, TypeError, ValueError, RecursionError):
        return None
    return found


def contents_of(description: dict[str, Any], elements: Any) -> bytes:
    """The contents octets of a compact array's elements (the inverse of ``entries``)."""
    if not isinstance(elements, (list, tuple)):
        raise MalformedMessage("the entries of a compact array are a list")
    try:
        return b"".join(_write(description, element) for element in elements)
    except (KeyError, TypeError) as exc:
        raise MalformedMessage(f"not a compact-array type description: {exc!r}") from None
