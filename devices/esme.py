"""The electricity meter answering a DLMS access request: gets, sets and actions on its object model.

Before each request the meter runs to the current time (``esme_meter.advance``); after the sets of a
request (a tariff, say) due activations take effect. Gets read ``esme_objects``; methods with behaviour are
in ``ACTIONS`` below. A part of the request the meter cannot interpret is refused alone (other-reason); any
other failure is the model's and is raised.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from gbcs import dlms as x
from devices import alert_behaviour
from devices import esme_meter as meter
from devices import esme_objects as objects
from devices import esme_auxiliary_objects as auxiliary_objects
from devices import esme_prepay_objects as prepay_objects
from devices import esme_protection as protection
from devices import esme_tariff as tariff
from devices import top_ups
from devices.attribute_store import key
from devices.errors import MalformedRequest
from gbcs.dlms import Node
from devices.esme_objects import Context
from devices.esme_state import ClockPreset, EsmeLog
from devices.state import EsmeState
from gbcs import DataAccessResult as Result

Action = Callable[[Context, Node], tuple[int, Node]]
ACTIONS: dict[tuple[int, int], Action] = {}        # (class, method) for any instance, or by OBIS below
INSTANCE_ACTIONS: dict[tuple[int, str, int], Action] = {}


def _clear(log: EsmeLog) -> Action:
    def clear(ctx: Context, data: Node) -> tuple[int, Node]:
        meter.clear_log(ctx.state, log, ctx.now)
        return Result.SUCCESS, x.null()
    return clear


INSTANCE_ACTIONS[(7, "0000636200FF", 1)] = _clear(EsmeLog.EVENT)          # ECS15a
INSTANCE_ACTIONS[(7, "0011636202FF", 1)] = _clear(EsmeLog.AUXILIARY)      # ECS15c


def _top_up(ctx: Context, data: Node) -> tuple[int, Node]:
    """CS01a: enter a UTRN at the token gateway. A refused UTRN is answered as RTDS answers one (result 1)."""
    try:
        utrn = bytes.fromhex(data.get("hex", "")).decode("ascii")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest("a UTRN that is not ASCII digits") from exc
    entry = ctx.entry or top_ups.Entry(ctx.state.device_id)
    accepted = meter.top_up(ctx.state, utrn, ctx.now, objects.debt_share(ctx), entry)
    return (Result.SUCCESS if accepted else Result.HARDWARE_FAULT), x.null()


INSTANCE_ACTIONS[(115, "0000132800FF", 1)] = _top_up

RESET_BLOCK_COUNTERS = 99          # the tariff script table's script that resets the block counter matrix


def _tariff_script(ctx: Context, data: Node) -> tuple[int, Node]:
    """The tariff script table (ECS05 runs script 99: reset the block counters); the rate scripts the
    calendars run are the meter's own."""
    if data.get("value") != RESET_BLOCK_COUNTERS:
        return Result.OTHER_REASON, x.null()
    meter.reset_block_counters(ctx.state, ctx.now)
    return Result.SUCCESS, x.null()


INSTANCE_ACTIONS[(9, "00000A0064FF", 1)] = _tariff_script


def _preset_adjusting_time(ctx: Context, data: Node) -> tuple[int, Node]:
    """Clock method 5: a preset time and the validity interval in which it may be applied."""
    items = data.get("items") or []
    if len(items) != 3:
        return Result.OTHER_REASON, x.null()
    time, valid_from, valid_to = (x.parse_date_time(i.get("hex", "")) for i in items)
    ctx.meter.preset = ClockPreset(time, valid_from, valid_to)
    return Result.SUCCESS, x.null()


def _adjust_to_preset_time(ctx: Context, data: Node) -> tuple[int, Node]:
    """Clock method 4 (ECS70): set the clock. With the preset time not specified (as GBCS sends it) the
    clock is set to the start of the validity interval, the time the command was made for — unless the
    clock already lies within the interval, when it is left alone."""
    preset, ctx.meter.preset = ctx.meter.preset, None
    if preset is None or preset.valid_from is None:
        return Result.OTHER_REASON, x.null()
    target = preset.time
    if target is None:
        if preset.valid_to is not None and preset.valid_from <= ctx.now <= preset.valid_to:
            meter.log_event(ctx.state, EsmeLog.SECURITY, meter.CLOCK_ADJUSTED, ctx.now)
            return Result.SUCCESS, x.null()
        target = preset.valid_from
    meter.set_clock(ctx.state, ctx.real_now, target)
    ctx.now = target
    return Result.SUCCESS, x.null()


def _shift_time(ctx: Context, data: Node) -> tuple[int, Node]:
    shift = data.get("value", 0)
    if isinstance(shift, bool) or not isinstance(shift, int):
        raise MalformedRequest(f"a time shift that is not a number of seconds: {shift!r}")
    target = ctx.now + timedelta(seconds=shift)
    meter.set_clock(ctx.state, ctx.real_now, target)
    ctx.now = target
    return Result.SUCCESS, x.null()


INSTANCE_ACTIONS.update(prepay_objects.INSTANCE_ACTIONS)         # supply, credit, debt
objects.READS.update(prepay_objects.READS)
INSTANCE_ACTIONS.update(auxiliary_objects.INSTANCE_ACTIONS)      # auxiliary controllers
objects.READS.update(auxiliary_objects.READS)
for _cls, _obis, _member in (*auxiliary_objects.READS, *auxiliary_objects.INSTANCE_ACTIONS):
    if _obis != auxiliary_objects.RANDOMISED_OFFSET:
        objects.PRESENCE[_obis] = lambda caps: caps.auxiliary_controller
INSTANCE_ACTIONS[(8, "0000010000FF", 5)] = _preset_adjusting_time
INSTANCE_ACTIONS[(8, "0000010000FF", 4)] = _adjust_to_preset_time
INSTANCE_ACTIONS[(8, "0000010000FF", 6)] = _shift_time


def _get_protected_attributes(ctx: Context, data: Node) -> tuple[int, Node]:
    """Class 30 method 1: read the listed attributes (with their date restrictions) and protect them."""
    descriptors, _parameters = protection.parse_request(data)
    values = []
    for d in descriptors:
        result, value = objects.get(ctx, d.cls, d.obis, d.attribute, d.restriction)
        if result != Result.SUCCESS:
            return result, x.null()
        values.append(value)
    return Result.SUCCESS, protection.answer(values)


ACTIONS[(30, 1)] = _get_protected_attributes


def _reset(cls: int) -> Callable[[Context, str], tuple[int, Node]]:
    """Register / extended register method 1 (reset): a counter the meter keeps goes back to zero, a measured
    one counts from now (6.4.2 load limit counter, 6.18.2 maximum demand, 6.27 RMS voltage counters)."""
    def reset(ctx: Context, obis: str) -> tuple[int, Node]:
        stored = key(cls, obis, 2)
        if (cls, obis, 2) not in objects.READS and objects.configuration(ctx.caps).get(stored) is not None:
            ctx.store[stored] = x.dlu(0)
        objects.reset(ctx, cls, obis)
        return Result.SUCCESS, x.null()
    return reset


OBIS_ACTIONS: dict[tuple[int, int], Callable[[Context, str], tuple[int, Node]]] = {(3, 1): _reset(3), (4, 1): _reset(4)}


@dataclass(frozen=True)
class Spec:
    """One part of an access request: a get, set or action on one attribute or method."""

    kind: str                          # get | set | action
    cls: int
    obis: str
    member: int                        # the attribute (get, set) or the method (action)
    selection: Node | None = None


def read_spec(spec: dict[str, Any]) -> Spec:
    """What one part of a request asks for; a part that does not say it is refused (``MalformedRequest``)."""
    choice = spec.get("choice", "")
    kind = "get" if choice.startswith("get") else "set" if choice.startswith("set") else "action"
    cls, obis = spec.get("class"), spec.get("obis")
    member = spec.get("method" if kind == "action" else "attribute")
    if not isinstance(cls, int) or not isinstance(obis, str) or not isinstance(member, int):
        what = "method" if kind == "action" else "attribute"
        raise MalformedRequest(f"a {kind} without its class, OBIS code and {what}")
    return Spec(kind, cls, obis.upper(), member, spec.get("parameters"))


def _action(ctx: Context, cls: int, obis: str, method: int, data: Node) -> tuple[int, Node]:
    if not objects.present(ctx.caps, obis):
        return Result.OBJECT_UNDEFINED, x.null()
    hook = INSTANCE_ACTIONS.get((cls, obis, method)) or ACTIONS.get((cls, method))
    if hook is not None:
        return hook(ctx, data)
    by_obis = OBIS_ACTIONS.get((cls, method))
    if by_obis is not None:
        return by_obis(ctx, obis)
    return Result.SUCCESS, x.null()


def _set_alert_behaviour(ctx: Context, setter: str, value: Node) -> int:
    """ECS25a…: the alerts the mask names take their new setting in the map the setter changes."""
    target = alert_behaviour.SETTERS[setter]
    result, changed = alert_behaviour.apply(ctx.stored(1, target, 2), value)
    if changed is not None:
        ctx.store[key(1, target, 2)] = changed
    return result


def _one(ctx: Context, spec: Spec, value: Node) -> tuple[int, Node]:
    if spec.kind == "get":
        return objects.get(ctx, spec.cls, spec.obis, spec.member, spec.selection)
    if spec.kind == "set":
        if (spec.cls, spec.member) == (1, 2) and spec.obis in alert_behaviour.SETTERS:
            return _set_alert_behaviour(ctx, spec.obis, value), x.null()
        write = auxiliary_objects.WRITES.get((spec.cls, spec.obis, spec.member))
        if write is not None:
            return (write(ctx, value) if objects.present(ctx.caps, spec.obis) else Result.OBJECT_UNDEFINED), x.null()
        result = objects.set_attribute(ctx, spec.cls, spec.obis, spec.member, value)
        if result == Result.SUCCESS and (spec.cls, spec.member) == (20, 10) \
                and tariff.activation_moment(value)[0] == "cancel":
            meter.cancel_held_tariffs(ctx.state)
        hook = prepay_objects.SET_HOOKS.get((spec.cls, spec.obis, spec.member))
        if result == Result.SUCCESS and hook is not None:
            hook(ctx, value)
        return result, x.null()
    return _action(ctx, spec.cls, spec.obis, spec.member, value)


def serve(state: EsmeState, request: dict[str, Any], now: datetime,
          entry: top_ups.Entry | None = None) -> tuple[dict[str, Any], list]:
    """Answer a DLMS access-request tree with an access-response tree (and the alerts it raises).
    Protected data is left sealed for ``gbcs.build``, which encrypts it with the device's keys. ``entry``
    is where a UTRN in the request comes from (the meter's keys, the command's originator and counter)."""
    store = state.cosem
    meter.advance(state, now, store)
    meter.activate_tariffs(state, store, now)
    ctx = Context(state, store, meter.device_now(state, now), now, entry=entry)
    prepay_objects.check_credit(ctx)
    data_out, results = [], []
    items = request.get("data", [])
    wrote = False
    for index, raw in enumerate(request.get("specs", [])):
        value = items[index] if index < len(items) else x.null()
        kind = "get" if raw["choice"].startswith("get") else "set" if raw["choice"].startswith("set") else "action"
        try:
            result, node = _one(ctx, read_spec(raw), value)
        except MalformedRequest:
            result, node = Result.OTHER_REASON, x.null()        # refused alone
        wrote = wrote or (kind == "set" and result == Result.SUCCESS)
        data_out.append(node)
        results.append({"choice": kind, "result": result})
    if wrote:
        meter.activate_tariffs(state, store, now)
    return {"invoke_id": request["invoke_id"], "date_time": None, "data": data_out, "results": results}, ctx.alerts


def sends_alert(state: EsmeState, code: int) -> bool:
    """Whether the meter sends alert ``code`` over the WAN, as its alert behaviours (6.22) have it."""
    caps = meter.caps_of(state)
    return alert_behaviour.sent_over_the_wan(
        lambda obis: state.cosem.get(key(1, obis, 2)) or objects.configuration(caps).get(key(1, obis, 2)), code)
