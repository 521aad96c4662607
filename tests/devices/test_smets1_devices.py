"""The SMETS1 device models on their own: registers that follow the clock, a tariff whose thresholds are kWh
(SECMP0081: Wh-sized thresholds put the meter in the wrong block), a UTRN taken once, supply switching,
firmware received then activated, what a kind does not do, and their states through the versioned codec."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from devices import queries, smets1, state_codec
from devices.smets1.state import S1ChState, S1EsmeState, S1GsmeState, S1PpmidState
from devices.state import ChfState, DeviceLogEntry

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)


def test_first_contact_gives_the_kind_of_the_inventory_type():
    assert type(smets1.first_contact("CHF", firmware_version="00000003")) is S1ChState
    assert smets1.first_contact("CHF", firmware_version="00000003").firmware.version == "00000003"
    assert {type(smets1.first_contact(t)) for t in ("ESME", "GSME", "PPMID")} == {S1EsmeState, S1GsmeState,
                                                                                  S1PpmidState}
    with pytest.raises(smets1.UnsupportedInstruction):
        smets1.first_contact("HCALCS")


def test_registers_advance_with_the_clock():
    esme, gsme = smets1.first_contact("ESME"), smets1.first_contact("GSME")
    for state in (esme, gsme):
        assert smets1.execute(state, smets1.ReadImportRegister(), T0).register.value == 0
    later = T0 + timedelta(hours=10)
    assert smets1.execute(esme, smets1.ReadImportRegister(), later).register == smets1.Register(4200, "Wh")
    assert smets1.execute(gsme, smets1.ReadImportRegister(), later).register == smets1.Register(Decimal("1.100"), "m3")


def test_daily_reads_and_half_hours_agree_with_the_register():
    esme = smets1.first_contact("ESME")
    smets1.execute(esme, smets1.ReadImportRegister(), T0)
    now = T0 + timedelta(days=3, hours=5)
    daily = smets1.execute(esme, smets1.ReadDailyLog(start=T0, end=now), now).log
    assert [value for _, value in daily.entries] == [0, 10080, 20160, 30240]
    profile = smets1.execute(esme, smets1.ReadProfile(start=now - timedelta(hours=2), end=now), now).log
    assert [value for _, value in profile.entries] == [210, 210, 210, 210]


@pytest.mark.parametrize("thresholds, block", [((5, 10), 2), ((5000, 10000), 1), ((1, 2), 3)])
def test_thresholds_are_read_as_kwh(thresholds, block):
    esme = smets1.first_contact("ESME")
    smets1.execute(esme, smets1.UpdateTariff(prices=(100, 200, 300), thresholds=thresholds), T0)
    reading = smets1.execute(esme, smets1.ReadTariff(), T0 + timedelta(hours=18)).tariff     # 7.56 kWh used
    assert (reading.active_block, reading.active_price) == (block, (100, 200, 300)[block - 1])
    assert reading.tariff.thresholds_kwh == thresholds


def test_a_utrn_is_taken_once():
    esme = smets1.first_contact("ESME")
    assert smets1.execute(esme, smets1.TopUp(utrn="12345678901234567890"), T0).success
    again = smets1.execute(esme, smets1.TopUp(utrn="12345678901234567890"), T0)
    assert not again.success and "already" in again.error


def test_supply_switches_and_reads():
    gsme = smets1.first_contact("GSME")
    for state in (smets1.SupplyState.DISABLED, smets1.SupplyState.ARMED, smets1.SupplyState.ENABLED):
        smets1.execute(gsme, smets1.SetSupply(state=state), T0)
        assert smets1.execute(gsme, smets1.ReadSupply(), T0).supply is state


def test_firmware_is_held_then_activated_by_its_hash():
    ppmid = smets1.first_contact("PPMID")
    assert not smets1.execute(ppmid, smets1.ActivateImage(), T0).success
    received = smets1.execute(ppmid, smets1.ReceiveImage(version="00000002", image_hash="ab" * 32), T0)
    assert [(a.code, a.counter, a.image_hash) for a in received.alerts] == \
        [(smets1.FIRMWARE_RECEIVED, 0x4001, "ab" * 32)]
    assert received.alerts[0].description == "Firmware Verification Successful"
    assert not smets1.execute(ppmid, smets1.ActivateImage(image_hash="cd" * 32), T0).success
    done = smets1.execute(ppmid, smets1.ActivateImage(image_hash="AB" * 32), T0)
    assert done.success and done.firmware_version == "00000002"
    assert (ppmid.firmware.version, ppmid.firmware.previous, ppmid.firmware.pending) == ("00000002", "00000001", None)


def test_a_kind_refuses_what_it_does_not_do():
    with pytest.raises(smets1.UnsupportedInstruction):
        smets1.execute(smets1.first_contact("PPMID"), smets1.ReadImportRegister(), T0)
    with pytest.raises(smets1.UnsupportedInstruction):
        smets1.execute(smets1.first_contact("ESME"), smets1.SetGasFlowRate(rate=Decimal("1")), T0)


def test_the_gas_flow_rate_is_kept():
    gsme = smets1.first_contact("GSME")
    smets1.execute(gsme, smets1.SetGasFlowRate(rate=Decimal("1.2345")), T0)
    assert gsme.uncontrolled_flow_rate == Decimal("1.2345")


def test_smets1_states_go_through_the_codec():
    esme = smets1.first_contact("ESME")
    smets1.execute(esme, smets1.UpdateTariff(prices=(1, 2), thresholds=(5,), standing_charge=3), T0)
    smets1.execute(esme, smets1.TopUp(utrn="1" * 20), T0)
    gsme = smets1.first_contact("GSME")
    smets1.execute(gsme, smets1.SetGasFlowRate(rate=Decimal("0.0001")), T0)
    for state in (esme, gsme, smets1.first_contact("CHF"), smets1.first_contact("PPMID")):
        raw = state_codec.encode(state)
        assert state_codec.version_of(raw) == state_codec.VERSION == 2
        assert state_codec.decode(raw) == state


def test_instructions_travel_as_json():
    for instruction in (smets1.SetGasFlowRate(rate=Decimal("6.5535")), smets1.SetSupply(state=smets1.SupplyState.ARMED),
                        smets1.ReadDailyLog(start=T0, end=T0 + timedelta(days=1))):
        assert smets1.decode_instruction(smets1.encode_instruction(instruction)) == instruction
    with pytest.raises(smets1.InstructionFormatError):
        smets1.decode_instruction(b'{"type": "self-destruct"}')


def test_a_version_1_state_means_what_it_meant():
    """Version 2 only added the SMETS1 kinds: a version-1 state of a GBCS kind reads as the same state."""
    state = ChfState(device_log=[DeviceLogEntry("00DB1234567890A0")], counters={"90B3D51F30010000": 7})
    raw = state_codec.encode(state).replace('"version":2', '"version":1', 1)
    assert state_codec.version_of(raw) == 1
    assert state_codec.decode(raw) == state
    assert state_codec.version_of(state_codec.upgrade(raw)) == 2


def test_a_smets1_device_is_shown_as_plain_json():
    gsme = smets1.first_contact("GSME")
    smets1.execute(gsme, smets1.UpdateTariff(prices=(1, 2), thresholds=(5,)), T0)
    smets1.execute(gsme, smets1.SetGasFlowRate(rate=Decimal("1.5")), T0)
    shown = json.loads(json.dumps(queries.view(gsme)))
    assert shown["kind"] == "S1GSME" and shown["tariff"]["thresholds_kwh"] == [5]
    assert (shown["supply"], shown["uncontrolled_flow_rate_m3_per_h"]) == ("Enabled", "1.5")
    hub = smets1.first_contact("CHF")
    smets1.execute(hub, smets1.UpdateDeviceLog(device_id="00db1234567891b4", add=True), T0)
    assert queries.view(hub)["device_log"] == ["00DB1234567891B4"]
    assert queries.view(smets1.first_contact("PPMID"))["kind"] == "S1PPMID"
