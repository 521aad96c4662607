"""Supply and prepayment commands (DUIS 1.5, 1.6, 2.3, 2.5, 7.1–7.4): the use case the request's body picks,
and what the request puts into the command.

1.5 picks by what the body asks: on an ESME an adjustment is ECS04a and a reset ECS04b; on a GSME the
prepayment credit (GCS40a adjust, GCS40b reset) or the credit mode balance (GCS40c adjust, GCS40d reset).
1.6 picks by the payment mode asked for (ECS02 / GCS02 credit, ECS03 / GCS03 prepayment). 2.1 on an ESME is
ECS08a, ECS08 on a meter of a GBCS version before 2.0. Amounts go into
the commands as the request states them (currency x 10^-5); recovery periods become seconds (DLMS) or the
ZCL recovery frequency; gas commands carry the request's time as their issuer event id.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Callable

from dccsim.han.commands.fills_esme import activation_time
from dccsim.han.commands.structures_esme_supply import ACCOUNT, CREDIT_MODE, PREPAYMENT_MODE, debt_charge
from dccsim.han.commands.structures_gas import gbz
from dccsim.han.commands.structures_gas_supply import (COLLECT_DEBT_WHILE_DISABLED, PAYMENT_DEBT,
                                                       PREPAYMENT_CONFIGURATION, TIME_DEBT_1, TIME_DEBT_2,
                                                       change_debt)
from dccsim.han.commands.values import all_values, as_datetime, as_int, as_time, gbcs_version, text_of
from dccsim.inventory.models import Device
from devices import esme_capabilities as capabilities
from gbcs import dlms as x
from gbcs import zcl
from gbcs.times import zigbee_time

CANCEL_YEAR = 3000
# DUIS DebtRecoveryRatePeriod → seconds (ESME charge period) and ZCL debt recovery frequency (GSME).
PERIOD_SECONDS = {"HOURLY": 3600, "DAILY": 86400, "WEEKLY": 604800}
ZCL_FREQUENCY = {"HOURLY": 0, "DAILY": 1, "WEEKLY": 2, "MONTHLY": 3, "QUARTERLY": 4}

_METER_BALANCE = {("ESME", "PrepaymentMode", False): "ECS04a", ("ESME", "CreditMode", False): "ECS04a",
                  ("ESME", "PrepaymentMode", True): "ECS04b", ("ESME", "CreditMode", True): "ECS04b",
                  ("GSME", "PrepaymentMode", False): "GCS40a", ("GSME", "PrepaymentMode", True): "GCS40b",
                  ("GSME", "CreditMode", False): "GCS40c", ("GSME", "CreditMode", True): "GCS40d"}
_PAYMENT_MODE = {("ESME", "Credit"): "ECS02", ("ESME", "Prepayment"): "ECS03",
                 ("GSME", "Credit"): "GCS02", ("GSME", "Prepayment"): "GCS03"}

PREFERRED: dict[tuple[str, str], str] = {
    ("7.2", "ESME"): "ECS43", ("7.2", "GSME"): "GCS32", ("7.3", "ESME"): "ECS44", ("7.3", "GSME"): "GCS39",
    ("7.4", "ESME"): "ECS45", ("7.4", "GSME"): "GCS33", ("2.3", "ESME"): "ECS07", ("2.3", "GSME"): "GCS04",
    ("2.5", "ESME"): "ECS09", ("2.5", "GSME"): "GCS06", ("1.7", "ESME"): "ECS05",
    ("3.1", "ESME"): "ECS10", ("3.1", "GSME"): "GCS07", ("3.2", "ESME"): "ECS12", ("3.2", "GSME"): "GCS09",
    ("3.4", "ESME"): "ECS16", ("3.4", "GSME"): "GCS44", ("3.5", "ESME"): "ECS14", ("3.5", "GSME"): "GCS11",
    ("9.1", "ESME"): "ECS50", ("9.1", "GSME"): "GCS36", ("14.1", "GSME"): "GCS31",
}


def choose_use_case(variant: str, device: Device, body: dict[str, Any]) -> str | None:
    """The use case the body of a 1.5 or 1.6 request decides, or None."""
    if variant == "1.5":
        mode = "CreditMode" if "CreditMode" in body else "PrepaymentMode"
        return _METER_BALANCE.get((device.device_type, mode, _has(body, "ResetMeterBalance")))
    if variant == "2.1" and device.device_type == "ESME":
        return "ECS08" if gbcs_version(device) < (2, 0) else "ECS08a"
    if variant == "1.6":
        mode = "Credit" if "Credit" in body else "Prepayment"
        return _PAYMENT_MODE.get((device.device_type, mode))
    return None


def _has(body: Any, name: str) -> bool:
    """Whether an element called ``name`` (empty ones included) is anywhere in a parsed body."""
    if isinstance(body, dict):
        return name in body or any(_has(value, name) for value in body.values())
    if isinstance(body, list):
        return any(_has(item, name) for item in body)
    return False


def _first_int(body: dict, name: str, default: int = 0) -> int:
    found = all_values(body, name)
    return as_int(found[0], default) if found else default


# --- ESME -----------------------------------------------------------------------------------------

def _set_data(tree: dict, values: dict[tuple[str, int, str, int], dict]) -> dict:
    """Write values into the parts addressed: (choice, class, OBIS, attribute or method) → data."""
    for index, spec in enumerate(tree["specs"]):
        target = (spec["choice"], spec["class"], spec["obis"].upper(), spec.get("attribute", spec.get("method")))
        if target in values:
            tree["data"][index] = values[target]
    return tree


def _fill_adjust_balance(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS04a: the adjustment (a debit when negative)."""
    tree["data"][0] = x.dl(_first_int(body, "AdjustMeterBalance"))
    return tree


def _fill_elec_debt(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS07: the recovery rates (per period, with their price scale), the share of a payment that recovers
    payment-based debt, and the adjustments of the three debt registers."""
    values: dict[tuple[str, int, str, int], dict] = {
        ("set", 113, "0000131403FF", 13): x.long_unsigned(_first_int(body, "DebtRecoveryPerPayment")),
        ("action", 113, "0000131403FF", 4): x.dl(_first_int(body, "PaymentDebtRegister")),
        ("action", 113, "0000131401FF", 4): x.dl(_first_int(body, "TimeDebtRegister1")),
        ("action", 113, "0000131402FF", 4): x.dl(_first_int(body, "TimeDebtRegister2")),
    }
    for rate, obis in ((1, "0000131401FF"), (2, "0000131402FF")):
        recovery = body.get(f"ElecDebtRecovery{rate}") or {}
        values[("set", 113, obis, 6)] = debt_charge(_first_int(recovery, "DebtRecoveryRate"),
                                                    _first_int(recovery, "DebtRecoveryRatePriceScale"))
        period = text_of(next(iter(all_values(recovery, "DebtRecoveryRatePeriod")), "DAILY"))
        values[("set", 113, obis, 8)] = x.dlu(PERIOD_SECONDS.get(period, 86400))
    return _set_data(tree, values)


# Credit / charge pairs of the account (credit 0: meter balance, 1: emergency credit, 2: accumulated debt;
# charge 0: TOU prices, 1, 2: time debts, 3: payment debt, 4: standing charge, 5: secondary element prices).
_CREDIT_MODE_PAIRS = (("00", "00"), ("00", "04"))
_PREPAYMENT_PAIRS = (("00", "00"), ("00", "04"), ("00", "01"), ("00", "02"), ("00", "03"), ("01", "03"),
                     ("01", "00"), ("01", "04"), ("01", "01"), ("01", "02"), ("02", "04"), ("02", "01"),
                     ("02", "02"))
_TIME_DEBTS = {"01", "02"}


def _pairs(pairs: tuple[tuple[str, str], ...], twin: bool, suspended: bool) -> dict:
    rows = list(pairs) + ([("00", "05")] if twin else [])
    return x.array(x.structure(x.octets(f"0000130a{credit}ff"), x.octets(f"00001314{charge}ff"),
                               x.bits(3, "c0" if suspended and credit != "02" and charge in _TIME_DEBTS else "e0"))
                   for credit, charge in rows)


def _fill_payment_mode(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS02 / ECS03: the mode, its credit / charge pairs (time debts suspended while disabled or in
    emergency credit where the request says so), the disablement threshold, all activated at the
    request's execution time."""
    twin = capabilities(device.esme_variant).twin
    prepayment = "Prepayment" in body
    settings = body.get("Prepayment") or {}
    suspended = any(text_of(v).lower() == "true" for name in ("SuspendDebtDisabled", "SuspendDebtEmergency")
                    for v in all_values(settings, name))
    activation = x.octets(activation_time(body, now))
    return _set_data(tree, {
        ("set", 111, ACCOUNT, 11): _pairs(_PREPAYMENT_PAIRS if prepayment else _CREDIT_MODE_PAIRS, twin, suspended),
        ("set", 111, ACCOUNT, 2): x.structure(x.enum(PREPAYMENT_MODE if prepayment else CREDIT_MODE), x.enum(1)),
        ("set", 9000, "00005E2C8016", 4): x.dl(_first_int(settings, "DisablementThreshold")),
        ("set", 9000, "00005E2C8016", 6): activation, ("set", 111, ACCOUNT, 13): activation,
    })


# --- GSME -----------------------------------------------------------------------------------------

def _rewrite(tree: dict, now: datetime, **fields: Any) -> dict:
    """Every component's ZCL fields, with the request's time as the issuer event id (and ``fields``)."""
    for component in tree["components"]:
        cluster, command = component["cluster"], component["command"]
        from_server = bool(component["frame_control"] & zcl.SERVER_TO_CLIENT)
        decoded = zcl.decode_command(cluster, command, from_server, bytes.fromhex(component["payload"]))
        if "issuer_event_id" in decoded:
            decoded["issuer_event_id"] = zigbee_time(now)
        if "command_issue_date_time" in decoded:
            decoded["command_issue_date_time"] = zigbee_time(now)
        decoded.update({k: v for k, v in fields.items() if k in decoded})
        component["payload"] = zcl.encode_command(cluster, command, from_server, decoded).hex()
    return tree


def _fill_gas_event(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    return _rewrite(tree, now)


def _fill_gas_adjustment(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    return _rewrite(tree, now, credit_adjustment_value=_first_int(body, "AdjustMeterBalance"))


def _fill_gas_debt(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """GCS04: the time debts with their recovery amount and frequency, the payment-based debt with its share
    of a top-up."""
    parts = []
    for amount_type, register, recovery in ((TIME_DEBT_1, "TimeDebtRegister1", "GasDebtRecovery1"),
                                            (TIME_DEBT_2, "TimeDebtRegister2", "GasDebtRecovery2")):
        rate = body.get(recovery) or {}
        period = text_of(next(iter(all_values(rate, "DebtRecoveryRatePeriod")), "DAILY"))
        parts.append(change_debt(amount_type, amount=_first_int(body, register), frequency=ZCL_FREQUENCY.get(period, 1),
                                 recovery=_first_int(rate, "DebtRecoveryRate")))
    parts.append(change_debt(PAYMENT_DEBT, method=1, amount=_first_int(body, "PaymentDebtRegister"),
                             percentage=_first_int(body, "DebtRecoveryPerPayment")))
    return _rewrite(gbz(*parts), now)


ZCL_CANCEL = 0xFFFFFFFF


def _fill_gas_payment_mode(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """GCS02 / GCS03: the payment control configuration (a prepayment meter's debt collection while disabled
    unless suspended; its disablement threshold as the cut-off value), from the execution time."""
    when = as_datetime(body.get("ExecutionDateTime"))
    implementation = 0 if when is None or when <= now else ZCL_CANCEL if when.year >= CANCEL_YEAR \
        else zigbee_time(when)
    fields: dict[str, Any] = {"implementation_date_time": implementation}
    settings = body.get("Prepayment")
    if settings is not None:
        suspended = any(text_of(v).lower() == "true" for v in all_values(settings, "SuspendDebtDisabled"))
        fields["proposed_payment_control_configuration"] = PREPAYMENT_CONFIGURATION | (
            0 if suspended else COLLECT_DEBT_WHILE_DISABLED)
        fields["cut_off_value"] = _first_int(settings, "DisablementThreshold")
    return _rewrite(tree, now, **fields)


# --- 2.1 the prepayment configuration ----------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NON_DISABLEMENT_SCRIPTS = {"START": 32, "STOP": 33}
DEBT_CAP_PERIOD = 604800         # the debt recovery rate cap applies per week


def bit_string(count: int, chosen: set[int]) -> dict:
    """A bit-string of ``count`` bits, bit i (from 0, first bit the most significant) set for each in
    ``chosen``."""
    size = (count + 7) // 8
    value = 0
    for i in chosen:
        if 0 <= i < count:
            value |= 1 << (size * 8 - 1 - i)
    return x.bits(count, value.to_bytes(size, "big").hex() if size else "")


def _cosem_date(value: Any) -> str:
    day = as_datetime(value)
    return (day.year.to_bytes(2, "big") + bytes([day.month, day.day, 0xFF])).hex() if day else "ffffffffff"


def _non_disablement(body: dict) -> tuple[dict, dict]:
    """The non-disablement calendar's special days and schedule (its days of the week: 0 to 7 of them, an
    empty DaysOfWeekApplicability being none, as DUIS V4.0 has it)."""
    special = [day for day in all_values(body, "SpecialDay") if isinstance(day, dict)]
    days = x.array(x.structure(x.long_unsigned(index), x.octets(_wildcard_date(day)), x.unsigned(index))
                   for index, day in enumerate(special, 1))
    entries = []
    for index, entry in enumerate(all_values(body, "ElectricityNonDisablementSchedule"), 1):
        weekdays = {WEEKDAYS.index(text_of(d)) for d in all_values(entry, "DayOfWeekID") if text_of(d) in WEEKDAYS}
        specials = {as_int(d, 1) - 1 for d in all_values(entry, "SpecialDayID")}
        switch = _switch_time(next(iter(all_values(entry, "SwitchTime")), None))
        entries.append(x.structure(
            x.long_unsigned(index), x.boolean(True), x.octets("00000a006aff"),
            x.long_unsigned(NON_DISABLEMENT_SCRIPTS.get(text_of(next(iter(all_values(entry, "NonDisablementScript")),
                                                                   "START")), 32)),
            x.octets(switch), x.long_unsigned(0xFFFF), bit_string(7, weekdays), bit_string(len(special), specials),
            x.octets(_cosem_date(next(iter(all_values(entry, "StartDate")), None))),
            x.octets(_cosem_date(next(iter(all_values(entry, "EndDate")), None)))))
    return days, x.array(entries)


def _switch_time(value: Any) -> str:
    """An xs:time as a COSEM time: hour, minute, second, hundredths."""
    moment = as_time(value)
    return bytes([moment.hour, moment.minute, moment.second, 0]).hex()


def _wildcard_date(day: dict) -> str:
    """A DUIS wildcard date (a special day) as a COSEM date: year, month, day, day of week (0xFF: any)."""
    year = as_int(next(iter(all_values(day, "SpecifiedYear")), None), None)
    month = as_int(next(iter(all_values(day, "SpecifiedMonth")), None), None)
    day_of_month = as_int(next(iter(all_values(day, "SpecifiedDayOfMonth")), None), None)
    return ((year if year is not None else 0xFFFF).to_bytes(2, "big")
            + bytes([month or 0xFF, day_of_month or 0xFF, 0xFF])).hex()


def _fill_elec_prepay_configuration(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS08a / ECS08: limits and thresholds, the debt recovery rate cap, the non-disablement calendar, all
    taking effect at the request's execution time."""
    settings = body.get("UpdatePrepayConfigElectricity") or {}
    special_days, schedule = _non_disablement(settings)
    activation = x.octets(activation_time(body, now))
    values = {("set", 11, "00010B0002FF", 2): special_days, ("set", 10, "00010C0001FF", 2): schedule,
              ("set", 9000, "00005E2C800C", 4): x.long_unsigned(_first_int(settings, "DebtRecoveryRateCap")),
              ("set", 9000, "00005E2C800D", 4): x.dl(DEBT_CAP_PERIOD)}
    for obis, name in (("00005E2C0214", "MaxMeterBalance"), ("00005E2C020A", "MaxCreditThreshold"),
                       ("00005E2C8009", "LowCreditThreshold"), ("00005E2C8002", "EmergencyCreditLimit"),
                       ("00005E2C8003", "EmergencyCreditThreshold")):
        for attribute in (2, 4):
            values[("set", 9000, obis, attribute)] = x.dl(_first_int(settings, name))
    for index, spec in enumerate(tree["specs"]):
        if (spec["class"], spec.get("attribute")) == (9000, 6):
            values[("set", 9000, spec["obis"].upper(), 6)] = activation
    return _set_data(tree, values)


# --- what the consumer sees (3.1, 3.2, 3.4) ------------------------------------------------------------

def _text(body: dict, name: str) -> bytes:
    return text_of(next(iter(all_values(body, name)), "")).encode("latin-1", "replace")


def _fill_elec_consumer(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS10 / ECS12 / ECS16: the message, the date from which a new tenant's data starts, the Supplier's name
    and telephone number."""
    restriction = as_datetime(next(iter(all_values(body, "RestrictionDateTime")), None)) or now
    return _set_data(tree, {
        ("set", 1, "0002600D01FF", 2): x.octets(_text(body, "SupplierMessage")),
        ("set", 1, "00005E2C0302", 2): x.octets(x.date_time(restriction)),
        ("set", 9000, "0000600D00FF", 2): x.octets(_text(body, "SupplierTelephoneNumber")),
        ("set", 9000, "0000600D01FF", 2): x.octets(_text(body, "SupplierName")),
    })


def _fill_gas_consumer(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """GCS07 / GCS09 / GCS44 (GCS11 has nothing to take): the message (its id the request's time), the
    change of tenancy's time, the Supplier's name and contact details."""
    restriction = as_datetime(next(iter(all_values(body, "RestrictionDateTime")), None))
    return _rewrite(tree, now, message_id=zigbee_time(now), message=_text(body, "SupplierMessage"),
                    implementation_date_time=zigbee_time(restriction) if restriction else 0,
                    proposed_provider_name=_text(body, "SupplierName"),
                    proposed_provider_contact_details=_text(body, "SupplierTelephoneNumber"))


# --- 9.1 the Customer Identification Number -------------------------------------------------------------

def customer_id_number(device: Device, now: datetime) -> bytes:
    """The 4-digit CIN the DCC issues a meter for its consumer (different for each request time)."""
    digest = hashlib.sha256(f"{device.device_id}|{now.isoformat()}".encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 10000:04d}".encode()


def _fill_elec_cin(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    tree["data"][0] = x.octets(customer_id_number(device, now))
    return tree


def _fill_gas_cin(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    return _rewrite(tree, now, customer_id_number=customer_id_number(device, now))


def _fill_network_data(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    return _rewrite(tree, now, start_sampling_time=0)


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "ECS04a": _fill_adjust_balance, "ECS07": _fill_elec_debt, "ECS02": _fill_payment_mode,
    "ECS03": _fill_payment_mode, "GCS40a": _fill_gas_adjustment, "GCS40c": _fill_gas_adjustment,
    **{use_case: _fill_gas_event for use_case in ("GCS32", "GCS39", "GCS40b", "GCS40d", "GCS06")},
    "GCS04": _fill_gas_debt, "GCS02": _fill_gas_payment_mode, "GCS03": _fill_gas_payment_mode,
    **{use_case: _fill_elec_consumer for use_case in ("ECS10", "ECS12", "ECS16")},
    "ECS08": _fill_elec_prepay_configuration, "ECS08a": _fill_elec_prepay_configuration,
    "ECS50": _fill_elec_cin, "GCS36": _fill_gas_cin, "GCS31": _fill_network_data,
    **{use_case: _fill_gas_consumer for use_case in ("GCS07", "GCS09", "GCS11", "GCS44")},
}
