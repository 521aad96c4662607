"""What a gas device's ZCL clusters hold and do, as tables.

``ATTRIBUTES`` maps (cluster, attribute id) to the attribute's ZCL type and where its value comes from in
the meter data; ``COMMANDS`` maps a cluster-specific command the device receives (cluster, command id,
sent server-to-client?) to its behaviour, which answers with the cluster's response commands or a Default
Response status. The meter data is ``gas_meter``'s dict: a GSME's own, or the GPF's mirror of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from devices import gas_meter as meter
from devices import gas_prepayment as prepayment
from devices import top_ups
from devices.gas_state import (BillingPeriod, DayEntry, GasCalendar, GasData, GasEventLogs, GasFlow, Season, SpecialDay,
                               TariffParts)
from devices.state import DeviceState, GsmeState
from devices.supply import SupplyState
from gbcs import zcl
from gbcs.zcl import CALENDAR, DEVICE_MANAGEMENT, EVENTS, MESSAGING, METERING, PREPAYMENT, PRICE

# The valve's ZCL SupplyStatus.
SUPPLY_STATUS = {SupplyState.DISABLED: 0x00, SupplyState.ARMED: 0x01, SupplyState.ENABLED: 0x02}


@dataclass
class Served:
    """One GBZ command being served: the meter data, the device's state, the time, and what the
    command's Publish components stage (a tariff published by the supplier)."""

    gas: GasData | None                       # None: a device without meter data (it answers its own logs only)
    state: DeviceState
    device_id: str
    now: int
    logs: GasEventLogs                        # the device's own event and security logs
    from_date_time: int | None = None
    entry: top_ups.Entry | None = None        # where a UTRN comes from; None: the meter has no keys
    tariff_parts: TariffParts = field(default_factory=TariffParts)
    tariff_starts: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """A cluster-specific response command and its fields."""

    command: int
    fields: dict[str, Any]


Getter = Callable[[Served], Any]


def _prepay(name: str) -> Getter:
    return lambda s: getattr(s.gas.prepayment, name)


def _tariff(name: str) -> Getter:
    return lambda s: getattr(s.gas.tariff, name)


def _indexed(collection: Getter, index: int) -> Getter:
    return lambda s: collection(s)[index] if index < len(collection(s)) else 0


def _firmware(s: Served) -> bytes:
    """The running firmware version (Current Meter Id), an octet string as GBCS sends it."""
    version = s.state.firmware.version
    try:
        return bytes.fromhex(version)
    except ValueError:
        return version.encode("latin-1", "replace")


ATTRIBUTES: dict[tuple[int, int], tuple[int, Getter]] = {
    # Basic
    (zcl.BASIC, 0x0003): (zcl.UINT8, lambda s: 1),
    (zcl.BASIC, 0x0004): (zcl.STRING, lambda s: "dccsim"),
    (zcl.BASIC, 0x0005): (zcl.STRING, lambda s: s.state.KIND),
    # Time
    (zcl.TIME, 0x0000): (zcl.UTC, lambda s: s.now),
    # Metering: registers (litres), formatting, status, firmware version (Current Meter Id)
    (METERING, 0x0000): (zcl.UINT48, lambda s: meter.volume(s.gas, s.now)),
    **{(METERING, 0x0100 + 2 * i): (zcl.UINT48, _indexed(lambda s: s.gas.tiers, i)) for i in range(4)},
    **{(METERING, 0x0700 + i): (zcl.UINT48, _indexed(lambda s: s.gas.blocks, i)) for i in range(4)},
    (METERING, 0x0014): (zcl.ENUM8, lambda s: SUPPLY_STATUS[s.gas.supply]),
    (METERING, 0x0205): (zcl.UINT16, lambda s: max(0, 5475 - (s.now - s.gas.history_start) // meter.DAY)),
    (METERING, 0x0206): (zcl.OCTSTR, _firmware),
    (METERING, 0x0307): (zcl.OCTSTR, lambda s: s.gas.site_id.encode("ascii", "replace")),   # MPRN
    # what the supply does on a tamper or on depletion, and uncontrolled flow detection (GCS24 sets them)
    (METERING, 0x0607): (zcl.ENUM8, lambda s: s.gas.supply_tamper_state),
    (METERING, 0x0608): (zcl.ENUM8, lambda s: s.gas.supply_depletion_state),
    (METERING, 0x0B10): (zcl.UINT16, lambda s: s.gas.flow.threshold),
    (METERING, 0x0B11): (zcl.ENUM8, lambda s: s.gas.flow.unit),
    (METERING, 0x0B12): (zcl.UINT16, lambda s: s.gas.flow.multiplier),
    (METERING, 0x0B13): (zcl.UINT16, lambda s: s.gas.flow.divisor),
    (METERING, 0x0B14): (zcl.UINT8, lambda s: s.gas.flow.stabilisation),
    (METERING, 0x0B15): (zcl.UINT16, lambda s: s.gas.flow.measurement),
    (METERING, 0x0300): (zcl.ENUM8, lambda s: 0x01),        # m3
    (METERING, 0x0301): (zcl.UINT24, lambda s: 1),
    (METERING, 0x0302): (zcl.UINT24, lambda s: 1000),
    (METERING, 0x0A00): (zcl.UINT32, _prepay("bill_to_date")),
    # Price: thresholds (Wh), prices (1/100000 GBP per kWh), standing charge, conversion
    **{(PRICE, 0x0100 + i): (zcl.UINT48, _indexed(_tariff("thresholds"), i)) for i in range(3)},
    (PRICE, 0x0202): (zcl.UINT24, _tariff("threshold_multiplier")),
    (PRICE, 0x0203): (zcl.UINT24, _tariff("threshold_divisor")),
    (PRICE, 0x0301): (zcl.UINT32, _tariff("standing_charge")),
    (PRICE, 0x0302): (zcl.UINT32, lambda s: s.gas.conversion_factor),
    (PRICE, 0x0303): (zcl.BITMAP8, lambda s: 0x50),
    (PRICE, 0x0304): (zcl.UINT32, lambda s: s.gas.calorific_value),
    (PRICE, 0x0305): (zcl.ENUM8, lambda s: 0x01),           # MJ/m3
    (PRICE, 0x0306): (zcl.BITMAP8, lambda s: 0x10),
    **{(PRICE, 0x0400 + i): (zcl.UINT32, _indexed(_tariff("block_prices"), i)) for i in range(4)},
    **{(PRICE, 0x0410 + 0x10 * i): (zcl.UINT32, _indexed(_tariff("tou_prices"), i)) for i in range(4)},
    (PRICE, 0x0611): (zcl.UINT8, _tariff("tiers_in_use")),
    (PRICE, 0x0612): (zcl.UINT8, _tariff("thresholds_in_use")),
    (PRICE, 0x0613): (zcl.UINT8, _tariff("tier_block_mode")),
    (PRICE, 0x0615): (zcl.ENUM8, _tariff("unit_of_measure")),
    (PRICE, 0x0616): (zcl.UINT16, _tariff("currency")),
    (PRICE, 0x0617): (zcl.BITMAP8, _tariff("price_trailing_digit")),
    # Prepayment: balances (1/100000 GBP), debts, configuration
    (PREPAYMENT, 0x0000): (zcl.BITMAP16, _prepay("payment_mode")),
    (PREPAYMENT, 0x0001): (zcl.INT32, _prepay("credit")),
    (PREPAYMENT, 0x0002): (zcl.INT32, _prepay("emergency_credit")),
    (PREPAYMENT, 0x0005): (zcl.INT32, _prepay("accumulated_debt")),
    (PREPAYMENT, 0x0006): (zcl.INT32, _prepay("overall_debt_cap")),
    (PREPAYMENT, 0x0010): (zcl.UINT32, _prepay("emergency_credit_limit")),
    (PREPAYMENT, 0x0011): (zcl.UINT32, _prepay("emergency_credit_threshold")),
    (PREPAYMENT, 0x0021): (zcl.UINT32, _prepay("max_credit")),
    (PREPAYMENT, 0x0022): (zcl.UINT32, _prepay("max_credit_per_top_up")),
    (PREPAYMENT, 0x0031): (zcl.UINT32, _prepay("low_credit_warning")),
    (PREPAYMENT, 0x0040): (zcl.INT32, _prepay("cut_off_value")),
    **{(PREPAYMENT, 0x0211 + 0x10 * i): (zcl.UINT32, _indexed(_prepay("debts"), i)) for i in range(3)},
    **{(PREPAYMENT, 0x0216 + 0x10 * i): (zcl.ENUM8, _indexed(_prepay("recovery_frequency"), i)) for i in range(2)},
    **{(PREPAYMENT, 0x0217 + 0x10 * i): (zcl.UINT32, _indexed(_prepay("recovery_amounts"), i)) for i in range(2)},
    (PREPAYMENT, 0x0239): (zcl.UINT16, _prepay("recovery_percentage")),
}


def read_attribute(served: Served, cluster: int, attribute: int) -> zcl.AttributeRecord:
    entry = ATTRIBUTES.get((cluster, attribute))
    if entry is None:
        return zcl.AttributeRecord(attribute, zcl.UNSUPPORTED_ATTRIBUTE)
    type_id, getter = entry
    return zcl.AttributeRecord(attribute, zcl.SUCCESS, zcl.ZclValue(type_id, getter(served)))


# --- metering ---------------------------------------------------------------------------------------

def _snapshot(served: Served, fields: dict, prepay: bool) -> list[Answer] | int:
    found = meter.find_snapshots(served.gas, fields["earliest_start_time"], fields["latest_end_time"],
                                 fields["snapshot_cause"])
    if fields["snapshot_offset"] >= len(found):
        return zcl.NOT_FOUND
    shot = found[fields["snapshot_offset"]]
    if prepay:
        p = shot.prepay
        payload_type, payload = 0x00, zcl.encode_fields(zcl.SNAPSHOT_PAYLOADS[(PREPAYMENT, 0x00)], {
            "accumulated_debt": p.accumulated_debt, "type1_debt_remaining": p.debts[0],
            "type2_debt_remaining": p.debts[1], "type3_debt_remaining": p.debts[2],
            "emergency_credit_remaining": p.emergency_credit, "credit_remaining": p.credit})
    else:
        payload_type, payload = 0x06, zcl.encode_fields(zcl.SNAPSHOT_PAYLOADS[(METERING, 0x06)], {
            "current_summation_delivered": shot.summation, "number_of_tiers_in_use": len(shot.tiers),
            "tier_summations": [{"summation": v} for v in shot.tiers],
            "number_of_tiers_and_block_thresholds_in_use": shot.tiers_and_blocks,
            "block_summations": [{"summation": v} for v in shot.blocks]})
    return [Answer(0x01 if prepay else 0x06, {
        "snapshot_id": shot.id, "snapshot_time": shot.time, "total_snapshots_found": min(len(found), 0xFF),
        "command_index": 0, "total_number_of_commands": 1, "snapshot_cause": shot.cause,
        "snapshot_payload_type": payload_type, "snapshot_payload": payload})]


def _sampled_data(served: Served, fields: dict) -> list[Answer] | int:
    if fields["sample_type"] != 0x00:
        return zcl.NOT_FOUND
    found = meter.sampled_data(served.gas, fields["sample_id"], fields["earliest_sample_time"],
                               fields["number_of_samples"], served.now)
    if found is None:
        return zcl.NOT_FOUND
    start, interval, samples = found
    return [Answer(0x07, {"sample_id": fields["sample_id"], "sample_start_time": start, "sample_type": 0x00,
                          "sample_request_interval": interval, "number_of_samples": len(samples),
                          "samples": [{"sample": v} for v in samples]})]


# --- prepayment -----------------------------------------------------------------------------------

def _top_up(served: Served, fields: dict) -> list[Answer] | int:
    """CS01b / PCS01: Consumer Top Up. A refused UTRN is answered as RTDS answers one: its result type, and
    -1 for the value and the credit."""
    if not isinstance(served.state, GsmeState):
        return zcl.UNSUP_CLUSTER_COMMAND               # only a meter takes top-ups (a GPF's data is a copy)
    code = fields["top_up_code"].decode("latin-1")
    entry = served.entry or top_ups.Entry(served.device_id)
    result, value = meter.top_up(served.gas, code, served.now, state=served.state, entry=entry)
    credit = served.gas.prepayment.credit if result == meter.ACCEPTED else -1
    return [Answer(0x03, {"result_type": result, "top_up_value": value,
                          "source_of_top_up": fields["originating_device"], "credit_remaining": credit})]


def _window(served: Served, latest: int) -> tuple[int, int]:
    return served.from_date_time or 0, latest


def _top_up_log(served: Served, fields: dict) -> list[Answer] | int:
    earliest, latest = _window(served, fields["latest_end_time"])
    entries = [t for t in served.gas.top_ups if earliest <= t.time <= latest][::-1]
    entries = entries[:fields["number_of_records"] or len(entries)]
    if not entries:
        return zcl.NOT_FOUND
    return [Answer(0x05, {"command_index": 0, "total_number_of_commands": 1, "top_ups": [
        {"top_up_code": t.code.encode("latin-1"), "top_up_amount": t.amount, "top_up_time": t.time}
        for t in entries]})]


def _debt_log(served: Served, fields: dict) -> list[Answer] | int:
    earliest, latest = _window(served, fields["latest_end_time"])
    wanted = fields["debt_type"]
    entries = [d for d in served.gas.debt_log if earliest <= d.time <= latest
               and (wanted == 0xFF or d.debt_type == wanted)]
    entries = entries[-(fields["number_of_debts"] or len(entries) or 1):]
    if not entries:
        return zcl.NOT_FOUND
    return [Answer(0x06, {"command_index": 0, "total_number_of_commands": 1, "debts": [
        {"collection_time": d.time, "amount_collected": d.amount, "debt_type": d.debt_type,
         "outstanding_debt": d.outstanding} for d in entries]})]


# --- supply and prepayment (GCS32, GCS39, GCS40a-d, GCS04, GCS06, GCS02, GCS03) ------------------------

_VALVE = {0x00: prepayment.disable, 0x01: prepayment.arm}
_REFUSED = (prepayment.SupplyRefused, prepayment.CreditRefused)


def _meter_only(served: Served) -> bool:
    return isinstance(served.state, GsmeState)


def _change_supply(served: Served, fields: dict) -> list[Answer] | int:
    """Change Supply: close (0) or arm (1) the valve; a valve is never opened remotely. Answered with the
    valve's new status."""
    transition = _VALVE.get(fields["proposed_supply_status"])
    if not _meter_only(served) or transition is None:
        return zcl.INVALID_VALUE if _meter_only(served) else zcl.UNSUP_CLUSTER_COMMAND
    try:
        new = transition(served.gas, served.now)
    except _REFUSED:
        return zcl.HARDWARE_FAILURE
    return [Answer(0x0C, {"provider_id": fields["provider_id"], "issuer_event_id": fields["issuer_event_id"],
                          "implementation_date_time": fields["implementation_date_time"],
                          "supply_status": SUPPLY_STATUS[new]})]


def _refusable(served: Served, change) -> int:
    if not _meter_only(served):
        return zcl.UNSUP_CLUSTER_COMMAND
    try:
        change()
    except _REFUSED:
        return zcl.HARDWARE_FAILURE
    return zcl.SUCCESS


def _credit_adjustment(served: Served, fields: dict) -> int:
    return _refusable(served, lambda: prepayment.adjust_credit(
        served.gas, fields["credit_adjustment_type"], fields["credit_adjustment_value"], served.now))


def _select_emergency_credit(served: Served, fields: dict) -> int:
    return _refusable(served, lambda: prepayment.select_emergency_credit(served.gas, served.now))


def _change_debt(served: Served, fields: dict) -> int:
    return _refusable(served, lambda: prepayment.change_debt(
        served.gas, fields["debt_amount_type"], fields["debt_amount"], frequency=fields["debt_recovery_frequency"],
        recovery=fields["debt_recovery_amount"], percentage=fields["debt_recovery_balance_percentage"]))


def _change_payment_mode(served: Served, fields: dict) -> list[Answer] | int:
    """Change Payment Mode: the configuration takes effect; answered with the emergency credit settings."""
    status = _refusable(served, lambda: prepayment.set_payment_mode(
        served.gas, fields["proposed_payment_control_configuration"], fields["cut_off_value"],
        start=fields["implementation_date_time"], now=served.now))
    if status != zcl.SUCCESS:
        return status
    p = served.gas.prepayment
    return [Answer(0x02, {"friendly_credit": 1, "friendly_credit_calendar_id": served.gas.friendly_credit.issuer_calendar_id,
                          "emergency_credit_limit": p.emergency_credit_limit,
                          "emergency_credit_threshold": p.emergency_credit_threshold})]


def _configure(change) -> "Behaviour":
    """A prepayment configuration command (GCS05) that sets values and answers a Default Response."""
    def behaviour(served: Served, fields: dict) -> int:
        return _refusable(served, lambda: change(served.gas.prepayment, fields))
    return behaviour


def _emergency_credit_setup(p, fields: dict) -> None:
    p.emergency_credit_limit, p.emergency_credit_threshold = (fields["emergency_credit_limit"],
                                                              fields["emergency_credit_threshold"])


def _maximum_credit(p, fields: dict) -> None:
    p.max_credit, p.max_credit_per_top_up = fields["maximum_credit_level"], fields["maximum_credit_per_top_up"]


def _overall_debt_cap(p, fields: dict) -> None:
    p.overall_debt_cap = fields["overall_debt_cap"]


def _low_credit_warning(p, fields: dict) -> None:
    p.low_credit_warning = fields["low_credit_warning_level"]


# --- what the consumer sees (GCS07, GCS09, GCS11, GCS44) ------------------------------------------------

def _display_message(served: Served, fields: dict) -> int:
    """Display Message: the Supplier's message for the consumer's display."""
    if not _meter_only(served):
        return zcl.UNSUP_CLUSTER_COMMAND
    served.gas.consumer.message = fields["message"].decode("latin-1")
    return zcl.SUCCESS


def _change_of_supplier(served: Served, fields: dict) -> int:
    """Publish Change of Supplier: the Supplier's name and contact details for the display (3.4)."""
    if not _meter_only(served):
        return zcl.UNSUP_CLUSTER_COMMAND
    consumer = served.gas.consumer
    consumer.supplier_name = fields["proposed_provider_name"].decode("latin-1")
    consumer.supplier_contact = fields["proposed_provider_contact_details"].decode("latin-1")
    return zcl.SUCCESS


PRIVACY_PIN = 0x02          # ZCL password type of the consumer's privacy PIN


def _new_password(served: Served, fields: dict) -> int:
    """Request New Password Response with an empty privacy PIN: the PIN is disabled (3.5)."""
    if not _meter_only(served):
        return zcl.UNSUP_CLUSTER_COMMAND
    if fields["password_type"] != PRIVACY_PIN:
        return zcl.INVALID_VALUE
    served.gas.consumer.privacy_pin_disabled = not fields["password"]
    return zcl.SUCCESS


def _change_of_tenancy(served: Served, fields: dict) -> int:
    """Publish Change of Tenancy: data from before the implementation time is the previous tenant's (3.2)."""
    if not _meter_only(served):
        return zcl.UNSUP_CLUSTER_COMMAND
    served.gas.consumer.tenancy_from = fields["implementation_date_time"] or served.now
    return zcl.SUCCESS


def _update_cin(served: Served, fields: dict) -> int:
    """Update CIN (9.1): the Customer Identification Number the DCC issued, for the consumer's display."""
    if not _meter_only(served):
        return zcl.UNSUP_CLUSTER_COMMAND
    served.gas.consumer.customer_id_number = fields["customer_id_number"].decode("latin-1")
    return zcl.SUCCESS


def _start_sampling(served: Served, fields: dict) -> list[Answer] | int:
    """Start Sampling (14.1): the network data log (six-minute samples), which the meter keeps from then on."""
    if not _meter_only(served):
        return zcl.UNSUP_CLUSTER_COMMAND
    interval = meter.SAMPLE_LOGS[meter.NETWORK_DATA][1]
    if fields["sample_type"] != 0 or fields["sample_request_interval"] != interval:
        return zcl.INVALID_FIELD
    served.gas.network_sampling_from = fields["start_sampling_time"] or served.now
    return [Answer(0x0D, {"sample_id": meter.NETWORK_DATA})]


# --- calendar -------------------------------------------------------------------------------------

TARIFF_CALENDAR_ID = 0xFFFFFFFF           # 'the current tariff calendar' in a Get command
FRIENDLY_CREDIT_CALENDAR_ID = 0xFFFFFFFE  # 'the current friendly credit calendar'


def _calendar(served: Served, issuer_calendar_id: int, calendar_type: int | None = None) -> GasCalendar | None:
    tariff = served.gas.tariff.calendar
    friendly = served.gas.friendly_credit
    if issuer_calendar_id == TARIFF_CALENDAR_ID:
        return tariff
    if issuer_calendar_id == FRIENDLY_CREDIT_CALENDAR_ID:
        return friendly
    for calendar in (tariff, friendly):
        if calendar.issuer_calendar_id == issuer_calendar_id or calendar.calendar_type == calendar_type:
            return calendar
    return None


def _calendar_head(served: Served, calendar: GasCalendar) -> dict[str, Any]:
    return {"provider_id": served.gas.tariff.provider_id, "issuer_event_id": calendar.issuer_event_id,
            "issuer_calendar_id": calendar.issuer_calendar_id}


def _selected(ids: list[int], start: int, count: int) -> list[int]:
    chosen = [i for i in sorted(ids) if i >= start]
    return chosen[:count] if count else chosen


def _day_profiles(served: Served, fields: dict) -> list[Answer] | int:
    calendar = _calendar(served, fields["issuer_calendar_id"])
    if calendar is None:
        return zcl.NOT_FOUND
    days = _selected(list(calendar.days), fields["start_day_id"], fields["number_of_days"])
    return [Answer(0x01, {**_calendar_head(served, calendar), "day_id": day,
                          "total_number_of_schedule_entries": len(calendar.days[day]), "command_index": 0,
                          "total_number_of_commands": 1, "calendar_type": calendar.calendar_type,
                          "entries": [{"start_time": e.start, "value": e.value} for e in calendar.days[day]]})
            for day in days] or zcl.NOT_FOUND


def _week_profiles(served: Served, fields: dict) -> list[Answer] | int:
    calendar = _calendar(served, fields["issuer_calendar_id"])
    if calendar is None:
        return zcl.NOT_FOUND
    weeks = _selected(list(calendar.weeks), fields["start_week_id"], fields["number_of_weeks"])
    return [Answer(0x02, {**_calendar_head(served, calendar), "week_id": week,
                          "day_id_refs": [{"day_id": d} for d in calendar.weeks[week]]})
            for week in weeks] or zcl.NOT_FOUND


def _seasons(served: Served, fields: dict) -> list[Answer] | int:
    calendar = _calendar(served, fields["issuer_calendar_id"])
    if calendar is None or not calendar.seasons:
        return zcl.NOT_FOUND
    return [Answer(0x03, {**_calendar_head(served, calendar), "command_index": 0, "total_number_of_commands": 1,
                          "seasons": [{"season_start_date": s.start_date, "week_id": s.week_id}
                                      for s in calendar.seasons]})]


def _special_days(served: Served, fields: dict) -> list[Answer] | int:
    calendar = _calendar(served, fields["issuer_calendar_id"], fields["calendar_type"])
    if calendar is None or not calendar.special_days:
        return zcl.NOT_FOUND
    days = calendar.special_days[:fields["number_of_events"] or None]
    return [Answer(0x04, {**_calendar_head(served, calendar), "start_time": calendar.start_time,
                          "calendar_type": calendar.calendar_type, "total_number_of_special_days": len(days),
                          "command_index": 0, "total_number_of_commands": 1,
                          "special_days": [{"date": d.date, "day_id": d.day_id} for d in days]})]


# --- price ----------------------------------------------------------------------------------------

def _current_price(served: Served, fields: dict) -> list[Answer]:
    tariff = served.gas.tariff
    tier = meter.current_tier(served.gas, served.now) if not meter.is_block_tariff(tariff) else 0
    return [Answer(0x00, {
        "provider_id": tariff.provider_id, "rate_label": tariff.label.encode("latin-1"),
        "issuer_event_id": tariff.issuer_event_id, "current_time": served.now,
        "unit_of_measure": tariff.unit_of_measure, "currency": tariff.currency,
        "price_trailing_digit_and_price_tier": (tariff.price_trailing_digit & 0xF0) | (tier & 0x0F),
        "number_of_price_tiers_and_register_tier": ((tariff.tiers_in_use & 0x0F) << 4) | (tier & 0x0F),
        "start_time": 0, "duration_in_minutes": 1440, "price": meter.current_price(served.gas, served.now),
        "optional_fields": b""})]


# --- a tariff published by the supplier (GCS01a) ----------------------------------------------------

def _publish_calendar(served: Served, fields: dict) -> int:
    served.tariff_starts.append(fields["start_time"])
    served.tariff_parts.calendar = GasCalendar(
        issuer_calendar_id=fields["issuer_calendar_id"], issuer_event_id=fields["issuer_event_id"],
        start_time=fields["start_time"], calendar_type=fields["calendar_type"],
        time_reference=fields["calendar_time_reference"], name=fields["calendar_name"].decode("latin-1"),
        days={}, weeks={}, seasons=[], special_days=[])
    return zcl.SUCCESS


def _publish_day_profile(served: Served, fields: dict) -> int:
    entries = served.tariff_parts.days.setdefault(fields["day_id"], [])
    entries.extend(DayEntry(e["start_time"], e["value"]) for e in fields["entries"])
    return zcl.SUCCESS


def _publish_week_profile(served: Served, fields: dict) -> int:
    served.tariff_parts.weeks[fields["week_id"]] = [d["day_id"] for d in fields["day_id_refs"]]
    return zcl.SUCCESS


def _publish_seasons(served: Served, fields: dict) -> int:
    parts = served.tariff_parts
    parts.seasons = (parts.seasons or []) + [Season(s["season_start_date"], s["week_id"]) for s in fields["seasons"]]
    return zcl.SUCCESS


def _publish_special_days(served: Served, fields: dict) -> int:
    served.tariff_starts.append(fields["start_time"])
    parts = served.tariff_parts
    parts.special_days = (parts.special_days or []) + [SpecialDay(d["date"], d["day_id"])
                                                       for d in fields["special_days"]]
    return zcl.SUCCESS


def _publish_tariff_information(served: Served, fields: dict) -> int:
    served.tariff_starts.append(fields["start_time"])
    parts = served.tariff_parts
    parts.provider_id, parts.issuer_event_id = fields["provider_id"], fields["issuer_event_id"]
    parts.issuer_tariff_id, parts.start_time = fields["issuer_tariff_id"], fields["start_time"]
    parts.tariff_type, parts.label = fields["tariff_type_charging_scheme"], fields["tariff_label"].decode("latin-1")
    parts.tiers_in_use = fields["number_of_price_tiers_in_use"]
    parts.thresholds_in_use = fields["number_of_block_thresholds_in_use"]
    parts.unit_of_measure, parts.currency = fields["unit_of_measure"], fields["currency"]
    parts.price_trailing_digit, parts.standing_charge = fields["price_trailing_digit"], fields["standing_charge"]
    parts.tier_block_mode = fields["tier_block_mode"]
    parts.threshold_multiplier = fields["block_threshold_multiplier"]
    parts.threshold_divisor = fields["block_threshold_divisor"]
    return zcl.SUCCESS


def _publish_price_matrix(served: Served, fields: dict) -> int:
    served.tariff_starts.append(fields["start_time"])
    tou = fields["sub_payload_control"] & 0x01
    parts = served.tariff_parts
    if tou:
        prices = parts.tou_prices = parts.tou_prices if parts.tou_prices is not None \
            else list(served.gas.tariff.tou_prices)
    else:
        prices = parts.block_prices = parts.block_prices if parts.block_prices is not None \
            else list(served.gas.tariff.block_prices)
    for entry in fields["prices"]:
        index = entry["tier_block_id"] - 1 if tou else entry["tier_block_id"] & 0x0F
        if not 0 <= index < 16:
            return zcl.INVALID_FIELD
        prices.extend([0] * (index + 1 - len(prices)))
        prices[index] = entry["price"]
    return zcl.SUCCESS


def _publish_block_thresholds(served: Served, fields: dict) -> int:
    served.tariff_starts.append(fields["start_time"])
    served.tariff_parts.thresholds = [t["threshold"] for t in fields["thresholds"]]
    return zcl.SUCCESS


def _publish_conversion_factor(served: Served, fields: dict) -> int:
    served.gas.conversion_factor = fields["conversion_factor"]
    return zcl.SUCCESS


def _publish_calorific_value(served: Served, fields: dict) -> int:
    served.gas.calorific_value = fields["calorific_value"]
    return zcl.SUCCESS


def _publish_billing_period(served: Served, fields: dict) -> int:
    """GCS25 (6.8): the billing calendar."""
    served.gas.billing = BillingPeriod(fields["billing_period_start_time"], fields["billing_period_duration"],
                                       fields["billing_period_duration_type"], fields["issuer_event_id"])
    return zcl.SUCCESS


def _billing_period(served: Served, fields: dict) -> list[Answer]:
    """GCS21k (6.2.3): the billing calendar, as the Publish Billing Period that set it."""
    billing = served.gas.billing
    return [Answer(0x09, {"provider_id": 0, "issuer_event_id": billing.issuer_event_id,
                          "billing_period_start_time": billing.start, "billing_period_duration": billing.duration,
                          "billing_period_duration_type": billing.duration_type, "tariff_type": 0})]


def _publish_block_period(served: Served, fields: dict) -> int:
    """GCS25 (6.8): block counters run from the start of the billing period it publishes with it."""
    start = fields["block_period_start_time"]
    if start <= served.now:
        served.gas.block_period_start = max(served.gas.block_period_start, start)
    return zcl.SUCCESS


def _set_uncontrolled_flow_threshold(served: Served, fields: dict) -> int:
    """GCS24 (6.7): uncontrolled gas flow detection."""
    served.gas.flow = GasFlow(fields["uncontrolled_flow_threshold"], fields["unit_of_measure"], fields["multiplier"],
                              fields["divisor"], fields["stabilisation_period"], fields["measurement_period"])
    return zcl.SUCCESS


def _set_supply_status(served: Served, fields: dict) -> int:
    """GCS24 (6.7): what the supply does on a tamper and on depletion."""
    served.gas.supply_tamper_state = fields["supply_tamper_state"]
    served.gas.supply_depletion_state = fields["supply_depletion_state"]
    return zcl.SUCCESS


def _update_site_id(served: Served, fields: dict) -> int:
    """GCS41 (6.20.1): the MPRN."""
    site_id = fields["site_id"]
    served.gas.site_id = site_id.decode("ascii", "replace") if isinstance(site_id, bytes) else str(site_id)
    return zcl.SUCCESS


FRIENDLY_CREDIT_CALENDAR_TYPE = 0x03


def stage_published_tariff(served: Served) -> None:
    """After every component of a command: a tariff published in it takes effect (now, at its start time,
    or never: a cancellation); a friendly credit calendar (2.1's non-disablement calendar) replaces the
    meter's."""
    calendar = served.tariff_parts.calendar
    if calendar is not None and calendar.calendar_type == FRIENDLY_CREDIT_CALENDAR_TYPE:
        prepayment.set_friendly_credit(served.gas, served.tariff_parts)
        return
    if served.tariff_parts:
        meter.stage_tariff(served.gas, served.tariff_parts, max(served.tariff_starts, default=0), served.now)


# --- events ---------------------------------------------------------------------------------------

def _event_log(served: Served, fields: dict) -> list[Answer] | int:
    log_id = fields["event_control_log_id"] & 0x0F
    logs = {meter.GENERAL_EVENT_LOG: "event_log", meter.SECURITY_EVENT_LOG: "security_log"}
    chosen = [(i, n) for i, n in logs.items() if log_id in (0, i)]
    end = fields["end_time"] or 0xFFFFFFFF
    events = sorted(((i, e) for i, n in chosen for e in getattr(served.logs, n)
                     if fields["start_time"] <= e.time <= end
                     and fields["event_id"] in (0, e.event_id)), key=lambda x: x[1].time, reverse=True)
    events = events[fields["event_offset"]:]
    if fields["number_of_events"]:
        events = events[:fields["number_of_events"]]
    if not events:
        return zcl.NOT_FOUND
    return [Answer(0x01, {"total_number_of_events": len(events), "command_index": 0, "total_commands": 1,
                          "log_payload_control": 0x00, "events": [
                              {"log_id": i, "event_id": e.event_id, "event_time": e.time,
                               "event_data": e.data} for i, e in events]})]


def _clear_event_log(served: Served, fields: dict) -> list[Answer]:
    return [Answer(0x02, {"cleared_event_logs": meter.clear_event_log(served.logs, fields["log_id"], served.now)})]


# The alerts whose behaviour 6.22 configures (GCS20, read by GCS20r) and the ZSE event configuration bits: how the
# event is logged (bits 0-2; 3: as a general event), sent over the WAN, on the HAN, raised as an audible alarm.
CONFIGURABLE_EVENTS = (0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183, 0x8184,
                       0x81A0, 0x81A1, *range(0x81A4, 0x81B7), 0x81B9, 0x81BA, *range(0x81BC, 0x81C1), 0x81C2, 0x81C3,
                       0x81C4, 0x81C5, 0x81C6)
LOG_AS_GENERAL_EVENT, SENT_OVER_WAN, SENT_ON_HAN, AUDIBLE_ALARM = 0x03, 0x08, 0x10, 0x40
FACTORY_EVENT_CONFIGURATION = LOG_AS_GENERAL_EVENT | SENT_OVER_WAN
ALL_EVENTS_OF = 0xFF                   # an event id whose low byte is 0xFF: every configurable event


def event_configuration(gas: GasData, code: int) -> int:
    return gas.event_configuration.get(code, FACTORY_EVENT_CONFIGURATION)


def sent_over_the_wan(gas: GasData, code: int) -> bool:
    """Whether the meter sends alert ``code``: a configurable one only while its configuration says so."""
    return code not in CONFIGURABLE_EVENTS or bool(event_configuration(gas, code) & SENT_OVER_WAN)


def _set_event_configuration(served: Served, fields: dict) -> int:
    """GCS20 (6.22): the listed events take the configuration (configuration control 0: apply by list)."""
    if served.gas is None:
        return zcl.UNSUP_CLUSTER_COMMAND
    listed = fields["event_configuration_payload"]
    listed = listed if isinstance(listed, bytes) else bytes.fromhex(str(listed))
    if fields["configuration_control"] != 0 or not listed or len(listed) != 1 + 2 * listed[0]:
        return zcl.INVALID_FIELD
    codes = [int.from_bytes(listed[1 + 2 * i:3 + 2 * i], "little") for i in range(listed[0])]
    if any(code not in CONFIGURABLE_EVENTS for code in codes):
        return zcl.INVALID_VALUE
    for code in codes:
        served.gas.event_configuration[code] = fields["event_configuration"]
    return zcl.SUCCESS


def _get_event_configuration(served: Served, fields: dict) -> list[Answer] | int:
    """GCS20r (6.2.10): the configuration of one event, or of every configurable one."""
    if served.gas is None:
        return zcl.UNSUP_CLUSTER_COMMAND
    asked = fields["event_id"]
    codes = CONFIGURABLE_EVENTS if asked & 0xFF == ALL_EVENTS_OF else [c for c in CONFIGURABLE_EVENTS if c == asked]
    if not codes:
        return zcl.NOT_FOUND
    return [Answer(0x04, {"command_index": 0, "total_commands": 1, "events": [
        {"event_id": code, "event_configuration": event_configuration(served.gas, code)} for code in codes]})]


Behaviour = Callable[[Served, dict], "list[Answer] | int"]

# (cluster, command id, sent server-to-client?) -> behaviour
COMMANDS: dict[tuple[int, int, bool], Behaviour] = {
    (METERING, 0x06, False): lambda s, f: _snapshot(s, f, prepay=False),
    (METERING, 0x08, False): _sampled_data,
    (PREPAYMENT, 0x04, False): _top_up,
    (METERING, 0x0B, False): _change_supply,
    (PREPAYMENT, 0x00, False): _select_emergency_credit,
    (PREPAYMENT, 0x02, False): _change_debt,
    (PREPAYMENT, 0x05, False): _credit_adjustment,
    (PREPAYMENT, 0x06, False): _change_payment_mode,
    (PREPAYMENT, 0x03, False): _configure(_emergency_credit_setup),
    (PREPAYMENT, 0x09, False): _configure(_low_credit_warning),
    (PREPAYMENT, 0x0B, False): _configure(_maximum_credit),
    (PREPAYMENT, 0x0C, False): _configure(_overall_debt_cap),
    (PREPAYMENT, 0x07, False): lambda s, f: _snapshot(s, f, prepay=True),
    (PREPAYMENT, 0x08, False): _top_up_log,
    (PREPAYMENT, 0x0A, False): _debt_log,
    (CALENDAR, 0x01, False): _day_profiles,
    (CALENDAR, 0x02, False): _week_profiles,
    (CALENDAR, 0x03, False): _seasons,
    (CALENDAR, 0x04, False): _special_days,
    (PRICE, 0x00, False): _current_price,
    (EVENTS, 0x00, False): _event_log,
    (EVENTS, 0x01, False): _clear_event_log,
    (MESSAGING, 0x00, True): _display_message,
    (DEVICE_MANAGEMENT, 0x06, True): _update_cin,
    (METERING, 0x07, False): _start_sampling,
    (DEVICE_MANAGEMENT, 0x00, True): _change_of_tenancy,
    (DEVICE_MANAGEMENT, 0x01, True): _change_of_supplier,
    (DEVICE_MANAGEMENT, 0x02, True): _new_password,
    (CALENDAR, 0x00, True): _publish_calendar,
    (CALENDAR, 0x01, True): _publish_day_profile,
    (CALENDAR, 0x02, True): _publish_week_profile,
    (CALENDAR, 0x03, True): _publish_seasons,
    (CALENDAR, 0x04, True): _publish_special_days,
    (PRICE, 0x02, True): _publish_conversion_factor,
    (PRICE, 0x03, True): _publish_calorific_value,
    (PRICE, 0x04, True): _publish_tariff_information,
    (PRICE, 0x05, True): _publish_price_matrix,
    (PRICE, 0x06, True): _publish_block_thresholds,
    (PRICE, 0x09, True): _publish_billing_period,
    (PRICE, 0x0B, False): _billing_period,
    (PRICE, 0x01, True): _publish_block_period,
    (zcl.DEVICE_MANAGEMENT, 0x03, True): _update_site_id,
    (DEVICE_MANAGEMENT, 0x04, True): _set_event_configuration,
    (DEVICE_MANAGEMENT, 0x05, True): _get_event_configuration,
    (METERING, 0x0E, False): _set_uncontrolled_flow_threshold,
    (METERING, 0x0D, False): _set_supply_status,
}

# Responses sent without the 'disable default response' bit, as GBCS devices send them.
DEFAULT_RESPONSE_ENABLED = {(PREPAYMENT, 0x03), (EVENTS, 0x02), (METERING, 0x0C), (METERING, 0x0D)}
