"""What an electricity meter's model holds: its clock, registers, prepayment values, supply, payment mode and
logs (``devices.esme_meter`` changes them)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from devices.supply import SupplyState


class PaymentMode(StrEnum):
    CREDIT = "Credit"
    PREPAYMENT = "Prepayment"


class EsmeLog(StrEnum):
    """The logs an ESME writes, by name."""

    EVENT = "event"
    SECURITY = "security"
    AUXILIARY = "auxiliary"
    TARIFF_BILLING = "tariff_billing"
    DEBT_PAYMENTS = "debt_payments"
    CREDITS = "credits"


@dataclass(slots=True)
class Registers:
    """Energy registers (Wh, varh) as the meter accumulates them, fractions of a unit included."""

    active_import: float
    reactive_import: float
    active_export: float
    reactive_export: float
    tou: list[float]                    # 48 time-of-use rates
    block: list[list[float]]            # 4 blocks x 8 block-tariff rates
    counter: list[list[float]]          # the block counters, 4 x 8
    secondary: float                    # a twin element meter's secondary element
    secondary_tou: list[float]          # its 4 time-of-use rates


@dataclass(slots=True)
class EsmePrepayment:
    """Meter balance, emergency credit, debts (currency x 10^-5)."""

    balance: int
    emergency: int
    accumulated_debt: int
    payment_debt: int
    time_debts: list[int]

    def values(self) -> list[int]:
        """Meter balance, emergency credit balance, accumulated debt, payment debt, time debts 1 and 2."""
        return [int(self.balance), int(self.emergency), int(self.accumulated_debt), int(self.payment_debt),
                *[int(v) for v in self.time_debts]]


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    code: int
    at: int                             # UTC seconds since 2000


@dataclass(frozen=True, slots=True)
class LoggedAmount:
    at: int
    amount: int


@dataclass(frozen=True, slots=True)
class BillingSnapshot:
    """Registers and prepayment values when a tariff change took effect (the tariff-triggered billing log)."""

    at: int
    active_import: int
    secondary: int
    tou: tuple[int, ...]
    secondary_tou: tuple[int, ...]
    block: tuple[tuple[int, ...], ...]
    prepay: tuple[int, ...]


@dataclass(slots=True)
class EsmeLogs:
    event: list[LoggedEvent] = field(default_factory=list)
    security: list[LoggedEvent] = field(default_factory=list)
    auxiliary: list[LoggedEvent] = field(default_factory=list)
    tariff_billing: list[BillingSnapshot] = field(default_factory=list)
    debt_payments: list[LoggedAmount] = field(default_factory=list)
    credits: list[LoggedAmount] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClockPreset:
    """The preset time a clock setting (method 5) leaves for method 4: the time (None: not specified) and
    the interval in which it may be applied."""

    time: datetime | None
    valid_from: datetime | None
    valid_to: datetime | None


@dataclass(slots=True)
class EsmeMeter:
    seed: int                           # what the simulated consumption of this meter follows
    offset: int                         # seconds the meter's clock is ahead of real time
    at: int                             # the meter's time of its last update (UTC seconds since 2000)
    registers: Registers
    prepay: EsmePrepayment
    payment_mode: PaymentMode = PaymentMode.CREDIT
    supply: SupplyState = SupplyState.ENABLED
    credit_interrupted: bool = False    # the supply was interrupted for want of prepayment credit
    logs: EsmeLogs = field(default_factory=EsmeLogs)
    preset: ClockPreset | None = None
    resets: dict[str, int] = field(default_factory=dict)   # counter / register (class:OBIS) → when last reset
