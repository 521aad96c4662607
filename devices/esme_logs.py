"""The meter's logs and profiles for a period, with the shapes GBCS gives them.

Profiles (half-hourly import / export / reactive, hourly voltage) and the logs that snapshot registers
(daily read logs, billing-calendar billing data, daily consumption) are derived from the consumption
model: a register's value at a past moment is its value now less what was metered since, so they agree
with the registers a read returns. Logs of events (tariff-triggered billing data, debt payments,
prepayment credits) are the entries the meter wrote when those events happened.

Every log is answered as a compact array whose rows are stamped with UTC seconds since 2000; an entry
belongs to the period when its time stamp lies between the period's start and end (both included) and is
not in the future of the meter's clock. Each log keeps only its capacity of entries.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from devices import esme_consumption as energy
from devices import esme_axdr as x
from devices import esme_meter as meter
from devices.attribute_store import AttributeStore
from devices.esme_axdr import DL, DLU, Node, from_utc_seconds
from devices.esme_state import BillingSnapshot, EsmeLog, LoggedAmount, Registers
from devices.esme_variant import Capabilities
from devices.state import EsmeState

DAY, HOUR = 86400, 3600
HALF_HOUR_CAPACITY = 396 * DAY          # 13 months of half-hour profile data
DAILY_CAPACITY = 731 * DAY              # two years of daily reads
VOLTAGE_CAPACITY = 396 * DAY
BILLING_MONTHS = 13


# --- history of registers --------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """The registers and prepayment values at a past moment (what the read logs snapshot)."""

    at: int
    active_import: int
    active_export: int
    secondary: int
    tou: list[int]
    secondary_tou: list[int]
    block: list[list[int]]
    prepay: list[int]


class History:
    """Registers rewound from the meter's current values: ``at(T)`` for non-increasing ``T``."""

    def __init__(self, state: EsmeState, store: AttributeStore):
        self.meter = meter.model(state)
        self.caps = meter.caps_of(state)
        self.tariffs = meter.Tariffs(store, self.caps)
        reg = self.meter.registers
        self.reg = Registers(
            active_import=reg.active_import, reactive_import=reg.reactive_import, active_export=reg.active_export,
            reactive_export=reg.reactive_export, tou=list(reg.tou), block=[list(r) for r in reg.block],
            counter=[list(r) for r in reg.counter], secondary=reg.secondary, secondary_tou=list(reg.secondary_tou))
        self.position = self.meter.at
        self.cost = 0.0

    def _rewind_to(self, moment: int) -> None:
        seed, reg, tariffs = self.meter.seed, self.reg, self.tariffs
        while self.position > moment:
            slot = (self.position - 1) // energy.SLOT
            lo = max(moment, slot * energy.SLOT)
            share = (self.position - lo) / energy.SLOT
            wh = energy.import_wh(seed, slot) * share
            reg.active_import -= wh
            selector, parts = meter.attribute_energy(reg, tariffs, slot, wh, sign=-1)
            self.cost += sum(tariffs.cost(part, selector, block) for block, part in parts)
            self.cost += tariffs.daily_charge * (10.0 ** (tariffs.scale + 5)) * (self.position - lo) / DAY
            reg.active_export -= energy.export_wh(seed, slot) * share
            if self.caps.twin:
                secondary = energy.secondary_wh(seed, slot) * share
                reg.secondary -= secondary
                second = tariffs.selector(slot, 2)
                if 201 <= second <= 204:
                    reg.secondary_tou[second - 201] -= secondary
            self.position = lo

    def at(self, moment: int) -> Reading:
        self._rewind_to(moment)
        reg = self.reg
        logs = self.meter.logs
        later = [e for e in logs.credits if e.at > moment]
        recovered = sum(e.amount for e in logs.debt_payments if e.at > moment)
        prepay = self.meter.prepay.values()
        prepay[0] = int(prepay[0] + self.cost - sum(e.amount for e in later) + recovered)
        prepay[3] = prepay[3] + recovered
        clamp = lambda v: max(0, int(v))   # noqa: E731 - a register never runs below zero
        return Reading(at=moment, active_import=clamp(reg.active_import), active_export=clamp(reg.active_export),
                       secondary=clamp(reg.secondary), tou=[clamp(v) for v in reg.tou],
                       secondary_tou=[clamp(v) for v in reg.secondary_tou],
                       block=[[clamp(v) for v in row] for row in reg.block], prepay=prepay)


def snapshots(state: EsmeState, store: AttributeStore, moments: list[int]) -> list[Reading]:
    """Register snapshots at the given moments (oldest first)."""
    history = History(state, store)
    found = [history.at(m) for m in sorted(moments, reverse=True)]
    return list(reversed(found))


# --- entry times -------------------------------------------------------------------------------

def _steps(start: int, end: int, now: int, step: int, capacity: int) -> list[int]:
    """Multiples of ``step`` within [start, end], not after ``now`` and within the capacity before now."""
    first = max(start, now - capacity)
    first = -(-first // step) * step
    last = min(end, now)
    return list(range(first, last + 1, step)) if first <= last else []


def _month_starts(start: int, end: int, now: int) -> list[int]:
    start = max(start, now - BILLING_MONTHS * 31 * DAY)
    moments = []
    moment = from_utc_seconds(min(end, now))
    year, month = moment.year, moment.month
    for _ in range(BILLING_MONTHS):
        stamp = x.utc_seconds(datetime(year, month, 1, tzinfo=timezone.utc))
        if stamp < start:
            break
        if stamp <= min(end, now):
            moments.append(stamp)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(moments)


# --- descriptions (GBCS response shapes) --------------------------------------------------------

def _registers_description(caps: Capabilities) -> list[Node]:
    fields = [x.t(DLU), x.t(DLU)]
    if caps.twin:
        fields.append(x.t(DLU))
    fields.append(x.t_array(48, x.t(DLU)))
    if caps.twin:
        fields.append(x.t_array(4, x.t(DLU)))
    fields += [x.t_array(8, x.t(DLU)) for _ in range(4)]
    return fields


def _registers_row(caps: Capabilities, snap: Reading | BillingSnapshot) -> list[Any]:
    row: list[Any] = [snap.at, snap.active_import]
    if caps.twin:
        row.append(snap.secondary)
    row.append(list(snap.tou))
    if caps.twin:
        row.append(list(snap.secondary_tou))
    row += [list(r) for r in snap.block]
    return row


_PREPAY = [x.t(DL)] * 6


def _pair(rows: list[tuple[int, int]]) -> Node:
    return x.compact(x.t_structure(x.t(DLU), x.t(DLU)), rows)


# --- the logs ------------------------------------------------------------------------------------

Reader = Callable[[EsmeState, AttributeStore, int, int, int], Node]


def daily_read_log(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS21a: registers at each midnight."""
    caps = meter.caps_of(state)
    rows = [tuple(_registers_row(caps, s))
            for s in snapshots(state, store, _steps(start, end, now, DAY, DAILY_CAPACITY))]
    return x.compact(x.t_structure(*_registers_description(caps)), rows)


def prepayment_daily_read_log(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS21b: prepayment values at each midnight."""
    rows = [(s.at, *s.prepay) for s in snapshots(state, store, _steps(start, end, now, DAY, DAILY_CAPACITY))]
    return x.compact(x.t_structure(x.t(DLU), *_PREPAY), rows)


def export_daily_read_log(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS21c: the active export register at each midnight."""
    rows = [(s.at, s.active_export) for s in snapshots(state, store, _steps(start, end, now, DAY, DAILY_CAPACITY))]
    return _pair(rows)


def billing_calendar_registers(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS20c (first part): registers at each billing date (the first of each month)."""
    caps = meter.caps_of(state)
    rows = [tuple(_registers_row(caps, s)) for s in snapshots(state, store, _month_starts(start, end, now))]
    return x.compact(x.t_structure(*_registers_description(caps)), rows)


def billing_calendar_prepayment(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS20c (second part): prepayment values at each billing date."""
    rows = [(s.at, *s.prepay) for s in snapshots(state, store, _month_starts(start, end, now))]
    return x.compact(x.t_structure(x.t(DLU), *_PREPAY), rows)


def tariff_billing_log(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS20b: the snapshots written when a tariff (or payment mode) change took effect."""
    caps = meter.caps_of(state)
    rows = [tuple(_registers_row(caps, e) + list(e.prepay)) for e in meter.model(state).logs.tariff_billing
            if start <= e.at <= min(end, now)]
    return x.compact(x.t_structure(*_registers_description(caps), *_PREPAY), rows)


def _entries(name: EsmeLog) -> Reader:
    def read(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
        entries: list[LoggedAmount] = getattr(meter.model(state).logs, name.value)
        return _pair([(e.at, e.amount) for e in entries if start <= e.at <= min(end, now)])
    read.__doc__ = f"The {name.value} log entries of the period."
    return read


debt_payment_log = _entries(EsmeLog.DEBT_PAYMENTS)      # ECS20a
prepayment_credit_log = _entries(EsmeLog.CREDITS)       # ECS20d


def _half_hours(state: EsmeState, start: int, end: int, now: int) -> list[int]:
    return _steps(start, end, now, energy.SLOT, HALF_HOUR_CAPACITY)


def active_import_profile(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS22b: half-hourly active import (each entry stamped at the end of its half hour); a twin element
    meter adds its secondary element's."""
    seed, caps = meter.model(state).seed, meter.caps_of(state)
    stamps = _half_hours(state, start, end, now)
    if caps.twin:
        rows = [(s, energy.import_wh(seed, s // energy.SLOT - 1), energy.secondary_wh(seed, s // energy.SLOT - 1))
                for s in stamps]
        return x.compact(x.t_structure(x.t(DLU), x.t(DLU), x.t(DLU)), rows)
    return _pair([(s, energy.import_wh(seed, s // energy.SLOT - 1)) for s in stamps])


def reactive_import_profile(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS22c: half-hourly reactive import."""
    seed = meter.model(state).seed
    return _pair([(s, energy.reactive_import_varh(seed, s // energy.SLOT - 1))
                  for s in _half_hours(state, start, end, now)])


def export_profile(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS22a: half-hourly active and reactive export."""
    seed = meter.model(state).seed
    rows = [(s, energy.export_wh(seed, s // energy.SLOT - 1), energy.reactive_export_varh(seed, s // energy.SLOT - 1))
            for s in _half_hours(state, start, end, now)]
    return x.compact(x.t_structure(x.t(DLU), x.t(DLU), x.t(DLU)), rows)


def daily_consumption_log(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS66: active import of the day ending at each midnight."""
    seed = meter.model(state).seed
    rows = []
    for stamp in _steps(start, end, now, DAY, DAILY_CAPACITY):
        first = stamp // energy.SLOT - energy.SLOTS_PER_DAY
        rows.append((stamp, sum(energy.import_wh(seed, s) for s in range(first, first + energy.SLOTS_PER_DAY))))
    return _pair(rows)


def voltage_profile(phase: int) -> Reader:
    def read(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
        seed = meter.model(state).seed
        return _pair([(s, energy.voltage(seed, s // HOUR - 1, phase))
                      for s in _steps(start, end, now, HOUR, VOLTAGE_CAPACITY)])
    read.__doc__ = f"ECS23 / ECS23b: hourly average RMS voltage of phase {phase}."
    return read
