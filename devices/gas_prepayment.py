"""The gas meter's valve and prepayment as named transitions: what the Supplier's commands do to its valve,
payment mode, credit, emergency credit and debts (``devices.gas_state.GasData``).

The valve follows the supply state machine (``devices.supply``): GBCS lets a Supplier close it (GCS32) and arm
it (GCS39) — a gas valve is opened by the consumer, never remotely. Each transition logs to the meter's event
log and returns the new state, or raises ``SupplyRefused`` / ``CreditRefused`` and changes nothing (the meter
answers HARDWARE_FAILURE, as the RTDS error cases do). Money is in 1/100000 GBP.
"""
from __future__ import annotations

from devices import supply
from devices.gas_meter import log_general_event
from devices.gas_state import GasData, PendingPaymentMode, TariffParts
from devices.supply import SupplyRefused, SupplyState

__all__ = ["CreditRefused", "SupplyRefused", "adjust_credit", "arm", "change_debt", "consumer_enable",
           "disable", "select_emergency_credit", "set_friendly_credit", "set_payment_mode"]

SUPPLY_ARMED, SUPPLY_INTERRUPTED, SUPPLY_RESTORED = 0x8F32, 0x8F57, 0x8F35
EMERGENCY_CREDIT_ACTIVATED = 0x81AB
PREPAYMENT_ENABLED = 0x0002            # ZCL Payment Control Configuration bit
_EVENTS = {SupplyState.DISABLED: SUPPLY_INTERRUPTED, SupplyState.ARMED: SUPPLY_ARMED,
           SupplyState.ENABLED: SUPPLY_RESTORED}
# ZCL credit adjustment types and debt amount types.
PREPAY_INCREMENTAL, PREPAY_ABSOLUTE, CREDIT_ABSOLUTE, CREDIT_INCREMENTAL = 0, 1, 2, 3


class CreditRefused(Exception):
    """The meter refuses a change of its credit or debts."""


def _move(gas: GasData, new: SupplyState, now: int) -> SupplyState:
    if gas.supply is not new:
        gas.supply = new
        log_general_event(gas, _EVENTS[new], now)
    return new


def disable(gas: GasData, now: int) -> SupplyState:
    """7.2 (GCS32): close the valve."""
    return _move(gas, supply.disable(gas.supply), now)


def arm(gas: GasData, now: int) -> SupplyState:
    """7.3 (GCS39): arm the valve for the consumer to open it."""
    return _move(gas, supply.arm(gas.supply), now)


def consumer_enable(gas: GasData, now: int) -> SupplyState:
    """The consumer opens an armed valve."""
    return _move(gas, supply.consumer_enable(gas.supply), now)


def in_prepayment(gas: GasData) -> bool:
    return bool(gas.prepayment.payment_mode & PREPAYMENT_ENABLED)


def adjust_credit(gas: GasData, adjustment_type: int, value: int, now: int) -> None:
    """1.5 (GCS40a–d): adjust or reset the prepayment credit, or the credit mode balance (bill to date, which
    grows with consumption: an adjustment is taken off it)."""
    prepayment = gas.prepayment
    if adjustment_type == PREPAY_INCREMENTAL:
        if prepayment.credit + value > prepayment.max_credit:
            raise CreditRefused(f"credit {prepayment.credit + value} would exceed the maximum {prepayment.max_credit}")
        prepayment.credit += value
    elif adjustment_type == PREPAY_ABSOLUTE:
        prepayment.credit = value
    elif adjustment_type == CREDIT_ABSOLUTE:
        prepayment.bill_to_date = max(0, value)
    elif adjustment_type == CREDIT_INCREMENTAL:
        prepayment.bill_to_date = max(0, prepayment.bill_to_date - value)
    else:
        raise CreditRefused(f"credit adjustment type {adjustment_type}")


def select_emergency_credit(gas: GasData, now: int) -> None:
    """2.5 (GCS06): emergency credit, in prepayment mode once credit is at or below its threshold; selecting
    it when already selected succeeds."""
    prepayment = gas.prepayment
    if prepayment.emergency_active:
        return
    if not in_prepayment(gas):
        raise CreditRefused("emergency credit is a prepayment mode function")
    if prepayment.credit > prepayment.emergency_credit_threshold:
        raise CreditRefused(f"emergency credit is available at or below {prepayment.emergency_credit_threshold}")
    prepayment.emergency_active = True
    prepayment.emergency_credit = prepayment.emergency_credit_limit
    log_general_event(gas, EMERGENCY_CREDIT_ACTIVATED, now)


# ZCL debt amount type → (debt index, incremental?)
DEBT_TYPES = {0: (0, False), 1: (0, True), 2: (1, False), 3: (1, True), 4: (2, False), 5: (2, True)}


def change_debt(gas: GasData, amount_type: int, amount: int, *, frequency: int, recovery: int,
                percentage: int) -> None:
    """2.3 (GCS04): set or adjust a debt register and how it is recovered (time debts: an amount per period;
    payment-based debt: a share of each top-up)."""
    if amount_type not in DEBT_TYPES:
        raise CreditRefused(f"debt amount type {amount_type}")
    index, incremental = DEBT_TYPES[amount_type]
    prepayment = gas.prepayment
    new = prepayment.debts[index] + amount if incremental else amount
    if new < 0:
        raise CreditRefused(f"debt {index + 1} would become negative ({new})")
    prepayment.debts[index] = new
    if index < 2:
        prepayment.recovery_amounts[index] = recovery
        prepayment.recovery_frequency[index] = frequency
    else:
        prepayment.recovery_percentage = percentage


CANCELLED = (0xFFFFFFFF, 0xFFFFFFFE)


def set_payment_mode(gas: GasData, configuration: int, cut_off_value: int, *, start: int, now: int) -> None:
    """1.6 (GCS02 / GCS03): the payment control configuration and cut-off value take effect now, wait for
    their implementation time (``gas_meter.advance`` applies them), or — a cancellation — never."""
    if start in CANCELLED:
        gas.pending_payment_mode = None
    elif start > now:
        gas.pending_payment_mode = PendingPaymentMode(start, configuration, cut_off_value)
    else:
        gas.prepayment.payment_mode = configuration
        gas.prepayment.cut_off_value = cut_off_value


def set_friendly_credit(gas: GasData, parts: TariffParts) -> None:
    """2.1 (GCS05): the published non-disablement calendar becomes the meter's friendly credit calendar."""
    calendar = parts.calendar
    calendar.days.update(parts.days)
    calendar.weeks.update(parts.weeks)
    calendar.seasons = list(parts.seasons or [])
    calendar.special_days = list(parts.special_days or [])
    gas.friendly_credit = calendar
