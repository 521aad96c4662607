"""DLMS COSEM as GBCS uses it for ESME: A-XDR data, the ACCESS service and data notifications.

Trees are plain JSON values; ``decode_*`` and ``encode_*`` are exact inverses (length fields that were
written in a longer form than needed keep their width under ``"lw"``).
"""
from __future__ import annotations

from enum import IntEnum
from typing import Any, Callable

from gbcs._reader import Reader
from gbcs.errors import MalformedMessage
from gbcs.lengths import encode_length, read_length

ACCESS_REQUEST = 0xD9
ACCESS_RESPONSE = 0xDA
DATA_NOTIFICATION = 0x0F

# A-XDR data type tags → (name, fixed width in bytes, signed) for the fixed-width types.
_FIXED = {
    3: ("boolean", 1, False), 5: ("double-long", 4, True), 6: ("double-long-unsigned", 4, False),
    13: ("bcd", 1, False), 15: ("integer", 1, True), 16: ("long", 2, True), 17: ("unsigned", 1, False),
    18: ("long-unsigned", 2, False), 20: ("long64", 8, True), 21: ("long64-unsigned", 8, False),
    22: ("enum", 1, False),
}
_OPAQUE_FIXED = {23: ("float32", 4), 24: ("float64", 8), 25: ("date-time", 12), 26: ("date", 5), 27: ("time", 4)}
_STRINGS = {9: "octet-string", 10: "visible-string", 12: "utf8-string"}
_TAG_OF = {name: tag for tag, (name, *_rest) in {**_FIXED, **_OPAQUE_FIXED}.items()}
_TAG_OF.update({name: tag for tag, name in _STRINGS.items()})
_TAG_OF.update({"null": 0, "array": 1, "structure": 2, "bit-string": 4, "compact-array": 19})

MAX_DEPTH = 64


class DataAccessResult(IntEnum):
    """How a get, set or action on one COSEM attribute or method went (the DLMS Data-Access-Result and
    Action-Result values a response carries for each of its parts)."""

    SUCCESS = 0
    HARDWARE_FAULT = 1
    TEMPORARY_FAILURE = 2
    READ_WRITE_DENIED = 3
    OBJECT_UNDEFINED = 4
    OBJECT_CLASS_INCONSISTENT = 9
    OBJECT_UNAVAILABLE = 11
    TYPE_UNMATCHED = 12
    SCOPE_OF_ACCESS_VIOLATED = 13
    DATA_BLOCK_UNAVAILABLE = 14
    LONG_GET_ABORTED = 15
    NO_LONG_GET_IN_PROGRESS = 16
    LONG_SET_ABORTED = 17
    NO_LONG_SET_IN_PROGRESS = 18
    DATA_BLOCK_NUMBER_INVALID = 19
    OTHER_REASON = 250


def _length(reader: Reader, node: dict) -> int:
    value, width = read_length(reader)
    if width is not None:
        node["lw"] = width
    return value


def decode_data(reader: Reader, depth: int = 0) -> dict[str, Any]:
    """One A-XDR ``Data`` value."""
    if depth > MAX_DEPTH:
        raise MalformedMessage("DLMS data nested too deeply")
    tag = reader.byte()
    if tag == 0:
        return {"type": "null"}
    if tag in (1, 2):
        node: dict[str, Any] = {"type": "array" if tag == 1 else "structure"}
        count = _length(reader, node)
        if count > reader.remaining:
            raise MalformedMessage(f"DLMS {node['type']} of {count} items in {reader.remaining} bytes")
        node["items"] = [decode_data(reader, depth + 1) for _ in range(count)]
        return node
    if tag in _FIXED:
        name, width, signed = _FIXED[tag]
        return {"type": name, "value": int.from_bytes(reader.take(width), "big", signed=signed)}
    if tag in _OPAQUE_FIXED:
        name, width = _OPAQUE_FIXED[tag]
        return {"type": name, "hex": reader.take(width).hex()}
    if tag in _STRINGS:
        node = {"type": _STRINGS[tag]}
        node["hex"] = reader.take(_length(reader, node)).hex()
        return node
    if tag == 4:
        node = {"type": "bit-string"}
        bits = _length(reader, node)
        node["bits"] = bits
        node["hex"] = reader.take((bits + 7) // 8).hex()
        return node
    if tag == 19:
        node = {"type": "compact-array", "description": _decode_type_description(reader, depth + 1)}
        node["contents"] = reader.take(_length(reader, node)).hex()
        return node
    raise MalformedMessage(f"unknown DLMS data type tag {tag}")


def _decode_type_description(reader: Reader, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise MalformedMessage("DLMS type description nested too deeply")
    tag = reader.byte()
    if tag == 1:
        count = reader.uint(2)
        return {"type": "array", "count": count, "of": _decode_type_description(reader, depth + 1)}
    if tag == 2:
        node: dict[str, Any] = {"type": "structure"}
        count = _length(reader, node)
        if count > reader.remaining:
            raise MalformedMessage("DLMS type description longer than its message")
        node["items"] = [_decode_type_description(reader, depth + 1) for _ in range(count)]
        return node
    for table in (_FIXED, _OPAQUE_FIXED):
        if tag in table:
            return {"type": table[tag][0]}
    if tag in _STRINGS or tag in (0, 4):
        return {"type": {0: "null", 4: "bit-string"}.get(tag) or _STRINGS[tag]}
    raise MalformedMessage(f"unknown DLMS type description tag {tag}")


def encode_data(node: dict[str, Any]) -> bytes:
    out = bytearray()
    _encode_data_into(node, out)
    return bytes(out)


def _encode_data_into(node: dict[str, Any], out: bytearray) -> None:
    """``encode_data`` appending to ``out`` (a nested value is written in place, not joined from parts)."""
    kind = node["type"]
    tag = _TAG_OF.get(kind)
    if tag is None:
        raise MalformedMessage(f"unknown DLMS data type {kind!r}")
    if tag == 0:
        out.append(0)
        return
    if tag == 1 or tag == 2:
        items = node["items"]
        out.append(tag)
        out += encode_length(len(items), node.get("lw"))
        for item in items:
            _encode_data_into(item, out)
        return
    fixed = _FIXED.get(tag)
    if fixed is not None:
        value = int(node["value"]).to_bytes(fixed[1], "big", signed=fixed[2])
        out.append(tag)
        out += value
        return
    if tag in _OPAQUE_FIXED:
        value = bytes.fromhex(node["hex"])
        out.append(tag)
        out += value
        return
    if tag in _STRINGS:
        raw = bytes.fromhex(node["hex"])
        out.append(tag)
        out += encode_length(len(raw), node.get("lw"))
        out += raw
        return
    if kind == "bit-string":
        head = encode_length(int(node["bits"]), node.get("lw"))
        raw = bytes.fromhex(node["hex"])
        out.append(tag)
        out += head
        out += raw
        return
    raw = bytes.fromhex(node["contents"])
    described = _encode_type_description(node["description"])
    out.append(tag)
    out += described
    out += encode_length(len(raw), node.get("lw"))
    out += raw


def _encode_type_description(node: dict[str, Any]) -> bytes:
    kind = node["type"]
    if kind == "array":
        return b"\x01" + int(node["count"]).to_bytes(2, "big") + _encode_type_description(node["of"])
    if kind == "structure":
        items = node["items"]
        return b"\x02" + encode_length(len(items), node.get("lw")) + b"".join(
            _encode_type_description(i) for i in items)
    return bytes([_TAG_OF[kind]])


# --- the ACCESS service ------------------------------------------------------------------------

_SPEC_CHOICES = {1: "get", 2: "set", 3: "action", 4: "get-with-selection", 5: "set-with-selection"}
_SPEC_TAGS = {v: k for k, v in _SPEC_CHOICES.items()}


def _decode_spec(reader: Reader) -> dict[str, Any]:
    choice = reader.byte()
    name = _SPEC_CHOICES.get(choice)
    if name is None:
        raise MalformedMessage(f"unknown access request specification choice {choice}")
    spec: dict[str, Any] = {"choice": name, "class": reader.uint(2), "obis": reader.take(6).hex().upper()}
    spec["method" if name == "action" else "attribute"] = reader.byte()
    if name.endswith("with-selection"):
        spec["selector"] = reader.byte()
        spec["parameters"] = decode_data(reader)
    return spec


def _encode_spec(spec: dict[str, Any]) -> bytes:
    name = spec["choice"]
    out = bytes([_SPEC_TAGS[name]]) + int(spec["class"]).to_bytes(2, "big") + bytes.fromhex(spec["obis"])
    out += bytes([spec["method" if name == "action" else "attribute"]])
    if name.endswith("with-selection"):
        out += bytes([spec["selector"]]) + encode_data(spec["parameters"])
    return out


def _decode_list(reader: Reader, holder: dict[str, Any], key: str,
                 item: Callable[[Reader], dict[str, Any]]) -> list[dict[str, Any]]:
    count, width = read_length(reader)
    if width is not None:
        holder[f"{key}_lw"] = width
    if count > reader.remaining:
        raise MalformedMessage(f"DLMS list of {count} in {reader.remaining} bytes")
    return [item(reader) for _ in range(count)]


def _encode_list(holder: dict[str, Any], key: str, items: list[dict[str, Any]],
                 encode: Callable[[dict[str, Any]], bytes]) -> bytes:
    return encode_length(len(items), holder.get(f"{key}_lw")) + b"".join(encode(i) for i in items)


def _decode_date_time(reader: Reader, node: dict) -> None:
    length = reader.byte()
    node["date_time"] = reader.take(length).hex() if length else None


def _encode_date_time(node: dict) -> bytes:
    value = node.get("date_time")
    if not value:
        return b"\x00"
    raw = bytes.fromhex(value)
    return bytes([len(raw)]) + raw


def decode_access_request(reader: Reader) -> dict[str, Any]:
    if reader.byte() != ACCESS_REQUEST:
        raise MalformedMessage("not a DLMS access-request")
    node: dict[str, Any] = {"invoke_id": reader.take(4).hex()}
    _decode_date_time(reader, node)
    node["specs"] = _decode_list(reader, node, "specs", _decode_spec)
    node["data"] = _decode_list(reader, node, "data", decode_data)
    return node


def encode_access_request(node: dict[str, Any]) -> bytes:
    return (bytes([ACCESS_REQUEST]) + bytes.fromhex(node["invoke_id"]) + _encode_date_time(node)
            + _encode_list(node, "specs", node["specs"], _encode_spec)
            + _encode_list(node, "data", node["data"], encode_data))


_RESULT_CHOICES = {1: "get", 2: "set", 3: "action"}
_RESULT_TAGS = {v: k for k, v in _RESULT_CHOICES.items()}


def _decode_result(reader: Reader) -> dict[str, Any]:
    choice = reader.byte()
    if choice not in _RESULT_CHOICES:
        raise MalformedMessage(f"unknown access response specification choice {choice}")
    return {"choice": _RESULT_CHOICES[choice], "result": reader.byte()}


def _encode_result(item: dict[str, Any]) -> bytes:
    return bytes([_RESULT_TAGS[item["choice"]], item["result"]])


def decode_access_response(reader: Reader) -> dict[str, Any]:
    if reader.byte() != ACCESS_RESPONSE:
        raise MalformedMessage("not a DLMS access-response")
    node: dict[str, Any] = {"invoke_id": reader.take(4).hex()}
    _decode_date_time(reader, node)
    present = reader.byte()
    if present not in (0, 1):
        raise MalformedMessage("bad access-request-specification presence flag")
    if present:
        node["request_specs"] = _decode_list(reader, node, "request_specs", _decode_spec)
    node["data"] = _decode_list(reader, node, "data", decode_data)
    node["results"] = _decode_list(reader, node, "results", _decode_result)
    return node


def encode_access_response(node: dict[str, Any]) -> bytes:
    out = bytes([ACCESS_RESPONSE]) + bytes.fromhex(node["invoke_id"]) + _encode_date_time(node)
    if "request_specs" in node:
        out += b"\x01" + _encode_list(node, "request_specs", node["request_specs"], _encode_spec)
    else:
        out += b"\x00"
    return out + _encode_list(node, "data", node["data"], encode_data) + \
        _encode_list(node, "results", node["results"], _encode_result)


def decode_data_notification(reader: Reader) -> dict[str, Any]:
    if reader.byte() != DATA_NOTIFICATION:
        raise MalformedMessage("not a DLMS data-notification")
    node: dict[str, Any] = {"invoke_id": reader.take(4).hex()}
    _decode_date_time(reader, node)
    node["body"] = []
    while not reader.at_end():
        node["body"].append(decode_data(reader))
    return node


def encode_data_notification(node: dict[str, Any]) -> bytes:
    return bytes([DATA_NOTIFICATION]) + bytes.fromhex(node["invoke_id"]) + _encode_date_time(node) + \
        b"".join(encode_data(d) for d in node["body"])
