"""The gas meter's data (GSME, and the GPF's mirror of it): consumption that follows the clock, registers,
tariff, prepayment, logs and snapshots.

The data is a ``devices.gas_state.GasData`` (a GSME's ``gas``, a GPF's ``mirror``). Consumption is a
closed-form function of time for each meter (a daily shape and a seasonal swing), so the half-hour profile,
the daily consumption log and the network data log for any past period come from it without being stored.
What commands and the passing of time change is stored: TOU and block registers, credit, debts, the
top-up and debt logs, snapshots (daily, billing period, tariff change), event logs, the tariff and a pending
(future-dated) tariff.

Units: times are ZigBee UTC seconds (since 2000-01-01); volume in litres (m3 / 1000, the metering divisor);
energy in Wh; money in 1/100000 GBP (prices and balances carry 5 trailing digits).
"""
from __future__ import annotations

import copy
import hashlib
import math
from datetime import datetime

import gbcs.utrn
from devices import top_ups
from gbcs.times import from_zigbee_time, zigbee_time
from devices.gas_state import (TARIFF_FIELDS, DayEntry, DebtEntry, GasCalendar, GasData, GasEvent, GasEventLogs,
                               GasPrepayment, GasTariff, PendingTariff, Season, Snapshot, SnapshotPrepayment,
                               SpecialDay, TariffParts, TopUpEntry)
from devices.state import GsmeState

DAY = 86400
HALF_HOUR = 1800
CANCELLED = 0xFFFFFFFE          # start time of a cancelled (never activated) future-dated tariff
HISTORY_DAYS = 400              # a meter met for the first time has run this long already

# Snapshot causes (ZCL SnapshotCause bits)
GENERAL = 0x00000001
END_OF_BILLING_PERIOD = 0x00000002
CHANGE_OF_TARIFF = 0x00000008
SNAPSHOT_KEEP = {GENERAL: 31, END_OF_BILLING_PERIOD: 13, CHANGE_OF_TARIFF: 12}

# Event log ids (ZCL Events cluster) and the GBCS event codes the meter records.
GENERAL_EVENT_LOG = 0x03
SECURITY_EVENT_LOG = 0x04
EVENT_LOG_SIZE = 100
EVENT_BILLING_DATA_LOG_UPDATED = 0x8F0A
EVENT_FUTURE_DATED_ACTIONED = 0x8F66
EVENT_LOG_CLEARED = 0x8F52
EVENT_DUPLICATE_UTRN = top_ups.DUPLICATE_UTRN
EVENT_UTRN_NOT_AUTHENTIC = top_ups.UTRN_NOT_AUTHENTIC
EVENT_UTRN_EXCEEDS_MAXIMUM_CREDIT = 0x8F5B
EVENT_DEBT_COLLECTION_COMPLETED = (0x81A7, 0x81A8, 0x81A9)   # time debt 1, time debt 2, payment debt

PENNY = 1000                    # money units (1/100000 GBP) in a penny
TOP_UP_LOG_SIZE = 5
DEBT_LOG_SIZE = 10

# Sampled data logs (Metering Get Sampled Data): sample id → interval, interval as sent, capacity in seconds.
HALF_HOUR_PROFILE, DAILY_CONSUMPTION, NETWORK_DATA = 0, 1, 2
SAMPLE_LOGS: dict[int, tuple[int, int, int]] = {
    HALF_HOUR_PROFILE: (HALF_HOUR, HALF_HOUR, 395 * DAY),
    DAILY_CONSUMPTION: (DAY, 0xFFFF, 731 * DAY),
    NETWORK_DATA: (360, 360, 2 * DAY),
}

# The share of a day's gas used in each half hour (night, morning peak, day, evening peak).
_SHAPE = [1] * 12 + [6] * 6 + [2] * 16 + [5] * 10 + [2] * 4
_CUMULATIVE = [sum(_SHAPE[:i]) / sum(_SHAPE) for i in range(49)]
_SEASONAL_SWING = 0.35          # winter use 35 % above the mean, summer 35 % below
_YEAR_DAYS = 365.25

CALORIFIC_VALUE = 395           # 39.5 MJ/m3 (one trailing digit)
CONVERSION_FACTOR = 102264      # 1.02264 (five trailing digits)


zt = zigbee_time
from_zt = from_zigbee_time


def midnight(seconds: int) -> int:
    return seconds - seconds % DAY


# --- initial data -------------------------------------------------------------------------------------

def _days(days: dict[int, list[tuple[int, int]]]) -> dict[int, list[DayEntry]]:
    return {day: [DayEntry(start, value) for start, value in entries] for day, entries in days.items()}


def _default_tariff() -> GasTariff:
    """A TOU tariff of four tiers (one per day profile), as a meter leaves the factory."""
    return GasTariff(
        provider_id=0, issuer_event_id=0, issuer_tariff_id=1, start_time=0, tariff_type=0x00, label="",
        tiers_in_use=4, thresholds_in_use=3, unit_of_measure=0x00, currency=826, price_trailing_digit=0x50,
        standing_charge=22465, tier_block_mode=0xFF, threshold_multiplier=1, threshold_divisor=1000,
        tou_prices=[9600, 10200, 10750, 11000], block_prices=[10600, 11200, 11750, 12000],
        thresholds=[100000, 200000, 300000],
        calendar=GasCalendar(
            issuer_calendar_id=1, issuer_event_id=0, start_time=0, calendar_type=0x00, time_reference=0, name="",
            days=_days({1: [(0, 1), (420, 2), (960, 3), (1140, 4)]}), weeks={1: [1] * 7},
            seasons=[Season(_date(None, 1, 1), 1)],
            special_days=[SpecialDay(_date(None, 12, 25), 1), SpecialDay(_date(None, 1, 1), 1)]))


def _friendly_credit_calendar() -> GasCalendar:
    return GasCalendar(
        issuer_calendar_id=470793600, issuer_event_id=0, start_time=0, calendar_type=0x03, time_reference=0, name="",
        days=_days({1: [(0, 1), (480, 0), (1080, 1)], 2: [(0, 1)]}), weeks={1: [1, 1, 1, 1, 1, 2, 2]},
        seasons=[Season(_date(None, 1, 1), 1)],
        special_days=[SpecialDay(_date(None, 12, 25), 2), SpecialDay(_date(None, 12, 26), 2)])


def _date(year: int | None, month: int | None, day: int | None, weekday: int | None = None) -> int:
    """A ZCL date (year - 1900, month, day, day of week; 0xFF = any) as the little-endian int it travels as."""
    raw = bytes([0xFF if year is None else year - 1900, month or 0xFF, day or 0xFF,
                 0xFF if weekday is None else weekday])
    return int.from_bytes(raw, "little")


def new_meter(device_id: str, now: int) -> GasData:
    seed = int.from_bytes(hashlib.sha256(device_id.encode()).digest()[:4], "big")
    gas = GasData(
        seed=seed, daily_litres=2000 + seed % 2500, base=400_000 + seed % 600_000, t0=now,
        history_start=midnight(now) - HISTORY_DAYS * DAY, updated=now, tariff=_default_tariff(),
        friendly_credit=_friendly_credit_calendar(), calorific_value=CALORIFIC_VALUE,
        conversion_factor=CONVERSION_FACTOR, block_period_start=_month_start(now), block_period_wh=0,
        prepayment=GasPrepayment(
            credit=2_500_000, emergency_credit=500_000, accumulated_debt=0, debts=[500_000, 400_000, 2_000_000],
            recovery_amounts=[500_000, 200_000], recovery_frequency=[1, 1], recovery_percentage=1000,
            emergency_credit_limit=1_000_000, emergency_credit_threshold=200_000, low_credit_warning=500_000,
            max_credit=30_000_000, max_credit_per_top_up=5_000_000, overall_debt_cap=1_000_000,
            cut_off_value=-5_000_000, payment_mode=0x0C94, bill_to_date=0, debts_collected_at=midnight(now)))
    total = volume(gas, now)
    gas.tiers = [total * share // 10 for share in (4, 3, 2, 1)]
    gas.blocks = [total * share // 10 for share in (5, 3, 1, 1)]
    _history(gas, now)
    return gas


def _month_start(seconds: int) -> int:
    moment = from_zt(seconds)
    return zt(moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def _history(gas: GasData, now: int) -> None:
    """Snapshots and log entries the meter holds from before the simulator met it."""
    today = midnight(now)
    for days in range(SNAPSHOT_KEEP[GENERAL], 0, -1):
        _take_snapshot(gas, today - days * DAY + DAY, GENERAL, scale=True)
    month = _month_start(now)
    months = []
    for _ in range(SNAPSHOT_KEEP[END_OF_BILLING_PERIOD]):
        months.append(month)
        month = _month_start(month - DAY)
    for start in reversed(months):
        _take_snapshot(gas, start, END_OF_BILLING_PERIOD, scale=True)
    for days in (HISTORY_DAYS - 1, 90):   # the tariff set at installation, and a change since
        _take_snapshot(gas, today - days * DAY + 12 * 3600, CHANGE_OF_TARIFF, scale=True)
    gas.snapshots.sort(key=lambda s: (s.time, s.id))
    for start in reversed(months):
        _log_event(gas.logs, GENERAL_EVENT_LOG, EVENT_BILLING_DATA_LOG_UPDATED, start)
    for weeks in (9, 6, 3):   # top-ups by UTRN, each paying its share of the payment-based debt
        when = today - weeks * 7 * DAY + 10 * 3600
        value = 1000 + 500 * (weeks % 4)
        utrn = make_utrn(value, counter=12 - weeks, tag=(gas.seed * weeks) & 0xFFFFFFFF)
        _credit(gas, utrn, value * PENNY, when)


# --- consumption ----------------------------------------------------------------------------------

def _cumulative_litres(gas: GasData, seconds: int) -> float:
    days, rest = divmod(seconds, DAY)
    slot, within = divmod(rest, HALF_HOUR)
    effective = days + _CUMULATIVE[slot] + (_CUMULATIVE[slot + 1] - _CUMULATIVE[slot]) * within / HALF_HOUR
    swing = _SEASONAL_SWING * _YEAR_DAYS / (2 * math.pi) * math.sin(2 * math.pi * effective / _YEAR_DAYS)
    return gas.daily_litres * (effective + swing)


def volume(gas: GasData, seconds: int) -> int:
    """The current summation register (litres) at ``seconds``."""
    return gas.base + math.floor(_cumulative_litres(gas, seconds)) - math.floor(_cumulative_litres(gas, gas.t0))


def consumed(gas: GasData, start: int, end: int) -> int:
    return volume(gas, end) - volume(gas, start)


def energy_wh(gas: GasData, litres: int) -> int:
    """Volume to energy: litres × CV (MJ/m3) × CF / 3.6 (MJ per kWh)."""
    return round(litres * gas.calorific_value / 10 * gas.conversion_factor / 100000 / 3.6)


# --- tariff ---------------------------------------------------------------------------------------

def _matches(date: int, moment: datetime) -> bool:
    year, month, day, weekday = date.to_bytes(4, "little")
    return ((year == 0xFF or year + 1900 == moment.year) and (month == 0xFF or month == moment.month)
            and (day == 0xFF or day == moment.day) and (weekday == 0xFF or weekday == moment.isoweekday()))


def _season_key(date: int) -> tuple[int, int]:
    _, month, day, _ = date.to_bytes(4, "little")
    return (month if month != 0xFF else 1, day if day != 0xFF else 1)


def calendar_value(calendar: GasCalendar, seconds: int) -> int:
    """The day-profile value (TOU tier, or friendly credit flag) in force at ``seconds``."""
    moment = from_zt(seconds)
    day_id = next((d.day_id for d in calendar.special_days if _matches(d.date, moment)), None)
    if day_id is None:
        seasons = sorted(calendar.seasons, key=lambda s: _season_key(s.start_date))
        today = (moment.month, moment.day)
        current = [s for s in seasons if _season_key(s.start_date) <= today] or seasons[-1:]
        week = calendar.weeks.get(current[-1].week_id) if current else None
        day_id = week[moment.weekday()] if week else next(iter(calendar.days), 1)
    entries = calendar.days.get(day_id) or [DayEntry(0, 1)]
    minute = moment.hour * 60 + moment.minute
    value = entries[0].value
    for entry in sorted(entries):
        if entry.start <= minute:
            value = entry.value
    return value


def current_tier(gas: GasData, seconds: int) -> int:
    tariff = gas.tariff
    return max(1, min(calendar_value(tariff.calendar, seconds), len(tariff.tou_prices)))


def current_block(gas: GasData) -> int:
    """0-based block by the energy used in the block period against the thresholds (Wh)."""
    tariff = gas.tariff
    used = gas.block_period_wh
    return sum(1 for threshold in tariff.thresholds[:tariff.thresholds_in_use] if used >= threshold)


def is_block_tariff(tariff: GasTariff) -> bool:
    return tariff.tariff_type & 0x10 == 0x10


def current_price(gas: GasData, seconds: int) -> int:
    tariff = gas.tariff
    if is_block_tariff(tariff):
        return tariff.block_prices[min(current_block(gas), len(tariff.block_prices) - 1)]
    return tariff.tou_prices[current_tier(gas, seconds) - 1]


def stage_tariff(gas: GasData, parts: TariffParts, start_time: int, now: int) -> None:
    """A tariff published by the supplier (GCS01a): active now, pending until its start, or a cancellation."""
    if start_time >= CANCELLED:
        gas.pending = None
        return
    if start_time == 0 or start_time <= now:
        _apply_tariff(gas, parts, now)
        return
    gas.pending = PendingTariff(start_time, parts)


def _apply_tariff(gas: GasData, parts: TariffParts, now: int) -> None:
    tariff = gas.tariff
    if parts.calendar is not None:
        tariff.calendar = parts.calendar
    tariff.calendar.days.update(parts.days)
    tariff.calendar.weeks.update(parts.weeks)
    if parts.seasons is not None:
        tariff.calendar.seasons = parts.seasons
    if parts.special_days is not None:
        tariff.calendar.special_days = parts.special_days
    for name in TARIFF_FIELDS:
        value = getattr(parts, name)
        if value is not None:
            setattr(tariff, name, value)
    _take_snapshot(gas, now, CHANGE_OF_TARIFF)


# --- the passing of time --------------------------------------------------------------------------

def advance(gas: GasData, now: int) -> None:
    """Bring the meter to ``now``: registers, block period, cost against credit, daily debt recovery,
    snapshots at midnight and at the start of each billing month, a pending tariff coming into force."""
    last = gas.updated
    if now <= last:
        return
    moments = set(range(midnight(last) + DAY, now + 1, DAY))
    pending = gas.pending
    if pending and pending.start_time <= now:
        moments.add(max(pending.start_time, last))
    for moment in sorted(moments):
        _accumulate(gas, last, moment)
        last = moment
        pending = gas.pending
        if pending and pending.start_time <= moment:
            gas.pending = None
            _apply_tariff(gas, copy.deepcopy(pending.parts), moment)
            _log_event(gas.logs, GENERAL_EVENT_LOG, EVENT_FUTURE_DATED_ACTIONED, moment)
        if moment % DAY == 0:
            _recover_time_debts(gas, moment)
            _take_snapshot(gas, moment, GENERAL)
            if from_zt(moment).day == 1:
                _take_snapshot(gas, moment, END_OF_BILLING_PERIOD)
                _log_event(gas.logs, GENERAL_EVENT_LOG, EVENT_BILLING_DATA_LOG_UPDATED, moment)
                gas.block_period_start, gas.block_period_wh = moment, 0
    _accumulate(gas, last, now)
    gas.updated = now
    mode = gas.pending_payment_mode
    if mode is not None and mode.start_time <= now:      # a future-dated payment mode change (GCS02 / GCS03)
        gas.pending_payment_mode = None
        gas.prepayment.payment_mode, gas.prepayment.cut_off_value = mode.configuration, mode.cut_off_value
        _log_event(gas.logs, GENERAL_EVENT_LOG, EVENT_FUTURE_DATED_ACTIONED, mode.start_time)


def _accumulate(gas: GasData, start: int, end: int) -> None:
    litres = consumed(gas, start, end)
    if litres <= 0:
        return
    wh = energy_wh(gas, litres)
    tariff = gas.tariff
    gas.tiers[current_tier(gas, end) - 1] += litres
    gas.blocks[min(current_block(gas), len(gas.blocks) - 1)] += litres
    cost = wh * current_price(gas, end) // 1000 + tariff.standing_charge * (end - start) // DAY
    gas.block_period_wh += wh
    prepayment = gas.prepayment
    prepayment.bill_to_date = min(prepayment.bill_to_date + cost, 0xFFFFFFFF)
    prepayment.credit = max(prepayment.credit - cost, prepayment.cut_off_value)


def _recover_time_debts(gas: GasData, moment: int) -> None:
    prepayment = gas.prepayment
    for index in (0, 1):
        outstanding = prepayment.debts[index]
        if outstanding <= 0 or prepayment.recovery_frequency[index] != 1:
            continue
        collected = min(outstanding, prepayment.recovery_amounts[index])
        prepayment.debts[index] -= collected
        prepayment.credit -= collected
        prepayment.accumulated_debt += collected
        _log_debt(gas, moment, collected, index, prepayment.debts[index])
        if prepayment.debts[index] == 0:
            _log_event(gas.logs, GENERAL_EVENT_LOG, EVENT_DEBT_COLLECTION_COMPLETED[index], moment)


def _log_debt(gas: GasData, moment: int, collected: int, debt_type: int, outstanding: int) -> None:
    gas.debt_log.append(DebtEntry(moment, collected, debt_type, outstanding))
    gas.debt_log = gas.debt_log[-3 * DEBT_LOG_SIZE:]


def _take_snapshot(gas: GasData, moment: int, cause: int, *, scale: bool = False) -> None:
    summation = volume(gas, moment)
    if scale:   # before the simulator met the meter: registers in proportion to the summation
        total = max(1, volume(gas, gas.updated))
        tiers = [value * summation // total for value in gas.tiers]
        blocks = [value * summation // total for value in gas.blocks]
    else:
        tiers, blocks = list(gas.tiers), list(gas.blocks)
    prepayment = gas.prepayment
    gas.snapshots.append(Snapshot(
        id=gas.next_snapshot_id, time=moment, cause=cause, summation=summation, tiers=tuple(tiers),
        blocks=tuple(blocks), tiers_and_blocks=0x10 | (len(blocks) & 0x0F),
        prepay=SnapshotPrepayment(prepayment.accumulated_debt, tuple(prepayment.debts), prepayment.emergency_credit,
                                  prepayment.credit)))
    gas.next_snapshot_id += 1
    same = [s for s in gas.snapshots if s.cause == cause]
    for old in same[:-SNAPSHOT_KEEP.get(cause, 12)]:
        gas.snapshots.remove(old)


def _log_event(logs: GasEventLogs, log_id: int, event_id: int, moment: int, data: bytes = b"") -> None:
    name = "security_log" if log_id == SECURITY_EVENT_LOG else "event_log"
    setattr(logs, name, (getattr(logs, name) + [GasEvent(event_id, moment, data)])[-EVENT_LOG_SIZE:])


def log_general_event(gas: GasData, event_id: int, moment: int) -> None:
    """Record an event (a GBCS event code) in the meter's general event log."""
    _log_event(gas.logs, GENERAL_EVENT_LOG, event_id, moment)


# --- queries --------------------------------------------------------------------------------------

def find_snapshots(gas: GasData, earliest: int, latest: int, cause_mask: int) -> list[Snapshot]:
    """Snapshots taken in [earliest, latest] for any of the causes, most recent first."""
    found = [s for s in gas.snapshots if earliest <= s.time <= latest and s.cause & cause_mask]
    return sorted(found, key=lambda s: (s.time, s.id), reverse=True)


def sampled_data(gas: GasData, sample_id: int, earliest: int, count: int,
                 now: int) -> tuple[int, int, list[int]] | None:
    """(start time, interval as sent, samples) of a consumption log, or None when nothing is held."""
    if sample_id not in SAMPLE_LOGS or count <= 0:
        return None
    interval, wire_interval, capacity = SAMPLE_LOGS[sample_id]
    oldest = max(gas.history_start, now - capacity)
    oldest += -oldest % interval
    requested = earliest + -earliest % interval
    if requested + count * interval <= oldest:     # the whole period requested is older than the log
        return None
    start = max(requested, oldest)
    if start + interval > now:
        return None
    available = (now - start) // interval
    points = [start + i * interval for i in range(min(count, available) + 1)]
    values = [volume(gas, p) for p in points]
    samples = [min(b - a, 0xFFFFFF) for a, b in zip(values, values[1:])]
    return start, wire_interval, samples


# --- prepayment -----------------------------------------------------------------------------------

# ZCL Consumer Top Up Response result types.
ACCEPTED, REJECTED_INVALID, REJECTED_DUPLICATE, REJECTED_MAX_CREDIT, REJECTED_TOO_LARGE = 0x00, 0x01, 0x02, 0x04, 0x06
REFUSED = {top_ups.Refusal.MALFORMED: REJECTED_INVALID, top_ups.Refusal.NOT_AUTHENTIC: REJECTED_INVALID,
           top_ups.Refusal.DUPLICATE: REJECTED_DUPLICATE, top_ups.Refusal.STALE: REJECTED_DUPLICATE}


def make_utrn(pennies: int, *, counter: int, tag: int) -> str:
    """A well-formed UTRN for a value in pennies whose 4-byte authentication tag is ``tag`` (the meter's own
    history: top-ups it took before the simulator met it)."""
    return gbcs.utrn.Utrn(pennies, "pennies", counter & gbcs.utrn.COUNTER_FIELD_MASK,
                          (tag & 0xFFFFFFFF).to_bytes(4, "big")).text


def top_up(gas: GasData, utrn: str, now: int, *, state: GsmeState, entry: top_ups.Entry) -> tuple[int, int]:
    """Apply a UTRN: (result type, value applied). The meter (device state ``state``) accepts it or not as
    ``devices.top_ups`` says (check digit, tag, counter; a refusal is logged to the security log and
    credits nothing), then within its credit limits. Payment-based debt takes its percentage of the value."""
    prepayment = gas.prepayment
    verdict = top_ups.check(state, utrn, entry)
    if verdict.top_up is None:
        _log_event(gas.logs, SECURITY_EVENT_LOG, verdict.refusal.event, now, utrn.encode()[:20])
        return REFUSED[verdict.refusal], -1
    value = verdict.pennies * PENNY
    if value > prepayment.max_credit_per_top_up or prepayment.credit + value > prepayment.max_credit:
        _log_event(gas.logs, GENERAL_EVENT_LOG, EVENT_UTRN_EXCEEDS_MAXIMUM_CREDIT, now, utrn.encode())
        return (REJECTED_TOO_LARGE if value > prepayment.max_credit_per_top_up else REJECTED_MAX_CREDIT), -1
    top_ups.record(state, verdict.top_up)
    _credit(gas, utrn, value, now)
    return ACCEPTED, value


def _credit(gas: GasData, utrn: str, value: int, now: int) -> None:
    """Credit a top-up: payment-based debt takes its percentage, the top-up log keeps it."""
    prepayment = gas.prepayment
    collected = min(prepayment.debts[2], value * prepayment.recovery_percentage // 10000)
    prepayment.credit += value - collected
    if collected:
        prepayment.debts[2] -= collected
        prepayment.accumulated_debt += collected
        _log_debt(gas, now, collected, 2, prepayment.debts[2])
        if prepayment.debts[2] == 0:
            _log_event(gas.logs, GENERAL_EVENT_LOG, EVENT_DEBT_COLLECTION_COMPLETED[2], now)
    gas.top_ups = (gas.top_ups + [TopUpEntry(utrn, value, now)])[-TOP_UP_LOG_SIZE:]


def clear_event_log(logs: GasEventLogs, log_id: int, now: int) -> int:
    """Clear Event Log (CS11) in ``logs`` (a meter's, or a GPF's own): the logs cleared, as the ZCL
    ClearedEventsLogs bitmap. The security log is never cleared by a remote command."""
    if log_id in (0x00, GENERAL_EVENT_LOG):
        logs.event_log = []
        _log_event(logs, SECURITY_EVENT_LOG, EVENT_LOG_CLEARED, now)
        return 1 << GENERAL_EVENT_LOG
    return 0


def ensure(state: GsmeState, device_id: str, now: datetime) -> GasData:
    """The gas meter data of a GSME's state, created on first contact and brought to ``now``."""
    seconds = zt(now)
    if state.gas is None:
        state.gas = new_meter(device_id, seconds)
    advance(state.gas, seconds)
    return state.gas
