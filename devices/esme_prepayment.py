"""The electricity meter's supply and prepayment as named transitions: what the Supplier's commands, the
consumer and the passing of time do to its load switch, payment mode, meter balance, emergency credit and
debts.

Each transition changes the meter model (``esme_state.EsmeMeter``) through the supply state machine
(``devices.supply``), logs what GBCS logs and returns the alert codes it raises (the caller sends them);
a transition the meter refuses raises ``SupplyRefused`` or ``CreditRefused`` and changes nothing. Event
tables (credit exhausted, the consumer's button) call the same functions.

Credit is the meter balance plus the emergency credit balance; it is exhausted, in prepayment mode, when it
is at or below the disablement threshold (GBCS extended data "Disablement Threshold Meter Balance"). Money is
in the meter balance's units (currency x 10^-5).
"""
from __future__ import annotations

from datetime import datetime

from devices import supply
from devices.esme_meter import COMMAND_ACTIONED, SUPPLY_ARMED, log_event, model, set_supply
from devices.esme_state import EsmeLog, LoggedAmount, PaymentMode
from devices.state import EsmeState
from devices.supply import SupplyRefused, SupplyState
from gbcs.dlms import utc_seconds

__all__ = ["CREDIT_BELOW_DISABLEMENT", "CreditRefused", "SupplyRefused", "activate_emergency_credit",
           "adjust_balance", "arm", "check_credit", "consumer_enable", "credit_available", "credit_exhausted",
           "disable", "enable", "reset_balances", "set_payment_mode", "update_debt"]

CREDIT_BELOW_DISABLEMENT = 0x8F0F
EMERGENCY_CREDIT_ACTIVATED = 0x81AB
EMERGENCY_CREDIT_EXHAUSTED = 0x81AA


class CreditRefused(Exception):
    """The meter refuses a change of its credit (it would break a limit, or emergency credit is not available)."""


def credit_available(state: EsmeState, threshold: int = 0) -> bool:
    """Whether the meter has credit above the disablement threshold (always, in credit mode)."""
    meter = model(state)
    if meter.payment_mode is not PaymentMode.PREPAYMENT:
        return True
    return meter.prepay.balance + meter.prepay.emergency > threshold


# --- the Supplier's supply commands (ECS42, ECS43, ECS44) and the consumer ------------------------

def enable(state: EsmeState, now: datetime, threshold: int = 0) -> list[int]:
    """7.1: close the load switch, unless prepayment credit is exhausted."""
    meter = model(state)
    new = supply.enable(meter.supply, credit_available=credit_available(state, threshold))
    meter.credit_interrupted = False
    set_supply(state, new, now)
    return []


def disable(state: EsmeState, now: datetime) -> list[int]:
    """7.2: open the load switch; only the Supplier enables or arms it again."""
    meter = model(state)
    new = supply.disable(meter.supply)
    meter.credit_interrupted = False
    set_supply(state, new, now)
    return []


def arm(state: EsmeState, now: datetime) -> list[int]:
    """7.3: arm the load switch for the consumer to close it."""
    meter = model(state)
    set_supply(state, supply.arm(meter.supply), now)
    return []


def consumer_enable(state: EsmeState, now: datetime) -> list[int]:
    """The consumer presses the button of an armed meter: the load switch closes."""
    meter = model(state)
    set_supply(state, supply.consumer_enable(meter.supply), now)
    meter.credit_interrupted = False
    return []


def credit_exhausted(state: EsmeState, now: datetime) -> list[int]:
    """Prepayment credit has run out: the supply is interrupted (and re-armed when credit returns)."""
    meter = model(state)
    if meter.supply is not SupplyState.ENABLED:
        return []
    set_supply(state, supply.credit_exhausted(meter.supply), now)
    meter.credit_interrupted = True
    return [CREDIT_BELOW_DISABLEMENT]


def _credit_restored(state: EsmeState, now: datetime, threshold: int) -> list[int]:
    meter = model(state)
    if not meter.credit_interrupted or not credit_available(state, threshold):
        return []
    meter.credit_interrupted = False
    set_supply(state, supply.credit_restored(meter.supply), now)
    return [SUPPLY_ARMED] if meter.supply is SupplyState.ARMED else []


def check_credit(state: EsmeState, now: datetime, threshold: int = 0) -> list[int]:
    """After consumption or a change of credit: interrupt the supply when credit is exhausted, arm it again
    when credit is back."""
    meter = model(state)
    alerts: list[int] = []
    prepay = meter.prepay
    if prepay.emergency > 0 and prepay.balance < 0:      # emergency credit pays once the balance is spent
        used = min(prepay.emergency, -prepay.balance)
        prepay.emergency -= used
        prepay.balance += used
        if prepay.emergency == 0:
            log_event(state, EsmeLog.EVENT, EMERGENCY_CREDIT_EXHAUSTED, now)
            alerts.append(EMERGENCY_CREDIT_EXHAUSTED)
    if not credit_available(state, threshold):
        return alerts + credit_exhausted(state, now)
    return alerts + _credit_restored(state, now, threshold)


# --- credit (ECS04a, ECS04b, ECS09) ---------------------------------------------------------------

def adjust_balance(state: EsmeState, amount: int, now: datetime, maximum: int, threshold: int = 0) -> list[int]:
    """1.5 (ECS04a): add ``amount`` (may be negative) to the meter balance, within the maximum meter balance."""
    prepay = model(state).prepay
    if prepay.balance + amount > maximum:
        raise CreditRefused(f"a balance of {prepay.balance + amount} would exceed the maximum meter balance "
                            f"{maximum}")
    prepay.balance += amount
    if amount > 0:
        log_event(state, EsmeLog.EVENT, COMMAND_ACTIONED, now)
    return check_credit(state, now, threshold)


def reset_balances(state: EsmeState, now: datetime, threshold: int = 0, *, balance: bool = True,
                   emergency: bool = True, accumulated_debt: bool = True) -> list[int]:
    """1.5 (ECS04b): the meter balance, emergency credit balance and accumulated debt register to zero."""
    prepay = model(state).prepay
    if balance:
        prepay.balance = 0
    if emergency:
        prepay.emergency = 0
    if accumulated_debt:
        prepay.accumulated_debt = 0
    return check_credit(state, now, threshold)


def activate_emergency_credit(state: EsmeState, now: datetime, *, amount: int, available_below: int,
                              threshold: int = 0) -> list[int]:
    """2.5 (ECS09): emergency credit, offered in prepayment mode once the meter balance is at or below its
    availability threshold; activating it when already active succeeds."""
    meter = model(state)
    prepay = meter.prepay
    if prepay.emergency > 0:
        return []
    if meter.payment_mode is not PaymentMode.PREPAYMENT:
        raise CreditRefused("emergency credit is a prepayment mode function")
    if prepay.balance > available_below:
        raise CreditRefused(f"emergency credit is available once the meter balance is at or below "
                            f"{available_below}, it is {prepay.balance}")
    prepay.emergency = amount
    log_event(state, EsmeLog.EVENT, EMERGENCY_CREDIT_ACTIVATED, now)
    return [EMERGENCY_CREDIT_ACTIVATED] + check_credit(state, now, threshold)


# --- debt (ECS07) and payment mode (ECS02, ECS03) --------------------------------------------------

DEBT_REGISTERS = ("time_debt_1", "time_debt_2", "payment_debt")


def update_debt(state: EsmeState, register: str, amount: int, now: datetime) -> None:
    """2.3: adjust a debt register (time debt 1 or 2, payment debt) by ``amount``; a debt never goes negative."""
    prepay = model(state).prepay
    current = prepay.payment_debt if register == "payment_debt" else prepay.time_debts[DEBT_REGISTERS.index(register)]
    if current + amount < 0:
        raise CreditRefused(f"{register} {current} cannot be reduced by {-amount}")
    if register == "payment_debt":
        prepay.payment_debt += amount
    else:
        prepay.time_debts[DEBT_REGISTERS.index(register)] += amount
    if amount < 0:
        model(state).logs.debt_payments.append(LoggedAmount(utc_seconds(now), -amount))


def set_payment_mode(state: EsmeState, mode: PaymentMode, now: datetime, threshold: int = 0) -> list[int]:
    """1.6: the account's payment mode takes effect (credit mode never interrupts supply for want of credit)."""
    meter = model(state)
    if meter.payment_mode is mode:
        return check_credit(state, now, threshold)
    meter.payment_mode = mode
    log_event(state, EsmeLog.EVENT, COMMAND_ACTIONED, now)
    if mode is PaymentMode.CREDIT and meter.credit_interrupted:
        meter.credit_interrupted = False
        set_supply(state, SupplyState.ARMED, now)
        return [SUPPLY_ARMED]
    return check_credit(state, now, threshold)
