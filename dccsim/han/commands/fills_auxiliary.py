"""Auxiliary controller commands (DUIS 7.5–7.16): the use case, and what the request puts into the command.

ECS47 takes the switch and its duration (7.5 activate, 7.6 deactivate) or resets it (7.8); ECS47a (7.13) and
ECS47e (7.16) the controller, its level and period, on its output or on its input from the controlled load;
ECS62 the switches added to (7.9) or removed from (7.10) the boost button; ECS61c (7.11) the read period;
ECS38 (7.12) the randomised offset limit; ECS46c (6.14.2) and ECS46d (6.14.3) the controllers' calendar (a
switch on or off, a controller's level, at times on days of the week and special days) and, for ECS46c,
which switches are the meter's own ALCS and which an HCALCS. GBCS v4.0 deprecates ECS47 and ECS61a: DUIS V4.0 answers 7.5–7.8
for a device of GBCS v4.0 or later with E11 (the Service Reference does not apply to that device; 7.13–7.15
take their place).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from dccsim.duis.ids import normalise_eui
from dccsim.duis.outcomes import E11, DuisRejection
from dccsim.han.commands.fills_esme import activation_time, date_pattern, read_period
from dccsim.han.commands.fills_supply import WEEKDAYS, bit_string
from dccsim.han.commands.structures_auxiliary import ACTIVATION, CONFIGURATIONS
from dccsim.han.commands.structures_esme import range_selection
from dccsim.han.commands.values import all_values, as_datetime, as_int, as_time, gbcs_version, indexed, text_of
from dccsim.inventory.models import Device
from gbcs import dlms as x

PREFERRED: dict[tuple[str, str], str] = {
    ("7.5", "ESME"): "ECS47", ("7.6", "ESME"): "ECS47", ("7.8", "ESME"): "ECS47", ("7.7", "ESME"): "ECS61a",
    ("7.9", "ESME"): "ECS62", ("7.10", "ESME"): "ECS62", ("7.11", "ESME"): "ECS61c", ("7.12", "ESME"): "ECS38",
    ("7.13", "ESME"): "ECS47a", ("7.14", "ESME"): "ECS61d", ("7.15", "ESME"): "ECS61e", ("7.16", "ESME"): "ECS47e",
    ("6.14.2", "ESME"): "ECS46c", ("6.14.3", "ESME"): "ECS46d", ("6.14.3", "APC"): "ECS46d",
}
DEPRECATED_IN_GBCS_4 = {"7.5", "7.6", "7.7", "7.8"}

def check_deprecated(variant: str, device: Device) -> None:
    """7.5–7.8 (ECS47, ECS61a) do not apply to a device of GBCS v4.0 or later."""
    if variant in DEPRECATED_IN_GBCS_4 and gbcs_version(device) >= (4, 0):
        raise DuisRejection(E11, f"{variant}'s GBCS use case is deprecated in GBCS v4.0 and device "
                                 f"{device.device_id} runs GBCS {device.gbcs_version}: use 7.13 / 7.14 / 7.15")


def _indexed_element(body: dict, name: str) -> tuple[int, Any]:
    node = next(iter(all_values(body, name)), None)
    index = as_int(node.get("@index"), 1) if isinstance(node, dict) else 1
    return index, node


def _fill_switch(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS47: 7.5 activates / 7.6 deactivates a switch for a duration (minutes), 7.8 resets it."""
    for name, action in (("ActivateALCSHCALCS", "activate"), ("DeactivateALCSHCALCS", "deactivate"),
                         ("ResetALCSHCALCS", "reset")):
        if name not in body:
            continue
        switch, node = _indexed_element(body, name)
        duration = as_int(node.get("Duration"), 0) if isinstance(node, dict) else 0
        specs, data = [], []
        if action in x.AUXILIARY_DURATIONS:
            specs.append({"choice": "set", "class": 1, "obis": x.AUXILIARY_DURATIONS[action], "attribute": 2})
            data.append(x.long_unsigned(duration))
        specs.append(tree["specs"][-1])
        data.append(x.long_unsigned(x.auxiliary_switch_script(switch, action)))
        tree["specs"], tree["data"] = specs, data
    return tree


def _fill_level(table: str) -> Callable:
    def fill(tree: dict, body: dict, device: Device, now: datetime) -> dict:
        """ECS47a / ECS47e: a controller's commanded level (or limit) for the request's period."""
        controller = as_int(body.get("@auxiliaryControllerN"), 1)
        level = as_int(body.get("CommandedStateLevel"), 0)
        side = x.AUXILIARY_INPUT if "InputFromControlledLoad" in body else x.AUXILIARY_OUTPUT
        start_obis, end_obis = x.auxiliary_level_period(table, side, level)
        start = as_datetime(body.get("StartDateTime")) or now
        end = as_datetime(body.get("EndDateTime")) or now
        tree["specs"][0]["obis"], tree["specs"][1]["obis"] = start_obis, end_obis
        tree["data"] = [x.octets(x.date_time(start)), x.octets(x.date_time(end)),
                        x.long_unsigned(x.auxiliary_level_script(controller, level, side))]
        return tree
    return fill


def _fill_boost(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS62: the switches named true are added to (7.9) or removed from (7.10) the boost button."""
    add = "AddToBoostButton" in body
    chosen = {index for index, value in indexed(all_values(body, "AddToBoostButton" if add else "RemoveFromBoostButton"))
              if text_of(value).lower() in ("true", "1")}
    kept = [(spec, x.boolean(add)) for index, spec in enumerate(tree["specs"], 1) if index in chosen]
    tree["specs"], tree["data"] = [spec for spec, _ in kept], [data for _, data in kept]
    return tree


def _fill_boost_log(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    start, end = read_period(body, now)
    for spec in tree["specs"]:
        if spec["choice"] == "get-with-selection":
            spec["parameters"] = range_selection(x.utc_seconds(start), x.utc_seconds(end))
    return tree


def _fill_offset(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    tree["data"][0] = x.long_unsigned(as_int(body.get("RandomisedOffsetLimit"), 0))
    return tree




# --- 6.14.2 / 6.14.3: the auxiliary controllers' calendar ------------------------------------------

_SWITCH_ACTIONS = {"ActivateSwitch": 1, "DeactivateSwitch": 2}     # ECS46c's schedule selectors (low byte)
_SCHEDULED_LEVEL = 0x80                                              # ECS46d: a level, not a switch action
_CALENDAR_SCRIPT = "00000a0067ff"


def _special_days(days: list, attribute: str) -> tuple[dict, dict[int, int]]:
    """The special days array, and each day's identifier → its position (its bit in a schedule entry)."""
    positions = {}
    entries = []
    for position, day in enumerate(days, 1):
        identifier = as_int(day.get(attribute), position) if isinstance(day, dict) else position
        positions[identifier] = position
        entries.append(x.structure(x.long_unsigned(position), x.octets(date_pattern(day)), x.unsigned(position)))
    return x.array(entries), positions


def _schedule_entry(index: int, entry: dict, selector: int, timing: dict, special: set[int],
                    special_count: int) -> dict:
    weekdays = {WEEKDAYS.index(text_of(d)) for d in all_values(entry, "DayOfWeekID") if text_of(d) in WEEKDAYS}
    switch_time = as_time(timing.get("SwitchTime"))
    return x.structure(
        x.long_unsigned(index), x.boolean(True), x.octets(_CALENDAR_SCRIPT), x.long_unsigned(selector),
        x.octets(bytes([switch_time.hour, switch_time.minute, switch_time.second, 0])), x.long_unsigned(0xFFFF),
        bit_string(7, weekdays), bit_string(special_count, {p - 1 for p in special}),
        x.octets(date_pattern(timing.get("StartDate") or {})), x.octets(date_pattern(timing.get("EndDate") or {})))


def _calendar(tree: dict, special_days: dict, schedule: dict, body: dict, now: datetime) -> dict:
    """The passive calendar and special days, both activated at the request's execution time."""
    activation = x.octets(activation_time(body, now))
    values = {"00010B0003FF": special_days, "00010C0002FF": schedule, ACTIVATION[0]: activation,
              ACTIVATION[1]: activation}
    tree["data"] = [values.get(spec["obis"].upper(), data) for spec, data in zip(tree["specs"], tree["data"])]
    return tree


def _fill_alcs_scheduler(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS46c (6.14.2): which switches are the meter's ALCS and which an HCALCS, and the switches' calendar."""
    days, positions = _special_days(all_values(body, "ALCSHCALCSSpecialDay"), "@index")
    entries = []
    for index, entry in enumerate(all_values(body, "ALCSHCALCSConnectionSchedule"), 1):
        switch = entry.get("ActivateDeactivateSwitch") or {}
        action = next((code for name, code in _SWITCH_ACTIONS.items() if name in switch), 1)
        special = {positions[i] for i in (as_int(d.get("@index"), 0) for d in all_values(entry, "SpecialDaysApplicability")
                                           if isinstance(d, dict)) if i in positions}
        entries.append(_schedule_entry(index, entry, as_int(switch.get("@index"), 1) << 8 | action,
                                       entry.get("ALCSScheduleDatesAndTime") or {}, special, len(positions)))
    named = {}
    for item in all_values(body, "SwitchTypeAndId"):
        number = as_int(item.get("@index"), 0) if isinstance(item, dict) else 0
        hcalcs = normalise_eui(text_of(item.get("HCALCS"))) if isinstance(item, dict) and "HCALCS" in item else None
        if 1 <= number <= len(CONFIGURATIONS):
            named[CONFIGURATIONS[number - 1]] = x.octets(bytes.fromhex(hcalcs) if hcalcs else bytes(8))
    parts = [(spec, named.get(spec["obis"].upper(), data)) for spec, data in zip(tree["specs"], tree["data"])
             if spec["obis"].upper() not in CONFIGURATIONS or spec["obis"].upper() in named]
    tree["specs"], tree["data"] = [s for s, _ in parts], [d for _, d in parts]
    return _calendar(tree, days, x.array(entries), body, now)


def _fill_controller_scheduler(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS46d (6.14.3): each controller's scheduled level, on its output or its input from the controlled load."""
    days, positions = _special_days(all_values(body, "AuxiliaryControllerSpecialDayDefinition"), "@identifier")
    entries = []
    for index, entry in enumerate(all_values(body, "AuxiliaryControllerSchedule"), 1):
        action = entry.get("AuxiliaryControllerAction") or {}
        side = x.AUXILIARY_INPUT if "InputFromControlledLoad" in action else x.AUXILIARY_OUTPUT
        level = as_int(action.get("CommandedStateLevel"), 0)
        selector = x.auxiliary_level_script(as_int(action.get("@auxiliaryControllerN"), 1), level, side) \
            | _SCHEDULED_LEVEL
        special = {positions[i] for i in (as_int(d.get("@identifier"), 0)
                                           for d in all_values(entry, "SpecialDaysApplicability")
                                           if isinstance(d, dict)) if i in positions}
        entries.append(_schedule_entry(index, entry, selector, entry.get("AuxiliaryControllerSchedulePeriodAndTime")
                                       or {}, special, len(positions)))
    return _calendar(tree, days, x.array(entries), body, now)


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "ECS47": _fill_switch, "ECS47a": _fill_level(x.AUXILIARY_CONTROLLER_SCRIPTS),
    "ECS47e": _fill_level(x.LOAD_CONTROLLER_SCRIPTS),
    "ECS62": _fill_boost, "ECS61c": _fill_boost_log, "ECS38": _fill_offset,
    "ECS46c": _fill_alcs_scheduler, "ECS46d": _fill_controller_scheduler,
}
