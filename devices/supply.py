"""The supply state machine of a meter (an ESME's load switch, a GSME's valve): states and named transitions.

A meter's supply is Enabled, Disabled or Armed. The transitions, by who or what drives them:

* the Supplier: ``enable`` (ECS42: not while prepayment credit is exhausted), ``disable`` (ECS43 / GCS32),
  ``arm`` (ECS44 / GCS39: a supply that is Enabled cannot be armed);
* the consumer: ``consumer_enable`` (pressing the button of an Armed meter);
* prepayment: ``credit_exhausted`` (credit, emergency credit included, at or below the disablement
  threshold: an Enabled supply is Disabled), ``credit_restored`` (credit back above it, by a top-up, a meter
  balance adjustment or emergency credit: a supply Disabled for want of credit is Armed, never Enabled).

Each transition returns the new state, or raises ``SupplyRefused`` (the meter answers the command with a
failure, as the RTDS error cases do); the meter models (``esme_meter``, ``gas_meter``) apply them to their
state, log the change and raise its alerts. Event tables (credit exhausted, the consumer's button) call the
same functions.
"""
from __future__ import annotations

from enum import StrEnum


class SupplyState(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"
    ARMED = "Armed"


class SupplyRefused(Exception):
    """The meter refuses the transition in its current state (the command's originator is told so)."""


def enable(current: SupplyState, *, credit_available: bool = True) -> SupplyState:
    """The Supplier enables the supply (ECS42)."""
    if not credit_available:
        raise SupplyRefused("the supply cannot be enabled while prepayment credit is exhausted")
    return SupplyState.ENABLED


def disable(current: SupplyState) -> SupplyState:
    """The Supplier disables the supply (ECS43, GCS32)."""
    return SupplyState.DISABLED


def arm(current: SupplyState) -> SupplyState:
    """The Supplier arms the supply for the consumer to enable it (ECS44, GCS39)."""
    if current is SupplyState.ENABLED:
        raise SupplyRefused("an enabled supply cannot be armed")
    return SupplyState.ARMED


def consumer_enable(current: SupplyState) -> SupplyState:
    """The consumer presses the button: an Armed supply is Enabled."""
    if current is not SupplyState.ARMED:
        raise SupplyRefused(f"a {current.value.lower()} supply is not enabled by the consumer")
    return SupplyState.ENABLED


def credit_exhausted(current: SupplyState) -> SupplyState:
    """Prepayment credit ran out: the supply is interrupted."""
    return SupplyState.DISABLED


def credit_restored(current: SupplyState) -> SupplyState:
    """Prepayment credit is back above the disablement threshold: a Disabled supply is Armed."""
    return SupplyState.ARMED if current is SupplyState.DISABLED else current
