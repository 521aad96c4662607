"""Physical events on a device — its power failing and coming back, its cover opened, its credit running low — as
one table: for each event, the devices it can happen to, the change it makes to the device's state, and the GBCS
alerts that change makes the device raise (each to the Remote Parties ``devices.alerts`` names for its code).

``EVENTS`` is the table; ``happen`` makes an event happen to a device's state at ``now`` and returns the alert
frames the device sends. A state change is a function of (state, device id, now) returning the alert codes the
device raises this time (a device without power raises nothing; restoration after three minutes or more raises a
different code than a short one). A prepayment state machine can replace a change here without changing the
table's shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import gbcs
from devices import alerts, esme_meter, esme_prepayment, gas_prepayment
from devices.device import DeviceIdentity, DeviceReply, device_keys, raise_event
from devices.esme_state import EsmeLog, EsmePrepayment, PaymentMode
from devices.gas_meter import ensure as ensure_gas
from gbcs.times import zigbee_time
from devices.gas_state import GasPrepayment
from devices.state import DeviceState, EsmeState, GsmeState
from devices.supply import SupplyRefused

__all__ = ["EVENTS", "EventSpec", "UnknownEvent", "happen", "spec_for", "supported"]

# GBCS: an outage of three minutes or more is reported with its own code (0x8F36 rather than 0x8F35).
LONG_OUTAGE = timedelta(minutes=3)
SUPPLY_OUTAGE = 0x0067              # message code of the supply outage restored alert (ECS80)
LOW_CREDIT_BALANCE = 50_000         # what a low-credit event leaves on an ESME (currency x 10^-5: 50p)
EMERGENCY_CREDIT = 500_000          # the emergency credit an ESME makes available (GBP 5)

Change = Callable[[DeviceState, str, datetime], tuple[int, ...]]


class UnknownEvent(ValueError):
    """The caller named an event the table does not have, or one that cannot happen to this kind of device."""


@dataclass(frozen=True)
class EventSpec:
    """One physical event: the device kinds it can happen to, what it changes, the alert codes it may raise."""

    name: str
    description: str
    kinds: frozenset[str]
    alert_codes: tuple[int, ...]        # every code the change may raise (what ``--list`` shows)
    change: Change


def _raise(*codes: int) -> Change:
    """A change that only makes the device raise ``codes`` (and log them, on a meter that keeps an event log)."""
    def change(state: DeviceState, device_id: str, now: datetime) -> tuple[int, ...]:
        return codes
    return change


def _power_lost(state: DeviceState, device_id: str, now: datetime) -> tuple[int, ...]:
    """The device loses its power: it sends nothing until it comes back."""
    if state.power_lost_at is None:
        state.power_lost_at = now
    return ()


def _power_restored(state: DeviceState, device_id: str, now: datetime) -> tuple[int, ...]:
    """Power comes back: an ESME reports the outage, the longer kind from three minutes on."""
    lost, state.power_lost_at = state.power_lost_at, None
    if lost is None or not isinstance(state, EsmeState):
        return ()
    return (0x8F36,) if now - lost >= LONG_OUTAGE else (0x8F35,)


def _credit(code: int, esme: Callable[[EsmePrepayment], None], gas: Callable[[GasPrepayment], None]) -> Change:
    """A change to a meter's prepayment values (the ESME's or the GSME's model), raising ``code``."""
    def change(state: DeviceState, device_id: str, now: datetime) -> tuple[int, ...]:
        if isinstance(state, EsmeState):
            esme(esme_meter.ensure(state, now).prepay)
        elif isinstance(state, GsmeState):
            gas(ensure_gas(state, device_id, now).prepayment)
        return (code,)
    return change


def _esme_low(prepay: EsmePrepayment) -> None:
    prepay.balance = min(prepay.balance, LOW_CREDIT_BALANCE)


def _gas_low(prepay: GasPrepayment) -> None:
    prepay.credit = min(prepay.credit, max(prepay.low_credit_warning - 1, 0))


def _gas_exhausted(prepay: GasPrepayment) -> None:
    prepay.credit = 0


def _credit_exhausted(state: DeviceState, device_id: str, now: datetime) -> tuple[int, ...]:
    """Credit runs out. A prepayment ESME has its supply interrupted by its state machine (0x8F0F, once: a supply
    already off raises nothing) until credit comes back and the consumer enables it; a meter in credit mode, or a
    gas meter, only raises the alert."""
    if isinstance(state, EsmeState):
        prepay = esme_meter.ensure(state, now).prepay
        prepay.balance = 0
        if esme_meter.model(state).payment_mode is PaymentMode.PREPAYMENT:
            prepay.emergency = 0
            return tuple(esme_prepayment.credit_exhausted(state, now))
    elif isinstance(state, GsmeState):
        _gas_exhausted(ensure_gas(state, device_id, now).prepayment)
    return (esme_prepayment.CREDIT_BELOW_DISABLEMENT,)


def _consumer_enable(state: DeviceState, device_id: str, now: datetime) -> tuple[int, ...]:
    """The consumer presses the button of an armed meter (opens an armed gas valve): the supply is enabled. On a
    supply that is not armed the button does nothing."""
    try:
        if isinstance(state, EsmeState):
            esme_meter.ensure(state, now)
            return tuple(esme_prepayment.consumer_enable(state, now))
        if isinstance(state, GsmeState):
            gas_prepayment.consumer_enable(ensure_gas(state, device_id, now), zigbee_time(now))
    except SupplyRefused:
        pass
    return ()


def _esme_emergency(prepay: EsmePrepayment) -> None:
    prepay.emergency = max(prepay.emergency, EMERGENCY_CREDIT)


def _gas_emergency(prepay: GasPrepayment) -> None:
    prepay.emergency_credit = max(prepay.emergency_credit, prepay.emergency_credit_limit)


METERS = frozenset({"ESME", "GSME"})
MAINS = frozenset({"ESME", "CHF"})          # devices powered from the premises' electricity supply
ALL = frozenset({"ESME", "GSME", "GPF", "CHF", "PPMID", "HCALCS", "APC"})


def _table(*specs: EventSpec) -> dict[str, EventSpec]:
    return {spec.name: spec for spec in specs}


EVENTS: dict[str, EventSpec] = _table(
    EventSpec("power-outage", "the electricity supply fails (the meter and its Communications Hub lose power)",
              MAINS, (), _power_lost),
    EventSpec("power-restored", "the electricity supply comes back (0x8F36 after an outage of 3 minutes or more)",
              MAINS, (0x8F35, 0x8F36), _power_restored),
    EventSpec("tamper", "the meter cover is removed", METERS, (0x8F74,), _raise(0x8F74)),
    EventSpec("cover-closed", "the meter cover is put back", METERS, (0x81B9,), _raise(0x81B9)),
    EventSpec("terminal-cover-removed", "the terminal cover is removed", frozenset({"ESME"}), (0x8F76,),
              _raise(0x8F76)),
    EventSpec("terminal-cover-closed", "the terminal cover is put back", frozenset({"ESME"}), (0x81C1,),
              _raise(0x81C1)),
    EventSpec("magnetic-tamper", "a strong magnetic field is detected", METERS, (0x8F75,), _raise(0x8F75)),
    EventSpec("battery-cover-removed", "the battery cover is removed", frozenset({"GSME"}), (0x8F73,),
              _raise(0x8F73)),
    EventSpec("battery-cover-closed", "the battery cover is put back", frozenset({"GSME"}), (0x81A1,),
              _raise(0x81A1)),
    EventSpec("low-battery", "the battery runs low", frozenset({"GSME"}), (0x8F1F,), _raise(0x8F1F)),
    EventSpec("gas-power-supply-loss", "the gas meter's power supply is lost", frozenset({"GSME"}), (0x8F1D,),
              _raise(0x8F1D)),
    EventSpec("low-credit", "credit falls below the low credit threshold", METERS, (0x810D,),
              _credit(0x810D, _esme_low, _gas_low)),
    EventSpec("credit-exhausted", "credit falls below the disablement threshold (a prepayment ESME's supply is "
              "interrupted)", METERS, (0x8F0F,), _credit_exhausted),
    EventSpec("consumer-enable", "the consumer presses the button of an armed meter: the supply is enabled",
              METERS, (), _consumer_enable),
    EventSpec("emergency-credit", "emergency credit becomes available", METERS, (0x8119,),
              _credit(0x8119, _esme_emergency, _gas_emergency)),
    EventSpec("emergency-credit-activated", "the consumer activates emergency credit", METERS, (0x81AB,),
              _raise(0x81AB)),
    EventSpec("emergency-credit-exhausted", "emergency credit runs out", METERS, (0x81AA,), _raise(0x81AA)),
    EventSpec("credit-added-locally", "credit is entered on the meter's keypad", METERS, (0x810E,),
              _raise(0x810E)),
    EventSpec("supply-interrupted", "the supply is interrupted", METERS, (0x8F57,), _raise(0x8F57)),
    EventSpec("supply-connect-failure", "the load switch (or valve) fails to connect the supply", METERS,
              (0x81BD,), _raise(0x81BD)),
    EventSpec("supply-disconnect-failure", "the load switch (or valve) fails to disconnect the supply", METERS,
              (0x81C0,), _raise(0x81C0)),
    EventSpec("load-limit-restored", "the supply is enabled again after the load limit restoration period",
              frozenset({"ESME"}), (0x8F34,), _raise(0x8F34)),
    EventSpec("over-voltage", "the average RMS voltage stays above its threshold", frozenset({"ESME"}), (0x8002,),
              _raise(0x8002)),
    EventSpec("clock-adjust-failed", "a clock adjustment greater than 10 seconds is refused", METERS, (0x8F0C,),
              _raise(0x8F0C)),
    EventSpec("clock-adjusted", "the clock is adjusted within tolerance", METERS, (0x8145,), _raise(0x8145)),
    EventSpec("billing-data-log-updated", "the billing data log is written", METERS, (0x8F0A,), _raise(0x8F0A)),
    EventSpec("firmware-verification-failed", "the running firmware fails verification", ALL - {"PPMID", "HCALCS"},
              (0x8F1C,), _raise(0x8F1C)),
    EventSpec("integrity-warning", "a smart meter integrity issue", METERS, (0x81A0,), _raise(0x81A0)),
    EventSpec("han-device-joined", "a device joins the meter's HAN", METERS, (0x8183,), _raise(0x8183)),
    EventSpec("hub-disconnected", "the Communications Hub is unplugged from the meter", frozenset({"ESME"}),
              (0x81A3,), _raise(0x81A3)),
    EventSpec("hub-connected", "the Communications Hub is plugged into the meter", frozenset({"ESME"}), (0x81A2,),
              _raise(0x81A2)),
    EventSpec("unauthorised-communication", "unauthorised communication access is attempted", METERS, (0x8F3E,),
              _raise(0x8F3E)),
)


def supported(kind: str) -> list[EventSpec]:
    """The events that can happen to a device of this kind, in the table's order."""
    return [spec for spec in EVENTS.values() if kind in spec.kinds]


def spec_for(kind: str, name: str) -> EventSpec:
    """The event ``name`` as it happens to a device of this kind (UnknownEvent: no such event, or not for it)."""
    spec = EVENTS.get(name)
    if spec is None:
        raise UnknownEvent(f"no device event {name!r}; known: {', '.join(EVENTS)}")
    if kind not in spec.kinds:
        raise UnknownEvent(f"{name} cannot happen to a {kind} (it happens to {', '.join(sorted(spec.kinds))})")
    return spec


def happen(identity: DeviceIdentity, state: DeviceState, name: str, now: datetime, count: int = 1) -> DeviceReply:
    """The event ``name`` happens ``count`` times to the device at ``now``: its state changes and it raises the
    alerts the change calls for (none while it has no power)."""
    spec = spec_for(state.KIND, name)
    frames: list[bytes] = []
    for _ in range(count):
        lost = state.power_lost_at
        codes = spec.change(state, identity.device_id, now)
        if state.power_lost_at is not None:
            continue
        for code in codes:
            if isinstance(state, EsmeState):
                esme_meter.ensure(state, now)
                esme_meter.log_event(state, EsmeLog.EVENT, code, now)
            if code in (0x8F35, 0x8F36) and isinstance(state, EsmeState):
                frames.extend(_outage_restored(identity, state, code, lost or now, now))
            else:
                frames.extend(raise_event(identity, state, code, now).alerts)
    return DeviceReply(alerts=frames)


def _outage_restored(identity: DeviceIdentity, state: EsmeState, code: int, lost: datetime,
                     now: datetime) -> list[bytes]:
    """ECS80: the supply outage restored alert carries when the supply was interrupted and when restored."""
    keys = device_keys(identity, state)
    payload = alerts.dlms_payload(state, code, now,
                                  {"type": "octet-string", "hex": gbcs.encode_dlms_date_time(lost).hex()},
                                  {"type": "octet-string", "hex": gbcs.encode_dlms_date_time(now).hex()})
    return [alerts.frame(identity.device_id, keys, state, code=code, message_code=SUPPLY_OUTAGE, payload=payload,
                         recipient=recipient) for recipient in alerts.recipients(state, code)]
