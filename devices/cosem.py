"""A DLMS COSEM server: electricity meters (``devices.esme``) and the CHF's objects other than its HAN
management (``devices.chf``).

An ESME's state is answered by its object model (``devices.esme``). For the CHF, attributes live in its
attribute store (``devices.attribute_store``); a set stores the value, a get returns it, and an attribute
never set has a default that depends on its interface class. Methods succeed and do nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import gbcs
from devices import esme
from devices.attribute_store import key
from devices.clock import days_ago
from devices.state import ChfState, Consumption, DlmsNode, EsmeState
from devices.top_ups import Entry
from gbcs import DataAccessResult as Result

FIRMWARE_VERSION_OBIS = {"0000000201FF", "0000000200FF", "0100000200FF"}
CHF_DEVICE_LOG = "00001E0300FF"
# The hub's event and security logs (ECS35c / ECS35d): the simulated hub logs no events.
CHF_LOGS = {
    "0000636200FF": {"type": "compact-array", "description": {"type": "structure", "items": [
        {"type": "double-long-unsigned"}, {"type": "long-unsigned"}, {"type": "octet-string"}]}, "contents": ""},
    "0000636201FF": {"type": "compact-array", "description": {"type": "structure", "items": [
        {"type": "double-long-unsigned"}, {"type": "long-unsigned"}]}, "contents": ""},
}
# The hub's Sub GHz radio (DBCH01–05): its configuration as it leaves the factory (all channels of the lower band,
# the GBCS default thresholds), the channel it operates on, its channel log (nothing changed yet).
SUB_GHZ_CONFIGURATION, SUB_GHZ_SCAN, SUB_GHZ_CHANNEL, SUB_GHZ_LOG = (
    "00005E2C0A00", "00005E2C0A01", "00005E2C0A02", "00005E2C0A03")
_LU, _U = "long-unsigned", "unsigned"
SUB_GHZ_DEFAULTS = {
    SUB_GHZ_CONFIGURATION: {"type": "structure", "items": [
        *({"type": "bit-string", "bits": 32, "hex": band} for band in ("e7ffffff", "e80000ff", "f7ffffff", "f8000000")),
        *({"type": kind, "value": value} for kind, value in (
            (_LU, 125), (_LU, 200), (_U, 3), (_LU, 6), (_U, 10), (_U, 10), (_LU, 5000), (_U, 100), (_LU, 120),
            (_LU, 5000), (_LU, 2500)))]},
    SUB_GHZ_CHANNEL: {"type": "bit-string", "bits": 32, "hex": "e0000001"},
    SUB_GHZ_LOG: {"type": "compact-array", "description": {"type": "structure", "items": [
        {"type": "double-long-unsigned"}, {"type": "long-unsigned"}, {"type": "octet-string"}]}, "contents": ""},
}
# The hub's identity and type (ECS26n): model and hardware version.
CHF_IDENTITY = {"0000600104FF": b"DCCSIM-CH", "0000600106FF": b"SIM "}
START_WH = 1_234_000
WH_PER_DAY = 10_000


def _dlu(value: int) -> DlmsNode:
    return {"type": "double-long-unsigned", "value": value & 0xFFFFFFFF}


def _date_time(moment: datetime) -> DlmsNode:
    return {"type": "octet-string", "hex": gbcs.encode_dlms_date_time(moment).hex()}


def default_value(state: ChfState, cls: int, obis: str, attribute: int, now: datetime,
                  selection: DlmsNode | None = None) -> DlmsNode:
    """The value an attribute has before anything set it."""
    consumed = state.consumption.wh if state.consumption is not None else 0
    if cls == 1 and attribute == 2 and obis.upper() in FIRMWARE_VERSION_OBIS:
        return {"type": "octet-string", "hex": state.firmware.version}
    if cls == 1 and attribute == 2 and obis.upper() in CHF_IDENTITY:
        return {"type": "octet-string", "hex": CHF_IDENTITY[obis.upper()].hex()}
    if cls in (3, 4) and attribute == 2:
        return _dlu(consumed)
    if cls in (3, 4) and attribute == 3:
        return {"type": "structure", "items": [{"type": "integer", "value": 0}, {"type": "enum", "value": 30}]}
    if (cls, attribute) in ((4, 5), (8, 2)):
        return _date_time(now)
    if cls == 7 and attribute == 2 and obis.upper() in CHF_LOGS:
        return CHF_LOGS[obis.upper()]
    if attribute == 2 and obis.upper() in SUB_GHZ_DEFAULTS:
        return SUB_GHZ_DEFAULTS[obis.upper()]
    if cls == 7 and attribute == 2:
        days = 1 if selection is not None else 2
        return {"type": "array", "items": [
            {"type": "structure", "items": [_date_time(days_ago(now, offset)),
                                            _dlu(max(0, consumed - 1000 * offset))]}
            for offset in range(days, 0, -1)]}
    if cls == 104 and attribute == 4 and obis.upper() == CHF_DEVICE_LOG:
        return {"type": "array", "items": [
            {"type": "structure", "items": [
                {"type": "octet-string", "hex": entry.device_id.lower()},
                {"type": "bit-string", "bits": 8, "hex": "c8"},
                {"type": "integer", "value": -35}, {"type": "integer", "value": -50},
                {"type": "integer", "value": 0}]}
            for entry in state.device_log]}
    return {"type": "null"}


def serve_access_request(state: EsmeState | ChfState, request: dict[str, Any], now: datetime,
                         entry: Entry | None = None) -> tuple[dict[str, Any], list]:
    """Answer a DLMS access-request tree with an access-response tree; return the alerts it causes.
    ``entry`` is what an ESME authenticates a UTRN with."""
    if isinstance(state, EsmeState):
        return esme.serve(state, request, now, entry)
    store = state.cosem
    data_out, results = [], []
    items = request.get("data", [])
    for index, spec in enumerate(request.get("specs", [])):
        value = items[index] if index < len(items) else {"type": "null"}
        choice, cls, obis = spec["choice"], spec["class"], spec["obis"].upper()
        if choice in ("get", "get-with-selection"):
            stored = store.get(key(cls, obis, spec["attribute"]))
            data_out.append(stored if stored is not None else default_value(
                state, cls, obis, spec["attribute"], now, spec.get("parameters")))
            results.append({"choice": "get", "result": Result.SUCCESS})
        elif choice in ("set", "set-with-selection"):
            store[key(cls, obis, spec["attribute"])] = value
            data_out.append({"type": "null"})
            results.append({"choice": "set", "result": Result.SUCCESS})
        else:
            data_out.append({"type": "null"})
            results.append({"choice": "action", "result": Result.SUCCESS})
    return {"invoke_id": request["invoke_id"], "date_time": None, "data": data_out, "results": results}, []


def advance_consumption(state: ChfState, now: datetime) -> None:
    """The hub's simple consumption count moves on about 10 kWh a day between requests."""
    if state.consumption is None:
        state.consumption = Consumption(START_WH, now)
        return
    elapsed = (now - state.consumption.at).total_seconds()
    state.consumption = Consumption(state.consumption.wh + max(0, int(elapsed * WH_PER_DAY / 86400)), now)
