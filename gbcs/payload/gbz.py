"""GBZ, the ZigBee-based payload of gas devices (GSME, GPF): components carrying ZCL frames.

A GBZ payload is the profile id 0x0109, a component count and the components; an alert payload has
an alert code and a timestamp after the count and then use-case specific content. Each component has a
control field, a ZCL cluster id, an extended length, an optional extended header (from-date-time, or
the additional header of an encrypted component) and a ZCL frame (frame control, optional manufacturer
code, sequence number, command id, payload). ZCL payloads are kept as bytes; encrypted ones (control bit
0x02) hold the ciphered length, the security header, the ciphertext and its 12-byte tag.
"""
from __future__ import annotations

from typing import Any

from gbcs._reader import Reader
from gbcs.errors import MalformedMessage

PROFILE_ID = b"\x01\x09"
CONTROL_ENCRYPTED = 0x02
CONTROL_FROM_DATE_TIME = 0x10
ZCL_MANUFACTURER_SPECIFIC = 0x04


def is_gbz(data: bytes) -> bool:
    return data[:2] == PROFILE_ID


def _decode_component(reader: Reader) -> dict[str, Any]:
    control = reader.byte()
    cluster = reader.uint(2)
    body = reader.sub(reader.uint(2))
    component: dict[str, Any] = {"control": control, "cluster": cluster}
    if control & CONTROL_ENCRYPTED:
        component["additional_header"] = body.take(2).hex()
    elif control & CONTROL_FROM_DATE_TIME:
        component["from_date_time"] = body.uint(4)
    frame_control = body.byte()
    component["frame_control"] = frame_control
    if frame_control & ZCL_MANUFACTURER_SPECIFIC:
        component["manufacturer"] = body.uint(2)
    component["sequence"] = body.byte()
    component["command"] = body.byte()
    component["payload"] = body.rest().hex()
    return component


def _encode_component(component: dict[str, Any]) -> bytes:
    body = b""
    control = component["control"]
    if control & CONTROL_ENCRYPTED:
        body += bytes.fromhex(component["additional_header"])
    elif control & CONTROL_FROM_DATE_TIME:
        body += int(component["from_date_time"]).to_bytes(4, "big")
    body += bytes([component["frame_control"]])
    if component["frame_control"] & ZCL_MANUFACTURER_SPECIFIC:
        body += int(component["manufacturer"]).to_bytes(2, "big")
    body += bytes([component["sequence"], component["command"]]) + bytes.fromhex(component["payload"])
    return bytes([control]) + int(component["cluster"]).to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def _components(reader: Reader, count: int) -> list[dict[str, Any]] | None:
    """Parse ``count`` components if the rest of the payload is exactly that; else None (reader untouched)."""
    start = reader.pos
    try:
        found = [_decode_component(reader) for _ in range(count)]
    except MalformedMessage:
        reader.pos = start
        return None
    if not reader.at_end():
        reader.pos = start
        return None
    return found


def decode(data: bytes, *, alert: bool) -> dict[str, Any]:
    reader = Reader(data)
    if reader.take(2) != PROFILE_ID:
        raise MalformedMessage("GBZ payload without profile id 0x0109")
    count = reader.byte()
    node: dict[str, Any] = {"count": count}
    if alert:
        node["alert_code"] = reader.uint(2)
        node["timestamp"] = reader.uint(4)
        components = _components(reader, count) if count else None
        if components is not None and count:
            node["components"] = components
        else:
            node["tail"] = reader.rest().hex()
        return node
    components = _components(reader, count)
    if components is None:
        raise MalformedMessage("GBZ components do not add up to the payload")
    node["components"] = components
    return node


def encode(node: dict[str, Any], *, alert: bool) -> bytes:
    out = PROFILE_ID + bytes([node["count"]])
    if alert:
        out += int(node["alert_code"]).to_bytes(2, "big") + int(node["timestamp"]).to_bytes(4, "big")
        if "components" in node:
            return out + b"".join(_encode_component(c) for c in node["components"])
        return out + bytes.fromhex(node.get("tail", ""))
    return out + b"".join(_encode_component(c) for c in node["components"])
