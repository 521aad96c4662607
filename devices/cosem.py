"""A DLMS COSEM server: electricity meters (``devices.esme``) and the CHF's HAN management objects.

An ESME's state is answered by its object model (``devices.esme``). For the other DLMS devices (the
CHF) attributes live in a store keyed ``class:obis:attribute``; a set stores the value, a get returns it,
and an attribute never set has a default that depends on its interface class. Methods with behaviour are
hooks (``ACTIONS``); the others succeed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from devices import esme
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


ACTIONS: dict[tuple[int, str, int], Action] = {
    (104, CHF_DEVICE_LOG, 1): _register_device,
    (104, CHF_DEVICE_LOG, 2): _unregister_device,
    (104, CHF_DEVICE_LOG, 5): _restore_device_log,
}


def serve_access_request(state: dict, request: dict[str, Any], now: datetime,
                         entry: Any = None) -> tuple[dict[str, Any], list]:
    """Answer a DLMS access-request tree with an access-response tree; return the alerts it causes.
    ``entry`` (a ``devices.top_ups.Entry``) is what an ESME authenticates a UTRN with."""
    if state.get("type") == "ESME":
        return esme.serve(state, request, now, entry)
    store = state.setdefault("cosem", {})
    data_out, results, alerts = [], [], []
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
            data_out.append({"type": "null"})
            results.append({"choice": "set", "result": SUCCESS})
        else:
            hook = ACTIONS.get((cls, obis, spec["method"]))
            result = hook(state, value, now, alerts) if hook else SUCCESS
            data_out.append({"type": "null"})
            results.append({"choice": "action", "result": result})
    return {"invoke_id": request["invoke_id"], "date_time": None, "data": data_out, "results": results}, alerts


def advance_consumption(state: dict, now: datetime) -> None:
    """Meters consume about 10 kWh a day: registers move between reads (an ESME runs its own meter model
    when it answers a request)."""
    if state.get("type") == "ESME":
        return
    last = state.get("consumption_at")
    if last:
        elapsed = (now - datetime.fromisoformat(last)).total_seconds()
        state["consumption_wh"] = state.get("consumption_wh", 0) + max(0, int(elapsed * 10000 / 86400))
    state["consumption_at"] = now.isoformat()
    state.setdefault("consumption_wh", 1_234_000)


