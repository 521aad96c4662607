"""The electricity meter's state and how it changes: clock, registers, prepayment, supply and logs.

The model (``devices.esme_state.EsmeMeter``) is the ``meter`` of an ESME's state. Registers advance with the
simulated consumption of ``esme_consumption`` half hour by half hour, each half hour's energy going to the
TOU register, block register and block counter of the rate the active tariff selects (``esme_tariff``); in
prepayment terms its cost comes off the meter balance. Events that GBCS logs (tariff activation, clock
change, top up, supply change, log clears) are written to the event, security or auxiliary controller log
as they happen.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from devices import esme_consumption as energy
from devices import top_ups
from devices import esme_tariff as tariff
from devices.attribute_store import AttributeStore
from gbcs.dlms import from_utc_seconds, utc_seconds
from devices.attribute_store import key
from devices.esme_state import (BillingSnapshot, EsmeLog, EsmeMeter, EsmePrepayment, LoggedAmount, LoggedEvent,
                                PaymentMode, Registers, SupplyState)
from devices.esme_variant import Capabilities, capabilities
from devices.state import DLMS_REQUEST, EsmeState, HeldCommand

# GBCS event / alert codes written to the logs.
EVENT_LOG_CLEARED = 0x8F52
CLOCK_ADJUSTED = 0x8145
COMMAND_ACTIONED = 0x8154           # immediate HAN interface command received and successfully actioned
FUTURE_COMMAND_ACTIONED = 0x8F66    # a future-dated command (a tariff activation) took effect
DUPLICATE_UTRN = top_ups.DUPLICATE_UTRN
UTRN_REJECTED = top_ups.UTRN_NOT_AUTHENTIC
SUPPLY_ARMED = 0x8F32
SUPPLY_INTERRUPTED = 0x8F57
SUPPLY_RESTORED = 0x8F35

LOG_CAPACITY = {EsmeLog.EVENT: 100, EsmeLog.SECURITY: 100, EsmeLog.AUXILIARY: 100, EsmeLog.TARIFF_BILLING: 12,
                EsmeLog.DEBT_PAYMENTS: 100, EsmeLog.CREDITS: 100}
MAX_CATCH_UP = 400 * 86400          # longer gaps are credited to the total registers in one step
START_IMPORT_WH = 18_000_000        # a meter that has been running for some years
START_BALANCE = 1_000_000


def _zeros(n: int) -> list[float]:
    return [0.0] * n


def ensure(state: EsmeState, now: datetime) -> EsmeMeter:
    """The meter model of a device state, created on first use from what the inventory said."""
    if state.meter is None:
        caps = capabilities(state.variant)
        seed = energy.seed_of(state.device_id)
        imported = float(START_IMPORT_WH + seed % 5_000_000)
        secondary = float(seed % 3_000_000) if caps.twin else 0.0
        registers = Registers(active_import=imported, reactive_import=imported / 4,
                              active_export=float(seed % 900_000), reactive_export=0.0,
                              tou=[imported] + _zeros(47), block=[_zeros(8) for _ in range(4)],
                              counter=[_zeros(8) for _ in range(4)], secondary=secondary,
                              secondary_tou=[secondary] + _zeros(3))
        state.meter = EsmeMeter(seed=seed, offset=0, at=utc_seconds(now), registers=registers,
                                prepay=EsmePrepayment(START_BALANCE, 0, 0, 0, [0, 0]))
    return state.meter


def model(state: EsmeState) -> EsmeMeter:
    """The meter model of a state that has answered a request (``ensure`` makes it)."""
    if state.meter is None:
        raise LookupError("the meter has not run yet: esme_meter.ensure makes its model")
    return state.meter


def caps_of(state: EsmeState) -> Capabilities:
    return capabilities(state.variant)


def device_now(state: EsmeState, now: datetime) -> datetime:
    """The meter's clock: real time plus the offset a clock setting left."""
    return now + timedelta(seconds=state.meter.offset if state.meter is not None else 0)


# --- logs ----------------------------------------------------------------------------------------

def log(state: EsmeState, name: EsmeLog | str, entry: Any) -> None:
    entries = getattr(model(state).logs, EsmeLog(name).value)
    entries.append(entry)
    del entries[:-LOG_CAPACITY[name]]


def log_event(state: EsmeState, name: EsmeLog | str, code: int, at: datetime) -> None:
    log(state, name, LoggedEvent(code, utc_seconds(at)))


def clear_log(state: EsmeState, name: EsmeLog | str, at: datetime) -> None:
    """Clear the event log or the auxiliary controller log; the clearing is recorded in the security log,
    which itself can never be cleared remotely."""
    if EsmeLog(name) is EsmeLog.SECURITY:
        raise ValueError("the security log cannot be cleared")
    setattr(model(state).logs, EsmeLog(name).value, [])
    log_event(state, EsmeLog.SECURITY, EVENT_LOG_CLEARED, at)


# --- registers ---------------------------------------------------------------------------------

class Tariffs:
    """The active tariff of each element, compiled once per request, with selectors memoised per day."""

    def __init__(self, store: AttributeStore, caps: Capabilities):
        self.store = store
        self.defaults = tariff.factory_defaults(caps.twin)
        self.calendars = {1: tariff.Calendar.from_store(store, self.defaults, 1)}
        if caps.twin:
            self.calendars[2] = tariff.Calendar.from_store(store, self.defaults, 2)
        self._days: dict[tuple[int, int], list[int]] = {}
        self.limits = {r: tariff.thresholds(store, self.defaults, r) for r in range(1, tariff.BLOCK_RATES + 1)}
        self.prices = tariff.price_table(store, self.defaults)
        self.scale = tariff.price_scale(store, self.defaults)
        self.daily_charge = tariff.standing_charge(store, self.defaults)

    def selector(self, slot: int, element: int = 1) -> int:
        day, part = divmod(slot, energy.SLOTS_PER_DAY)
        cached = self._days.get((element, day))
        if cached is None:
            cached = self.calendars[element].half_hours(from_utc_seconds(day * 86400).date())
            self._days[(element, day)] = cached
        return cached[part]

    def unit_price(self, selector: int, block: int = 1) -> int:
        return self.prices.get(tariff.price_code(selector, block), 0)

    def cost(self, wh: float, selector: int, block: int) -> float:
        """Cost of ``wh`` at a rate, in the meter balance's units (currency × 10^-5)."""
        return self.unit_price(selector, block) * (10.0 ** (self.scale + 5)) * wh / 1000.0


def _split_blocks(limits: list[int], counted: float, wh: float, sign: int) -> list[tuple[int, float]]:
    """How ``wh`` of a block rate's consumption falls into blocks (1..4), given what the block period has
    counted so far; rewinding (sign -1) takes it back from the highest block reached."""
    limits = limits[:tariff.BLOCKS - 1]
    parts, left = [], wh
    while left > 1e-9:
        if sign > 0:
            block = tariff.block_of(limits, counted)
            room = limits[block - 1] - counted if block <= len(limits) else left
            part = min(left, room) if room > 0 else left
            counted += part
        else:
            block = tariff.block_of(limits, max(0.0, counted - 1e-6))
            floor = limits[block - 2] if block >= 2 else 0
            part = min(left, counted - floor) if counted - floor > 0 else left
            counted -= part
        parts.append((block, part))
        left -= part
    return parts


def attribute_energy(reg: Registers, tariffs: Tariffs, slot: int, wh: float,
                     sign: int = 1) -> tuple[int, list[tuple[int, float]]]:
    """Put ``wh`` of primary import into the rate registers for ``slot``; return the selector and how the
    energy fell into blocks."""
    selector = tariffs.selector(slot)
    if 1 <= selector <= 48:
        reg.tou[selector - 1] += sign * wh
        return selector, [(1, wh)]
    if 101 <= selector <= 108:
        rate = selector - 100
        counted = sum(reg.counter[b][rate - 1] for b in range(4))
        parts = _split_blocks(tariffs.limits[rate], counted, wh, sign)
        for block, part in parts:
            reg.block[block - 1][rate - 1] += sign * part
            reg.counter[block - 1][rate - 1] += sign * part
        return selector, parts
    return selector, [(1, wh)]


def advance(state: EsmeState, now: datetime, store: AttributeStore) -> None:
    """Run the meter from its last update to ``now``: registers, prepayment balance, tariff activations."""
    meter = ensure(state, now)
    caps = caps_of(state)
    current = utc_seconds(device_now(state, now))
    start = meter.at
    if current <= start:
        meter.at = max(start, current)
        return
    reg, seed = meter.registers, meter.seed
    if current - start > MAX_CATCH_UP:
        skipped = current - MAX_CATCH_UP - start
        reg.active_import += skipped / energy.SLOT * energy.MEAN_IMPORT_WH
        start = current - MAX_CATCH_UP
    tariffs = Tariffs(store, caps)
    supplied = meter.supply is SupplyState.ENABLED
    # in prepayment mode the load switch opens once credit is spent (``esme_prepayment.check_credit``)
    credit_floor = disablement_threshold(store) if meter.payment_mode is PaymentMode.PREPAYMENT else None
    slot = start // energy.SLOT
    cost = 0.0
    while slot * energy.SLOT < current:
        lo, hi = max(start, slot * energy.SLOT), min(current, (slot + 1) * energy.SLOT)
        share = (hi - lo) / energy.SLOT
        if supplied:
            wh = energy.import_wh(seed, slot) * share
            reg.active_import += wh
            reg.reactive_import += energy.reactive_import_varh(seed, slot) * share
            selector, parts = attribute_energy(reg, tariffs, slot, wh)
            cost += sum(tariffs.cost(part, selector, block) for block, part in parts)
            if caps.twin:
                secondary = energy.secondary_wh(seed, slot) * share
                reg.secondary += secondary
                second = tariffs.selector(slot, 2)
                if 201 <= second <= 204:
                    reg.secondary_tou[second - 201] += secondary
        reg.active_export += energy.export_wh(seed, slot) * share
        reg.reactive_export += energy.reactive_export_varh(seed, slot) * share
        cost += tariffs.daily_charge * (10.0 ** (tariffs.scale + 5)) * (hi - lo) / 86400
        if credit_floor is not None and meter.prepay.balance + meter.prepay.emergency - cost <= credit_floor:
            supplied = False
        slot += 1
    meter.prepay.balance = int(meter.prepay.balance - cost)
    if meter.payment_mode is PaymentMode.PREPAYMENT:
        recover_time_debts(meter, store, meter.at, current)
    meter.at = current


TIME_DEBT_CHARGES = ("0000131401FF", "0000131402FF")     # debt recovery rates 1 and 2 (ECS07 sets them)


def _recovery_rate(store: AttributeStore, obis: str) -> tuple[int, int]:
    """(amount per period in the meter balance's units, period in seconds) of a time debt's recovery rate."""
    charge = store.get(key(113, obis, 5)) or {}
    period = (store.get(key(113, obis, 8)) or {}).get("value") or 86400
    try:
        scaling, _commodity, table = charge["items"]
        scale = scaling["items"][1]["value"]
        amount = table["items"][0]["items"][1]["value"]
    except (KeyError, IndexError, TypeError):
        return 0, period
    return int(amount * 10.0 ** (scale + 5)), period


def recover_time_debts(meter: EsmeMeter, store: AttributeStore, start: int, end: int) -> None:
    """In prepayment mode each time debt is recovered from the meter balance at its rate, a whole period at a
    time (the periods that ended between ``start`` and ``end``)."""
    prepay = meter.prepay
    for index, obis in enumerate(TIME_DEBT_CHARGES):
        amount, period = _recovery_rate(store, obis)
        periods = end // period - start // period
        if amount <= 0 or periods <= 0 or prepay.time_debts[index] <= 0:
            continue
        recovered = min(prepay.time_debts[index], amount * periods)
        prepay.time_debts[index] -= recovered
        prepay.balance -= recovered
        prepay.accumulated_debt += recovered


def activate_tariffs(state: EsmeState, store: AttributeStore, now: datetime) -> list[str]:
    """Apply due tariff activations; each activation snapshots the registers into the tariff-triggered
    billing data log first (the old tariff's period closes) and is recorded in the event log."""
    moment = device_now(state, now)
    due = [m for m in tariff.pending_activations(store) if m <= moment]
    immediate = any(tariff.activation_moment(store[n])[0] == "immediate" for n in tariff.activations(store))
    if not due and not immediate:
        return []
    log(state, EsmeLog.TARIFF_BILLING, snapshot(state, moment))
    activated = tariff.activate_due(store, moment)
    if activated:
        log_event(state, EsmeLog.EVENT, FUTURE_COMMAND_ACTIONED if due and not immediate else COMMAND_ACTIONED,
                  moment)
    return activated


def cancel_held_tariffs(state: EsmeState) -> None:
    """A tariff cancellation also cancels the future-dated tariff commands the device holds."""
    if state.future:
        state.future = [item for item in state.future if not _holds_tariff(item)]


def _holds_tariff(item: HeldCommand) -> bool:
    return item.payload_kind == DLMS_REQUEST and any(
        spec.get("class") == 20 and spec.get("attribute") == 10 for spec in item.request.get("specs", []))


def snapshot(state: EsmeState, moment: datetime) -> BillingSnapshot:
    """Registers and prepayment values now, as a billing data log entry stores them."""
    meter = model(state)
    reg = meter.registers
    return BillingSnapshot(at=utc_seconds(moment), active_import=int(reg.active_import), secondary=int(reg.secondary),
                           tou=tuple(int(v) for v in reg.tou), secondary_tou=tuple(int(v) for v in reg.secondary_tou),
                           block=tuple(tuple(int(v) for v in row) for row in reg.block),
                           prepay=tuple(meter.prepay.values()))


def prepay_values(state: EsmeState) -> list[int]:
    """Meter balance, emergency credit balance, accumulated debt, payment debt, time debts 1 and 2."""
    return model(state).prepay.values()


def reset_block_counters(state: EsmeState, at: datetime) -> None:
    """1.7 (ECS05): the tariff block counter matrix back to zero (a new block period)."""
    registers = model(state).registers
    registers.counter = [[0.0] * len(row) for row in registers.counter]
    log_event(state, EsmeLog.EVENT, COMMAND_ACTIONED, at)


# --- clock ----------------------------------------------------------------------------------------

def set_clock(state: EsmeState, now: datetime, target: datetime) -> None:
    """Set the meter's clock to ``target`` (the registers keep their values; the jump is not metered)."""
    meter = model(state)
    meter.offset = int((target - now).total_seconds())
    meter.at = utc_seconds(target)
    log_event(state, EsmeLog.SECURITY, CLOCK_ADJUSTED, target)


# --- supply ---------------------------------------------------------------------------------------

DISABLEMENT_THRESHOLD = key(9000, "00005E2C8016", 2)     # GBCS extended data: disablement threshold


def disablement_threshold(store: AttributeStore) -> int:
    """The meter balance (with emergency credit) at or below which prepayment interrupts the supply."""
    value = (store.get(DISABLEMENT_THRESHOLD) or {}).get("value", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- the load switch (moved by ``esme_prepayment``'s transitions) ---------------------------------------

_SUPPLY_EVENTS = {SupplyState.DISABLED: SUPPLY_INTERRUPTED, SupplyState.ARMED: SUPPLY_ARMED,
                  SupplyState.ENABLED: SUPPLY_RESTORED}


def set_supply(state: EsmeState, new: SupplyState | str, at: datetime) -> None:
    supply = SupplyState(new)          # ValueError for a state the meter does not have
    meter = model(state)
    if meter.supply is not supply:
        meter.supply = supply
        log_event(state, EsmeLog.EVENT, _SUPPLY_EVENTS[supply], at)


# --- prepayment -------------------------------------------------------------------------------------

PENCE = 1000          # meter balance units (currency × 10^-5) in a penny

def top_up(state: EsmeState, utrn: str, at: datetime, debt_share: float, entry: top_ups.Entry) -> bool:
    """Apply a UTRN if the meter accepts it (``devices.top_ups``: check digit, tag, counter); a refused one
    is logged (not authentic: security log; used or stale: event log) and credits nothing. Otherwise its
    value (less the share that recovers payment-based debt) is credited to the meter balance and logged."""
    verdict = top_ups.check(state, utrn, entry)
    if verdict.top_up is None:
        refusal = verdict.refusal
        log_event(state, EsmeLog.SECURITY if refusal.event == UTRN_REJECTED else EsmeLog.EVENT, refusal.event, at)
        return False
    top_ups.record(state, verdict.top_up)
    amount = verdict.pennies * PENCE
    prepay = model(state).prepay
    recovered = min(prepay.payment_debt, int(amount * debt_share)) if prepay.payment_debt > 0 else 0
    if recovered:
        prepay.payment_debt -= recovered
        prepay.accumulated_debt = max(0, prepay.accumulated_debt - recovered)
        log(state, EsmeLog.DEBT_PAYMENTS, LoggedAmount(utc_seconds(at), recovered))
    prepay.balance += amount - recovered
    log(state, EsmeLog.CREDITS, LoggedAmount(utc_seconds(at), amount))
    log_event(state, EsmeLog.EVENT, COMMAND_ACTIONED, at)
    return True


def register_view(state: EsmeState) -> dict[str, Any]:
    """Current register values as integers (for reads and tests)."""
    reg = model(state).registers
    return {"import": int(reg.active_import), "reactive_import": int(reg.reactive_import),
            "export": int(reg.active_export), "reactive_export": int(reg.reactive_export),
            "tou": [int(v) for v in reg.tou], "block": [[int(v) for v in row] for row in reg.block],
            "counter": [[int(v) for v in row] for row in reg.counter],
            "secondary": int(reg.secondary), "secondary_tou": [int(v) for v in reg.secondary_tou]}
