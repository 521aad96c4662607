"""A ZigBee (GBZ) server for gas devices: attributes per cluster, and the ZCL general commands.

Read Attributes answers each attribute with its stored value (or a default, or UNSUPPORTED_ATTRIBUTE);
Write Attributes stores values; cluster-specific commands are acknowledged with a Default Response,
and the few with behaviour (the event log clear of CS11) change the device's state.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from devices.clock import zigbee_time

READ_ATTRIBUTES = 0x00
READ_ATTRIBUTES_RESPONSE = 0x01
WRITE_ATTRIBUTES = 0x02
WRITE_ATTRIBUTES_RESPONSE = 0x04
DEFAULT_RESPONSE = 0x0B
SERVER_TO_CLIENT = 0x08
CLUSTER_SPECIFIC = 0x01
SUCCESS = 0x00
UNSUPPORTED_ATTRIBUTE = 0x86

METERING = 0x0702
BASIC = 0x0000
EVENTS = 0x0709

# ZCL data types and their value widths.
_WIDTHS = {0x18: 1, 0x19: 2, 0x20: 1, 0x21: 2, 0x22: 3, 0x23: 4, 0x24: 5, 0x25: 6, 0x26: 7, 0x27: 8,
           0x28: 1, 0x29: 2, 0x2A: 3, 0x2B: 4, 0x30: 1, 0x31: 2, 0xE2: 4, 0x10: 1}
UINT48 = 0x25
UINT32 = 0x23
OCTET_STRING = 0x41
UTC_TIME = 0xE2


def _default(state: dict, cluster: int, attribute: int, now: datetime) -> tuple[int, bytes] | None:
    if cluster == METERING and attribute in (0x0000, 0x0100, 0x0102, 0x0104, 0x0106, 0x0700, 0x0701):
        return UINT48, state.get("consumption_wh", 0).to_bytes(6, "little")
    if cluster == BASIC and attribute in (0x0003, 0x0004, 0x0005):
        text = {0x0003: b"\x01", 0x0004: b"dccsim", 0x0005: b"GSME"}[attribute]
        return OCTET_STRING, bytes([len(text)]) + text
    if cluster == 0x0702 and attribute == 0x0602:
        version = bytes.fromhex(state.get("firmware", {}).get("version", "00000001"))
        return UINT32, version[::-1]
    if attribute == 0x0000 and cluster == 0x000A:
        return UTC_TIME, zigbee_time(now).to_bytes(4, "little")
    return None


def _read(state: dict, cluster: int, payload: bytes, now: datetime) -> bytes:
    store = state.setdefault("zcl", {})
    out = b""
    for i in range(0, len(payload) - 1, 2):
        attribute = int.from_bytes(payload[i:i + 2], "little")
        stored = store.get(f"{cluster}:{attribute}")
        value = (stored[0], bytes.fromhex(stored[1])) if stored else _default(state, cluster, attribute, now)
        if value is None:
            out += payload[i:i + 2] + bytes([UNSUPPORTED_ATTRIBUTE])
        else:
            out += payload[i:i + 2] + bytes([SUCCESS, value[0]]) + value[1]
    return out


def _write(state: dict, cluster: int, payload: bytes) -> bool:
    store = state.setdefault("zcl", {})
    i = 0
    while i + 3 <= len(payload):
        attribute = int.from_bytes(payload[i:i + 2], "little")
        kind = payload[i + 2]
        width = _WIDTHS.get(kind)
        if width is None:
            if kind in (0x41, 0x42):
                width = 1 + (payload[i + 3] if i + 3 < len(payload) else 0)
            else:
                return False
        store[f"{cluster}:{attribute}"] = [kind, payload[i + 3:i + 3 + width].hex()]
        i += 3 + width
    return True


def serve_gbz(state: dict, tree: dict[str, Any], now: datetime) -> tuple[dict[str, Any], list]:
    """Answer a GBZ command payload tree with a GBZ response payload tree."""
    responses, alerts = [], []
    for component in tree.get("components", []):
        cluster, command = component["cluster"], component["command"]
        payload = bytes.fromhex(component["payload"])
        response = {"control": component["control"] & ~0x12, "cluster": cluster,
                    "frame_control": (component["frame_control"] & ~0x04) | SERVER_TO_CLIENT,
                    "sequence": component["sequence"]}
        if component["frame_control"] & CLUSTER_SPECIFIC:
            if cluster == EVENTS:
                state["event_log"] = []
                state["security_log"] = [] if payload[:1] == b"\x03" else state.get("security_log", [])
            response.update(command=DEFAULT_RESPONSE, payload=bytes([command, SUCCESS]).hex())
        elif command == READ_ATTRIBUTES:
            response.update(command=READ_ATTRIBUTES_RESPONSE, payload=_read(state, cluster, payload, now).hex())
        elif command == WRITE_ATTRIBUTES:
            ok = _write(state, cluster, payload)
            response.update(command=WRITE_ATTRIBUTES_RESPONSE, payload=bytes([SUCCESS if ok else 0x87]).hex())
        else:
            response.update(command=DEFAULT_RESPONSE, payload=bytes([command, SUCCESS]).hex())
        responses.append(response)
    return {"count": len(responses), "components": responses}, alerts
