"""The ESME's auxiliary controller objects as tables: the auxiliary controller script table (ECS47 switches an
ALCS on or off for a while or resets it, ECS47a commands a controller's level for a period), the Load
Controller's script table (ECS47e limits an APC), the switches' output states, descriptions, configuration
and operational data, the boost button and the randomised offset limit.

The script ids and where their durations and periods are: ``gbcs.dlms`` (auxiliary controller scripts).
The state is ``devices.auxiliary_state``; ``READS`` compute attributes from it, ``WRITES`` change it,
``INSTANCE_ACTIONS`` run the scripts. The calendar in force (``devices.auxiliary_calendar``) commands a controller
where no level or timed switching of the Supplier's does.
"""
from __future__ import annotations

import json
from typing import Callable

from devices.auxiliary_calendar import scheduled_level
from devices.auxiliary_state import CONTROLLERS, AuxiliaryController, AuxiliaryControllers, CommandedLevel, Source
from devices.errors import MalformedRequest
from devices.esme_objects import Context
from gbcs import DataAccessResult as Result
from gbcs import dlms as x
from gbcs.dlms import Node

CONTROLLER_SCRIPTS, LOAD_CONTROLLER_SCRIPTS = x.AUXILIARY_CONTROLLER_SCRIPTS, x.LOAD_CONTROLLER_SCRIPTS
OUTPUT, INPUT = x.AUXILIARY_OUTPUT, x.AUXILIARY_INPUT
ACTIONS = {code: name for name, code in x.AUXILIARY_SWITCH_ACTIONS.items()}
BOOST_ACTIVE, BOOST_LOG = "00005E2C07FF", "0000636214FF"
RANDOMISED_OFFSET = "00005E2C0001"
CALENDAR, CALENDAR_SPECIAL_DAYS = (10, "00000C0002FF", 2), (11, "00000B0003FF", 2)     # in force (6.14.2 / 6.14.3)


def controllers(ctx: Context) -> AuxiliaryControllers:
    """The meter's auxiliary controllers (made at the first command that needs them)."""
    if ctx.state.auxiliary is None:
        ctx.state.auxiliary = AuxiliaryControllers()
    return ctx.state.auxiliary


def _number(data: Node, what: str) -> int:
    value = data.get("value") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRequest(f"{what} that is not a number: {data!r}")
    return value


def _stored_seconds(ctx: Context, obis: str) -> int:
    node = ctx.stored(1, obis, 2) or {}
    moment = x.parse_date_time(node.get("hex", "")) if node.get("type") == "octet-string" else None
    return x.utc_seconds(moment) if moment is not None else ctx.seconds


def _controller(ctx: Context, number: int) -> AuxiliaryController | None:
    return controllers(ctx).controllers[number - 1] if 1 <= number <= CONTROLLERS else None


def _switch_script(ctx: Context, data: Node) -> tuple[int, Node]:
    """ECS47 (switch, action) and ECS47a (source, controller, level) on the auxiliary controller scripts."""
    script = _number(data, "a script id")
    high, low = script >> 8, script & 0xFF
    if high >> 4:                                   # ECS47a: a commanded level
        return _command_level(ctx, high, low, CONTROLLER_SCRIPTS, Source.SUPPLIER)
    switch, action = _controller(ctx, high), ACTIONS.get(low)
    if switch is None or action is None:
        return Result.OTHER_REASON, x.null()
    if action == "reset":
        switch.active, switch.override_until = False, None
        switch.commanded = []
        return Result.SUCCESS, x.null()
    duration = _number(ctx.stored(1, x.AUXILIARY_DURATIONS[action], 2) or x.long_unsigned(0), "a duration")
    switch.active = action == "activate"
    switch.override_until = ctx.seconds + duration * 60 if duration else None
    return Result.SUCCESS, x.null()


def _command_level(ctx: Context, high: int, level: int, table: str, source: Source) -> tuple[int, Node]:
    direction, number = high >> 4, high & 0x0F
    controller = _controller(ctx, number)
    if controller is None or direction not in (OUTPUT, INPUT) or level > 100:
        return Result.OTHER_REASON, x.null()
    start_obis, end_obis = x.auxiliary_level_period(table, direction, level)
    start, end = _stored_seconds(ctx, start_obis), _stored_seconds(ctx, end_obis)
    if end < start:
        return Result.OTHER_REASON, x.null()
    on_input = direction == INPUT
    # a new command replaces this source's overlapping one on the same side (output, or input)
    controller.commanded = [c for c in controller.commanded
                            if c.source is not source or c.on_input != on_input or c.end <= start]
    controller.commanded.append(CommandedLevel(level, start, end, source, on_input))
    return Result.SUCCESS, x.null()


def _limit_script(ctx: Context, data: Node) -> tuple[int, Node]:
    """ECS47e (7.16): the Load Controller limits an APC's level for a period."""
    script = _number(data, "a script id")
    return _command_level(ctx, script >> 8, script & 0xFF, LOAD_CONTROLLER_SCRIPTS, Source.LOAD_CONTROLLER)


INSTANCE_ACTIONS: dict[tuple[int, str, int], Callable[[Context, Node], tuple[int, Node]]] = {
    (9, CONTROLLER_SCRIPTS, 1): _switch_script,
    (9, LOAD_CONTROLLER_SCRIPTS, 1): _limit_script,
}


# --- reads ----------------------------------------------------------------------------------------

def level_now(controller: AuxiliaryController, now: int, on_input: bool = False, scheduled: int | None = None) -> int:
    """A controller's level at ``now``: the Load Controller's limit caps the Supplier's commanded level; without
    one, a timed activation / deactivation in force, else the level its calendar last ``scheduled``; an ALCS
    without any of these is on (100) or off (0)."""
    current = [c for c in controller.commanded if c.start <= now < c.end and c.on_input == on_input]
    supplier = [c.level for c in current if c.source is Source.SUPPLIER]
    limits = [c.level for c in current if c.source is Source.LOAD_CONTROLLER]
    timed = controller.override_until is not None and now < controller.override_until
    if supplier:
        level = supplier[-1]
    elif scheduled is not None and not (timed and not on_input):
        level = scheduled
    elif on_input:
        level = 0
    else:
        on = controller.active if controller.override_until is None or now < controller.override_until \
            else not controller.active
        level = 100 if on else 0
    return min([level] + limits)


def _scheduled(ctx: Context, number: int, on_input: bool = False) -> int | None:
    """The level the auxiliary calendar in force (6.14.2 / 6.14.3) last commanded controller ``number`` to."""
    return scheduled_level(ctx.stored(*CALENDAR), ctx.stored(*CALENDAR_SPECIAL_DAYS), number, ctx.now, on_input)


def _switch_output(number: int):
    def read(ctx: Context, period) -> Node:
        level = level_now(controllers(ctx).controllers[number - 1], ctx.seconds, scheduled=_scheduled(ctx, number))
        return x.boolean(level > 0)
    return read


def _description(number: int):
    def read(ctx: Context, period) -> Node:
        return {"type": "visible-string", "hex": controllers(ctx).controllers[number - 1].description.encode().hex()}
    return read


def _configuration(number: int):
    def read(ctx: Context, period) -> Node:
        return x.octets(controllers(ctx).controllers[number - 1].configuration)
    return read


def _operational(number: int):
    def read(ctx: Context, period) -> Node:
        controller = controllers(ctx).controllers[number - 1]
        text = json.dumps({"outputState": level_now(controller, ctx.seconds, scheduled=_scheduled(ctx, number)),
                           "inputState": level_now(controller, ctx.seconds, on_input=True,
                                                   scheduled=_scheduled(ctx, number, on_input=True))})
        return {"type": "utf8-string", "hex": text.encode().hex()}
    return read


def _on_boost(number: int):
    def read(ctx: Context, period) -> Node:
        return x.boolean(controllers(ctx).controllers[number - 1].on_boost_button)
    return read


def _boost_active(ctx: Context, period) -> Node:
    return x.boolean(any(start <= ctx.seconds < end for start, end in controllers(ctx).boost_presses))


def _boost_log(ctx: Context, period) -> Node:
    low, high = period or (0, ctx.seconds)
    rows = [(start, end) for start, end in controllers(ctx).boost_presses if low <= start <= high]
    return x.compact(x.t_structure(x.t("double-long-unsigned"), x.t("double-long-unsigned")), rows)


READS: dict[tuple[int, str, int], Callable] = {
    (7, BOOST_LOG, 2): _boost_log, (1, BOOST_ACTIVE, 2): _boost_active,
    (1, RANDOMISED_OFFSET, 2): lambda ctx, period: x.long_unsigned(controllers(ctx).randomised_offset_limit),
}
for _n in range(1, CONTROLLERS + 1):
    READS[(70, f"000{_n}60030AFF", 2)] = _switch_output(_n)
    READS[(1, f"00005E2C{0x0A + _n:04X}", 2)] = _description(_n)
    READS[(1, f"00005E2C{0x14 + _n:04X}", 2)] = _configuration(_n)
    READS[(1, f"00005E2C{0x1E + _n:04X}", 2)] = _operational(_n)
    READS[(1, f"00005E2C{0x0600 + _n:04X}", 2)] = _on_boost(_n)


# --- writes (attributes whose value is the controllers' state) -------------------------------------

def _set_on_boost(number: int):
    def write(ctx: Context, value: Node) -> int:
        if value.get("type") != "boolean":
            return Result.TYPE_UNMATCHED
        controllers(ctx).controllers[number - 1].on_boost_button = bool(value.get("value"))
        return Result.SUCCESS
    return write


def _set_description(number: int):
    """ECS46a (6.14.1): a switch's description, held with the controller it describes."""
    def write(ctx: Context, value: Node) -> int:
        if value.get("type") != "visible-string":
            return Result.TYPE_UNMATCHED
        try:
            text = bytes.fromhex(value.get("hex") or "").decode("ascii")
        except (ValueError, UnicodeDecodeError):
            return Result.TYPE_UNMATCHED
        controllers(ctx).controllers[number - 1].description = text
        return Result.SUCCESS
    return write


def _set_configuration(number: int):
    """ECS46c (6.14.2): whether the switch is the meter's own ALCS (all zero) or an HCALCS (its device id)."""
    def write(ctx: Context, value: Node) -> int:
        raw = bytes.fromhex(value.get("hex") or "") if value.get("type") == "octet-string" else None
        if raw is None or len(raw) != 8:
            return Result.TYPE_UNMATCHED
        controllers(ctx).controllers[number - 1].configuration = raw
        return Result.SUCCESS
    return write


def _set_offset_limit(ctx: Context, value: Node) -> int:
    limit = value.get("value")
    if value.get("type") != "long-unsigned" or not isinstance(limit, int):
        return Result.TYPE_UNMATCHED
    controllers(ctx).randomised_offset_limit = limit
    return Result.SUCCESS


WRITES: dict[tuple[int, str, int], Callable[[Context, Node], int]] = {
    (1, RANDOMISED_OFFSET, 2): _set_offset_limit,
    **{(1, f"00005E2C{0x0600 + n:04X}", 2): _set_on_boost(n) for n in range(1, CONTROLLERS + 1)},
    **{(1, f"00005E2C{0x0A + n:04X}", 2): _set_description(n) for n in range(1, CONTROLLERS + 1)},
    **{(1, f"00005E2C{0x14 + n:04X}", 2): _set_configuration(n) for n in range(1, CONTROLLERS + 1)},
}
