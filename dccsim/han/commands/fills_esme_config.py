"""ESME device-configuration commands (DUIS 6.x): what each Service Request puts into its use case.

Each fill maps the request's elements onto the attributes its use case sets (``SETS``); a use case whose
request names only some of its objects (6.14.1 switch descriptions, 6.18.2 registers to reset) keeps only
those. The use case may depend on the meter (single or polyphase) and on the request (6.5 with or without
the counter resets): ``choose_use_case``.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from gbcs import dlms as x
from devices import esme_capabilities as capabilities
from dccsim.han.commands.fills_esme import activation_time, fill_period
from dccsim.han.commands.structures_esme_config import (LIMITERS, LOAD_LIMIT, MAX_DEMAND, PHASES,
                                                        SWITCH_DESCRIPTIONS, average_rms_objects)
from dccsim.han.commands.values import as_decimal, as_int, as_list, as_time, first_value, text_of
from dccsim.duis.outcomes import E11, DuisRejection
from dccsim.inventory.models import Device

Values = dict[tuple[int, str, int], dict]

PREFERRED: dict[tuple[str, str], str] = {
    ("6.2.2", "ESME"): "ECS26c", ("6.2.3", "ESME"): "ECS26l", ("6.2.4", "ESME"): "ECS26m", ("6.2.4", "CHF"): "ECS26n",
    ("6.2.5", "ESME"): "ECS26f", ("6.2.7", "ESME"): "ECS40", ("6.2.9", "ESME"): "ECS26j",
    ("6.2.10", "ESME"): "ECS25r1", ("6.4.1", "ESME"): "ECS28a", ("6.4.2", "ESME"): "ECS28b",
    ("6.8", "ESME"): "ECS30a", ("6.11", "ESME"): "ECS70", ("6.12", "ESME"): "ECS34",
    ("6.14.1", "ESME"): "ECS46a", ("6.18.1", "ESME"): "ECS37", ("6.18.2", "ESME"): "ECS57",
    ("6.20.1", "ESME"): "ECS39a", ("6.20.2", "ESME"): "ECS39b", ("6.25", "ESME"): "ECS81",
    ("6.26", "ESME"): "ECS48",
    ("6.28", "CHF"): "DBCH04", ("6.29", "CHF"): "DBCH05", ("6.30", "CHF"): "DBCH03", ("6.31", "CHF"): "DBCH01",
    ("6.32", "CHF"): "DBCH02",
}

# Use cases whose single-phase and polyphase forms differ: variant → (single, polyphase).
_BY_PHASES = {"6.2.1": ("ECS26b", "ECS26k"), "6.27": ("ECS29e", "ECS29f")}


# 6.13 LogToRead → the use case, by device type (an ESME's auxiliary controller log: ECS35g on a meter with
# auxiliary proportional controllers, variants F and G).
_LOGS = {
    "ESME": {"Event": "ECS35a", "Security": "ECS35b", "PowerEvent": "ECS35e", "ALCSEvent": "ECS35f"},
    "CHF": {"Event": "ECS35c", "Security": "ECS35d"},
    **{kind: {"Event": "CS10a", "GSMEEvent": "CS10a", "Security": "CS10b", "GSMESecurity": "CS10b"}
       for kind in ("GSME", "GPF", "PPMID", "HCALCS")},
}


def log_use_case(device: Device, body: dict[str, Any]) -> str | None:
    """6.13: the log the request names on this device (None: a log this kind of device does not keep)."""
    chosen = _LOGS.get(device.device_type, {}).get(text_of(body.get("LogToRead")))
    if chosen == "ECS35f" and capabilities(device.esme_variant).apc:
        return "ECS35g"
    return chosen


# 6.22: the settings the request carries → the use case that sets them on an ESME.
_ALERT_SETTINGS = {"ElectricitySupplierAlerts": "ECS25a", "ElectricitySupplierHANAlertSettings": "ECS25a1",
                   "ElectricitySupplierAlarmSettings": "ECS25a2", "ElectricitySupplierLoggingSettings": "ECS25a3",
                   "ElectricityNetworkOperatorAlerts": "ECS25b", "ElectricityNetworkOperatorLoggingSettings": "ECS25b3"}


def choose_use_case(variant: str, device: Device, body: dict[str, Any]) -> str | None:
    """The use case a meter's phases (and for 6.5 the request, 6.13 the log, 6.22 the settings) decide, or
    None."""
    if variant == "6.22" and device.device_type == "ESME":
        chosen = next((use_case for name, use_case in _ALERT_SETTINGS.items() if name in body), None)
        if chosen is None:
            raise DuisRejection(E11, "an ESME takes the electricity alert settings of 6.22, not the gas ones")
        return chosen
    if variant == "6.13":
        chosen = log_use_case(device, body)
        if chosen is None:
            raise DuisRejection(E11, f"a {device.device_type} keeps no {text_of(body.get('LogToRead'))} log")
        return chosen
    if device.device_type != "ESME":
        return None
    polyphase = capabilities(device.esme_variant).polyphase
    if variant in _BY_PHASES:
        return _BY_PHASES[variant][polyphase]
    if variant == "6.5":
        keep_counters = "RMSVoltageCountersNotReset" in body
        return {(False, False): "ECS29a", (True, False): "ECS29b", (False, True): "ECS29c",
                (True, True): "ECS29d"}[(polyphase, keep_counters)]
    return None


def _dlu(node: Any, name: str) -> dict:
    return x.dlu(as_int(first_value(node, name), 0))


def _ascii(text: str) -> dict:
    return x.octets(text.encode("ascii", "replace"))


def _put(values: Values) -> Callable:
    """A fill that writes ``values`` into the sets of the command, in place of their nulls."""
    def fill(tree: dict, body: dict, device: Device, now: datetime) -> dict:
        for index, spec in enumerate(tree["specs"]):
            target = (spec["class"], spec["obis"].upper(), spec.get("attribute"))
            if spec["choice"] == "set" and target in values:
                tree["data"][index] = values[target]
        return tree
    return fill


def _keep(tree: dict, wanted: set[str]) -> dict:
    """Only the parts of the command that address the wanted objects."""
    parts = [(s, d) for s, d in zip(tree["specs"], tree["data"]) if s["obis"].upper() in wanted]
    tree["specs"], tree["data"] = [s for s, _ in parts], [d for _, d in parts]
    return tree


def _by(values: Callable[[dict, datetime], Values]) -> Callable:
    def fill(tree: dict, body: dict, device: Device, now: datetime) -> dict:
        return _put(values(body, now))(tree, body, device, now)
    return fill


# --- 6.4.1 load limiting -----------------------------------------------------------------------

def _load_limit(body: dict, now: datetime) -> Values:
    disable = text_of(body.get("LoadLimitSupplyState")) == "Disable"
    passive = (x.boolean(disable), _dlu(body, "LoadLimitPowerThreshold"), _dlu(body, "LoadLimitPeriod"),
               _dlu(body, "LoadLimitRestorationPeriod"))
    when = x.octets(activation_time(body, now))
    values = {(9000, obis, 4): value for obis, value in zip(LOAD_LIMIT, passive)}
    values.update({(9000, obis, 6): when for obis in LOAD_LIMIT})
    return values


# --- 6.5 voltage -------------------------------------------------------------------------------

_RMS = ("ExtremeOverVoltage", "ExtremeUnderVoltage", "VoltageSag", "VoltageSwell")    # limiters 1 to 4


def _phase_settings(body: dict) -> dict[str, Any]:
    """Each phase's average RMS settings, by the phase's OBIS C group."""
    single = first_value(body, "SinglePhaseVoltageSettings")
    if single is not None:
        return {PHASES[0]: single}
    found = {}
    for item in as_list(body.get("PolyPhaseVoltageSettings")):
        phase = as_int(first_value(item, "Phase"), 1)
        found[PHASES[min(max(phase, 1), 3) - 1]] = first_value(item, "PhaseVoltageSettings")
    return found


def _voltage(body: dict, now: datetime) -> Values:
    rms = first_value(body, "RMSVoltageSettings") or {}
    values: Values = {}
    for obis, name in zip(LIMITERS, _RMS):
        values[(71, obis, 4)] = _dlu(rms, f"RMS{name}Threshold")
        values[(71, obis, 6)] = _dlu(rms, f"RMS{name}MeasurementPeriod")
    for phase, settings in _phase_settings(body).items():
        over, under = average_rms_objects(phase)
        values[(1, over, 2)] = _dlu(settings, "AverageRMSOverVoltageThreshold")
        values[(1, under, 2)] = _dlu(settings, "AverageRMSUnderVoltageThreshold")
        values[(7, f"0100{phase}1800FF", 4)] = _dlu(settings, "AverageRMSVoltageMeasurementPeriod")
    return values


# --- 6.8 billing calendar ----------------------------------------------------------------------

_EVERY_MONTHS = {"Quarterly": 3, "SixMonthly": 6, "Yearly": 12}


def billing_dates(calendar: dict) -> list[str]:
    """The COSEM dates (hex, wildcards 0xFF) on which an ElectricityBillingCalendar bills."""
    if "Daily" in calendar:
        return ["ffffffffff"]
    if "Weekly" in calendar:
        return [f"ffffffff{as_int(calendar['Weekly'], 1):02x}"]
    if "Monthly" in calendar:
        return [f"ffffff{as_int(calendar['Monthly'], 1):02x}ff"]
    for name, step in _EVERY_MONTHS.items():
        if name in calendar:
            day = as_int(first_value(calendar[name], "DayOfMonth"), 1)
            start = as_int(first_value(calendar[name], "BillingPeriodStartMonth"), 1)
            months = [(start - 1 + step * n) % 12 + 1 for n in range(12 // step)]
            return [f"ffff{month:02x}{day:02x}ff" for month in months]
    return []


def _billing_calendar(body: dict, now: datetime) -> Values:
    calendar = first_value(body, "ElectricityBillingCalendar") or {}
    at = as_time(calendar.get("BillingTime", "00:00:00"))
    clock = bytes([at.hour, at.minute, at.second, 0]).hex()
    entries = [x.structure(x.octets(clock), x.octets(date)) for date in billing_dates(calendar)]
    return {(22, "00000F0000FF", 4): x.array(entries)}


# --- 6.18.1 maximum demand period --------------------------------------------------------------

def _max_demand_entry(index: int, selector: int, at: Any) -> dict:
    moment = as_time(at)
    return x.structure(x.long_unsigned(index), x.boolean(True), x.octets("00000a8064ff"), x.long_unsigned(selector),
                       x.octets(bytes([moment.hour, moment.minute, moment.second, 0])), x.long_unsigned(0xFFFF),
                       x.bits(7, "fe"), x.bits(0, ""), x.octets("000001ffff"), x.octets("ffffffffff"))


def _max_demand_period(body: dict, now: datetime) -> Values:
    schedule = first_value(body, "MaximumDemandTimePeriodSchedule") or {}
    return {(10, "00000C0000FF", 2): x.array([_max_demand_entry(0, 1, schedule.get("StartTime")),
                                              _max_demand_entry(1, 2, schedule.get("EndTime"))])}


_RESETS = {"MaxDemandActivePowerImportValue": MAX_DEMAND[0], "MaxDemandConfigTimeActivePowerImportValue": MAX_DEMAND[1],
           "MaxDemandActivePowerExportValue": MAX_DEMAND[2]}


def _max_demand_resets(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    return _keep(tree, {obis for name, obis in _RESETS.items() if name in body})


# --- 6.14.1 switch descriptions ----------------------------------------------------------------

def _switch_descriptions(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    named: dict[str, dict] = {}
    for position, item in enumerate(as_list(body.get("ALCSHCALCSDescription")), 1):
        index = as_int(item.get("@index"), position) if isinstance(item, dict) else position
        text = text_of(first_value(item, "SwitchDescription"))
        if 1 <= index <= len(SWITCH_DESCRIPTIONS):
            named[SWITCH_DESCRIPTIONS[index - 1]] = {"type": "visible-string",
                                                     "hex": text.encode("ascii", "replace").hex()}
    tree = _keep(tree, set(named))
    return _put({(1, obis, 2): value for obis, value in named.items()})(tree, body, device, now)


# --- 6.22 alert behaviour ----------------------------------------------------------------------------

_BITS = 256


def _alert_behaviour(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS25a…: the alerts the request names (mask) and which of them are enabled (settings), one bit per alert
    code's low byte counted from the end; a meter's polyphase alerts only for a polyphase meter, its single-phase
    ones only for a single-phase meter."""
    settings = next((body[name] for name in _ALERT_SETTINGS if name in body), None) or {}
    polyphase = capabilities(device.esme_variant).polyphase
    mask = enabled = 0
    for group, alerts in settings.items() if isinstance(settings, dict) else ():
        if group.endswith("PolyPhase") and not polyphase or group.endswith("SinglePhase") and polyphase:
            continue
        for name, value in alerts.items() if isinstance(alerts, dict) else ():
            if not name.startswith("x"):
                continue
            bit = 1 << (int(name[1:], 16) & 0xFF)
            mask |= bit
            enabled |= bit if text_of(value) == "Enable" else 0
    tree["data"][0] = x.bits(2 * _BITS, f"{mask << _BITS | enabled:0{_BITS // 2}x}")
    return tree


# --- 6.28 the hub's Sub GHz configuration ----------------------------------------------------------

# Each channel band: its element, its identifier (the bit string's top bits) and its first channel number.
_BANDS = (("LowerBandSubGHzChannels0To26", 0xE0000000, 0), ("LowerBandSubGHzChannels27To34", 0xE8000000, 27),
          ("LowerBandSubGHzChannels35To61", 0xF0000000, 35), ("UpperBandSubGHzChannels0To26", 0xF8000000, 0))
# The thresholds after the bands: element, DLMS type, scale (DUIS decimals are sent in hundredths).
_SUB_GHZ = (("NormalLimitedDutyCycleThreshold", x.long_unsigned, 100),
            ("LimitedCriticalDutyCycleThreshold", x.long_unsigned, 100),
            ("MaximumSubGHzChannelChangesPerWeek", x.unsigned, 1), ("GSMECurfew", x.long_unsigned, 1),
            ("ChannelQuieterThreshold", x.unsigned, 1), ("ChannelNoisierThreshold", x.unsigned, 1),
            ("NonGSMEPoorCommsPercentageThreshold", x.long_unsigned, 100),
            ("NonGSMEPoorCommsMeasurementPeriods", x.unsigned, 1), ("LocalCHNoiseMeasurementPeriod", x.long_unsigned, 1),
            ("LocalCHFailurePercentage", x.long_unsigned, 100), ("LocalCHRetryPercentage", x.long_unsigned, 100))


def _channels(body: dict, element: str, band: int, first: int) -> dict:
    chosen = body.get(element) or {}
    bits = band
    for name in chosen if isinstance(chosen, dict) else ():
        if name.startswith("Channel") and name[7:].isdigit():
            bits |= 1 << (int(name[7:]) - first)
    return x.bits(32, f"{bits:08x}")


def _sub_ghz(body: dict, now: datetime) -> Values:
    bands = [_channels(body, element, band, first) for element, band, first in _BANDS]
    settings = [kind(int((as_decimal(body.get(element), Decimal(0)) or Decimal(0)) * scale))
                for element, kind, scale in _SUB_GHZ]
    return {(1, "00005E2C0A00", 2): x.structure(*bands, *settings)}


# --- the others ---------------------------------------------------------------------------------

def _import_mpxn(body: dict, now: datetime) -> Values:
    text = text_of(first_value(body, "ImportMPAN")) + text_of(first_value(body, "SecondaryImportMPAN"))
    return {(1, "00005E2C220B", 2): _ascii(text or text_of(first_value(body, "ImportMPRN")))}


def _daily_block_counter_reset(body: dict, now: datetime) -> Values:
    reset = text_of(body.get("DailyTariffBlockCounterMatrixReset")).lower() in ("true", "1")
    midnight = [x.structure(x.octets("00000000"), x.octets("ffffffffff"))] if reset else []
    return {(22, "00000F0100FF", 4): x.array(midnight)}


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "ECS28a": _by(_load_limit),
    **{use_case: _by(_voltage) for use_case in ("ECS29a", "ECS29b", "ECS29c", "ECS29d")},
    "ECS30": _by(_billing_calendar), "ECS30a": _by(_billing_calendar),
    "ECS34": _by(lambda body, now: {(21, "0000100000FF", 2): x.array(
        [_dlu(body, "LowMediumPowerThreshold"), _dlu(body, "MediumHighPowerThreshold")])}),
    "ECS37": _by(_max_demand_period),
    "ECS39a": _by(_import_mpxn),
    "ECS39b": _by(lambda body, now: {(1, "0100000002FF", 2): _ascii(text_of(body.get("ExportMPAN")))}),
    "ECS46a": _switch_descriptions,
    "ECS57": _max_demand_resets,
    "ECS81": _by(lambda body, now: {(1, "00005E2C0004", 2): x.boolean(
        text_of(body.get("SupplyTamperState")) == "Locked")}),
    "ECS48": _by(_daily_block_counter_reset),
    **{use_case: _alert_behaviour for use_case in _ALERT_SETTINGS.values()},
    "DBCH04": _by(_sub_ghz), "DBCH02": fill_period,
    **{use_case: fill_period for use_case in ("ECS35a", "ECS35b", "ECS35c", "ECS35d", "ECS35e", "ECS35f",
                                              "ECS35g")},
}
