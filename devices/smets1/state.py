"""The state of each kind of emulated SMETS1 device, typed: the Communications Hub, the electricity and gas
meters and the prepayment interface device behind a SMETS1 Service Provider. They hold what every device
holds (``devices.state.DeviceState``: firmware, a pending image) and what the S1SP's instructions act on; no
GBCS cell, counter or key of theirs is ever used."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from devices.state import DeviceState


class SupplyState(StrEnum):
    """The load switch or valve of a SMETS1 meter."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"
    ARMED = "Armed"


@dataclass(frozen=True, slots=True)
class S1Tariff:
    """A block tariff as a SMETS1 meter holds it: prices (1/1000 pence per kWh), the thresholds between
    blocks in kWh (SECMP0081: whatever a request carries is read as kWh), the standing charge."""

    prices: tuple[int, ...]
    thresholds_kwh: tuple[int, ...]
    standing_charge: int = 0
    since: datetime | None = None                    # the start of the block period (when it was set)


@dataclass(kw_only=True, slots=True)
class S1MeterState(DeviceState):
    """What both SMETS1 meters hold: a register advancing with the clock from ``origin``, the tariff, the
    supply and the UTRNs taken."""

    origin: datetime | None = None                   # the first time the meter was asked anything
    tariff: S1Tariff | None = None
    supply: SupplyState = SupplyState.ENABLED
    utrns: list[str] = field(default_factory=list)   # UTRNs applied (a repeat is refused)


@dataclass(kw_only=True, slots=True)
class S1EsmeState(S1MeterState):
    """A SMETS1 electricity meter: its register counts Wh."""

    KIND: ClassVar[str] = "S1ESME"


@dataclass(kw_only=True, slots=True)
class S1GsmeState(S1MeterState):
    """A SMETS1 gas meter: its register counts m3; it keeps the uncontrolled gas flow rate 6.7 sets."""

    KIND: ClassVar[str] = "S1GSME"

    uncontrolled_flow_rate: Decimal | None = None   # m3/h, as SMETS2's UncontrolledGasFlowRateDecimal


@dataclass(kw_only=True, slots=True)
class S1ChState(DeviceState):
    KIND: ClassVar[str] = "S1CH"

    device_log: list[str] = field(default_factory=list)   # devices added to its HAN by 8.11 (upper-case hex)


@dataclass(kw_only=True, slots=True)
class S1PpmidState(DeviceState):
    KIND: ClassVar[str] = "S1PPMID"


SMETS1_STATE_CLASSES: dict[str, type[DeviceState]] = {cls.KIND: cls for cls in (
    S1ChState, S1EsmeState, S1GsmeState, S1PpmidState)}
# The state class of each inventory device type behind an S1SP.
SMETS1_KINDS: dict[str, type[DeviceState]] = {"CHF": S1ChState, "ESME": S1EsmeState, "GSME": S1GsmeState,
                                              "PPMID": S1PpmidState}
