"""A SMETS1 device carrying out an S1SP instruction on its state, at the time it is given: meters whose
import register advances with the clock, a block tariff whose thresholds are kWh, a supply switch, UTRNs
taken once, firmware received and activated; hubs and PPMIDs that hold firmware."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from devices.alerts import ALERT_CODES
from devices.smets1.instructions import (ActivateImage, Instruction, ReadDailyLog, ReadFirmware,
                                         ReadImportRegister, ReadProfile, ReadSupply, ReadTariff, ReceiveImage,
                                         SetGasFlowRate, SetSupply, TopUp, UpdateDeviceLog, UpdateTariff)
from devices.smets1.state import SMETS1_KINDS, S1ChState, S1GsmeState, S1MeterState, S1Tariff, SupplyState
from devices.state import DeviceState, Firmware, PendingImage

# How fast the meters' registers advance: about 10 kWh and 2.6 m3 a day.
WH_PER_HOUR = 420
LITRES_PER_HOUR = 110
PROFILE_STEP = timedelta(minutes=30)
MAX_DAILY_READS = 31
MAX_PROFILE_ENTRIES = 48 * 13


@dataclass(frozen=True)
class Register:
    """An import register: Wh (electricity, an integer) or m3 (gas, three decimals)."""

    value: int | Decimal
    unit: str


@dataclass(frozen=True)
class LogReading:
    """Readings at moments: the register at each midnight, or the consumption of each half hour."""

    entries: tuple[tuple[datetime, int | Decimal], ...]
    gas: bool


@dataclass(frozen=True)
class TariffReading:
    tariff: S1Tariff | None
    active_block: int                  # 1-based: the block the meter is charging now
    active_price: int | None
    gas: bool


@dataclass(frozen=True)
class S1Alert:
    """An alert the SMETS1 device raises (the S1SP passes it on as a SMETS1 Alert): its GBCS alert code, the
    device's alert counter, and a firmware image's hash where the alert reports one."""

    code: int
    description: str
    counter: int
    image_hash: str | None = None


FIRMWARE_RECEIVED = 0x8F72         # the image is held and verified (as a SMETS2 device's receipt alert)


@dataclass(frozen=True)
class Outcome:
    """What the device did: done or refused (with the device's reason), what it read, the alerts it raised."""

    success: bool
    error: str | None = None
    alerts: tuple[S1Alert, ...] = ()
    register: Register | None = None
    log: LogReading | None = None
    tariff: TariffReading | None = None
    supply: SupplyState | None = None
    firmware_version: str | None = None


def _alert(state: DeviceState, code: int, *, image_hash: str | None = None) -> S1Alert:
    state.alert_counter += 1
    return S1Alert(code, ALERT_CODES[code].name, state.alert_counter, image_hash)


def _refused(reason: str) -> Outcome:
    return Outcome(False, error=reason)


class UnsupportedInstruction(ValueError):
    """An instruction this kind of device does not carry out (the S1SP's fault for sending it)."""


def first_contact(device_type: str, *, firmware_version: str | None = None) -> DeviceState:
    """A SMETS1 device's state the first time the simulator meets it."""
    cls = SMETS1_KINDS.get(device_type)
    if cls is None:
        raise UnsupportedInstruction(f"there is no SMETS1 {device_type} device model")
    return cls(firmware=Firmware(firmware_version or Firmware().version))


def _register_at(state: S1MeterState, moment: datetime) -> int | Decimal:
    hours = max((moment - state.origin).total_seconds(), 0) / 3600 if state.origin else 0
    if isinstance(state, S1GsmeState):
        return (Decimal(int(hours * LITRES_PER_HOUR)) / 1000).quantize(Decimal("0.001"))
    return int(hours * WH_PER_HOUR)


def _kwh_between(state: S1MeterState, start: datetime, end: datetime) -> Decimal:
    if isinstance(state, S1GsmeState):
        # Gas energy for block counting with a calorific value of 39.5 MJ/m3 and the standard factor.
        volume = Decimal(_register_at(state, end)) - Decimal(_register_at(state, start))
        return volume * Decimal("39.5") * Decimal("1.02264") / Decimal("3.6")
    return Decimal(int(_register_at(state, end)) - int(_register_at(state, start))) / 1000


def _midnights(start: datetime, end: datetime) -> list[datetime]:
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if day < start:
        day += timedelta(days=1)
    found = []
    while day <= end and len(found) < MAX_DAILY_READS:
        found.append(day)
        day += timedelta(days=1)
    return found


def _half_hours(state: S1MeterState, start: datetime, end: datetime, now: datetime) -> list[tuple[datetime, object]]:
    slot = start.replace(minute=30 if start.minute >= 30 else 0, second=0, microsecond=0)
    found: list[tuple[datetime, object]] = []
    while slot + PROFILE_STEP <= min(end, now) and len(found) < MAX_PROFILE_ENTRIES:
        if state.origin is None or slot >= state.origin:
            used = _register_at(state, slot + PROFILE_STEP) - _register_at(state, slot)
            found.append((slot, used))
        slot += PROFILE_STEP
    return found


def active_block(state: S1MeterState, now: datetime) -> int:
    """The block the meter charges now: its consumption since the tariff was set against the thresholds,
    which it reads as kWh."""
    tariff = state.tariff
    if tariff is None or not tariff.thresholds_kwh:
        return 1
    used = _kwh_between(state, tariff.since or now, now)
    return 1 + sum(1 for threshold in tariff.thresholds_kwh if used >= threshold)


def _meter(state: DeviceState, instruction: Instruction) -> S1MeterState:
    if not isinstance(state, S1MeterState):
        raise UnsupportedInstruction(f"a {state.KIND} does not carry out {type(instruction).__name__}")
    return state


def execute(state: DeviceState, instruction: Instruction, now: datetime) -> Outcome:
    """Carry out ``instruction`` on ``state`` (changed in place) at ``now``."""
    if isinstance(state, S1MeterState) and state.origin is None:
        state.origin = now
    if isinstance(instruction, ReadFirmware):
        return Outcome(True, firmware_version=state.firmware.version)
    if isinstance(instruction, ReceiveImage):
        state.firmware.pending = PendingImage(instruction.image_hash, instruction.version)
        return Outcome(True, alerts=(_alert(state, FIRMWARE_RECEIVED, image_hash=instruction.image_hash),))
    if isinstance(instruction, ActivateImage):
        return _activate(state, instruction)
    if isinstance(instruction, UpdateDeviceLog):
        return _device_log(state, instruction)
    meter = _meter(state, instruction)
    if isinstance(instruction, ReadImportRegister):
        gas = isinstance(meter, S1GsmeState)
        return Outcome(True, register=Register(_register_at(meter, now), "m3" if gas else "Wh"))
    if isinstance(instruction, ReadDailyLog):
        entries = tuple((day, _register_at(meter, day)) for day in _midnights(instruction.start, instruction.end)
                        if day <= now and meter.origin is not None and day >= meter.origin)
        return Outcome(True, log=LogReading(entries, isinstance(meter, S1GsmeState)))
    if isinstance(instruction, ReadProfile):
        entries = tuple(_half_hours(meter, instruction.start, instruction.end, now))
        return Outcome(True, log=LogReading(entries, isinstance(meter, S1GsmeState)))
    if isinstance(instruction, UpdateTariff):
        meter.tariff = S1Tariff(instruction.prices, instruction.thresholds, instruction.standing_charge, now)
        return Outcome(True)
    if isinstance(instruction, ReadTariff):
        block = active_block(meter, now)
        prices = meter.tariff.prices if meter.tariff else ()
        return Outcome(True, tariff=TariffReading(meter.tariff, block,
                                                  prices[block - 1] if len(prices) >= block else None,
                                                  isinstance(meter, S1GsmeState)))
    if isinstance(instruction, TopUp):
        if instruction.utrn in meter.utrns:
            return _refused("the UTRN has been applied already")
        meter.utrns.append(instruction.utrn)
        return Outcome(True)
    if isinstance(instruction, SetSupply):
        meter.supply = instruction.state
        return Outcome(True)
    if isinstance(instruction, ReadSupply):
        return Outcome(True, supply=meter.supply)
    if isinstance(instruction, SetGasFlowRate):
        if not isinstance(meter, S1GsmeState):
            raise UnsupportedInstruction("only a gas meter has an uncontrolled gas flow rate")
        meter.uncontrolled_flow_rate = instruction.rate
        return Outcome(True)
    raise UnsupportedInstruction(f"{type(instruction).__name__} is not a SMETS1 device instruction")


def _device_log(state: DeviceState, instruction: UpdateDeviceLog) -> Outcome:
    if not isinstance(state, S1ChState):
        raise UnsupportedInstruction(f"a {state.KIND} keeps no device log")
    device_id = instruction.device_id.upper()
    if instruction.add and device_id not in state.device_log:
        state.device_log.append(device_id)
    elif not instruction.add:
        if device_id not in state.device_log:
            return _refused(f"{device_id} is not on the hub's device log")
        state.device_log.remove(device_id)
    return Outcome(True)


def _activate(state: DeviceState, instruction: ActivateImage) -> Outcome:
    pending = state.firmware.pending
    if pending is None:
        return _refused("no firmware image is held")
    if instruction.image_hash is not None and instruction.image_hash.lower() != pending.hash.lower():
        return _refused("the image held is not the one named")
    state.firmware = Firmware(pending.version, state.firmware.version, None)
    return Outcome(True, firmware_version=state.firmware.version)
