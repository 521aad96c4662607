"""Supply and prepayment journeys over HTTP on the simulated clock: each Service Request changes the meter and
later reads show it.

* disable → read supply status → arm → enable, on the ESME and the gas valve;
* a prepayment meter running out of credit: the supply is interrupted (0x8F0F) and records no consumption;
  a top-up arms it (0x8F32); the Supplier enables it; or credit runs out on the meter (a device event), credit
  added arms it and the consumer enables it with the button;
* emergency credit on a meter out of credit, refused while there is credit and in credit mode;
* debt: 2.3's registers read back with 4.3, and a top-up paying its share of the payment debt.
"""
from __future__ import annotations

import base64
import json

import pytest
from lxml import etree

import gbcs
from dccsim.catalogue.requests import build_request
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from devices import state_codec
from devices.device import handle_command
from devices.esme_state import PaymentMode, SupplyState
from tests.conftest import create_fresh_database
from tests.devices.esme_rtds import plaintexts
from tests.integration.device_flows import (close_receiving, prepared, receiving_simulator, run_request,
                                            wait_for_response)
from tests.integration.top_ups import exported_keys, issue, supplier_keys

pytestmark = pytest.mark.slow

SUPPLIER = "90B3D51F30010000"
ESME, GSME, HUB = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A2"
DAY = 86400
DISABLED, ENABLED, ARMED = 0, 1, 2            # DLMS disconnect control states
VALVE_OFF, VALVE_ARMED, VALVE_ON = 0, 1, 2    # ZCL SupplyStatus


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    running, receiver = await receiving_simulator(await create_fresh_database(pg_base_url),
                                                  tmp_path_factory.mktemp("supply"), [SUPPLIER], device_timeout=10.0)
    yield running, receiver
    await close_receiving(running, receiver)


@pytest.fixture(scope="module")
async def issuer(estate, tmp_path_factory) -> gbcs.StaticKeyStore:
    return supplier_keys(await exported_keys(estate[0], tmp_path_factory.mktemp("exported")))


async def fresh(running, device: str) -> None:
    """The device starts afresh (a new meter model) from here."""
    await running.sim.db.pool.execute("DELETE FROM device_state WHERE device_id = $1", device)


async def state_of(running, device: str):
    return state_codec.decode(await running.sim.db.pool.fetchval(
        "SELECT state FROM device_state WHERE device_id = $1", device))


async def send(running, receiver, variant: str, device: str = ESME, **body) -> gbcs.Message:
    """Build, sign and send a request (critical ones through transform); the Response's GBCS message."""
    root = build_request(variant, originator=SUPPLIER, device=device, body=body, now=running.sim.clock.now())
    answer, request_id = await run_request(running, root)
    assert answer.status == 200 and answer.code in ("I99", "I0"), (variant, answer.status, answer.body[:300])
    response = await wait_for_response(receiver, request_id, timeout=30)
    assert response.findtext(f".//{sr('ResponseCode')}") == "I0", variant
    payload = base64.b64decode(response.findtext(f".//{sr('GBCSPayload')}"))
    return gbcs.decode(payload, running.sim.han.keys.store())


def results(message: gbcs.Message) -> list[int]:
    return [r["result"] for r in message.payload.tree["results"]]


def gbz_statuses(message: gbcs.Message) -> list[str]:
    """Each response component's command and, for a Default Response, its status."""
    return [f"{c['command']:02x}" + (f":{c['payload'][2:4]}" if c["command"] == 0x0B else "")
            for c in message.payload.tree["components"]]


async def supply_status(running, receiver) -> int:
    return (await send(running, receiver, "7.4")).payload.tree["data"][0]["value"]


async def valve_status(running, receiver) -> int:
    message = await send(running, receiver, "7.4", GSME)
    records = gbcs.zcl.decode_read_attributes_response(bytes.fromhex(message.payload.tree["components"][0]["payload"]))
    return next(r.value.value for r in records if r.attribute == 0x0014)


async def meter_balance(running, receiver) -> int:
    return (await send(running, receiver, "4.18")).payload.tree["data"][0]["value"]


async def prepay_values(running, receiver) -> list[int]:
    """4.3: meter balance, emergency credit balance, accumulated debt, payment debt, time debts 1 and 2."""
    values = plaintexts(await send(running, receiver, "4.3"))[0]["items"][0]["items"]
    return [item["value"] for item in values]


def alert_codes(receiver, since: int) -> list[str]:
    codes = []
    for body in receiver.received[since:]:
        code = etree.fromstring(body).findtext(f".//{sr('AlertCode')}")
        if code:
            codes.append(code)
    return codes


async def to_prepayment(running, receiver, balance: int) -> None:
    """1.6 to prepayment mode, then 1.5 to leave ``balance`` on the meter."""
    assert results(await send(running, receiver, "1.6", Prepayment={
        "SuspendDebtDisabled": "false", "SuspendDebtEmergency": "false", "DisablementThreshold": "0"})) == [0] * 5
    current = await meter_balance(running, receiver)
    assert results(await send(running, receiver, "1.5", PrepaymentMode={"AdjustMeterBalance": balance - current})) \
        == [0]


async def test_disable_read_arm_enable_on_the_esme(estate):
    running, receiver = estate
    await fresh(running, ESME)
    assert await supply_status(running, receiver) == ENABLED
    assert results(await send(running, receiver, "7.3")) == [1]      # an enabled supply is not armed
    assert results(await send(running, receiver, "7.2")) == [0]
    assert await supply_status(running, receiver) == DISABLED
    before = (await state_of(running, ESME)).meter.registers.active_import
    await running.advance(DAY)
    assert await supply_status(running, receiver) == DISABLED
    assert (await state_of(running, ESME)).meter.registers.active_import == before     # nothing consumed
    assert results(await send(running, receiver, "7.3")) == [0]
    assert await supply_status(running, receiver) == ARMED
    assert results(await send(running, receiver, "7.1")) == [0]
    assert await supply_status(running, receiver) == ENABLED
    await running.advance(DAY)
    assert await supply_status(running, receiver) == ENABLED        # the meter runs to now as it answers
    assert (await state_of(running, ESME)).meter.registers.active_import > before + 3000


async def test_close_arm_the_gas_valve(estate):
    running, receiver = estate
    await fresh(running, GSME)
    assert await valve_status(running, receiver) == VALVE_ON
    assert gbz_statuses(await send(running, receiver, "7.3", GSME)) == ["0b:c0"]   # an open valve is not armed
    assert gbz_statuses(await send(running, receiver, "7.2", GSME)) == ["0c"]
    assert await valve_status(running, receiver) == VALVE_OFF
    assert gbz_statuses(await send(running, receiver, "7.3", GSME)) == ["0c"]
    assert await valve_status(running, receiver) == VALVE_ARMED
    # credit beyond the meter's maximum is refused (HARDWARE_FAILURE, the RTDS error case of GCS40a)
    assert gbz_statuses(await send(running, receiver, "1.5", GSME, PrepaymentMode={"AdjustMeterBalance": 99_000_000})) \
        == ["0b:c0"]
    assert gbz_statuses(await send(running, receiver, "1.5", GSME, PrepaymentMode={"AdjustMeterBalance": 1000})) \
        == ["0b:00"]


async def test_credit_exhausted_interrupts_supply_until_a_top_up_arms_it(estate, issuer):
    running, receiver = estate
    await fresh(running, ESME)
    await to_prepayment(running, receiver, 50_000)            # 50p
    assert (await state_of(running, ESME)).meter.payment_mode is PaymentMode.PREPAYMENT
    seen = len(receiver.received)
    await running.advance(DAY)
    assert await supply_status(running, receiver) == DISABLED
    await running.delivered()
    assert "8F0F" in alert_codes(receiver, seen)
    assert results(await send(running, receiver, "7.1")) == [1]      # no enabling without credit
    state = await state_of(running, ESME)
    assert state.meter.supply is SupplyState.DISABLED and state.meter.credit_interrupted
    consumed = state.meter.registers.active_import
    await running.advance(DAY)
    assert await supply_status(running, receiver) == DISABLED
    assert (await state_of(running, ESME)).meter.registers.active_import == consumed
    seen = len(receiver.received)
    token = issue(issuer, 2000, supplier=SUPPLIER, meter=ESME, utrn_counter=1)
    assert results(await send(running, receiver, "2.2", UTRN=token)) == [0]
    assert await supply_status(running, receiver) == ARMED
    await running.delivered()
    assert "8F32" in alert_codes(receiver, seen)
    assert results(await send(running, receiver, "7.1")) == [0]
    assert await supply_status(running, receiver) == ENABLED


async def physical_event(running, device: str, event: str) -> None:
    """Something happens to the meter itself (``POST /admin/devices/{id}/events``, as ``dccsim devices event``)."""
    async with running.session.post(f"{running.admin_url}/admin/devices/{device}/events", json={"event": event}) as r:
        assert r.status == 200, await r.text()


async def test_credit_runs_out_and_the_consumer_enables_the_armed_supply(estate):
    """The consumer's side of the journey: credit exhausted on the meter → supply interrupted (0x8F0F), the
    Supplier cannot enable it; credit added (1.5) → armed (0x8F32); the consumer presses the button → enabled."""
    running, receiver = estate
    await fresh(running, ESME)
    await to_prepayment(running, receiver, 500_000)
    await physical_event(running, ESME, "consumer-enable")
    assert await supply_status(running, receiver) == ENABLED            # nothing to enable: nothing changes
    seen = len(receiver.received)
    await physical_event(running, ESME, "credit-exhausted")
    assert await supply_status(running, receiver) == DISABLED
    await running.delivered()
    assert "8F0F" in alert_codes(receiver, seen)
    assert results(await send(running, receiver, "7.1")) == [1]      # no enabling without credit
    await physical_event(running, ESME, "consumer-enable")
    assert await supply_status(running, receiver) == DISABLED           # the button does nothing yet
    seen = len(receiver.received)
    assert results(await send(running, receiver, "1.5", PrepaymentMode={"AdjustMeterBalance": 300_000})) == [0]
    assert await supply_status(running, receiver) == ARMED
    await running.delivered()
    assert "8F32" in alert_codes(receiver, seen)
    await physical_event(running, ESME, "consumer-enable")
    assert await supply_status(running, receiver) == ENABLED
    assert (await prepay_values(running, receiver))[0] == 300_000


async def test_emergency_credit_on_a_meter_out_of_credit(estate):
    running, receiver = estate
    await fresh(running, ESME)
    assert results(await send(running, receiver, "2.5")) == [1]      # credit mode: no emergency credit
    # a balance beyond the maximum meter balance is refused (the RTDS error case of ECS04a)
    assert results(await send(running, receiver, "1.5", PrepaymentMode={"AdjustMeterBalance": 20_000_000})) == [1]
    await to_prepayment(running, receiver, 500_000)
    assert results(await send(running, receiver, "2.5")) == [1]      # £5 of credit: not available yet
    assert results(await send(running, receiver, "1.5", PrepaymentMode={"ResetMeterBalance": ""})) == [0, 0, 0]
    assert await supply_status(running, receiver) == DISABLED
    seen = len(receiver.received)
    assert results(await send(running, receiver, "2.5")) == [0]
    await running.delivered()
    assert {"81AB", "8F32"} <= set(alert_codes(receiver, seen))
    assert await supply_status(running, receiver) == ARMED
    assert (await prepay_values(running, receiver))[1] == 2_500_000     # the emergency credit balance
    assert results(await send(running, receiver, "7.1")) == [0]
    await running.advance(DAY)
    balance, emergency, *_ = await prepay_values(running, receiver)
    assert balance == 0 and 1_500_000 < emergency < 2_500_000          # a day's use paid from it


async def test_debt_is_read_back_and_a_top_up_pays_its_share(estate, issuer):
    running, receiver = estate
    await fresh(running, ESME)
    await to_prepayment(running, receiver, 1_000_000)
    assert results(await send(running, receiver, "2.3", TimeDebtRegister1=30000, TimeDebtRegister2=15000,
                              PaymentDebtRegister=50000, DebtRecoveryPerPayment=1000,
                              ElecDebtRecovery1={"DebtRecoveryRate": 3, "DebtRecoveryRatePriceScale": -1,
                                                 "DebtRecoveryRatePeriod": "DAILY"},
                              ElecDebtRecovery2={"DebtRecoveryRate": 15, "DebtRecoveryRatePriceScale": -1,
                                                 "DebtRecoveryRatePeriod": "DAILY"})) == [0] * 10
    assert (await prepay_values(running, receiver))[3:] == [50000, 30000, 15000]
    # a day on, each time debt has paid a day's rate (£0.30 and £1.50 a day: both paid off) into the
    # accumulated debt
    await running.advance(DAY)
    assert (await prepay_values(running, receiver))[2:] == [45000, 50000, 0, 0]
    token = issue(issuer, 1000, supplier=SUPPLIER, meter=ESME, utrn_counter=2)     # £10: 10 % pays debt
    assert results(await send(running, receiver, "2.2", UTRN=token)) == [0]
    assert (await prepay_values(running, receiver))[3] == 0
    assert results(await send(running, receiver, "2.3", TimeDebtRegister1=-40000, TimeDebtRegister2=0,
                              PaymentDebtRegister=0, DebtRecoveryPerPayment=1000,
                              ElecDebtRecovery1={"DebtRecoveryRate": 3, "DebtRecoveryRatePriceScale": -1,
                                                 "DebtRecoveryRatePeriod": "DAILY"},
                              ElecDebtRecovery2={"DebtRecoveryRate": 15, "DebtRecoveryRatePriceScale": -1,
                                                 "DebtRecoveryRatePeriod": "DAILY"}))[8] == 1   # below zero


def _price_change(price: int, when: str) -> dict:
    return {"ExecutionDateTime": when, "PriceElements": {"ElectricityPriceElements": {
        "StandingCharge": 25000, "StandingChargeScale": -5, "PriceScale": -5, "TOUTariff": {"TOUPrice": [price]}}}}


async def active_price(running, receiver) -> int:
    """4.11.1: the price of the rate in force now (the primary element's)."""
    return (await send(running, receiver, "4.11.1")).payload.tree["data"][0]["value"]


async def test_a_future_dated_price_change_takes_effect_at_its_time_and_a_cancelled_one_never(estate):
    running, receiver = estate
    await fresh(running, ESME)
    assert await active_price(running, receiver) == 20000                 # the factory tariff: 20p/kWh
    assert results(await send(running, receiver, "1.2.1", **_price_change(30000, "+1d"))) == [0] * 4
    await running.advance(DAY - 3600)
    assert await active_price(running, receiver) == 20000
    balance = await meter_balance(running, receiver)
    seen = len(receiver.received)
    await running.advance(2 * 3600)
    await running.delivered()
    assert "8F66" in alert_codes(receiver, seen)
    assert await active_price(running, receiver) == 30000
    # a day's use costs 30p a kWh (30 units of the balance a Wh) and the 25p standing charge
    balance = await meter_balance(running, receiver)
    imported = (await state_of(running, ESME)).meter.registers.active_import
    await running.advance(DAY)
    spent = balance - await meter_balance(running, receiver)
    used = (await state_of(running, ESME)).meter.registers.active_import - imported
    assert used > 3000 and abs(spent - 25_000 - 30 * used) < 1000
    assert results(await send(running, receiver, "1.2.1", **_price_change(9000, "+1d"))) == [0] * 4
    assert results(await send(running, receiver, "1.2.1", **_price_change(9000, "3000-12-31T00:00:00Z"))) == [0] * 4
    seen = len(receiver.received)
    await running.advance(2 * DAY)
    assert await active_price(running, receiver) == 30000
    await running.delivered()
    assert "8F66" not in alert_codes(receiver, seen)


async def test_what_the_consumer_sees_is_held_by_the_meters(estate):
    running, receiver = estate
    await fresh(running, ESME)
    await fresh(running, GSME)
    assert results(await send(running, receiver, "3.1", SupplierMessage="Please call us")) == [0]
    assert results(await send(running, receiver, "3.4", SupplierName="GITTEST", SupplierTelephoneNumber="0800 1")) \
        == [0, 0]
    assert results(await send(running, receiver, "3.2", RestrictionDateTime="now")) == [0]
    assert results(await send(running, receiver, "3.5")) == [0]
    cosem = (await state_of(running, ESME)).cosem
    assert cosem["1:0002600D01FF:2"]["hex"] == b"Please call us".hex()
    assert cosem["9000:0000600D01FF:2"]["hex"] == b"GITTEST".hex()
    assert cosem["1:00005E2C0301:2"]["hex"] == ""                      # the privacy PIN: none
    for variant, body in (("3.1", {"SupplierMessage": "Gas: please call"}), ("3.5", {}),
                          ("3.4", {"SupplierName": "GITTEST", "SupplierTelephoneNumber": "0800 2"})):
        assert gbz_statuses(await send(running, receiver, variant, GSME, **body)) == ["0b:00"]
    consumer = (await state_of(running, GSME)).gas.consumer
    assert (consumer.message, consumer.supplier_name, consumer.supplier_contact, consumer.privacy_pin_disabled) \
        == ("Gas: please call", "GITTEST", "0800 2", True)


async def send_template(running, receiver, name: str) -> None:
    """A shared template as it is (its Response arrives)."""
    answer, request_id = await run_request(running, prepared(name))
    assert answer.code == "I99", (name, answer.body[:300])
    await wait_for_response(receiver, request_id, timeout=30)


async def test_the_block_counters_are_reset(estate):
    running, receiver = estate
    await fresh(running, ESME)
    await send_template(running, receiver, "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML")
    await running.advance(DAY)
    assert await supply_status(running, receiver) == ENABLED
    assert sum(map(sum, (await state_of(running, ESME)).meter.registers.counter)) > 3000    # a block tariff counts
    assert results(await send(running, receiver, "1.7")) == [0]
    assert sum(map(sum, (await state_of(running, ESME)).meter.registers.counter)) == 0


async def test_the_prepayment_configuration_decides_emergency_credit_and_is_read_back(estate):
    running, receiver = estate
    await fresh(running, ESME)
    await send_template(running, receiver, "ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML")
    read = (await send(running, receiver, "4.13")).payload.tree["data"]
    values = [node.get("value") for node in read]
    # ECS26a: the maximum credit threshold, the maximum meter balance, emergency credit limit and threshold
    assert (values[8], values[10], values[14], values[15]) == (1_000_000, 5_000_000, 300_000, 100_000)
    await to_prepayment(running, receiver, 150_000)
    assert results(await send(running, receiver, "2.5")) == [1]      # above the 2.1 threshold (100,000)
    assert results(await send(running, receiver, "1.5", PrepaymentMode={"AdjustMeterBalance": -100_000})) == [0]
    assert results(await send(running, receiver, "2.5")) == [0]
    assert (await prepay_values(running, receiver))[1] == 300_000      # the 2.1 emergency credit limit


def _utf8_json(node: dict) -> dict:
    return json.loads(bytes.fromhex(node["hex"]).decode())


async def test_auxiliary_controllers_follow_their_commands_and_reads_show_them(estate):
    running, receiver = estate
    pool = running.sim.db.pool
    await repo.update_device(pool, ESME, esme_variant="ADEF")
    await fresh(running, ESME)
    try:
        window = {"StartDateTime": "now", "EndDateTime": "+2h"}
        assert results(await send(running, receiver, "7.13", **{"@auxiliaryControllerN": 2, **window,
                                                                "CommandedStateLevel": 60})) == [0, 0, 0]
        assert results(await send(running, receiver, "7.13", **{"@auxiliaryControllerN": 2, **window,
                                                                "CommandedStateLevel": 30,
                                                                "InputFromControlledLoad": ""})) == [0, 0, 0]
        operational = (await send(running, receiver, "7.15")).payload.tree["data"][5:]
        assert _utf8_json(operational[1]) == {"outputState": 60, "inputState": 30}
        assert _utf8_json(operational[0]) == {"outputState": 0, "inputState": 0}
        await running.advance(3 * 3600)                  # the period is over
        operational = (await send(running, receiver, "7.15")).payload.tree["data"][5:]
        assert _utf8_json(operational[1]) == {"outputState": 0, "inputState": 0}
        boost = {"AddToBoostButton": [{"@index": n, "#text": "true" if n in (1, 3) else "false"} for n in range(1, 6)]}
        assert results(await send(running, receiver, "7.9", **boost)) == [0, 0]
        flags = (await send(running, receiver, "7.11", ReadLogPeriod={"StartDateTime": "-1d", "EndDateTime": "now"})
                 ).payload.tree["data"][2:]
        assert [f["value"] for f in flags] == [255, 0, 255, 0, 0]
        assert results(await send(running, receiver, "7.12", RandomisedOffsetLimit=900)) == [0]
        state = (await state_of(running, ESME)).auxiliary
        assert state.randomised_offset_limit == 900 and state.controllers[2].on_boost_button
        assert len((await send(running, receiver, "7.14")).payload.tree["data"]) == 7
    finally:
        await repo.update_device(pool, ESME, esme_variant="A")
        await fresh(running, ESME)


async def test_duis_refuses_the_deprecated_switch_requests_and_the_apc_limit(estate):
    running, receiver = estate
    for variant, body in (("7.5", {"ActivateALCSHCALCS": {"@index": 1, "Duration": 30}}),
                          ("7.16", {"@auxiliaryControllerN": 1, "StartDateTime": "now", "EndDateTime": "+1h",
                                    "CommandedStateLevel": 50})):
        root = build_request(variant, originator=SUPPLIER, device=ESME, body=body, now=running.sim.clock.now())
        answer, _request_id = await run_request(running, root)
        assert answer.code == {"7.5": "E11", "7.16": "E2"}[variant], (variant, answer.body[:300])
    # 14.1 is the Gas Transporter's: the gas supplier is refused.
    root = build_request("14.1", originator=SUPPLIER, device=GSME, body={}, now=running.sim.clock.now())
    answer, _request_id = await run_request(running, root)
    assert answer.code == "E2"


async def test_a_change_of_tenancy_delivered_locally_comes_back_with_8_13(estate):
    """CV 2 returns 3.2's command for local delivery; the meter's answer, carried back, is returned with 8.13
    (one of the Service Requests DUIS lets 8.13 return)."""
    running, receiver = estate
    root = build_request("3.2", originator=SUPPLIER, device=ESME, body={"RestrictionDateTime": "now"},
                         command_variant=2, now=running.sim.clock.now())
    answer, request_id = await run_request(running, root)
    assert answer.code == "I0"
    frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
    reply = await running.sim.han.bus.exchange(ESME, frame, hub_id=HUB, handler=handle_command)
    assert reply.response is not None, reply.refused
    returned = build_request("8.13", originator=SUPPLIER, body={"OriginalRequestID": request_id,
                                                                "DeviceGBCSResponse": reply.response})
    answer, _ = await run_request(running, returned)
    assert answer.code == "I99", answer.body[:300]
