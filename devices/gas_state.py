"""What a gas meter's data holds (a GSME's own, a GPF's mirror of it): consumption parameters, tariff and
calendars, a tariff waiting for its start, prepayment, snapshots, top-up and debt logs, event logs, and the
TOU and block registers (``devices.gas_meter`` changes them).

Times are ZigBee UTC seconds (since 2000-01-01); volumes in litres; energy in Wh; money in 1/100000 GBP.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from devices.supply import SupplyState


@dataclass(frozen=True, order=True, slots=True)
class DayEntry:
    start: int                          # minutes after midnight
    value: int                          # the TOU tier (or the friendly-credit flag) from then on


@dataclass(frozen=True, slots=True)
class Season:
    start_date: int                     # a ZCL date (year - 1900, month, day, day of week; 0xFF any), as sent
    week_id: int


@dataclass(frozen=True, slots=True)
class SpecialDay:
    date: int                           # a ZCL date, as sent
    day_id: int


@dataclass(slots=True)
class GasCalendar:
    issuer_calendar_id: int
    issuer_event_id: int
    start_time: int
    calendar_type: int
    time_reference: int
    name: str
    days: dict[int, list[DayEntry]]     # day profile id -> entries
    weeks: dict[int, list[int]]         # week profile id -> day profile ids, Monday .. Sunday
    seasons: list[Season]
    special_days: list[SpecialDay]


@dataclass(slots=True)
class GasTariff:
    provider_id: int
    issuer_event_id: int
    issuer_tariff_id: int
    start_time: int
    tariff_type: int                    # ZCL tariff type / charging scheme (0x10: block tariff)
    label: str
    tiers_in_use: int
    thresholds_in_use: int
    unit_of_measure: int
    currency: int
    price_trailing_digit: int
    standing_charge: int
    tier_block_mode: int
    threshold_multiplier: int
    threshold_divisor: int
    tou_prices: list[int]
    block_prices: list[int]
    thresholds: list[int]               # Wh
    calendar: GasCalendar


@dataclass(slots=True)
class TariffParts:
    """What the Publish commands of one GCS01a command staged (None: not published by it)."""

    calendar: GasCalendar | None = None
    days: dict[int, list[DayEntry]] = field(default_factory=dict)
    weeks: dict[int, list[int]] = field(default_factory=dict)
    seasons: list[Season] | None = None
    special_days: list[SpecialDay] | None = None
    provider_id: int | None = None
    issuer_event_id: int | None = None
    issuer_tariff_id: int | None = None
    start_time: int | None = None
    tariff_type: int | None = None
    label: str | None = None
    tiers_in_use: int | None = None
    thresholds_in_use: int | None = None
    unit_of_measure: int | None = None
    currency: int | None = None
    price_trailing_digit: int | None = None
    standing_charge: int | None = None
    tier_block_mode: int | None = None
    threshold_multiplier: int | None = None
    threshold_divisor: int | None = None
    tou_prices: list[int] | None = None
    block_prices: list[int] | None = None
    thresholds: list[int] | None = None

    def __bool__(self) -> bool:
        return self != TariffParts()


# The tariff fields a published tariff replaces as they come (the calendar parts are merged).
TARIFF_FIELDS = ("provider_id", "issuer_event_id", "issuer_tariff_id", "start_time", "tariff_type", "label",
                 "tiers_in_use", "thresholds_in_use", "unit_of_measure", "currency", "price_trailing_digit",
                 "standing_charge", "tier_block_mode", "threshold_multiplier", "threshold_divisor", "tou_prices",
                 "block_prices", "thresholds")


@dataclass(frozen=True, slots=True)
class PendingTariff:
    start_time: int
    parts: TariffParts


@dataclass(frozen=True, slots=True)
class PendingPaymentMode:
    """A payment mode change waiting for its implementation time (GCS02 / GCS03 future dated)."""

    start_time: int
    configuration: int
    cut_off_value: int


@dataclass(slots=True)
class GasPrepayment:
    credit: int
    emergency_credit: int
    accumulated_debt: int
    debts: list[int]                    # time debt 1, time debt 2, payment-based debt
    recovery_amounts: list[int]         # of the time debts, per recovery period
    recovery_frequency: list[int]
    recovery_percentage: int            # of a top-up, for the payment-based debt (1/100 %)
    emergency_credit_limit: int
    emergency_credit_threshold: int
    low_credit_warning: int
    max_credit: int
    max_credit_per_top_up: int
    overall_debt_cap: int
    cut_off_value: int
    payment_mode: int                   # the ZCL Payment Control Configuration bitmap
    bill_to_date: int
    debts_collected_at: int
    emergency_active: bool = False      # emergency credit selected (by the Supplier, 2.5, or the consumer)


@dataclass(frozen=True, slots=True)
class SnapshotPrepayment:
    accumulated_debt: int
    debts: tuple[int, ...]
    emergency_credit: int
    credit: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: int
    time: int
    cause: int                          # ZCL SnapshotCause bits
    summation: int
    tiers: tuple[int, ...]
    blocks: tuple[int, ...]
    tiers_and_blocks: int
    prepay: SnapshotPrepayment


@dataclass(frozen=True, slots=True)
class TopUpEntry:
    code: str                           # the UTRN
    amount: int
    time: int


@dataclass(frozen=True, slots=True)
class DebtEntry:
    time: int
    amount: int
    debt_type: int                      # 0, 1: time debts; 2: payment-based debt
    outstanding: int


@dataclass(frozen=True, slots=True)
class GasEvent:
    event_id: int
    time: int
    data: bytes = b""


@dataclass(slots=True)
class GasEventLogs:
    """A gas device's event log and security log (a GSME's in its data; a GPF's, PPMID's, HCALCS's own)."""

    event_log: list[GasEvent] = field(default_factory=list)
    security_log: list[GasEvent] = field(default_factory=list)


@dataclass(slots=True)
class ConsumerInformation:
    """What the Supplier puts before the consumer (DUIS 3.x): a message for the display, its own name and
    contact details, whether the privacy PIN is disabled, and from when a new tenant's data starts."""

    message: str = ""
    supplier_name: str = ""
    supplier_contact: str = ""
    privacy_pin_disabled: bool = False
    tenancy_from: int | None = None     # data before this time is hidden from the consumer's displays
    customer_id_number: str = ""        # the CIN the DCC issued (9.1), shown to the consumer


@dataclass(slots=True)
class BillingPeriod:
    """The billing calendar (ZCL Publish Billing Period): from ``start`` (ZigBee UTC), ``duration`` units of
    the duration type (low nibble: 0 minutes, 1 days, 2 weeks, 3 months)."""

    start: int = 0
    duration: int = 1
    duration_type: int = 0x23
    issuer_event_id: int = 0


@dataclass(slots=True)
class GasFlow:
    """Uncontrolled gas flow detection (ZCL Set Uncontrolled Flow Threshold): the threshold in ``unit`` times
    multiplier / divisor, over the measurement period (s), after the stabilisation period (s)."""

    threshold: int = 0
    unit: int = 1
    multiplier: int = 1
    divisor: int = 1
    stabilisation: int = 0
    measurement: int = 0


@dataclass(slots=True)
class GasData:
    seed: int
    daily_litres: int
    base: int                           # the summation register at t0 (litres)
    t0: int
    history_start: int                  # how far back the meter's logs reach
    updated: int                        # the meter's last update
    tariff: GasTariff
    friendly_credit: GasCalendar
    prepayment: GasPrepayment
    calorific_value: int
    conversion_factor: int
    block_period_start: int
    block_period_wh: int
    pending: PendingTariff | None = None
    tiers: list[int] = field(default_factory=list)      # TOU registers (litres)
    blocks: list[int] = field(default_factory=list)     # block registers (litres)
    snapshots: list[Snapshot] = field(default_factory=list)
    next_snapshot_id: int = 0
    top_ups: list[TopUpEntry] = field(default_factory=list)
    debt_log: list[DebtEntry] = field(default_factory=list)
    logs: GasEventLogs = field(default_factory=GasEventLogs)
    supply: SupplyState = SupplyState.ENABLED           # the valve
    pending_payment_mode: PendingPaymentMode | None = None
    consumer: ConsumerInformation = field(default_factory=ConsumerInformation)
    network_sampling_from: int | None = None    # the Gas Transporter started network data recording (14.1)
    site_id: str = ""                   # the MPRN (Metering Site ID) 6.20.1 sets and 6.2.7 reads
    billing: BillingPeriod = field(default_factory=BillingPeriod)    # 6.8 sets it, 6.2.3 reads it
    flow: GasFlow = field(default_factory=GasFlow)                     # 6.7 sets it, 6.2.8 reads it
    supply_tamper_state: int = 3        # ZCL supply states on a tamper / depletion: 3 leaves the supply as it is
    event_configuration: dict[int, int] = field(default_factory=dict)    # 6.22 sets (by alert code), 6.2.10 reads
    supply_depletion_state: int = 3
