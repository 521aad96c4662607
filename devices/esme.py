"""The electricity meter answering a DLMS access request: gets, sets and actions on its object model.

Before each request the meter runs to the current time (``esme_meter.advance``); after the sets of a
request (a tariff, say) due activations take effect. Gets read ``esme_objects``; methods with behaviour are
in ``ACTIONS`` below.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from devices import esme_axdr as x
from devices import esme_meter as meter
from devices import esme_objects as objects
from devices import esme_protection as protection
from devices import esme_tariff as tariff
from devices import top_ups
from devices.esme_axdr import Node
from devices.esme_objects import HARDWARE_FAULT, OBJECT_UNDEFINED, OTHER_REASON, SUCCESS, Context

Action = Callable[[Context, Node], tuple[int, Node]]
ACTIONS: dict[tuple[int, str], Action] = {}        # (class, method) for any instance, or by OBIS below
INSTANCE_ACTIONS: dict[tuple[int, str, int], Action] = {}


def _clear(log_name: str) -> Action:
    def clear(ctx: Context, data: Node) -> tuple[int, Node]:
        meter.clear_log(ctx.state, log_name, ctx.now)
        return SUCCESS, x.null()
    return clear


INSTANCE_ACTIONS[(7, "0000636200FF", 1)] = _clear("event")         # ECS15a
INSTANCE_ACTIONS[(7, "0011636202FF", 1)] = _clear("auxiliary")     # ECS15c


def _top_up(ctx: Context, data: Node) -> tuple[int, Node]:
    """CS01a: enter a UTRN at the token gateway. A refused UTRN is answered as RTDS answers one (result 1)."""
    try:
        utrn = bytes.fromhex(data.get("hex", "")).decode("ascii")
    except (UnicodeDecodeError, ValueError):
        return OTHER_REASON, x.null()
    entry = ctx.entry or top_ups.Entry(ctx.state.get("device_id") or "")
    accepted = meter.top_up(ctx.state, utrn, ctx.now, objects.debt_share(ctx), entry)
    return (SUCCESS if accepted else HARDWARE_FAULT), x.null()


INSTANCE_ACTIONS[(115, "0000132800FF", 1)] = _top_up


def _preset_adjusting_time(ctx: Context, data: Node) -> tuple[int, Node]:
    """Clock method 5: a preset time and the validity interval in which it may be applied."""
    items = data.get("items") or []
    if len(items) != 3:
        return OTHER_REASON, x.null()
    ctx.state["esme"]["preset"] = [i.get("hex", "") for i in items]
    return SUCCESS, x.null()


def _adjust_to_preset_time(ctx: Context, data: Node) -> tuple[int, Node]:
    """Clock method 4 (ECS70): set the clock. With the preset time not specified (as GBCS sends it) the
    clock is set to the start of the validity interval, the time the command was made for — unless the
    clock already lies within the interval, when it is left alone."""
    preset = ctx.state["esme"].pop("preset", None)
    if not preset:
        return OTHER_REASON, x.null()
    target, start, end = (x.parse_date_time(value) for value in preset)
    if start is None:
        return OTHER_REASON, x.null()
    if target is None:
        if end is not None and start <= ctx.now <= end:
            meter.log_event(ctx.state, "security", meter.CLOCK_ADJUSTED, ctx.now)
            return SUCCESS, x.null()
        target = start
    meter.set_clock(ctx.state, ctx.real_now, target)
    ctx.now = target
    return SUCCESS, x.null()


def _shift_time(ctx: Context, data: Node) -> tuple[int, Node]:
    target = ctx.now + timedelta(seconds=int(data.get("value", 0)))
    meter.set_clock(ctx.state, ctx.real_now, target)
    ctx.now = target
    return SUCCESS, x.null()


INSTANCE_ACTIONS[(8, "0000010000FF", 5)] = _preset_adjusting_time
INSTANCE_ACTIONS[(8, "0000010000FF", 4)] = _adjust_to_preset_time
INSTANCE_ACTIONS[(8, "0000010000FF", 6)] = _shift_time


def _get_protected_attributes(ctx: Context, data: Node) -> tuple[int, Node]:
    """Class 30 method 1: read the listed attributes (with their date restrictions) and protect them."""
    try:
        descriptors, _parameters = protection.parse_request(data)
    except (KeyError, IndexError, TypeError, ValueError):
        return OTHER_REASON, x.null()
    values = []
    for d in descriptors:
        result, value = objects.get(ctx, d.cls, d.obis, d.attribute, d.restriction)
        if result != SUCCESS:
            return result, x.null()
        values.append(value)
    return SUCCESS, protection.answer(values)


ACTIONS[(30, 1)] = _get_protected_attributes


def _action(ctx: Context, cls: int, obis: str, method: int, data: Node) -> tuple[int, Node]:
    if not objects.present(ctx.caps, obis):
        return OBJECT_UNDEFINED, x.null()
    hook = INSTANCE_ACTIONS.get((cls, obis, method)) or ACTIONS.get((cls, method))
    if hook is None:
        return SUCCESS, x.null()
    return hook(ctx, data)


def _one(ctx: Context, kind: str, spec: dict, value: Node) -> tuple[int, Node]:
    cls, obis = spec["class"], spec["obis"].upper()
    if kind == "get":
        return objects.get(ctx, cls, obis, spec["attribute"], spec.get("parameters"))
    if kind == "set":
        result = objects.set_attribute(ctx, cls, obis, spec["attribute"], value)
        if result == SUCCESS and (cls, spec["attribute"]) == (20, 10) \
                and tariff.activation_moment(value)[0] == "cancel":
            meter.cancel_held_tariffs(ctx.state)
        return result, x.null()
    return _action(ctx, cls, obis, spec["method"], value)


def serve(state: dict, request: dict[str, Any], now: datetime,
          entry: top_ups.Entry | None = None) -> tuple[dict[str, Any], list]:
    """Answer a DLMS access-request tree with an access-response tree (and the alerts it raises).
    Protected data is left sealed for ``gbcs.build``, which encrypts it with the device's keys. ``entry``
    is where a UTRN in the request comes from (the meter's keys, the command's originator and counter)."""
    store = state.setdefault("cosem", {})
    meter.advance(state, now, store)
    meter.activate_tariffs(state, store, now)
    ctx = Context(state, store, meter.device_now(state, now), now, entry=entry)
    data_out, results = [], []
    items = request.get("data", [])
    wrote = False
    for index, spec in enumerate(request.get("specs", [])):
        value = items[index] if index < len(items) else x.null()
        kind = "get" if spec["choice"].startswith("get") else "set" if spec["choice"].startswith("set") else "action"
        try:
            result, node = _one(ctx, kind, spec, value)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            result, node = OTHER_REASON, x.null()        # a malformed specification or value: refused alone
        wrote = wrote or (kind == "set" and result == SUCCESS)
        data_out.append(node)
        results.append({"choice": kind, "result": result})
    if wrote:
        meter.activate_tariffs(state, store, now)
    return {"invoke_id": request["invoke_id"], "date_time": None, "data": data_out, "results": results}, ctx.alerts
