"""Named fields of GBZ payloads: component headers, ZCL frame headers and payloads, and the GBZ alert header
and payloads.

Component control bits (last component, encrypted, from-date-time present), the cluster and command by
name, the ZCL frame-control bits, the extended header (from-date-time or the additional header of an
encrypted component), and ``zcl``: the named fields of the ZCL payload (see ``zcl_fields``). A payload that
does not read as its command (or would not rebuild byte-exact) stays hex under ``payload``. An encrypted
component carries its ciphered information (length, security header, ciphertext, tag) under ``ciphered``,
which is what it is built from; its ``zcl`` is the named fields of the decrypted plaintext when the
message's encrypted parts were decrypted (``describe(..., decrypted=...)``), else the text ``"encrypted"``.
Time stamps are ZigBee UTC times, shown as ISO text.
"""
from __future__ import annotations

from typing import Any

from gbcs.catalogue import lookup
from gbcs.errors import MalformedMessage
from gbcs.payload import gbz
from gbcs.semantic.alerts import INTEGRITY_ISSUES, alert_code, alert_fields
from gbcs.semantic import zcl_fields
from gbcs.semantic.common import Names, field, hex_bytes, integer, utc_seconds, utc_seconds_text
from gbcs.semantic.zcl_names import CLUSTER_COMMANDS, CLUSTERS, GENERAL_COMMANDS

FRAME_TYPES = Names({0: "profile-wide", 1: "cluster-specific"})
DIRECTIONS = Names({0: "client-to-server", 1: "server-to-client"})

CONTROL_LAST = 0x01
_KNOWN_CONTROL = CONTROL_LAST | gbz.CONTROL_ENCRYPTED | gbz.CONTROL_FROM_DATE_TIME


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise MalformedMessage(f"{name} must be true or false, got {value!r}")
    return value


def cluster_fields(cluster: int) -> dict[str, Any]:
    out: dict[str, Any] = {"cluster_id": f"{cluster:04X}"}
    if isinstance(CLUSTERS.name(cluster), str):
        out["cluster"] = CLUSTERS.name(cluster)
    return out


def _cluster(value: Any) -> int:
    try:
        return integer(int(str(value), 16), "cluster_id", 0, 0xFFFF)
    except ValueError as exc:
        raise MalformedMessage(f"cluster_id is four hex digits, not {value!r}") from exc


def describe_frame_control(value: int) -> dict[str, Any]:
    out: dict[str, Any] = {"frame_type": FRAME_TYPES.name(value & 0x03),
                           "manufacturer_specific": bool(value & gbz.ZCL_MANUFACTURER_SPECIFIC),
                           "direction": DIRECTIONS.name((value >> 3) & 1),
                           "disable_default_response": bool(value & 0x10)}
    if value & 0xE0:
        out["reserved_bits"] = value >> 5
    return out


def build_frame_control(fields: Any) -> int:
    value = integer(FRAME_TYPES.code(field(fields, "frame_type")), "frame_type", 0, 3)
    value |= gbz.ZCL_MANUFACTURER_SPECIFIC if _flag(field(fields, "manufacturer_specific"), "manufacturer_specific") else 0
    value |= integer(DIRECTIONS.code(field(fields, "direction")), "direction", 0, 1) << 3
    value |= 0x10 if _flag(field(fields, "disable_default_response"), "disable_default_response") else 0
    return value | integer(fields.get("reserved_bits", 0), "reserved_bits", 0, 7) << 5


def command_fields(cluster: int, frame_control: int, command: int) -> dict[str, Any]:
    if frame_control & 0x03 == 0:
        names: Names | None = GENERAL_COMMANDS
    else:
        names = CLUSTER_COMMANDS.get((cluster, bool(frame_control & 0x08)))
    out: dict[str, Any] = {"command_id": command}
    if names is not None and isinstance(names.name(command), str):
        out["command"] = names.name(command)
    return out


def _describe_ciphered(raw: bytes) -> dict[str, Any] | None:
    if len(raw) < 19 or int.from_bytes(raw[:2], "big") != len(raw) - 2:
        return None
    return {"security_header": raw[2:7].hex(), "ciphertext": raw[7:-12].hex(), "tag": raw[-12:].hex()}


def _build_ciphered(fields: Any) -> bytes:
    header, tag = hex_bytes(field(fields, "security_header")), hex_bytes(field(fields, "tag"))
    if len(header) != 5 or len(tag) != 12:
        raise MalformedMessage("ciphered ZCL payload: 5-octet security header and 12-octet tag")
    body = header + hex_bytes(field(fields, "ciphertext")) + tag
    return len(body).to_bytes(2, "big") + body


ENCRYPTED = "encrypted"


def describe_component(component: dict[str, Any], plaintext: bytes | None = None) -> dict[str, Any]:
    """The named fields of one component (``plaintext``: the decrypted ZCL payload of an encrypted one)."""
    control = component["control"]
    out: dict[str, Any] = {"control": {"last_component": bool(control & CONTROL_LAST),
                                       "encrypted": bool(control & gbz.CONTROL_ENCRYPTED),
                                       "from_date_time_present": bool(control & gbz.CONTROL_FROM_DATE_TIME)}}
    if control & ~_KNOWN_CONTROL:
        out["control"]["other_bits"] = control & ~_KNOWN_CONTROL
    out.update(cluster_fields(component["cluster"]))
    if "additional_header" in component:
        out["additional_header"] = component["additional_header"]
    if "from_date_time" in component:
        out["from_date_time"] = utc_seconds_text(component["from_date_time"])
    out["frame_control"] = describe_frame_control(component["frame_control"])
    if "manufacturer" in component:
        out["manufacturer_code"] = component["manufacturer"]
    out["sequence"] = component["sequence"]
    out.update(command_fields(component["cluster"], component["frame_control"], component["command"]))
    raw = bytes.fromhex(component["payload"])
    ciphered = _describe_ciphered(raw) if control & gbz.CONTROL_ENCRYPTED else None
    if ciphered is not None:
        out["ciphered"] = ciphered
        named = _zcl(component, plaintext) if plaintext is not None else None
        out["zcl"] = named if named is not None else ENCRYPTED
        return out
    named = _zcl(component, raw)
    if named is not None:
        out["zcl"] = named
    else:
        out["payload"] = component["payload"]
    return out


def _zcl(component: dict[str, Any], payload: bytes) -> dict[str, Any] | None:
    return zcl_fields.describe(component["cluster"], component["frame_control"], component["command"], payload)


def build_component(fields: Any) -> dict[str, Any]:
    flags = field(fields, "control")
    control = (CONTROL_LAST if _flag(field(flags, "last_component"), "last_component") else 0)
    control |= gbz.CONTROL_ENCRYPTED if _flag(field(flags, "encrypted"), "encrypted") else 0
    control |= gbz.CONTROL_FROM_DATE_TIME if _flag(field(flags, "from_date_time_present"), "from_date_time") else 0
    control |= integer(flags.get("other_bits", 0), "other_bits", 0, 0xFF) & ~_KNOWN_CONTROL
    component: dict[str, Any] = {"control": control, "cluster": _cluster(field(fields, "cluster_id"))}
    if control & gbz.CONTROL_ENCRYPTED:
        header = hex_bytes(field(fields, "additional_header"), "additional_header")
        if len(header) != 2:
            raise MalformedMessage("the additional header of an encrypted component is 2 octets")
        component["additional_header"] = header.hex()
    elif control & gbz.CONTROL_FROM_DATE_TIME:
        component["from_date_time"] = utc_seconds(field(fields, "from_date_time"), "from_date_time")
    frame_control = build_frame_control(field(fields, "frame_control"))
    component["frame_control"] = frame_control
    if frame_control & gbz.ZCL_MANUFACTURER_SPECIFIC:
        component["manufacturer"] = integer(field(fields, "manufacturer_code"), "manufacturer_code", 0, 0xFFFF)
    component["sequence"] = integer(field(fields, "sequence"), "sequence", 0, 255)
    component["command"] = integer(field(fields, "command_id"), "command_id", 0, 255)
    if "ciphered" in fields:
        component["payload"] = _build_ciphered(fields["ciphered"]).hex()
    elif "payload" in fields:
        component["payload"] = hex_bytes(field(fields, "payload"), "payload").hex()
    else:
        component["payload"] = zcl_fields.build(component["cluster"], frame_control, component["command"],
                                                field(fields, "zcl")).hex()
    return component


def _plaintexts(components: list[dict[str, Any]], decrypted: Any) -> list[bytes | None]:
    """The decrypted ZCL payload of each component (None for plain ones and when not decrypted)."""
    found = iter(bytes.fromhex(p) for p in decrypted or ())
    return [next(found, None) if c["control"] & gbz.CONTROL_ENCRYPTED else None for c in components]


def describe(tree: dict[str, Any], decrypted: Any = None) -> dict[str, Any]:
    components = tree["components"]
    return {"components": [describe_component(c, p) for c, p in zip(components, _plaintexts(components, decrypted))]}


def build(fields: dict[str, Any]) -> dict[str, Any]:
    components = field(fields, "components")
    if not isinstance(components, list) or not 0 < len(components) < 256:
        raise MalformedMessage("a GBZ payload has 1 to 255 components")
    return {"count": len(components), "components": [build_component(c) for c in components]}


# --- GBZ alerts ---------------------------------------------------------------------------------

def _future_dated(raw: bytes) -> dict[str, Any] | None:
    """Length (14), message code, originator counter, cluster, frame control and command of the command."""
    if len(raw) != 15 or raw[0] != 14:
        return None
    code = int.from_bytes(raw[1:3], "big")
    out: dict[str, Any] = {"message_code": f"{code:04X}"}
    if lookup(code):
        out["use_case"] = lookup(code).use_case
    cluster, frame_control = int.from_bytes(raw[11:13], "big"), raw[13]
    out["originator_counter"] = int.from_bytes(raw[3:11], "big")
    out.update(cluster_fields(cluster))
    out["frame_control"] = describe_frame_control(frame_control)
    out.update(command_fields(cluster, frame_control, raw[14]))
    return out


def _future_dated_octets(fields: Any) -> bytes:
    try:
        code = int(str(field(fields, "message_code")), 16)
    except ValueError as exc:
        raise MalformedMessage("message_code is four hex digits") from exc
    return (bytes([14]) + integer(code, "message_code", 0, 0xFFFF).to_bytes(2, "big")
            + integer(field(fields, "originator_counter"), "originator_counter", 0, 2**64 - 1).to_bytes(8, "big")
            + _cluster(field(fields, "cluster_id")).to_bytes(2, "big")
            + bytes([build_frame_control(field(fields, "frame_control")),
                     integer(field(fields, "command_id"), "command_id", 0, 255)]))


def _manufacturer_hash(raw: bytes) -> str | None:
    return raw[2:].hex() if len(raw) >= 2 and raw[0] == 0x09 and raw[1] == len(raw) - 2 < 0x80 else None


def _manufacturer_hash_octets(value: Any) -> bytes:
    raw = hex_bytes(value, "calculated_manufacturer_hash")
    if len(raw) >= 0x80:
        raise MalformedMessage("calculated_manufacturer_hash is under 128 octets")
    return bytes([0x09, len(raw)]) + raw


_ISSUES = Names(INTEGRITY_ISSUES)


def _integrity_issue(raw: bytes) -> Any:
    return _ISSUES.name(int.from_bytes(raw, "big")) if len(raw) == 2 else None


# message code → (field, read the tail, write the tail)
ALERT_TAILS = {
    0x00CD: ("future_dated_command", _future_dated, _future_dated_octets),
    0x00CF: ("calculated_manufacturer_hash", _manufacturer_hash, _manufacturer_hash_octets),
    0x00F2: ("integrity_issue", _integrity_issue,
             lambda value: integer(_ISSUES.code(value), "integrity_issue", 0, 0xFFFF).to_bytes(2, "big")),
}


def describe_alert(tree: dict[str, Any], message_code: int | None, decrypted: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"component_count": tree["count"], **alert_fields(tree["alert_code"]),
                           "alert_date_time": utc_seconds_text(tree["timestamp"])}
    if "components" in tree:
        components = tree["components"]
        out["components"] = [describe_component(c, p)
                             for c, p in zip(components, _plaintexts(components, decrypted))]
        return out
    tail = bytes.fromhex(tree.get("tail", ""))
    named = ALERT_TAILS.get(message_code) if message_code is not None else None
    value = named[1](tail) if named else None
    if value is not None:
        out[named[0]] = value
    else:
        out["tail"] = tail.hex()
    return out


def build_alert(fields: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {"count": integer(field(fields, "component_count"), "component_count", 0, 255),
                            "alert_code": alert_code(field(fields, "alert_code")),
                            "timestamp": utc_seconds(field(fields, "alert_date_time"), "alert_date_time")}
    if "components" in fields:
        if len(fields["components"]) != tree["count"] or not tree["count"]:
            raise MalformedMessage("component_count must count the components")
        tree["components"] = [build_component(c) for c in fields["components"]]
        return tree
    for name, _read, write in ALERT_TAILS.values():
        if name in fields:
            tree["tail"] = write(fields[name]).hex()
            return tree
    tree["tail"] = hex_bytes(fields.get("tail", ""), "tail").hex()
    return tree
