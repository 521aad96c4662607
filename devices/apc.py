"""The standalone Auxiliary Proportional Controller (a HAN device of GBCS v4.0, DUIS device type APC) as a DLMS
COSEM server of its auxiliary controllers' calendar: ECS46d (6.14.3) writes the passive calendar and its special
days with their activation times, which take them into force (now, at a future time, or never: a cancellation);
ECS61d (7.14) reads the controllers' descriptions and the calendar in force.

The calendar's objects and their activation are the ESME's (``devices.esme_tariff``: the passive / active pairs);
the controllers themselves are ``devices.auxiliary_state``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from devices.attribute_store import key
from devices.auxiliary_state import CONTROLLERS, AuxiliaryControllers
from devices.esme_tariff import activate_due
from devices.state import ApcState
from gbcs import DataAccessResult as Result
from gbcs import dlms as x
from gbcs.dlms import Node

SPECIAL_DAYS, SCHEDULE = (11, "00000B0003FF", 2), (10, "00000C0002FF", 2)
# What ECS46d writes: the passive special days and calendar, and when each takes effect.
WRITABLE = frozenset({(11, "00010B0003FF", 2), (10, "00010C0002FF", 2), (9000, "00005E2C801A", 6),
                      (9000, "00005E2C8023", 6)})
DESCRIPTIONS = {(1, f"00005E2C{0x0A + n:04X}", 2): n for n in range(1, CONTROLLERS + 1)}


def controllers(state: ApcState) -> AuxiliaryControllers:
    """The controller's auxiliary controllers (made at the first command that needs them)."""
    if state.auxiliary is None:
        state.auxiliary = AuxiliaryControllers()
    return state.auxiliary


def _get(state: ApcState, target: tuple[int, str, int]) -> tuple[int, Node]:
    if target in DESCRIPTIONS:
        text = controllers(state).controllers[DESCRIPTIONS[target] - 1].description
        return Result.SUCCESS, {"type": "visible-string", "hex": text.encode().hex()}
    if target in (SPECIAL_DAYS, SCHEDULE):
        return Result.SUCCESS, state.cosem.get(key(*target)) or x.array([])
    return Result.OBJECT_UNDEFINED, x.null()


def serve(state: ApcState, request: dict[str, Any], now: datetime) -> tuple[dict[str, Any], list]:
    """Answer a DLMS access-request tree; an empty one (a held command's time) takes what is due into force."""
    activate_due(state.cosem, now)
    data_out, results = [], []
    items = request.get("data", [])
    for index, spec in enumerate(request.get("specs", [])):
        target = (spec["class"], spec["obis"].upper(), spec.get("attribute"))
        if spec["choice"].startswith("get"):
            result, node = _get(state, target)
            data_out.append(node)
            results.append({"choice": "get", "result": result})
            continue
        value = items[index] if index < len(items) else x.null()
        writable = spec["choice"].startswith("set") and target in WRITABLE
        if writable:
            state.cosem[key(*target)] = value
        data_out.append(x.null())
        results.append({"choice": "set" if spec["choice"].startswith("set") else "action",
                        "result": Result.SUCCESS if writable else Result.OBJECT_UNDEFINED})
    activate_due(state.cosem, now)
    return {"invoke_id": request["invoke_id"], "date_time": None, "data": data_out, "results": results}, []
