"""Gas commands (GCS use cases on GSME / GPF, CS01b, CS11): what a Service Request puts into them.

Each builder gets the use case's structure (``structures_gas``), the request body (read through
``values``, typed or not), the target device and the time, and returns the command's payload tree:
the tariff of 1.1.1 (calendar, day / week profiles, seasons, special days, tariff information, block
thresholds in Wh, prices), the read period of 4.4.x / 4.6.x / 4.8.x / 4.10 / 4.14 / 4.17, the UTRN of 2.2,
the log to clear of 3.3, the clock window of 8.1.1. A DCC-held schedule (5.1) passes the stored schedule
details (read period offsets) or nothing; a read then covers the day before the run.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable

from gbcs.times import generalized_time, zigbee_time
from dccsim.han.commands.structures_gas import command, gbz
from dccsim.han.commands.values import all_values, as_datetime, as_int, as_list, as_time, indexed, text_of
from dccsim.inventory.models import Device
from gbcs.zcl import CALENDAR, EVENTS, METERING, PREPAYMENT, PRICE

GAS_THRESHOLD_MAX = 0xFFFFFFFFFFFF        # GBCS: a gas block threshold is an unsigned 48-bit integer
NEVER = 0xFFFFFFFE                        # start time of a cancelled tariff (an ExecutionDateTime past 2136)
TARIFF_NEVER = 0xFFFFFFFF                 # the same in Publish Tariff Information
GENERAL_EVENT_LOG = 0x03
CURRENCIES = {"GBP": 826, "ECB": 978}
HALF_HOUR, DAY = 1800, 86400
NETWORK_DATA_INTERVAL = 360


# Preferred use case per (variant, device type) where several apply. 4.18 on a GSME is GCS60 ('Read Meter
# Balance for GSME'); GCS60a is the form a GPF answers from its mirror.
PREFERRED: dict[tuple[str, str], str] = {
    ("4.1.1", "GSME"): "GCS13a", ("4.1.1", "GPF"): "GCS13a", ("4.1.2", "GSME"): "GCS13c",
    ("4.1.2", "GPF"): "GCS13c", ("4.18", "GSME"): "GCS60", ("4.18", "GPF"): "GCS60a",
    ("2.2", "GSME"): "CS01b", ("3.3", "GSME"): "CS11", ("3.3", "GPF"): "CS11", ("11.2", "GSME"): "GCS38",
    ("11.2", "GPF"): "GCS38",
    ("8.1.1", "GSME"): "GCS28", ("6.11", "GSME"): "GCS28",
    ("6.2.4", "GSME"): "GCS21m", ("6.2.4", "GPF"): "GCS21m", ("6.2.7", "GSME"): "GCS46", ("6.2.7", "GPF"): "GCS46",
    ("6.2.9", "GSME"): "GCS21j", ("6.2.9", "GPF"): "GCS21j", ("1.1.1", "GSME"): "GCS01a",
    ("1.2.1", "GSME"): "GCS01b", ("2.1", "GSME"): "GCS05",
}


def utc(moment: datetime) -> int:
    """ZigBee UTC seconds, held within what the 32-bit field can say (NEVER for anything later)."""
    return max(0, min(zigbee_time(moment), NEVER))


# --- read periods ---------------------------------------------------------------------------------

def _offset_moment(run: datetime, days: Any, at: Any) -> datetime:
    clock = at if isinstance(at, time) else (time.fromisoformat(text_of(at)) if text_of(at) else time(0))
    return datetime.combine(run.date() + timedelta(days=as_int(days, 0) or 0), clock.replace(tzinfo=None),
                            tzinfo=timezone.utc)


def read_period(body: dict, now: datetime) -> tuple[datetime, datetime]:
    """The period a read covers: the request's ReadLogPeriod; for a DCC schedule, its date offsets from the
    run (StartDateOffset / StartTime / EndDateOffset / EndTime); else the day before ``now``."""
    period = body.get("ReadLogPeriod") if isinstance(body.get("ReadLogPeriod"), dict) else {}
    start, end = as_datetime(period.get("StartDateTime")), as_datetime(period.get("EndDateTime"))
    if start is not None and end is not None:
        return start, end
    offsets = {name: next(iter(all_values(body, name)), None)
               for name in ("StartDateOffset", "StartTime", "EndDateOffset", "EndTime")}
    if offsets["StartDateOffset"] is not None and offsets["EndDateOffset"] is not None:
        return (_offset_moment(now, offsets["StartDateOffset"], offsets["StartTime"]),
                _offset_moment(now, offsets["EndDateOffset"], offsets["EndTime"]))
    today = datetime.combine(now.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc)
    return today - timedelta(days=1), today


def _snapshots(cluster: int, command_id: int, count: int, cause: int, start: datetime, end: datetime) -> list[dict]:
    return [command(cluster, command_id, earliest_start_time=utc(start), latest_end_time=utc(end),
                    snapshot_offset=offset, snapshot_cause=cause) for offset in range(count)]


def _billing_on_change(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS15b (4.4.2): the billing data log entries of tariff, supplier or mode changes (12 of each log)."""
    start, end = read_period(body, now)
    return gbz(*_snapshots(PREPAYMENT, 0x07, 12, 0x00006008, start, end),
               *_snapshots(METERING, 0x06, 12, 0x00006008, start, end))


def _billing_calendar(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS15c (4.4.3): the billing data log entries of billing period ends."""
    start, end = read_period(body, now)
    return gbz(*_snapshots(METERING, 0x06, 12, 0x00000002, start, end),
               *_snapshots(PREPAYMENT, 0x07, 12, 0x00000002, start, end))


def _daily_reads(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS16a (4.6.1): the daily read log (31 entries at most)."""
    start, end = read_period(body, now)
    return gbz(*_snapshots(METERING, 0x06, 31, 0x00000001, start, end))


def _prepayment_daily_reads(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS16b (4.14): the prepayment daily read log (31 entries at most)."""
    start, end = read_period(body, now)
    return gbz(*_snapshots(PREPAYMENT, 0x07, 31, 0x00000001, start, end))


def _debt_payments(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS15d (4.4.4): payment-based debt collections from the start (GBZ from-date-time) to the end."""
    start, end = read_period(body, now)
    return gbz(command(PREPAYMENT, 0x0A, from_date_time=utc(start), latest_end_time=utc(end), number_of_debts=10,
                       debt_type=0x02))


def _top_ups(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS15e (4.4.5): the top-up log (5 entries) from the start to the end."""
    start, end = read_period(body, now)
    return gbz(command(PREPAYMENT, 0x08, from_date_time=utc(start), latest_end_time=utc(end), number_of_records=5))


def _samples(sample_id: int, interval: int) -> Callable[[Any, dict, Device, datetime], dict]:
    def fill(tree: Any, body: dict, device: Device, now: datetime) -> dict:
        start, end = read_period(body, now)
        count = max(1, int((end - start).total_seconds()) // interval + 1)
        return gbz(command(METERING, 0x08, sample_id=sample_id, earliest_sample_time=utc(start), sample_type=0x00,
                           number_of_samples=min(count, 0xFFFF)))
    fill.__doc__ = f"Get Sampled Data of log {sample_id} ({interval} s samples) over the read period."
    return fill


# --- the critical and state-changing commands -------------------------------------------------------

def _date(value: Any) -> int:
    """A GasDateWithWildcards as a ZCL date (year - 1900, month, day, day of week; 0xFF = not specified)."""
    def part(name: str, offset: int = 0) -> int:
        found = as_int(next(iter(all_values(value, name)), None), None)
        return 0xFF if found is None else found - offset
    raw = bytes([part("SpecifiedYear", 1900), part("SpecifiedMonth"), part("SpecifiedDayOfMonth"),
                 part("SpecifiedDayOfWeek")])
    return int.from_bytes(raw, "little")


def _ordered(values: Any) -> list[Any]:
    return [text for _, text in sorted(indexed(values), key=lambda item: item[0])]


def _tariff(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS01a (1.1.1 on a GSME): the supplier publishes the calendar (day profiles with one TOU tier or
    block charging each, week profiles, seasons, special days), the tariff information, the block
    thresholds (Wh, at most 2^48 - 1) and the price matrix. They take effect at ExecutionDateTime (now
    when there is none or it has passed; never — a cancellation — when it is beyond what GBCS can date)."""
    issue = utc(now)
    execution = as_datetime(body.get("ExecutionDateTime"))
    start = 0 if execution is None or execution <= now else utc(execution)
    tariff_start = TARIFF_NEVER if start == NEVER else start
    head = {"provider_id": 0, "issuer_event_id": issue, "issuer_calendar_id": issue}
    days = [(as_int(d.get("DayName"), 1), as_int(d.get("TOUTariffAction"), 0) if "TOUTariffAction" in d else 0)
            for d in all_values(body, "DayProfile") if isinstance(d, dict)]
    weeks = [(as_int(w.get("WeekName"), 1), [as_int(v, 1) for v in _ordered(w.get("ReferencedDayName"))])
             for w in all_values(body, "WeekProfile") if isinstance(w, dict)]
    seasons = [(_date(s.get("SeasonStartDate")), as_int(s.get("ReferencedWeekName"), 1))
               for s in all_values(body, "Season") if isinstance(s, dict)]
    special = [(_date(s.get("Date")), as_int(s.get("ReferencedDayName"), 1))
               for s in all_values(body, "SpecialDay") if isinstance(s, dict)]
    prices = next(iter(all_values(body, "GasPriceElements")), {}) or {}
    block = "BlockTariff" in prices
    thresholds = [min(as_int(v, 0), GAS_THRESHOLD_MAX) for v in _ordered(all_values(body, "BlockThreshold"))]
    in_use = as_int(next(iter(all_values(prices, "NumberOfThresholds")), None), None)
    price_list = [(index, as_int(value, 0)) for index, value in
                  sorted(indexed(all_values(prices, "BlockPrice" if block else "TOUPrice")))]
    components = [command(CALENDAR, 0x00, from_server=True, **head, start_time=start, calendar_type=0x00,
                          calendar_time_reference=0, calendar_name=b"", number_of_seasons=len(seasons),
                          number_of_week_profiles=len(weeks), number_of_day_profiles=len(days))]
    components += [command(CALENDAR, 0x01, from_server=True, **head, day_id=day, total_number_of_schedule_entries=1,
                           command_index=0, total_number_of_commands=1, calendar_type=0x00,
                           entries=[{"start_time": 0, "value": value}]) for day, value in days]
    components += [command(CALENDAR, 0x02, from_server=True, **head, week_id=week,
                           day_id_refs=[{"day_id": d} for d in (refs + [1] * 7)[:7]]) for week, refs in weeks]
    components.append(command(CALENDAR, 0x03, from_server=True, **head, command_index=0, total_number_of_commands=1,
                              seasons=[{"season_start_date": d, "week_id": w} for d, w in seasons]))
    components.append(command(CALENDAR, 0x04, from_server=True, **head, start_time=start, calendar_type=0x00,
                              total_number_of_special_days=len(special), command_index=0, total_number_of_commands=1,
                              special_days=[{"date": d, "day_id": i} for d, i in special]))
    components.append(command(
        PRICE, 0x04, from_server=True, provider_id=0, issuer_event_id=issue, issuer_tariff_id=issue,
        start_time=tariff_start, tariff_type_charging_scheme=0x10 if block else 0x00, tariff_label=b"",
        number_of_price_tiers_in_use=0 if block else len(price_list),
        number_of_block_thresholds_in_use=(in_use if in_use is not None else len(thresholds)) if block else 0,
        unit_of_measure=0x00, currency=CURRENCIES.get(text_of(prices.get("CurrencyUnits")), 826),
        price_trailing_digit=0x50, standing_charge=as_int(prices.get("StandingCharge"), 0), tier_block_mode=0xFF,
        block_threshold_multiplier=1, block_threshold_divisor=1000))
    if block:
        components.append(command(
            PRICE, 0x06, from_server=True, provider_id=0, issuer_event_id=issue, start_time=start,
            issuer_tariff_id=issue, command_index=0, total_number_of_commands=1, sub_payload_control=0x01,
            tier_and_number_of_block_thresholds=len(thresholds),
            thresholds=[{"threshold": t} for t in thresholds]))
    components.append(command(
        PRICE, 0x05, from_server=True, provider_id=0, issuer_event_id=issue, start_time=start, issuer_tariff_id=issue,
        command_index=0, total_number_of_commands=1, sub_payload_control=0x00 if block else 0x01,
        prices=[{"tier_block_id": index - 1 if block else index, "price": value} for index, value in price_list]))
    return gbz(*components)


def _prices(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS01b (1.2.1 on a GSME): the tariff information (standing charge) and the price matrix of a new
    tariff, without its calendar or thresholds."""
    published = _tariff(tree, body, device, now)["components"]
    return gbz(*[c for c in published if c["cluster"] == PRICE and c["command"] in (0x04, 0x05)])


FRIENDLY_CREDIT_CALENDAR = 0x03            # ZCL calendar type of the friendly credit (non-disablement) calendar
NON_DISABLEMENT = {"START": 1, "STOP": 0}   # its day profiles' value: friendly credit on / off


def _prepay_configuration(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """GCS05 (2.1 on a GSME): emergency credit limit and threshold, the overall debt cap, the low credit
    warning level, the maximum credit (and per top-up) and the non-disablement calendar (the friendly credit
    calendar: day profiles of START / STOP times, week profiles, seasons, special days), from the execution
    time."""
    issue = utc(now)
    execution = as_datetime(body.get("ExecutionDateTime"))
    start = 0 if execution is None or execution <= now else utc(execution)
    settings = body.get("UpdatePrepayConfigGas") or {}
    amount = lambda name: as_int(next(iter(all_values(settings, name)), 0), 0)    # noqa: E731
    head = {"provider_id": 0, "issuer_event_id": issue, "issuer_calendar_id": issue}
    days = [d for d in all_values(settings, "GasNonDisablementDayProfile") if isinstance(d, dict)]
    weeks = [w for w in all_values(settings, "WeekProfile") if isinstance(w, dict)]
    seasons = [(_date(season.get("SeasonStartDate")), as_int(season.get("ReferencedWeekName"), 1))
               for season in all_values(settings, "Season") if isinstance(season, dict)]
    special = [(_date(day.get("Date")), as_int(day.get("ReferencedDayName"), 1))
               for day in all_values(settings, "SpecialDay") if isinstance(day, dict)]
    components = [
        command(PREPAYMENT, 0x03, issuer_event_id=issue, start_time=start,
                emergency_credit_limit=amount("EmergencyCreditLimit"),
                emergency_credit_threshold=amount("EmergencyCreditThreshold")),
        command(PREPAYMENT, 0x0C, provider_id=0, issuer_event_id=issue, implementation_date_time=start,
                overall_debt_cap=amount("DebtRecoveryRateCap")),
        command(PREPAYMENT, 0x09, low_credit_warning_level=amount("LowCreditThreshold")),
        command(PREPAYMENT, 0x0B, provider_id=0, issuer_event_id=issue, implementation_date_time=start,
                maximum_credit_level=amount("MaxMeterBalance"), maximum_credit_per_top_up=amount("MaxCreditThreshold")),
        command(CALENDAR, 0x00, from_server=True, **head, start_time=start, calendar_type=FRIENDLY_CREDIT_CALENDAR,
                calendar_time_reference=0, calendar_name=b"", number_of_seasons=len(seasons),
                number_of_week_profiles=len(weeks), number_of_day_profiles=len(days))]
    for day in days:
        entries = []
        for action in (a for a in as_list(day.get("TimeStartAction")) if isinstance(a, dict)):
            when = as_time(action.get("StartTime"))
            entries.append({"start_time": when.hour * 60 + when.minute,
                            "value": NON_DISABLEMENT.get(text_of(action.get("NonDisablementAction")), 0)})
        components.append(command(CALENDAR, 0x01, from_server=True, **head, day_id=as_int(day.get("GasDayName"), 1),
                                  total_number_of_schedule_entries=len(entries), command_index=0,
                                  total_number_of_commands=1, calendar_type=FRIENDLY_CREDIT_CALENDAR, entries=entries))
    components += [command(CALENDAR, 0x02, from_server=True, **head, week_id=as_int(week.get("WeekName"), 1),
                           day_id_refs=[{"day_id": as_int(d, 1)} for d in (_ordered(week.get("ReferencedDayName"))
                                                                           + [1] * 7)[:7]]) for week in weeks]
    components.append(command(CALENDAR, 0x03, from_server=True, **head, command_index=0, total_number_of_commands=1,
                              seasons=[{"season_start_date": d, "week_id": w} for d, w in seasons]))
    components.append(command(CALENDAR, 0x04, from_server=True, **head, start_time=start,
                              calendar_type=FRIENDLY_CREDIT_CALENDAR, total_number_of_special_days=len(special),
                              command_index=0, total_number_of_commands=1,
                              special_days=[{"date": d, "day_id": i} for d, i in special]))
    return gbz(*components)


def _top_up(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """CS01b (2.2 on a GSME): Consumer Top Up with the request's UTRN as it is; the meter, not the DCC, checks
    it (``devices.top_ups``)."""
    utrn = text_of(body.get("UTRN")).strip()
    return gbz(command(PREPAYMENT, 0x04, originating_device=0x00, top_up_code=utrn.encode("ascii", "replace")))


def _clear_event_log(tree: Any, body: dict, device: Device, now: datetime) -> dict:
    """CS11 (3.3 on a gas device): clear the event log; the security log cannot be cleared remotely."""
    return gbz(command(EVENTS, 0x01, log_id=GENERAL_EVENT_LOG))


def _set_clock(tree: list, body: dict, device: Device, now: datetime) -> list:
    """GCS28 (8.1.1 commissioning): the validity window of the clock setting, half an hour either side of the
    request's CurrentDateTime (or now)."""
    moment = as_datetime(body.get("CurrentDateTime")) or now
    times = [node for node in tree[0]["children"] if node["tag"] == "18"]
    for node, shift in zip(times, (-30, 30)):
        node["hex"] = generalized_time(moment + timedelta(minutes=shift)).hex()
    return tree


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "GCS01a": _tariff, "GCS01b": _prices, "GCS05": _prepay_configuration, "CS01b": _top_up, "CS11": _clear_event_log, "GCS28": _set_clock,
    "GCS15b": _billing_on_change, "GCS15c": _billing_calendar, "GCS15d": _debt_payments, "GCS15e": _top_ups,
    "GCS16a": _daily_reads, "GCS16b": _prepayment_daily_reads,
    "GCS17": _samples(0, HALF_HOUR), "GCS18": _samples(2, NETWORK_DATA_INTERVAL), "GCS61": _samples(1, DAY),
}
