"""Physical events on a device (``devices.events``): the state change each makes, and the alerts it raises to
whom — none while the device has no power, the long-outage code from three minutes on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import gbcs
from devices import esme_meter, esme_prepayment, events, gas_prepayment
from devices.esme_meter import START_BALANCE
from devices.esme_state import PaymentMode
from devices.gas_meter import ensure as ensure_gas
from devices.supply import SupplyState
from tests.devices.world import NETWORK_OPERATOR, SUPPLIER, World

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ESME, GSME, CHF = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A2"


def _alerts(world: World, reply) -> list[gbcs.Message]:
    return [gbcs.decode(frame, world.keys()) for frame in reply.alerts]


def _code(message: gbcs.Message) -> int:
    tree = message.payload.tree
    if message.payload.kind == "gbz-alert":
        return tree["alert_code"]
    return tree["body"][0]["items"][0]["value"]


def test_every_event_names_device_kinds_and_the_codes_its_change_raises():
    for spec in events.EVENTS.values():
        assert spec.kinds and spec.description
        assert set(spec.kinds) <= {"ESME", "GSME", "GPF", "CHF", "PPMID", "HCALCS", "APC"}


def test_a_short_outage_and_a_long_one_are_reported_with_their_own_codes():
    world = World()
    identity, state = world.device(ESME, "ESME")
    assert events.happen(identity, state, "power-outage", T0).alerts == []     # no power: nothing sent
    assert state.power_lost_at == T0
    assert events.happen(identity, state, "tamper", T0 + timedelta(seconds=10)).alerts == []
    [short] = _alerts(world, events.happen(identity, state, "power-restored", T0 + timedelta(seconds=60)))
    assert _code(short) == 0x8F35 and short.recipient == NETWORK_OPERATOR
    interrupted, restored = (item["octet-string"]["date_time"] for item in short.payload.fields()["payload"])
    assert interrupted.startswith("2026-03-02T09:00:00") and restored.startswith("2026-03-02T09:01:00")
    events.happen(identity, state, "power-outage", T0 + timedelta(minutes=10))
    [long] = _alerts(world, events.happen(identity, state, "power-restored", T0 + timedelta(minutes=13)))
    assert _code(long) == 0x8F36 and long.verification.signature == "verified"
    assert state.power_lost_at is None


def test_credit_events_drive_the_meter_balance():
    world = World()
    identity, state = world.device(ESME, "ESME")
    [low] = _alerts(world, events.happen(identity, state, "low-credit", T0))
    assert _code(low) == 0x810D and low.recipient == SUPPLIER and low.verification.mac == "verified"
    assert state.meter.prepay.balance == events.LOW_CREDIT_BALANCE < START_BALANCE
    events.happen(identity, state, "credit-exhausted", T0)
    assert state.meter.prepay.balance == 0
    events.happen(identity, state, "emergency-credit", T0)
    assert state.meter.prepay.emergency == events.EMERGENCY_CREDIT
    assert [entry.code for entry in state.meter.logs.event][-3:] == [0x810D, 0x8F0F, 0x8119]


def test_a_gas_meter_alerts_in_gbz_and_its_credit_follows():
    world = World()
    identity, state = world.device(GSME, "GSME")
    [alert] = _alerts(world, events.happen(identity, state, "credit-exhausted", T0))
    assert alert.payload.kind == "gbz-alert" and _code(alert) == 0x8F0F
    assert state.gas.prepayment.credit == 0


def test_count_raises_the_alert_that_many_times():
    world = World()
    identity, state = world.device(ESME, "ESME")
    reply = events.happen(identity, state, "tamper", T0, count=5)
    assert len(reply.alerts) == 10                     # to the Supplier and the Network Operator, five times
    counters = [m.counter for m in _alerts(world, reply)]
    assert counters == sorted(set(counters))


@pytest.mark.parametrize("kind, device_id, name, message", [
    ("ESME", ESME, "boil", "no device event 'boil'"),
    ("CHF", CHF, "low-credit", "cannot happen to a CHF"),
])
def test_an_event_the_device_cannot_undergo_is_the_callers_mistake(kind, device_id, name, message):
    world = World()
    identity, state = world.device(device_id, kind)
    with pytest.raises(events.UnknownEvent, match=message):
        events.happen(identity, state, name, T0)


def test_supported_lists_a_kinds_events_in_table_order():
    names = [spec.name for spec in events.supported("CHF")]
    assert names == ["power-outage", "power-restored", "firmware-verification-failed"]


DEVICE_IDS = {"ESME": ESME, "GSME": GSME, "CHF": CHF, "GPF": "00DB1234567890A3", "APC": "00DB1234567890A6"}


# Every event that raises alerts (the power events need two steps; pressing the button raises none).
@pytest.mark.parametrize("name, kind", [(spec.name, kind) for spec in events.EVENTS.values()
                                        for kind in sorted(spec.kinds) if spec.alert_codes
                                        and spec.name not in ("power-outage", "power-restored")])
def test_every_event_raises_its_codes_verifiably_on_every_kind_it_names(name, kind):
    world = World()
    identity, state = world.device(DEVICE_IDS[kind], kind)
    messages = _alerts(world, events.happen(identity, state, name, T0))
    assert messages, f"{name} on a {kind} raises nothing"
    assert {_code(m) for m in messages} <= set(events.EVENTS[name].alert_codes)
    for message in messages:
        assert message.originator == identity.device_id
        assert "verified" in (message.verification.mac, message.verification.signature)


def test_credit_running_out_on_a_prepayment_meter_interrupts_its_supply_until_the_consumer_enables_it():
    world = World()
    identity, state = world.device(ESME, "ESME")
    meter = esme_meter.ensure(state, T0)
    meter.payment_mode = PaymentMode.PREPAYMENT
    [alert] = _alerts(world, events.happen(identity, state, "credit-exhausted", T0))
    assert _code(alert) == 0x8F0F and meter.supply is SupplyState.DISABLED and meter.credit_interrupted
    assert events.happen(identity, state, "credit-exhausted", T0).alerts == []      # already off: nothing new
    assert events.happen(identity, state, "consumer-enable", T0).alerts == []
    assert meter.supply is SupplyState.DISABLED                                     # the button does nothing
    assert esme_prepayment.adjust_balance(state, 100_000, T0, maximum=10_000_000) == [0x8F32]
    assert meter.supply is SupplyState.ARMED
    events.happen(identity, state, "consumer-enable", T0)
    assert meter.supply is SupplyState.ENABLED and not meter.credit_interrupted


def test_the_consumer_opens_an_armed_gas_valve():
    world = World()
    identity, state = world.device(GSME, "GSME")
    gas = ensure_gas(state, GSME, T0)
    gas_prepayment.disable(gas, 0)
    events.happen(identity, state, "consumer-enable", T0)
    assert gas.supply is SupplyState.DISABLED
    gas_prepayment.arm(gas, 0)
    events.happen(identity, state, "consumer-enable", T0)
    assert gas.supply is SupplyState.ENABLED
