"""Device configuration over HTTP: what a DUIS 6.x update writes on a meter is what the matching read returns
afterwards (each configuration family), on an ESME and on a gas meter, with signed requests, a real
PostgreSQL and the Responses collected at the Users' endpoints."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import aiohttp
import pytest
from lxml import etree

import gbcs
from dccsim.catalogue.requests import build_request
from dccsim.duis import client
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from dccsim.timing.clock import ClockMode
from gbcs import zcl
from tests.conftest import create_fresh_database
from tests.integration.device_flows import prepared, run_request, user_keys, wait_for_response
from tests.integration.harness import start_running_simulator
from tests.integration.receiver import Receiver
from tests.integration.test_gas_srs import answers, attributes, publishes
from tests.paths import DUIS_TEMPLATES

pytestmark = pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="../shared/conformance/duis-templates missing")

USERS = ("90B3D51F30010000", "90B3D51F30020000", "90B3D51F30030000")
SUPPLIER, ESME = "90-B3-D5-1F-30-01-00-00", "00-DB-12-34-56-78-90-A0"
GSME = "00-DB-12-34-56-78-90-A1"


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    running = await start_running_simulator(await create_fresh_database(pg_base_url),
                                            tmp_path_factory.mktemp("configuration"), device_timeout=5.0,
                                            clock=ClockMode.SIMULATED,
                                            clock_start=datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc))
    receiver = await Receiver().start()
    for user in USERS:
        await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
    yield running, receiver
    await receiver.stop()
    await running.close()


async def send(estate, root: etree._Element) -> gbcs.Message:
    """Send a request (critical ones through transform); the device's verified Response."""
    running, receiver = estate
    answer, request_id = await run_request(running, root)
    assert answer.status == 200 and answer.code in ("I0", "I99"), (answer.status, answer.body[:300])
    response = await wait_for_response(receiver, request_id)
    assert response.findtext(".//{*}ResponseCode") == "I0"
    message = gbcs.decode(base64.b64decode(response.findtext(".//{*}GBCSPayload")), user_keys(running))
    assert (message.verification.mac if message.ciphered else message.verification.signature) == "verified"
    return message


def request(name: str, **texts: str) -> etree._Element:
    root = prepared(name)
    for element, value in texts.items():
        client.set_body_text(root, element, value)
    return root


def _results(message: gbcs.Message) -> list[int]:
    return [r["result"] for r in message.payload.tree["results"]]


def _values(message: gbcs.Message) -> list[dict]:
    assert set(_results(message)) == {0}, _results(message)
    return message.payload.tree["data"]


def _statuses(message: gbcs.Message) -> list[int]:
    """The Default Response statuses of a gas meter's answer to a configuration command."""
    return [zcl.decode_default_response(bytes.fromhex(c["payload"]))[1] for c in message.payload.tree["components"]
            if c["command"] == zcl.DEFAULT_RESPONSE]


def _ascii(node: dict) -> str:
    return bytes.fromhex(node["hex"]).decode("ascii")


async def test_instantaneous_power_thresholds_are_read_back(estate):
    written = await send(estate, request("ECS34_6.12_SUCCESS_REQUEST_DUIS.XML", LowMediumPowerThreshold="1111",
                                         MediumHighPowerThreshold="7777"))
    assert _results(written) == [0]
    read = await send(estate, request("ECS26f_6.2.5_SUCCESS_REQUEST_DUIS.XML"))
    assert [item["value"] for item in _values(read)[0]["items"]] == [1111, 7777]


async def test_voltage_settings_are_read_back(estate):
    written = await send(estate, request("ECS29c_6.5_SUCCESS_REQUEST_DUIS.XML", RMSExtremeOverVoltageThreshold="290",
                                         RMSVoltageSwellMeasurementPeriod="45",
                                         AverageRMSUnderVoltageThreshold="199"))
    assert set(_results(written)) == {0}
    values = [node["value"] for node in _values(await send(estate, request("ECS26b_6.2.1_SUCCESS_REQUEST_DUIS.XML")))]
    # extreme over (threshold, period), extreme under, sag, swell; then average RMS over and under
    assert values[0] == 290 and values[7] == 45 and values[9] == 199


async def test_mpans_are_read_back(estate):
    await send(estate, request("ECS39a_6.20.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", ImportMPAN="1900001234567"))
    await send(estate, request("ECS39b_6.20.2_SUCCESS_REQUEST_DUIS.XML", ExportMPAN="1900007654321"))
    imported, exported = _values(await send(estate, request("ECS40_6.2.7_SINGLE_SUCCESS_REQUEST_DUIS.XML")))
    assert (_ascii(imported), _ascii(exported)) == ("1900001234567", "1900007654321")


async def test_billing_calendar_is_read_back(estate):
    root = request("ECS30a_6.8_SUCCESS_REQUEST_DUIS.XML", BillingTime="06:30:00.00Z")
    calendar = root.find(f".//{sr('ElectricityBillingCalendar')}")
    calendar.remove(calendar.find(sr("Quarterly")))
    etree.SubElement(calendar, sr("Monthly")).text = "15"
    await send(estate, root)
    [schedule] = _values(await send(estate, request("ECS26l_6.2.3_SUCCESS_REQUEST_DUIS.XML")))
    assert [[i["hex"] for i in entry["items"]] for entry in schedule["items"]] == [["061e0000", "ffffff0fff"]]


async def test_supply_tamper_state_is_read_back_with_the_identity(estate):
    before = _values(await send(estate, request("ECS26m_6.2.4_SUCCESS_REQUEST_DUIS.XML")))
    assert before[-1] == {"type": "boolean", "value": 0}
    await send(estate, request("ECS81_6.25_SUCCESS_REQUEST_DUIS.XML", SupplyTamperState="Locked"))
    after = _values(await send(estate, request("ECS26m_6.2.4_SUCCESS_REQUEST_DUIS.XML")))
    assert after[-1] == {"type": "boolean", "value": 255} and after[:-1] == before[:-1]


async def test_load_limit_settings_are_what_the_load_limit_read_returns(estate):
    await send(estate, request("ECS28a_6.4.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", LoadLimitPowerThreshold="5000",
                               LoadLimitPeriod="120", LoadLimitRestorationPeriod="60"))
    values = _values(await send(estate, build_request("4.15", originator=SUPPLIER, device=ESME)))
    assert [node["value"] for node in values[-3:]] == [5000, 120, 60]


async def test_maximum_demand_period_is_the_schedule_the_maximum_demand_read_returns(estate):
    await send(estate, request("ECS37_6.18.1_SUCCESS_REQUEST_DUIS.XML", StartTime="16:30:00.00Z",
                               EndTime="19:00:00.00Z"))
    values = _values(await send(estate, request("ECS18b_4.12.1_SUCCESS_REQUEST_DUIS.XML")))
    schedule = next(node for node in values if node["type"] == "array")
    assert [entry["items"][4]["hex"] for entry in schedule["items"]] == ["101e0000", "13000000"]


async def test_gas_mprn_and_billing_calendar_are_read_back(estate):
    def gas(name: str, **texts: str) -> etree._Element:
        root = prepared(name, target=GSME)
        for element, value in texts.items():
            client.set_body_text(root, element, value)
        return root

    assert _statuses(await send(estate, gas("GCS41_6.20.1_SUCCESS_REQUEST_DUIS.XML", ImportMPRN="7654321098"))) == [0]
    read = await send(estate, gas("GCS46_6.2.7_SUCCESS_REQUEST_DUIS.XML"))
    assert attributes(read, zcl.METERING)[0x0307] == b"7654321098"
    calendar = gas("GCS25_6.8_SUCCESS_REQUEST_DUIS.XML", BillingPeriodStart="2026-07-01T00:00:00Z",
                   Periodicity="Quarterly")
    assert _statuses(await send(estate, calendar)) == [0, 0]
    [period] = publishes(await send(estate, gas("GCS21k_6.2.3_SUCCESS_REQUEST_DUIS.XML")), zcl.PRICE, 0x09)
    start = datetime(2026, 7, 1, tzinfo=timezone.utc)
    assert (period["billing_period_start_time"], period["billing_period_duration"],
            period["billing_period_duration_type"]) == (gbcs.times.zigbee_time(start), 3, 0x23)


def _log(variant_device: str, log: str, now: datetime) -> etree._Element:
    return build_request("6.13", originator=SUPPLIER, device=variant_device, now=now, body={
        "ReadLogPeriod": {"StartDateTime": "-400d", "EndDateTime": "now"}, "LogToRead": log})


def _entries(message: gbcs.Message) -> list[tuple]:
    node = _values(message)[0]
    return gbcs.compact_array_entries(node["description"], bytes.fromhex(node["contents"]))


async def test_each_log_to_read_reads_its_log(estate):
    running, _receiver = estate
    now = running.sim.clock.now()
    await send(estate, request("ECS15a_3.3_SUCCESS_REQUEST_DUIS.XML"))        # clear the meter's event log
    security = await send(estate, _log(ESME, "Security", now))
    assert security.use_case == "ECS35b" and _entries(security)[-1][1] == 0x8F52     # event log cleared
    events = await send(estate, _log(ESME, "Event", now))
    assert events.use_case == "ECS35a"
    assert all(entry[0] >= _entries(security)[-1][0] for entry in _entries(events))
    assert (await send(estate, _log(ESME, "PowerEvent", now))).use_case == "ECS35e"
    for log, use_case in (("GSMEEvent", "CS10a"), ("Event", "CS10a"), ("GSMESecurity", "CS10b"),
                          ("Security", "CS10b")):
        assert (await send(estate, _log(GSME, log, now))).use_case == use_case
    answer, _ = await run_request(running, _log(ESME, "GSMEEvent", now))
    assert answer.code == "E11"


async def test_gas_flow_settings_are_read_back_and_a_decimal_rate_needs_gbcs_3_2(estate):
    running, _receiver = estate
    await send(estate, prepared("GCS24a_6.7_SUCCESS_REQUEST_DUIS.XML", target=GSME))     # 6.1680 m3/h
    root = prepared("GCS24_6.7_SUCCESS_REQUEST_DUIS.XML", target=GSME)
    for element, value in (("UncontrolledGasFlowRate", "250"), ("SupplyTamperState", "Locked"),
                           ("StabilisationPeriod", "90"), ("MeasurementPeriod", "600")):
        client.set_body_text(root, element, value)
    await send(estate, root)
    flow = attributes(await send(estate, prepared("GCS21a_6.2.8_SUCCESS_REQUEST_DUIS.XML", target=GSME)),
                      zcl.METERING)
    assert (flow[0x0B10], flow[0x0B13], flow[0x0B14], flow[0x0B15]) == (250, 1, 90, 600)
    states = attributes(await send(estate, prepared("GCS21m_6.2.4_SUCCESS_REQUEST_DUIS.XML", target=GSME)),
                        zcl.METERING)
    assert (states[0x0607], states[0x0608]) == (0x01, 0x03)        # locked on a tamper, unchanged on depletion
    pool = running.sim.db.pool
    version = (await repo.get_device(pool, GSME.replace("-", ""))).gbcs_version
    await repo.update_device(pool, GSME.replace("-", ""), gbcs_version="3.1")
    try:
        answer, _ = await run_request(running, prepared("GCS24a_6.7_SUCCESS_REQUEST_DUIS.XML", target=GSME))
        assert answer.code == "E060701"
    finally:
        await repo.update_device(pool, GSME.replace("-", ""), gbcs_version=version)


async def test_the_hubs_sub_ghz_configuration_is_read_back(estate):
    hub = "00-DB-12-34-56-78-90-A2"
    root = prepared("DBCH04_6.28_SUCCESS_REQUEST_DUIS.XML", target=hub)
    client.set_body_text(root, "ChannelQuieterThreshold", "9")
    client.set_body_text(root, "LocalCHRetryPercentage", "12.50")
    assert _results(await send(estate, root)) == [0]
    [configuration] = _values(await send(estate, prepared("DBCH03_6.30_SUCCESS_REQUEST_DUIS.XML", target=hub)))
    items = configuration["items"]
    assert items[0]["hex"] == "e0000006" and items[3]["hex"] == "f8000006"      # channels 1 and 2 of each band
    assert (items[4]["value"], items[8]["value"], items[14]["value"]) == (130, 9, 1250)


async def test_resets_start_the_counters_and_registers_afresh(estate):
    network_operator = "90-B3-D5-1F-30-02-00-00"
    await estate[0].advance(6 * 3600)                   # half hours of demand since the month began

    def demand():
        return build_request("4.12.1", originator=SUPPLIER, device=ESME)

    def sags():
        return build_request("4.10", originator=network_operator, device=ESME, now=estate[0].sim.clock.now(),
                             body={"ReadLogPeriod": {"StartDateTime": "-1d", "EndDateTime": "now"}})

    before = _values(await send(estate, demand()))
    await send(estate, build_request("6.18.2", originator=network_operator, device=ESME,
                                     body={"MaxDemandActivePowerImportValue": {}}))
    after = _values(await send(estate, demand()))
    # ECS18b: …, import maximum demand (value, scaler-unit, time), configurable-time maximum demand, …
    assert before[2]["value"] > 0 and after[2]["value"] == 0 and after[5] == before[5]
    assert _values(await send(estate, sags()))[0]["value"] > 0
    await send(estate, request("ECS29e_6.27_SUCCESS_REQUEST_DUIS.XML"))
    assert _values(await send(estate, sags()))[0]["value"] == 0


async def _advance_to(running, moment: datetime) -> None:
    assert running.sim.clock.now() < moment
    await running.advance((moment - running.sim.clock.now()).total_seconds())


def _operational(values: list[dict], controller: int) -> dict:
    """ECS61e: the five configurations, then the five controllers' operational data (JSON)."""
    return json.loads(bytes.fromhex(values[5 + controller - 1]["hex"]))


async def test_the_auxiliary_calendar_and_switch_configuration_are_read_back_and_drive_the_switches(estate):
    running = estate[0]
    pool = running.sim.db.pool
    await repo.update_device(pool, "00DB1234567890A0", esme_variant="ADF")
    await pool.execute("DELETE FROM device_state WHERE device_id = $1", "00DB1234567890A0")
    try:
        scheduler = prepared("ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML")
        for element in scheduler.find(sr("Body")).iter(sr("ExecutionDateTime")):     # in force now
            element.getparent().remove(element)
        assert set(_results(await send(estate, scheduler))) == {0}
        read = _values(await send(estate, prepared("ECS61d_7.14_SUCCESS_REQUEST_DUIS.XML")))
        special_days, schedule = read[5]["items"], read[6]["items"]
        assert [day["items"][1]["hex"] for day in special_days] == ["ffff0c19ff", "ffff0c1aff", "07df0403ff",
                                                                   "07df081fff"]
        assert [entry["items"][3]["value"] for entry in schedule] == [0x0101, 0x0102, 0x0201, 0x0202, 0x0201, 0x0202]
        data = _values(await send(estate, prepared("ECS61e_7.15_SUCCESS_REQUEST_DUIS.XML")))
        assert [value["hex"] for value in data[:5]] == ["00" * 8, "00db123456789097"] + ["00" * 8] * 3
        # switch 1's calendar switches it on at 06:00 and off at 10:00 every day
        await _advance_to(running, datetime(2026, 6, 17, 12, 0, tzinfo=timezone.utc))
        data = _values(await send(estate, prepared("ECS61e_7.15_SUCCESS_REQUEST_DUIS.XML")))
        assert _operational(data, 1)["outputState"] == 0
        await _advance_to(running, datetime(2026, 6, 18, 7, 0, tzinfo=timezone.utc))
        data = _values(await send(estate, prepared("ECS61e_7.15_SUCCESS_REQUEST_DUIS.XML")))
        assert _operational(data, 1)["outputState"] == 100
        # 6.14.3 replaces the calendar: controller 1 at 0 % from 09:00 and 50 % from 09:30, controller 3 from 11:00,
        # on weekdays from 21 June 2026 (the template's 2015)
        levels = prepared("ECS46d_6.14.3_IMMEDIATE_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML")
        for element in levels.find(sr("Body")).iter(sr("SpecifiedYear")):
            element.text = "2026"
        assert set(_results(await send(estate, levels))) == {0}
        read = _values(await send(estate, prepared("ECS61d_7.14_SUCCESS_REQUEST_DUIS.XML")))
        assert len(read[6]["items"]) == 10 and read[6]["items"][0]["items"][3]["value"] == 0x1180
        await _advance_to(running, datetime(2026, 6, 22, 10, 0, tzinfo=timezone.utc))     # a Monday in the period
        data = _values(await send(estate, prepared("ECS61e_7.15_SUCCESS_REQUEST_DUIS.XML")))
        assert _operational(data, 1)["outputState"] == 50 and _operational(data, 3)["outputState"] == 0
    finally:
        await repo.update_device(pool, "00DB1234567890A0", esme_variant="A")
        await pool.execute("DELETE FROM device_state WHERE device_id = $1", "00DB1234567890A0")


def _wan_bit(bits: dict, code: int) -> bool:
    """An alert behaviour map's bit for ``code`` (its low byte, counted from the map's last bit)."""
    return bool(int(bits["hex"], 16) >> (code & 0xFF) & 1)


def _alerts(receiver: Receiver, code: str) -> int:
    return sum(1 for body in receiver.received if etree.fromstring(body).findtext(".//{*}AlertCode") == code)


async def _event(running, device: str, event: str) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{running.admin_url}/admin/devices/{device}/events", json={"event": event}) as r:
            assert r.status == 200, await r.text()
            raised = (await r.json())["alerts_raised"]
    await running.delivered()
    return raised


def _event_configuration(message: gbcs.Message) -> dict[int, int]:
    """GCS20r: each event's configuration, as the gas meter reports it."""
    return {event["event_id"]: event["event_configuration"] for component, payload in answers(message)
            if component["cluster"] == zcl.DEVICE_MANAGEMENT and component["command"] == 0x04
            for event in zcl.decode_command(zcl.DEVICE_MANAGEMENT, 0x04, False, payload)["events"]}


async def test_alert_behaviour_is_read_back_and_decides_which_alerts_a_meter_sends(estate):
    running, receiver = estate
    behaviours = prepared("ECS25r1_6.2.10_SUCCESS_REQUEST_DUIS.XML")
    before = _values(await send(estate, behaviours))
    assert _wan_bit(before[0], 0x810D) and not _wan_bit(before[1], 0x810D)        # sent over the WAN, not the HAN
    sent = _alerts(receiver, "810D")
    assert await _event(running, ESME, "low-credit") == 1 and _alerts(receiver, "810D") == sent + 1
    # 6.22: low credit no longer sent over the WAN (credit added locally neither), and shown on the HAN instead
    assert _results(await send(estate, request("ECS25a_6.22_SUCCESS_REQUEST_DUIS.XML", x810D="Disable"))) == [0]
    assert _results(await send(estate, request("ECS25a1_6.22_SUCCESS_REQUEST_DUIS.XML"))) == [0]
    after = _values(await send(estate, prepared("ECS25r1_6.2.10_SUCCESS_REQUEST_DUIS.XML")))
    assert not _wan_bit(after[0], 0x810D) and not _wan_bit(after[0], 0x810E)
    assert _wan_bit(after[1], 0x810D) and not _wan_bit(after[1], 0x8119)
    unchanged = ~((1 << 0x0D) | (1 << 0x0E))
    assert int(after[0]["hex"], 16) & unchanged == int(before[0]["hex"], 16) & unchanged
    assert await _event(running, ESME, "low-credit") == 0 and _alerts(receiver, "810D") == sent + 1
    assert await _event(running, ESME, "tamper") == 2            # a critical alert is always sent
    # a gas meter: emergency credit exhausted (0x81AA) sent until GCS20 takes it off the WAN
    gas_read = build_request("6.2.10", originator=SUPPLIER, device=GSME)
    assert _event_configuration(await send(estate, gas_read))[0x81AA] == 0x0B    # logged, sent over the WAN
    exhausted = _alerts(receiver, "81AA")
    assert await _event(running, GSME, "emergency-credit-exhausted") == 1
    assert _alerts(receiver, "81AA") == exhausted + 1
    template = request("GCS20_6.22_SUCCESS_REQUEST_DUIS.XML")
    for element in template.find(sr("Body")).iter(sr("x81AA")):
        element.find(sr("WANAlert")).text = "Disable"
    assert set(_statuses(await send(estate, template))) == {0}          # one Set Event Configuration each
    configuration = _event_configuration(await send(estate, build_request("6.2.10", originator=SUPPLIER, device=GSME)))
    assert (configuration[0x81AA], configuration[0x810E], configuration[0x8161]) == (0x53, 0x08, 0x43)
    assert await _event(running, GSME, "emergency-credit-exhausted") == 0 and _alerts(receiver, "81AA") == exhausted + 1


async def test_a_load_controllers_cells_on_a_meter_before_gbcs_4_are_refused_with_e061509(estate):
    running, receiver = estate
    pool = running.sim.db.pool
    template = "CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML"
    await repo.update_device(pool, "00DB1234567890A0", gbcs_version="3.2")
    try:
        answer, request_id = await run_request(running, prepared(template))
        assert answer.status == 200 and answer.code == "E061509", answer.body[:300]
        await running.delivered()
        assert not any(etree.fromstring(body).findtext(".//{*}RequestID") == request_id
                       for body in receiver.received)            # nothing was sent to the meter
    finally:
        await repo.update_device(pool, "00DB1234567890A0", gbcs_version="4.0")
    answer, request_id = await run_request(running, prepared(template))
    assert answer.code == "I99"                                   # the same request to a GBCS v4.0 meter
    assert (await wait_for_response(receiver, request_id)).findtext(".//{*}ResponseCode") == "I0"


async def test_the_network_operators_alert_behaviour_is_its_own(estate):
    """6.22 from the Electricity Distributor (ECS25b) sets the Network Operator's maps; its 6.2.10 reads them
    (ECS25r2); an alert of its it takes off the WAN is no longer sent."""
    running, receiver = estate
    network_operator = "90-B3-D5-1F-30-02-00-00"

    def read():
        return build_request("6.2.10", originator=network_operator, device=ESME)

    message = await send(estate, read())
    assert message.message_code == 0x00EF                      # ECS25r2: its WAN and logging maps
    wan, logging = _values(message)
    assert _wan_bit(wan, 0x8002) and _wan_bit(logging, 0x8002)
    assert await _event(running, ESME, "over-voltage") == 1
    body = {"ElectricityNetworkOperatorAlerts": {"NetworkOperatorESMECommon": {"x8014": "Enable", "x8015": "Disable"},
                                                 "NetworkOperatorESMESinglePhase": {"x8002": "Disable"}}}
    assert _results(await send(estate, build_request("6.22", originator=network_operator, device=ESME,
                                                     body=body))) == [0]
    wan, logging = _values(await send(estate, read()))
    assert (_wan_bit(wan, 0x8014), _wan_bit(wan, 0x8015), _wan_bit(wan, 0x8002)) == (True, False, False)
    assert _wan_bit(logging, 0x8002)                           # still logged: only the WAN map changed
    sags = _alerts(receiver, "8002")
    assert await _event(running, ESME, "over-voltage") == 0 and _alerts(receiver, "8002") == sags
    supplier_read = _values(await send(estate, prepared("ECS25r1_6.2.10_SUCCESS_REQUEST_DUIS.XML")))
    assert len(supplier_read) == 4                             # the supplier still reads its own four (ECS25r1)
