"""The Communications Hub Function's HAN management: the CHF device log (the HAN whitelist), the historic
device log, and their backup to the DCC.

The device log (COSEM class 104, 0-0:30.3.0.255) is changed by CCS01 (register_device, method 1), CCS02
(unregister_device, method 2) and CCS03 (restore, method 5); it is read by CCS05 / CCS06 (attribute 4) and,
with the historic log, by CCS07 (method 4 on both logs). Every change raises a CS14 alert (0x8F12) to the
Access Control Broker carrying the whole log, which the DCC keeps as the backup 8.12.1 restores from. A device
that is not on the log cannot talk over the HAN. The CHF's other objects are those of ``devices.cosem``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import gbcs
from devices import cosem
from devices.state import ChfState, DeviceLogEntry, DlmsNode, HistoricLogEntry
from gbcs import DataAccessResult as Result

DEVICE_LOG = "00001E0300FF"
HISTORIC_LOG = "00001E0301FF"
HISTORY_SIZE = 15
CS14_ALERT = 0x8F12


def on_log(state: ChfState, device_id: str) -> bool:
    device_id = device_id.upper()
    return any(entry.device_id == device_id for entry in state.device_log)


def _octets(hex_text: str) -> DlmsNode:
    return {"type": "octet-string", "hex": hex_text}


def _date_time(moment: datetime, *, day_of_week: bool = False) -> DlmsNode:
    return _octets(gbcs.encode_dlms_date_time(moment, day_of_week=day_of_week).hex())


def _entry_id(value: DlmsNode) -> str | None:
    items = value.get("items") or []
    return next((i["hex"].upper() for i in items if i.get("type") == "octet-string" and len(i["hex"]) == 16), None)


def _register(state: ChfState, value: DlmsNode, now: datetime) -> int:
    """CCS01: whitelist a device with its install code; a device already on the log keeps its link key."""
    device_id = _entry_id(value)
    if device_id is None:
        return Result.OBJECT_UNAVAILABLE
    if not on_log(state, device_id):
        state.device_log.append(DeviceLogEntry(device_id, now))
    return Result.SUCCESS


def _unregister(state: ChfState, value: DlmsNode, now: datetime) -> int:
    """CCS02: the device leaves the log for the historic log (the last 15 kept)."""
    device_id = (value.get("hex") or "").upper()
    if not on_log(state, device_id):
        return Result.OBJECT_UNAVAILABLE
    removed = next(e for e in state.device_log if e.device_id == device_id)
    state.device_log = [e for e in state.device_log if e.device_id != device_id]
    history = [h for h in state.historic_device_log if h.device_id != device_id]
    history.append(HistoricLogEntry(device_id, now, removed.link_key_hash))
    state.historic_device_log = history[-HISTORY_SIZE:]
    return Result.SUCCESS


def _restore(state: ChfState, value: DlmsNode, now: datetime) -> int:
    """CCS03: the log as the backup says, on the PAN it names."""
    items = value.get("items") or []
    if len(items) < 2 or items[0].get("type") != "octet-string" or items[1].get("type") != "array":
        return Result.OBJECT_UNAVAILABLE
    state.extended_pan_id = items[0]["hex"]
    entries = []
    for entry in items[1].get("items", []):
        parts = entry.get("items") or []
        if parts and parts[0].get("type") == "octet-string":
            entries.append(DeviceLogEntry(parts[0]["hex"].upper(), now, parts[1]["hex"] if len(parts) > 1 else ""))
    state.device_log = entries
    return Result.SUCCESS


_METHODS = {(DEVICE_LOG, 1): _register, (DEVICE_LOG, 2): _unregister, (DEVICE_LOG, 5): _restore}


def _log_backup(entries: list[DeviceLogEntry] | list[HistoricLogEntry], state: ChfState, now: datetime) -> DlmsNode:
    return {"type": "structure", "items": [
        _date_time(now), _octets(state.extended_pan_id),
        {"type": "array", "items": [{"type": "structure", "items": [
            _octets(e.device_id.lower()), _octets(e.link_key_hash)]} for e in entries]}]}


def _read_log(state: ChfState, now: datetime) -> DlmsNode:
    """CCS05 / CCS06: each whitelisted device and the state of its communications (signal levels, the last
    time the hub heard from it)."""
    rows = []
    for entry in state.device_log:
        items = [_octets(entry.device_id.lower()), {"type": "bit-string", "bits": 8, "hex": "c8"},
                 {"type": "integer", "value": -35}, {"type": "integer", "value": -50},
                 {"type": "integer", "value": -100}, {"type": "unsigned", "value": 1},
                 {"type": "unsigned", "value": 0}, {"type": "unsigned", "value": 0},
                 _date_time(now, day_of_week=True), {"type": "unsigned", "value": 1},
                 {"type": "unsigned", "value": 0}, {"type": "unsigned", "value": 100},
                 {"type": "unsigned", "value": 1}, {"type": "unsigned", "value": 1}]
        rows.append({"type": "structure", "items": items})
    return {"type": "array", "items": rows}


def serve(state: ChfState, request: dict[str, Any], message_code: int, now: datetime) -> tuple[dict, list]:
    """Answer a DLMS access-request on the CHF: its HAN management objects here, the rest by ``cosem``."""
    data_out, results, alerts = [], [], []
    items = request.get("data", [])
    others: list[int] = []
    for index, spec in enumerate(request.get("specs", [])):
        value = items[index] if index < len(items) else {"type": "null"}
        obis, choice = spec["obis"].upper(), spec["choice"]
        if spec["class"] == 104 and choice == "action" and (obis, spec["method"]) in _METHODS:
            result = _METHODS[(obis, spec["method"])](state, value, now)
            if result == Result.SUCCESS:
                alerts.append({"kind": "device-log-changed"})
            data_out.append({"type": "null"})
            results.append({"choice": "action", "result": result})
        elif spec["class"] == 104 and choice == "action" and spec["method"] == 4:
            entries = state.device_log if obis == DEVICE_LOG else state.historic_device_log
            data_out.append(_log_backup(entries, state, now))
            results.append({"choice": "action", "result": Result.SUCCESS})
        elif spec["class"] == 104 and choice == "get" and spec["attribute"] == 4 and obis == DEVICE_LOG:
            data_out.append(_read_log(state, now))
            results.append({"choice": "get", "result": Result.SUCCESS})
        elif spec["class"] == 104 and choice == "set" and obis == DEVICE_LOG:
            state.han_settings[spec["attribute"]] = value
            data_out.append({"type": "null"})
            results.append({"choice": "set", "result": Result.SUCCESS})
        else:
            others.append(index)
            data_out.append(None)
            results.append(None)
    if others:
        sub = {"invoke_id": request["invoke_id"], "date_time": None,
               "specs": [request["specs"][i] for i in others], "data": [items[i] if i < len(items) else
                                                                          {"type": "null"} for i in others]}
        answer, more = cosem.serve_access_request(state, sub, now)
        for position, index in enumerate(others):
            data_out[index] = answer["data"][position]
            results[index] = answer["results"][position]
        alerts.extend(more)
    if any(a["kind"] == "device-log-changed" for a in alerts):
        alerts = [a for a in alerts if a["kind"] != "device-log-changed"] + [{"kind": "device-log-changed"}]
    return {"invoke_id": request["invoke_id"], "date_time": None, "data": data_out, "results": results}, alerts


def cs14_body(state: ChfState, now: datetime) -> list[DlmsNode]:
    """The CS14 alert's content after the alert code and date-time: the whole device log backup."""
    return [_log_backup(state.device_log, state, now)]
