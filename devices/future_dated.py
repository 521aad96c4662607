"""Future-dated commands: when a command carries an execution time in the future the device acknowledges
it, holds it, and runs it at that time with a "future-dated command actioned" alert (0x8F66, or 0x8F67 when
it fails) to the command's originator; a command carrying the cancellation time cancels the held commands
of its kind instead.

Where the time is, by payload format:

- DLMS COSEM: the activation date-times a command writes (calendar, charges, payment mode, SMETS
  configuration objects), or the date-time of the Access-Request itself. An unspecified date (all 0xFF) is
  the cancellation; all zero, an absent date or one already past is "now".
- GBZ: the start / implementation time field of the ZCL commands that have one (UTC seconds since 2000,
  little-endian). 0 is "now"; 0xFFFFFFFF and 0xFFFFFFFE are the cancellation.
- ASN.1 (CS06 firmware activation, see ``devices.firmware``): a GeneralizedTime; 9999-12-31 23:59:59 cancels.

Where a device's own model keeps dated values itself (an ESME's passive tariff objects and their activation
date-times, a gas meter's published tariff and its start time: ``NATIVE``), the command runs now — the model
stages what it writes and takes it into force at its time — and the device only watches the time to raise
the alert then; a cancellation goes to the model too. Other dated commands are held whole and run at their
time with their dates made "now".
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone

import gbcs
from gbcs.dlms import ACTIVATION_ATTRIBUTES
from gbcs.times import from_zigbee_time
from devices.state import DLMS_REQUEST, GBZ, DeviceState, FirmwareActivation, HeldCommand, PayloadTree

# (cluster, command) → offset of the UTC start / implementation time in the ZCL payload.
ZCL_EXECUTION_TIME = {
    (0x0700, 4): 12, (0x0700, 5): 8, (0x0700, 6): 8,     # price: tariff information, block thresholds, matrix
    (0x0707, 0): 12, (0x0707, 4): 12,                     # calendar: publish calendar, special days
    (0x0705, 3): 4, (0x0705, 6): 8, (0x0705, 11): 8, (0x0705, 12): 8,   # prepayment
}
ZCL_CANCEL = {0xFFFFFFFF, 0xFFFFFFFE}
# What the device models date themselves, by device type: DLMS (class, attribute), GBZ (cluster, command).
NATIVE: dict[str, frozenset[tuple[int, int]]] = {
    "ESME": frozenset({(20, 10), (113, 7), (9000, 6)}),
    "APC": frozenset({(9000, 6)}),
    "GSME": frozenset({(0x0700, 4), (0x0700, 5), (0x0700, 6), (0x0707, 0), (0x0707, 4), (0x0705, 6)}),
}
IMMEDIATE_DLMS = gbcs.DLMS_NOW.hex()


@dataclass(frozen=True)
class Timing:
    """When a command is to run: ``cancel`` it, run it ``at`` a future time, or (neither) now."""

    at: datetime | None = None
    cancel: bool = False
    targets: tuple[tuple, ...] = ()   # what carries the time: (class, obis, attribute) or (cluster, fc, command)


NOW = Timing()


def _dlms_value_time(raw: bytes) -> tuple[str, datetime | None]:
    if len(raw) != 12:
        return "now", None
    if raw[:4] == b"\xff\xff\xff\xff":
        return "cancel", None
    moment = gbcs.decode_dlms_date_time(raw)
    return ("at", moment) if moment is not None else ("now", None)


def dlms_timing(tree: dict, now: datetime) -> Timing:
    targets, times, cancel = [], [], False
    header = bytes.fromhex(tree["date_time"]) if tree.get("date_time") else b""
    if header:
        state, moment = _dlms_value_time(header)
        cancel = state == "cancel"
        if moment is not None and moment > now:
            times.append(moment)
    data = tree.get("data", [])
    for index, spec in enumerate(tree.get("specs", [])):
        if spec["choice"] != "set" or (spec["class"], spec.get("attribute")) not in ACTIVATION_ATTRIBUTES:
            continue
        value = data[index] if index < len(data) else {}
        if value.get("type") != "octet-string":
            continue
        state, moment = _dlms_value_time(bytes.fromhex(value["hex"]))
        if state == "cancel":
            cancel = True
            targets.append((spec["class"], spec["obis"], spec["attribute"]))
        elif moment is not None and moment > now:
            times.append(moment)
            targets.append((spec["class"], spec["obis"], spec["attribute"]))
    if cancel:
        return Timing(cancel=True, targets=tuple(targets))
    if times:
        return Timing(at=max(times), targets=tuple(targets))
    return NOW


def gbz_timing(tree: dict, now: datetime) -> Timing:
    targets, times, cancel = [], [], False
    for component in tree.get("components", []):
        offset = ZCL_EXECUTION_TIME.get((component["cluster"], component["command"]))
        if offset is None:
            continue
        payload = bytes.fromhex(component["payload"])
        if len(payload) < offset + 4:
            continue
        value = int.from_bytes(payload[offset:offset + 4], "little")
        target = (component["cluster"], component["frame_control"], component["command"])
        if value in ZCL_CANCEL:
            cancel = True
            targets.append(target)
        elif value:
            moment = from_zigbee_time(value)
            if moment > now:
                times.append(moment)
                targets.append(target)
    if cancel:
        return Timing(cancel=True, targets=tuple(targets))
    if times:
        return Timing(at=max(times), targets=tuple(targets))
    return NOW


def timing(kind: str, tree, now: datetime) -> Timing:
    if kind == DLMS_REQUEST:
        return dlms_timing(tree, now)
    if kind == GBZ:
        return gbz_timing(tree, now)
    return NOW


def native(state: DeviceState, kind: str, timing: Timing) -> bool:
    """Whether the device's model dates every part of this command itself (and it is dated only there)."""
    dated = NATIVE.get(state.KIND, frozenset())
    if not timing.targets:
        return False
    if kind == DLMS_REQUEST:
        return all((t[0], t[2]) in dated for t in timing.targets)
    if kind == GBZ:
        return all((t[0], t[2]) in dated for t in timing.targets)
    return False


def idle_request(kind: str):
    """A request with nothing in it: the model advances to now (and takes what is due into force)."""
    if kind == GBZ:
        return {"count": 0, "components": []}
    return {"invoke_id": "00000000", "date_time": None, "specs": [], "data": []}


def made_immediate(kind: str, tree):
    """The command as it runs at its time: its execution times set to "now"."""
    tree = copy.deepcopy(tree)
    if kind == DLMS_REQUEST:
        tree["date_time"] = None
        for index, spec in enumerate(tree.get("specs", [])):
            if spec["choice"] == "set" and (spec["class"], spec.get("attribute")) in ACTIVATION_ATTRIBUTES:
                value = tree["data"][index]
                if value.get("type") == "octet-string" and len(value.get("hex", "")) == 24:
                    value["hex"] = IMMEDIATE_DLMS
    elif kind == GBZ:
        for component in tree.get("components", []):
            offset = ZCL_EXECUTION_TIME.get((component["cluster"], component["command"]))
            if offset is None:
                continue
            payload = bytearray(bytes.fromhex(component["payload"]))
            if len(payload) >= offset + 4:
                payload[offset:offset + 4] = b"\x00\x00\x00\x00"
                component["payload"] = payload.hex()
    return tree


def hold(state: DeviceState, *, at: datetime, originator: str, counter: int, message_code: int, kind: str,
         request: PayloadTree, targets: tuple, use_case: str, watch: bool = False,
         firmware: FirmwareActivation | None = None) -> None:
    """Keep a command until its time (the device's timer list; a command held with ``watch`` is only a
    reminder of a time the device's model keeps itself)."""
    state.future.append(HeldCommand(at=at.astimezone(timezone.utc), originator=originator, counter=counter,
                                    message_code=message_code, payload_kind=kind, request=request,
                                    targets=tuple(tuple(t) for t in targets), use_case=use_case, watch=watch,
                                    firmware=firmware))


def cancel(state: DeviceState, message_code: int, kind: str | None = None) -> int:
    """Drop the held commands of this message code; return how many were cancelled."""
    held = state.future
    state.future = [item for item in held if not (item.message_code == message_code
                                                  and (kind is None or item.payload_kind == kind))]
    return len(held) - len(state.future)


def due(state: DeviceState, now: datetime) -> list[HeldCommand]:
    """Take the held commands whose time has come out of the list, oldest first."""
    ready = [item for item in state.future if item.at <= now]
    state.future = [item for item in state.future if item.at > now]
    return sorted(ready, key=lambda item: item.at)
