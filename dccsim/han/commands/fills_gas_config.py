"""Gas device-configuration commands (DUIS 6.x on a GSME / GPF): what each Service Request puts into its use
case — the billing calendar (GCS25a, 6.8), the MPRN (GCS41, 6.20.1), the conversion factor and calorific value
(GCS23, 6.6), the events' alert behaviour (GCS20, 6.22; read by GCS20r, 6.2.10)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from dccsim.han.commands.fills_esme import read_period
from dccsim.han.commands.fills_gas import utc
from dccsim.han.commands.structures_gas import command, gbz
from dccsim.han.commands.values import as_datetime, as_decimal, as_int, first_value, gbcs_version, text_of
from dccsim.duis.outcomes import E060701, DuisRejection
from dccsim.inventory.models import Device
from gbcs.zcl import DEVICE_MANAGEMENT, EVENTS, METERING, PRICE

PREFERRED: dict[tuple[str, str], str] = {
    ("6.2.3", "GSME"): "GCS21k", ("6.2.3", "GPF"): "GCS21k", ("6.8", "GSME"): "GCS25a",
    ("6.20.1", "GSME"): "GCS41", ("6.6", "GSME"): "GCS23", ("6.2.8", "GSME"): "GCS21a", ("6.2.8", "GPF"): "GCS21a",
    ("6.2.10", "GSME"): "GCS20r", ("6.2.10", "GPF"): "GCS20r", ("6.22", "GSME"): "GCS20",
}

# DUIS Periodicity → ZCL billing period (duration, duration type: 0x2_ from the start of the unit; _1 days,
# _2 weeks, _3 months).
PERIODICITY = {"Daily": (1, 0x21), "Weekly": (1, 0x22), "Monthly": (1, 0x23), "Quarterly": (3, 0x23),
               "SixMonthly": (6, 0x23), "Yearly": (12, 0x23)}


def _billing_calendar(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    calendar = first_value(body, "GasBillingCalendar") or {}
    start = utc(as_datetime(calendar.get("BillingPeriodStart")) or now)
    duration, duration_type = PERIODICITY.get(text_of(calendar.get("Periodicity")), PERIODICITY["Monthly"])
    issue = utc(now)
    return gbz(command(PRICE, 0x09, from_server=True, provider_id=0, issuer_event_id=issue,
                       billing_period_start_time=start, billing_period_duration=duration,
                       billing_period_duration_type=duration_type, tariff_type=0),
               command(PRICE, 0x01, from_server=True, provider_id=0, issuer_event_id=issue, block_period_start_time=start,
                       block_period_duration=duration, block_period_control=2, block_period_duration_type=duration_type,
                       tariff_type=0, tariff_resolution_period=1))


def _site_id(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    mprn = text_of(first_value(body, "ImportMPRN"))
    return gbz(command(DEVICE_MANAGEMENT, 0x03, from_server=True, issuer_event_id=utc(now), site_id_time=0,
                       provider_id=0, site_id=mprn.encode("ascii", "replace")))


def _scaled(value: Any, places: int) -> int:
    return int((as_decimal(value, Decimal(0)) or Decimal(0)) * (10 ** places))


def _conversion(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS23: the calorific value (MJ/m3, one decimal) and conversion factor (five decimals), from now."""
    issue = utc(now)
    return gbz(command(PRICE, 0x02, from_server=True, issuer_event_id=issue, start_time=0,
                       conversion_factor=_scaled(body.get("ConversionFactor"), 5),
                       conversion_factor_trailing_digit=0x50),
               command(PRICE, 0x03, from_server=True, issuer_event_id=issue, start_time=0,
                       calorific_value=_scaled(body.get("CalorificValue"), 1), calorific_value_unit=1,
                       calorific_value_trailing_digit=0x10))


# GBCS event log ids: the general event log (with event control 1: the entries, newest first) and the
# security log.
EVENT_LOG, SECURITY_LOG = 0x13, 0x04


def _event_log(log_id: int) -> Callable[[Any, dict, Device, datetime], Any]:
    def fill(tree: Any, body: dict, device: Device, now: datetime) -> dict:
        """CS10a / CS10b (6.13): Get Event Log for the read period."""
        start, end = read_period(body, now)
        return gbz(command(EVENTS, 0x00, event_control_log_id=log_id, event_id=0, start_time=utc(start),
                           end_time=utc(end), number_of_events=0, event_offset=0))
    return fill


# DUIS supply states (6.7) → ZCL Set Supply Status: leave the supply as it is, or lock it (off, armed).
SUPPLY_STATES = {"Unchanged": 0x03, "Locked": 0x01}
DECIMAL_FLOW_RATE_DIVISOR = 10_000          # UncontrolledGasFlowRateDecimal has four decimal places
GBCS_DECIMAL_FLOW_RATE = (3, 2)             # GCS24a: GBCS v3.2 or later


def flow_use_case(device: Device, body: dict[str, Any]) -> str:
    """6.7: GCS24a for a decimal flow rate — which a device of GBCS v3.2 or later takes (E060701 for an older
    one) — else GCS24."""
    if "UncontrolledGasFlowRateDecimal" not in body:
        return "GCS24"
    if gbcs_version(device) < GBCS_DECIMAL_FLOW_RATE:
        raise DuisRejection(E060701, f"UncontrolledGasFlowRateDecimal needs GBCS v3.2 or later; the device has GBCS "
                                       f"{device.gbcs_version}")
    return "GCS24a"


def _gas_flow(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS24 / GCS24a (6.7): the uncontrolled flow threshold (m3/h, or its decimal form in 1/10000) and what
    the supply does on a tamper and on depletion."""
    issue = utc(now)
    decimal = body.get("UncontrolledGasFlowRateDecimal")
    if decimal is not None:
        rate = int((as_decimal(decimal, Decimal(0)) or Decimal(0)) * DECIMAL_FLOW_RATE_DIVISOR)
        divisor = DECIMAL_FLOW_RATE_DIVISOR
    else:
        rate, divisor = as_int(body.get("UncontrolledGasFlowRate"), 0) or 0, 1
    return gbz(command(METERING, 0x0E, provider_id=0, issuer_event_id=issue, uncontrolled_flow_threshold=rate,
                       unit_of_measure=1, multiplier=1, divisor=divisor,
                       stabilisation_period=as_int(body.get("StabilisationPeriod"), 0),
                       measurement_period=as_int(body.get("MeasurementPeriod"), 0)),
               command(METERING, 0x0D, issuer_event_id=issue,
                       supply_tamper_state=SUPPLY_STATES.get(text_of(body.get("SupplyTamperState")), 0x03),
                       supply_depletion_state=SUPPLY_STATES.get(text_of(body.get("SupplyDepletionState")), 0x03),
                       supply_uncontrolled_flow_state=0, load_limit_supply_state=0x03))


# 6.22 on a gas meter: each part of an event's behaviour → its ZSE event configuration bit.
_EVENT_PARTS = {"WANAlert": 0x08, "HANAlert": 0x10, "EventLog": 0x03, "Alarm": 0x40}


def _event_configuration(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS20: one Set Event Configuration per configuration the request gives, listing the events that take it (an
    event of GasSupplierAlerts only says whether it is sent over the WAN, and is logged)."""
    settings = body.get("GasSupplierAlertEventSettings") or body.get("GasSupplierAlerts") or {}
    groups: dict[int, list[int]] = {}
    for name, value in settings.items() if isinstance(settings, dict) else ():
        if not name.startswith("x"):
            continue
        if isinstance(value, dict):
            configuration = sum(bit for part, bit in _EVENT_PARTS.items() if text_of(value.get(part)) == "Enable")
        else:
            configuration = _EVENT_PARTS["EventLog"] | (_EVENT_PARTS["WANAlert"] if text_of(value) == "Enable" else 0)
        groups.setdefault(configuration, []).append(int(name[1:], 16))
    issue = utc(now)
    return gbz(*(command(DEVICE_MANAGEMENT, 0x04, from_server=True, issuer_event_id=issue, start_date_time=0,
                         event_configuration=configuration, configuration_control=0,
                         event_configuration_payload=bytes([len(codes)]) + b"".join(
                             code.to_bytes(2, "little") for code in codes))
                 for configuration, codes in groups.items()))


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "GCS20": _event_configuration,
    "GCS24": _gas_flow, "GCS24a": _gas_flow,
    "CS10a": _event_log(EVENT_LOG), "CS10b": _event_log(SECURITY_LOG),
    "GCS25": _billing_calendar, "GCS25a": _billing_calendar, "GCS41": _site_id, "GCS23": _conversion,
}
