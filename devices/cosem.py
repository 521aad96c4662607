"""A DLMS COSEM server: the object model of an ESME (and of the CHF's HAN management objects).

Attributes live in a store keyed ``class:obis:attribute``; a set stores the value, a get returns it, and
an attribute never set has a default that depends on its interface class (a register's value grows with
the meter's consumption, a clock reads the device's time, a profile returns entries for the selected
period). Methods with behaviour are hooks (``ACTIONS``); the others succeed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from devices.clock import dlms_date_time, days_ago

SUCCESS = 0
OBJECT_UNAVAILABLE = 11

FIRMWARE_VERSION_OBIS = {"0000000201FF", "0000000200FF", "0100000200FF"}
CHF_DEVICE_LOG = "00001E0300FF"


def key(cls: int, obis: str, attribute: int) -> str:
    return f"{cls}:{obis.upper()}:{attribute}"


def _dlu(value: int) -> dict:
    return {"type": "double-long-unsigned", "value": value & 0xFFFFFFFF}


def default_value(state: dict, cls: int, obis: str, attribute: int, now: datetime,
                  selection: dict | None = None) -> dict:
    """The value an attribute has before anything set it."""
    if cls == 1 and attribute == 2 and obis.upper() in FIRMWARE_VERSION_OBIS:
        return {"type": "octet-string", "hex": state.get("firmware", {}).get("version", "00000001")}
    if cls in (3, 4) and attribute == 2:
        return _dlu(state.get("consumption_wh", 0))
    if cls in (3, 4) and attribute == 3:
        return {"type": "structure", "items": [{"type": "integer", "value": 0}, {"type": "enum", "value": 30}]}
    if cls == 4 and attribute == 5:
        return {"type": "octet-string", "hex": dlms_date_time(now).hex()}
    if cls == 8 and attribute == 2:
        return {"type": "octet-string", "hex": dlms_date_time(now).hex()}
    if cls == 7 and attribute == 2:
        days = 2
        if selection is not None:
            days = 1
        entries = []
        for offset in range(days, 0, -1):
            stamp = days_ago(now, offset)
            entries.append({"type": "structure", "items": [
                {"type": "octet-string", "hex": dlms_date_time(stamp).hex()},
                _dlu(max(0, state.get("consumption_wh", 0) - 1000 * offset))]})
        return {"type": "array", "items": entries}
    if cls == 104 and attribute == 4 and obis.upper() == CHF_DEVICE_LOG:
        return {"type": "array", "items": [
            {"type": "structure", "items": [
                {"type": "octet-string", "hex": entry["device_id"].lower()},
                {"type": "bit-string", "bits": 8, "hex": "c8"},
                {"type": "integer", "value": -35}, {"type": "integer", "value": -50},
                {"type": "integer", "value": 0}]}
            for entry in state.get("device_log", [])]}
    return {"type": "null"}


Action = Callable[[dict, dict, datetime, list], int]


def _register_device(state: dict, data: dict, now: datetime, alerts: list) -> int:
    """CCS01: add a device (id, install code) to the CHF device log."""
    items = data.get("items") or []
    device_id = next((i["hex"].upper() for i in items if i.get("type") == "octet-string" and len(i["hex"]) == 16),
                     None)
    if device_id is None:
        return OBJECT_UNAVAILABLE
    log = state.setdefault("device_log", [])
    if all(e["device_id"] != device_id for e in log):
        log.append({"device_id": device_id, "added": now.isoformat()})
    alerts.append({"kind": "device-log-changed", "device_id": device_id})
    return SUCCESS


def _unregister_device(state: dict, data: dict, now: datetime, alerts: list) -> int:
    """CCS02: move a device from the CHF device log to the historic device log (15 entries kept)."""
    device_id = (data.get("hex") or "").upper()
    log = state.setdefault("device_log", [])
    if all(e["device_id"] != device_id for e in log):
        return OBJECT_UNAVAILABLE
    state["device_log"] = [e for e in log if e["device_id"] != device_id]
    history = [h for h in state.setdefault("historic_device_log", []) if h["device_id"] != device_id]
    history.append({"device_id": device_id, "removed": now.isoformat()})
    state["historic_device_log"] = history[-15:]
    alerts.append({"kind": "device-log-changed", "device_id": device_id})
    return SUCCESS


def _restore_device_log(state: dict, data: dict, now: datetime, alerts: list) -> int:
    """CCS03: restore the device log from the entries supplied."""
    entries = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "octet-string" and len(node.get("hex", "")) == 16:
                entries.append(node["hex"].upper())
            for item in node.get("items", []):
                walk(item)
    walk(data)
    state["device_log"] = [{"device_id": d, "added": now.isoformat()} for d in entries[1:]]
    return SUCCESS


def _clear_log(target: str) -> Action:
    def clear(state: dict, data: dict, now: datetime, alerts: list) -> int:
        state[target] = []
        return SUCCESS
    return clear


def _top_up(state: dict, data: dict, now: datetime, alerts: list) -> int:
    """CS01a: a UTRN; accepted once (a repeated UTRN is refused), value from the UTRN's last digits."""
    utrn = bytes.fromhex(data.get("hex", "")).decode(errors="replace")
    used = state.setdefault("utrns", [])
    if utrn in used:
        return OBJECT_UNAVAILABLE
    used.append(utrn)
    if utrn[-4:].isdigit():
        state["credit_pence"] = state.get("credit_pence", 0) + int(utrn[-4:])
    return SUCCESS


ACTIONS: dict[tuple[int, str, int], Action] = {
    (104, CHF_DEVICE_LOG, 1): _register_device,
    (104, CHF_DEVICE_LOG, 2): _unregister_device,
    (104, CHF_DEVICE_LOG, 5): _restore_device_log,
    (7, "0000636200FF", 1): _clear_log("event_log"),
    (7, "0011636202FF", 1): _clear_log("security_log"),
    (115, "0000132800FF", 1): _top_up,
}


def _due(value: dict, now: datetime) -> bool:
    """An activation date-time that is 'immediately' (all zero / unspecified) or already past."""
    from devices.clock import parse_dlms_date_time

    raw = bytes.fromhex(value.get("hex", "")) if value.get("type") == "octet-string" else b""
    if len(raw) != 12 or raw[:4] in (b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"):
        return True
    moment = parse_dlms_date_time(raw)
    return moment is None or moment <= now


# Passive attribute → active attribute of the objects a tariff update activates.
_CALENDAR_PASSIVE_TO_ACTIVE = {6: 2, 7: 3, 8: 4, 9: 5}


def _activate_passive(store: dict, written: list[tuple[int, str, int, dict]], now: datetime) -> None:
    """Tariff activation: when the activation time is set and due, the passive tables become active."""
    for cls, obis, attribute, value in written:
        if cls == 20 and attribute == 10 and _due(value, now):
            for passive, active in _CALENDAR_PASSIVE_TO_ACTIVE.items():
                if key(20, obis, passive) in store:
                    store[key(20, obis, active)] = store[key(20, obis, passive)]
            for name in list(store):
                c, o, a = name.split(":")
                if c == "21" and a == "2" and o[4:6] == "10" and o[6:8] == "01":
                    store[key(21, o[:6] + "00" + o[8:], 2)] = store[name]
        if cls == 113 and attribute == 7 and _due(value, now) and key(113, obis, 6) in store:
            store[key(113, obis, 5)] = store[key(113, obis, 6)]


def serve_access_request(state: dict, request: dict[str, Any], now: datetime) -> tuple[dict[str, Any], list]:
    """Answer a DLMS access-request tree with an access-response tree; return the alerts it causes."""
    store = state.setdefault("cosem", {})
    data_out, results, alerts = [], [], []
    written: list[tuple[int, str, int, dict]] = []
    items = request.get("data", [])
    for index, spec in enumerate(request.get("specs", [])):
        value = items[index] if index < len(items) else {"type": "null"}
        choice, cls, obis = spec["choice"], spec["class"], spec["obis"].upper()
        if choice in ("get", "get-with-selection"):
            stored = store.get(key(cls, obis, spec["attribute"]))
            data_out.append(stored if stored is not None else default_value(
                state, cls, obis, spec["attribute"], now, spec.get("parameters")))
            results.append({"choice": "get", "result": SUCCESS})
        elif choice in ("set", "set-with-selection"):
            store[key(cls, obis, spec["attribute"])] = value
            written.append((cls, obis, spec["attribute"], value))
            data_out.append({"type": "null"})
            results.append({"choice": "set", "result": SUCCESS})
        else:
            hook = ACTIONS.get((cls, obis, spec["method"]))
            result = hook(state, value, now, alerts) if hook else SUCCESS
            data_out.append({"type": "null"})
            results.append({"choice": "action", "result": result})
    _activate_passive(store, written, now)
    return {"invoke_id": request["invoke_id"], "date_time": None, "data": data_out, "results": results}, alerts


def advance_consumption(state: dict, now: datetime) -> None:
    """Meters consume about 10 kWh a day: registers move between reads."""
    last = state.get("consumption_at")
    if last:
        elapsed = (now - datetime.fromisoformat(last)).total_seconds()
        state["consumption_wh"] = state.get("consumption_wh", 0) + max(0, int(elapsed * 10000 / 86400))
    state["consumption_at"] = now.isoformat()
    state.setdefault("consumption_wh", 1_234_000)


