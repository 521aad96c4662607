"""SMETS1 installations end to end over HTTP: Service Requests for the demo estate's SMETS1 premises go to the
emulated S1SP and come back as SMETS1 Responses the S1SP signs and the DCC countersigns, each one valid
against the official DUIS XSD and both signatures verified; CR1045 (11.x for SMETS1 CHs and PPMIDs, W110101
by Lead Supplier, N57 to the gas supplier only, N51 against the CPL), CR1290 (E060701 / the re-scaled gas
flow rate), SECMP0081 (block thresholds in kWh on SMETS1, Wh on SMETS2, read back) and the message log of
the S1SP leg."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from cryptography import x509
from lxml import etree

import gbcs

from dccsim.duis import client, xmldsig
from dccsim.duis.ids import RequestId, dashed
from dccsim.duis.namespaces import RA, sr
from dccsim.inventory import repository as repo
from dccsim.inventory.models import CplEntry, Device, DeviceStatus, DeviceType
from dccsim.s1sp.profiles import S1SP_ATTRIBUTE, S1SP_ENTITY_ID
from dccsim.s1sp.verification import verify_smets1_response
from dccsim.smki.folders import export_files
from dccsim.timing.clock import ClockMode
from devices import state_codec
from tests.conftest import create_fresh_database
from tests.integration.device_flows import prepared, run_request, user_keys, wait_for_response, xml_signer_for
from tests.integration import requests
from tests.integration.harness import official_schema, start_running_simulator
from tests.integration.receiver import Receiver
from tests.paths import DUIS_TEMPLATES

pytestmark = pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="shared templates not available")

LEAD, GAS_SUPPLIER, NETWORK = "90B3D51F30010000", "90B3D51F30030000", "90B3D51F30020000"
S1_CH, S1_ESME, S1_GSME, S1_PPMID = "00DB1234567891B0", "00DB1234567891B1", "00DB1234567891B2", "00DB1234567891B3"
S2_ESME, S2_PPMID = "00DB1234567890A0", "00DB1234567890A4"
CLOCK_START = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
_RA = {"ra": RA}


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    """The demo estate on the simulated clock; every supplier's and the network operator's Responses and
    alerts reach one receiver (a document's ResponseID says whom it was for)."""
    database = await create_fresh_database(pg_base_url)
    settings = {"device_timeout": 2.0, "clock": ClockMode.SIMULATED, "clock_start": CLOCK_START}
    running = await start_running_simulator(database, tmp_path_factory.mktemp("smets1"), **settings)
    receiver = await Receiver().start()
    await asyncio.gather(*(repo.set_endpoint(running.sim.db.pool, user, receiver.url)
                           for user in (LEAD, GAS_SUPPLIER, NETWORK)))
    try:
        yield running, receiver
    finally:
        await receiver.stop()
        await running.close()


def recipient(root: etree._Element) -> str:
    """The User a delivered document was for (the target of its ResponseID)."""
    return RequestId.parse(root.findtext(f".//{sr('ResponseID')}")).target


def request(template: str, target: str, *, originator: str = LEAD, edit=None) -> etree._Element:
    """A template as a SMETS1 request: the target device, CommandVariant 1 (the S1SP takes no Pre-Command)."""
    root = prepared(template, originator=dashed(originator), target=dashed(target))
    root.find(sr("Header")).find(sr("CommandVariant")).text = "1"
    if edit is not None:
        edit(root)
    return root


async def send(estate, root: etree._Element, service: str = "S"):
    running, _ = estate
    signer = xml_signer_for(running, root)
    answer = await running.post(service, client.sign(root, signer))
    return answer, client.request_id_of(root)


async def smets1_response(estate, request_id: str) -> etree._Element:
    """The countersigned SMETS1 Response to a request: valid against the DUIS XSD, the DCC's and the S1SP's
    signatures verified; returns its SMETS1Response."""
    running, receiver = estate
    found: list[bytes] = []

    def arrived() -> bool:
        found[:] = [b for b in receiver.received if etree.fromstring(b).findtext(f".//{sr('RequestID')}") == request_id
                    and etree.fromstring(b).find(f".//{sr('SMETS1ResponseMessage')}") is not None]
        return bool(found)

    await receiver.wait_until(arrived)
    document = found[0]
    root = etree.fromstring(document)
    official_schema().assertValid(root)
    smets1_response = verify_smets1_response(document, *exported_certificates(running))
    assert root.findtext(f".//{sr('ResponseCode')}") == "I0"
    return smets1_response


def exported_certificates(running) -> tuple[x509.Certificate, x509.Certificate]:
    """The DCC's response-signing and the S1SP's signing certificates, as ``keys export`` hands them out."""
    files = {exported.name: exported.data for exported in export_files(running.sim.smki)}
    dcc = next(data for name, data in files.items() if name.startswith("dsp-xml-sign-") and name.endswith(".pem"))
    s1sp = files[f"xml-sign-{S1SP_ENTITY_ID}-ds.pem"]
    return x509.load_pem_x509_certificate(dcc), x509.load_pem_x509_certificate(s1sp)


def checked(running, root: etree._Element) -> etree._Element:
    """A DUIS document of the DCC's own: valid against the official XSD, and its signature the DCC's."""
    official_schema().assertValid(root)
    xmldsig.verify(root, exported_certificates(running)[0])
    return root


def smets1_alert(running, delivered: list[bytes]) -> etree._Element:
    """The one SMETS1 Alert among ``delivered``: valid against the DUIS XSD, both signatures verified, no
    Service Request named; returns its SMETS1Response."""
    alerts = [document for document in delivered if b"DeviceAlertMessage" in document
              and b"SMETS1ResponseMessage" in document]
    assert len(alerts) == 1, len(alerts)
    root = etree.fromstring(alerts[0])
    official_schema().assertValid(root)
    assert root.find(f".//{sr('RequestID')}") is None and root.find(f".//{sr('ServiceReference')}") is None
    return verify_smets1_response(alerts[0], *exported_certificates(running))


async def accepted(estate, root: etree._Element) -> etree._Element:
    answer, request_id = await send(estate, root)
    assert (answer.status, answer.code) == (200, "I99"), answer.body[:400]
    return await smets1_response(estate, request_id)


def dcc_alerts(estate, code: str, since: int) -> list[tuple[str, etree._Element]]:
    """The DCC alerts of ``code`` delivered after the first ``since`` messages (checked), with their
    recipients."""
    running, receiver = estate
    found = []
    for body in receiver.received[since:]:
        root = etree.fromstring(body)
        if root.findtext(f".//{sr('DCCAlertCode')}") == code:
            found.append((recipient(root), checked(running, root)))
    return found


def rsp(response: etree._Element, name: str) -> etree._Element:
    element = response.find(f".//{{{RA}}}{name}")
    assert element is not None, etree.tostring(response)[:600]
    return element


async def test_reads_a_smets1_meter_through_the_s1sp(estate):
    running, _ = estate
    await running.advance(3 * 3600)
    response = await accepted(estate, request("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", S1_ESME))
    header = response.find(sr("Header"))
    assert header.findtext("ra:BusinessOriginatorID", namespaces=_RA) == dashed(S1_ESME)
    assert header.findtext("ra:BusinessTargetID", namespaces=_RA) == dashed(LEAD)
    register = rsp(response, "ReadInstantaneousImportRegistersRsp")
    assert register.get("MessageSuccess") == "true"
    first = int(register.findtext("ra:Electricity/ra:ActiveImportRegister/ra:Value", namespaces=_RA))
    await running.advance(3600)
    register = rsp(await accepted(estate, request("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", S1_ESME)),
                   "ReadInstantaneousImportRegistersRsp")
    assert int(register.findtext("ra:Electricity/ra:ActiveImportRegister/ra:Value", namespaces=_RA)) > first
    gas = rsp(await accepted(estate, request("GCS13a_4.1.1_SUCCESS_UNRELIABLE_REQUEST_DUIS.XML", S1_GSME,
                                             originator=GAS_SUPPLIER)), "ReadInstantaneousImportRegistersRsp")
    assert gas.findtext("ra:Gas/ra:ConsumptionRegister/ra:Unit", namespaces=_RA) == "m3"


async def test_the_message_log_shows_the_s1sp_leg(estate):
    running, _ = estate
    root = request("ECS45_7.4_SUCCESS_REQUEST_DUIS.XML", S1_ESME)
    await accepted(estate, root)
    await running.sim.message_log.flush()
    async with running.session.get(f"{running.admin_url}/admin/messages",
                                   params={"request_id": client.request_id_of(root)}) as answer:
        log = await answer.json()
    kinds = [entry["kind"] for entry in log["messages"]]
    assert {"s1sp-request", "s1sp-response", "dcc-countersigning"} <= set(kinds), kinds
    signed = next(entry["body"] for entry in log["messages"] if entry["kind"] == "s1sp-response")
    assert "SMETS1SignedResponse" in signed and "Signature" in signed
    # `dccsim log REQUEST_ID`, as a user runs it, prints the same leg.
    env = {**os.environ, "DCCSIM_DATABASE_URL": running.sim.settings.database_url}
    printed = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "dccsim", "--data-dir", str(running.sim.settings.data_dir), "log",
                         client.request_id_of(root)], env=env, capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0, printed.stderr
    for kind in ("s1sp-request", "s1sp-response", "dcc-countersigning"):
        assert kind in printed.stdout, printed.stdout[:2000]


async def test_supply_is_disabled_armed_and_enabled(estate):
    for template, state in (("ECS43_7.2_SUCCESS_REQUEST_DUIS.XML", "Disabled"),
                            ("ECS44_7.3_SUCCESS_REQUEST_DUIS.XML", "Armed"),
                            ("ECS42_7.1_SUCCESS_REQUEST_DUIS.XML", "Enabled")):
        await accepted(estate, request(template, S1_ESME))
        status = rsp(await accepted(estate, request("ECS45_7.4_SUCCESS_REQUEST_DUIS.XML", S1_ESME)),
                     "ReadSupplyStatusRsp")
        assert status.findtext("ra:SupplyState", namespaces=_RA) == state


async def test_a_top_up_is_taken_once(estate):
    utrn = "73618409183746529201"

    def with_utrn(root):
        client.set_body_text(root, "UTRN", utrn)

    first = rsp(await accepted(estate, request("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML", S1_ESME, edit=with_utrn)),
                "TopUpDeviceRsp")
    assert first.get("MessageSuccess") == "true"
    again = await accepted(estate, request("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML", S1_ESME, edit=with_utrn))
    assert rsp(again, "TopUpDeviceRsp").get("MessageSuccess") == "false"
    assert "applied already" in rsp(again, "SMETS1Debug").findtext("ra:SMETS1Response/ra:Error", namespaces=_RA)


def _period(root: etree._Element, start: datetime, end: datetime) -> None:
    for period in root.iter(sr("ReadLogPeriod")):
        period.find(sr("StartDateTime")).text = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        period.find(sr("EndDateTime")).text = end.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_daily_reads_and_profile_data_follow_the_register(estate):
    running, _ = estate
    await running.advance(2 * 86400)
    now = running.sim.clock.now()
    daily = rsp(await accepted(estate, request("ECS21a_4.6.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", S1_ESME,
                                               edit=lambda r: _period(r, now - timedelta(days=3), now))),
                "RetrieveImportDailyReadLogRsp")
    reads = [int(v) for v in daily.xpath("ra:LogEntry/ra:Electricity/ra:ElecActiveImportRegisterConsumption/text()",
                                         namespaces=_RA)]
    assert len(reads) >= 2 and reads == sorted(reads) and reads[-1] > reads[0]
    profile = rsp(await accepted(estate, request("ECS22b_4.8.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", S1_ESME,
                                                 edit=lambda r: _period(r, now - timedelta(hours=4), now))),
                  "ReadActiveImportProfileDataRsp")
    assert [int(v) for v in profile.xpath("ra:LogEntry/ra:Electricity/ra:PrimaryValue/text()", namespaces=_RA)] \
        == [210] * 8


def _thresholds(values: tuple[int, ...], prices: tuple[int, ...]):
    def edit(root):
        thresholds = next(root.iter(sr("Thresholds")))
        for element, value in zip(thresholds.iter(sr("BlockThreshold")), values):
            element.text = str(value)
        for element, value in zip(next(root.iter(sr("BlockPrices"))).iter(sr("BlockPrice")), prices):
            element.text = str(value)
    return edit


async def test_block_thresholds_are_kwh_on_a_smets1_meter(estate):
    """SECMP0081: 5 and 10 kWh put a meter that used about 7.5 kWh since in its second block; the same
    thresholds sized in Wh (5000, 10000) are read as kWh, and the meter shows the first block's price."""
    running, _ = estate
    prices = (1000, 2000, 3000)
    for thresholds, block in (((5, 10), 2), ((5000, 10000), 1)):
        await accepted(estate, request("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", S1_ESME,
                                       edit=_thresholds(thresholds, prices)))
        await running.advance(18 * 3600)
        tariff = rsp(await accepted(estate, request("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML", S1_ESME)),
                     "ReadTariffPrimaryElementRsp")
        read_back = tariff.xpath("ra:Electricity/ra:TariffThresholdMatrix/ra:ElecTariffThresholds/"
                                 "ra:BlockThreshold/text()", namespaces=_RA)
        assert [int(v) for v in read_back] == list(thresholds)
        assert int(tariff.findtext("ra:Electricity/ra:PrimaryActiveTariffPrice", namespaces=_RA)) == prices[block - 1]


async def test_block_thresholds_stay_wh_on_a_smets2_meter(estate):
    running, receiver = estate
    root = prepared("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", target=dashed(S2_ESME))
    _thresholds((5000, 10000), (1000, 2000, 3000))(root)
    answer, request_id = await run_request(running, root)
    assert answer.code == "I99", answer.body[:300]
    assert checked(running, await wait_for_response(receiver, request_id)).findtext(f".//{sr('ResponseCode')}") == "I0"
    read = prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML", target=dashed(S2_ESME))
    answer, request_id = await run_request(running, read)
    response = checked(running, await wait_for_response(receiver, request_id))
    payload = base64.b64decode(response.findtext(f".//{sr('GBCSPayload')}"))
    data = gbcs.decode(payload, user_keys(running)).payload.tree["data"]
    # The threshold matrix's first row, as the meter holds it: Wh (the last block has no upper threshold).
    rows = [[item["value"] for item in value["items"]] for value in data
            if value["type"] == "array" and value["items"] and value["items"][0]["type"] == "double-long-unsigned"]
    assert rows[0] == [5000, 10000, 4294967295]


async def _distribute(estate, target: str, *, originator: str, version: str = "00000009"):
    image = b"SMETS1 PPMID firmware " + version.encode()

    def edit(root):
        client.set_body_text(root, "DeviceIDList", dashed(target))
        client.set_body_text(root, "FirmwareVersion", version)
        client.set_body_text(root, "FirmwareImage", base64.b64encode(image).decode())

    root = prepared("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", originator=dashed(originator))
    edit(root)
    answer, request_id = await send(estate, root, "D")
    return answer, request_id, hashlib.sha256(image).hexdigest()


def activation(image_hash: str):
    """11.3 now, for the image with this hash."""
    def edit(root):
        client.set_body_text(root, "FirmwareHash", image_hash.upper())
        execution = root.find(f".//{sr('ExecutionDateTime')}")
        if execution is not None:
            execution.getparent().remove(execution)
    return edit


async def test_firmware_for_a_smets1_ppmid_from_its_lead_supplier(estate):
    """CR1045: 11.1 to the SMETS1 PPMID by the Lead Supplier is accepted, answered with a SMETS1 Response, and
    N57 goes to the installation's gas supplier alone; 11.3 activates it (N57 again); the version is not on
    the CPL, so 11.2 raises N51."""
    running, receiver = estate
    await running.delivered()
    since = len(receiver.received)
    answer, request_id, image_hash = await _distribute(estate, S1_PPMID, originator=LEAD)
    assert (answer.status, answer.code) == (200, "I99"), answer.body[:400]
    await smets1_response(estate, request_id)
    await running.delivered()
    alert = smets1_alert(running, receiver.received[since:])
    content = alert.find(f"{sr('Body')}/{sr('DeviceAlertMessage')}/{{{RA}}}DeviceAlertContent")
    assert content.findtext("ra:GBCSHexAlertCode", namespaces=_RA) == "8F72"
    assert content.findtext("ra:Payload/ra:FirmwareVerificationDeviceAlert/ra:ManufacturerImageHash",
                            namespaces=_RA) == image_hash.upper()
    n57 = dcc_alerts(estate, "N57", since)
    assert [user for user, _ in n57] == [GAS_SUPPLIER]
    assert n57[0][1].findtext(f".//{sr('FirmwareVersionUpdateStatus')}") == "UpdateRequested"

    since = len(receiver.received)
    activate = request("CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", S1_PPMID, edit=activation(image_hash))
    response = await accepted(estate, activate)
    assert rsp(response, "ActivateFirmwareRsp").findtext("ra:FirmwareVersion", namespaces=_RA) == "00000009"
    await running.delivered()
    activated = dcc_alerts(estate, "N57", since)
    assert [user for user, _ in activated] == [GAS_SUPPLIER]
    assert activated[0][1].findtext(f".//{sr('FirmwareVersionUpdateStatus')}") == "ActivationSuccessful"

    since = len(receiver.received)
    read = request("CS08_11.2_SUCCESS_REQUEST_DUIS.XML", S1_PPMID)
    response = await accepted(estate, read)
    assert rsp(response, "ReadFirmwareVersionRsp").findtext("ra:FirmwareVersion", namespaces=_RA) == "00000009"
    await running.delivered()
    unknown = dcc_alerts(estate, "N51", since)
    assert sorted(user for user, _ in unknown) == sorted([LEAD, GAS_SUPPLIER])
    assert (await repo.get_device(running.sim.db.pool, S1_PPMID)).firmware_version == "00000001"


async def test_firmware_for_a_smets1_ppmid_from_another_supplier_is_refused(estate):
    running, receiver = estate
    await running.delivered()
    since = len(receiver.received)
    answer, _, _ = await _distribute(estate, S1_PPMID, originator=GAS_SUPPLIER)
    assert (answer.status, answer.code) == (200, "W110101"), answer.body[:400]
    checked(running, answer.root)
    assert answer.root.findtext(f".//{sr('InvalidDeviceIDList')}") == dashed(S1_PPMID)
    await running.delivered()
    assert dcc_alerts(estate, "N57", since) == []


async def test_update_firmware_still_refuses_a_smets2_ppmid(estate):
    answer, _, _ = await _distribute(estate, S2_PPMID, originator=LEAD)
    assert (answer.status, answer.code) == (200, "W110101")
    checked(estate[0], answer.root)
    assert answer.root.findtext(f".//{sr('InvalidDeviceIDList')}") == dashed(S2_PPMID)


async def test_activate_firmware_refuses_a_smets2_ppmid(estate):
    """CR1045 (release note 3.1.3): 11.3's E11 takes a SMETS1 PPMID (above) and still refuses a SMETS2 one, which
    activates what 11.4 sends it."""
    running, _ = estate
    root = prepared("CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", target=dashed(S2_PPMID))
    answer, _ = await run_request(running, root)
    assert (answer.status, answer.code) == (200, "E11"), answer.body[:300]
    checked(running, answer.root)


async def test_read_firmware_version_refuses_a_smets2_ppmid(estate):
    """CR1045 (release note 3.1.2): 11.2's E11 takes a SMETS1 PPMID and still refuses a SMETS2 one."""
    running, _ = estate
    root = prepared("CS08_11.2_SUCCESS_REQUEST_DUIS.XML", target=dashed(S2_PPMID),
                    originator="90-B3-D5-1F-30-01-00-00")
    answer, _ = await run_request(running, root)
    assert (answer.status, answer.code) == (200, "E11"), answer.body[:300]
    checked(running, answer.root)


async def test_gas_flow_rate_on_a_smets1_gsme(estate):
    """CR1290: the decimal rate where the S1SP takes it; E060701 where it does not; the integer rate re-scaled
    to m3/h."""
    running, _ = estate

    def flow_rate(element_name: str, value: str):
        def edit(root):
            body = next(root.iter(sr("UpdateDeviceConfigurationGasFlow")))
            for name in ("UncontrolledGasFlowRate", "UncontrolledGasFlowRateDecimal"):
                for element in body.findall(sr(name)):
                    body.remove(element)
            element = etree.Element(sr(element_name))
            element.text = value
            body.insert(0, element)
        return edit

    decimal_rate = flow_rate("UncontrolledGasFlowRateDecimal", "1.2345")
    integer_rate = flow_rate("UncontrolledGasFlowRate", "25000")

    async def rate() -> Decimal:
        stored = await running.sim.db.pool.fetchval("SELECT state::text FROM device_state WHERE device_id = $1",
                                                    S1_GSME)
        return state_codec.decode(stored).uncontrolled_flow_rate

    template = "GCS24_6.7_SUCCESS_REQUEST_DUIS.XML"
    await accepted(estate, request(template, S1_GSME, originator=GAS_SUPPLIER, edit=decimal_rate))
    assert await rate() == Decimal("1.2345")
    async with running.sim.db.pool.acquire() as conn:
        await running.sim.inventory.update_device(conn, S1_GSME, attributes={S1SP_ATTRIBUTE: "S1SP-2"})
    answer, _ = await send(estate, request(template, S1_GSME, originator=GAS_SUPPLIER, edit=decimal_rate))
    assert (answer.status, answer.code) == (200, "E060701"), answer.body[:300]
    checked(running, answer.root)
    await accepted(estate, request(template, S1_GSME, originator=GAS_SUPPLIER, edit=integer_rate))
    assert await rate() == Decimal("2.5")


async def test_what_the_s1sp_does_not_do_is_said(estate):
    answer, _ = await send(estate, request("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML", S1_ESME))
    assert answer.status == 501 and b"not simulated for SMETS1" in answer.body
    root = prepared("ECS42_7.1_SUCCESS_REQUEST_DUIS.XML", target=dashed(S1_ESME))
    answer, _ = await run_request(estate[0], root)
    assert answer.code == "E12", answer.body[:300]


def _add_to_hub(hub: str, device: str, install_code: str) -> etree._Element:
    body = (f"<sr:UpdateHANDeviceLog><sr:DeviceID>{dashed(device)}</sr:DeviceID><sr:RequestType>Add</sr:RequestType>"
            f"<sr:AddDeviceToCHFWhitelist><sr:JoinTimePeriod>60</sr:JoinTimePeriod>"
            f"<sr:InstallCode>{install_code}</sr:InstallCode></sr:AddDeviceToCHFWhitelist></sr:UpdateHANDeviceLog>")
    xml = requests.non_device(LEAD, "8.11", "8.11", body, cv=1).replace(
        f":{requests.DCC_ID}:".encode(), f":{dashed(hub)}:".encode())
    return client.prepare(xml)


async def test_a_smets1_hub_takes_a_short_install_code(estate):
    """CR1277: E081111 is for SMETS2 devices; a SMETS1 CH adds a device with an 8-octet install code, and the
    DCC whitelists it on that hub."""
    running, _ = estate
    newcomer = "00DB1234567891B4"
    async with running.sim.db.pool.acquire() as conn:
        await running.sim.inventory.upsert_device(conn, Device(newcomer, DeviceType.ESME, DeviceStatus.PENDING,
                                                               smets_generation="SMETS1"))
        await running.sim.inventory.set_party(conn, newcomer, "IS", LEAD)
    response = await accepted(estate, _add_to_hub(S1_CH, newcomer, "0011223344556677"))
    assert rsp(response, "UpdateHANDeviceLogRsp").get("MessageSuccess") == "true"
    added = await repo.get_device(running.sim.db.pool, newcomer)
    assert (added.status, added.chf_id) == (DeviceStatus.WHITELISTED, S1_CH)
    answer, _ = await send(estate, _add_to_hub("00DB1234567890A2", newcomer, "0011223344556677"))
    assert answer.code == "E081111", answer.body[:300]


async def test_the_inventory_says_which_s1sp_serves_a_smets1_device(estate):
    running, _ = estate
    root = prepared("8.2_READ_INVENTORY_REQUEST_DUIS.XML")
    client.set_body_text(root, "DeviceID", dashed(S1_CH))
    answer = await running.post("D", client.sign(root, xml_signer_for(running, root)))
    assert answer.code == "I0", answer.body[:300]
    checked(running, answer.root)
    devices = {d.findtext(sr("DeviceID")): d for d in answer.root.iter(sr("Device"))}
    assert set(devices) == {dashed(d) for d in (S1_CH, S1_ESME, S1_GSME, S1_PPMID)} | {dashed("00DB1234567891B4")}
    assert devices[dashed(S1_CH)].findtext(sr("S1SP")) == "S1SP-1"
    assert all(d.findtext(sr("S1SP")) in ("S1SP-1", "S1SP-2") for d in devices.values())
    assert {d.findtext(sr("CSPRegion")) for d in devices.values() if d.findtext(sr("DeviceID")) != dashed(
        "00DB1234567891B4")} == {"SMETS1"}


async def test_the_s1sp_key_is_exported_with_the_others(estate):
    running, _ = estate
    names = {exported.name for exported in export_files(running.sim.smki)}
    assert {f"xml-sign-{S1SP_ENTITY_ID}-ds.pem", f"xml-sign-{S1SP_ENTITY_ID}-ds.key"} <= names


async def test_update_ppmid_firmware_is_not_for_a_smets1_ppmid(estate):
    root = prepared("11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML", originator=dashed(LEAD))
    client.set_body_text(root, "DeviceIDList", dashed(S1_PPMID))
    answer, _ = await send(estate, root, "D")
    assert (answer.status, answer.code) == (200, "W110101"), answer.body[:300]
    assert checked(estate[0], answer.root).findtext(f".//{sr('InvalidDeviceIDList')}") == dashed(S1_PPMID)


async def test_an_unreachable_smets1_device_gives_e21_and_its_hub_e20(estate):
    running, receiver = estate
    for device, code in ((S1_ESME, "E21"), (S1_CH, "E20")):
        async with running.session.post(f"{running.admin_url}/admin/devices/{dashed(device)}/faults",
                                        json={"offline": True}) as answer:
            assert answer.status == 200
        try:
            answer, request_id = await send(estate, request("ECS45_7.4_SUCCESS_REQUEST_DUIS.XML", S1_ESME))
            assert answer.code == "I99"
            response = checked(running, await wait_for_response(receiver, request_id))
            assert response.findtext(f".//{sr('ResponseCode')}") == code
        finally:
            async with running.session.post(f"{running.admin_url}/admin/devices/{dashed(device)}/faults",
                                            json={"offline": False}):
                pass


async def test_a_future_dated_tariff_waits_for_its_time(estate):
    running, receiver = estate
    when = running.sim.clock.now() + timedelta(hours=1)

    def future(root):
        _thresholds((7, 14), (1500, 2500, 3500))(root)
        body = next(root.iter(sr("UpdateImportTariffPrimaryElement")))
        execution = etree.Element(sr("ExecutionDateTime"))
        execution.text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        body.insert(0, execution)

    root = request("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", S1_ESME, edit=future)
    answer, request_id = await send(estate, root)
    assert answer.code == "I99", answer.body[:300]
    await running.delivered()
    assert not any(etree.fromstring(b).findtext(f".//{sr('RequestID')}") == request_id for b in receiver.received)
    await running.advance(2 * 3600)
    await smets1_response(estate, request_id)
    tariff = rsp(await accepted(estate, request("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML", S1_ESME)),
                 "ReadTariffPrimaryElementRsp")
    assert tariff.xpath("ra:Electricity/ra:TariffThresholdMatrix/ra:ElecTariffThresholds/ra:BlockThreshold/text()",
                        namespaces=_RA) == ["7", "14"]


async def test_a_current_build_on_a_smets1_ppmid_is_followed_by_the_inventory(estate):
    """CR1045 / N49: a PPMID build Current on the CPL, activated, is the inventory's; with the inventory out of
    step, a read by the gas supplier tells the import supplier (N49), not the gas supplier that asked."""
    running, receiver = estate
    answer, request_id, image_hash = await _distribute(estate, S1_PPMID, originator=LEAD, version="00000002")
    assert answer.code == "I99", answer.body[:300]
    await smets1_response(estate, request_id)
    await accepted(estate, request("CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", S1_PPMID,
                                  edit=activation(image_hash)))
    assert (await repo.get_device(running.sim.db.pool, S1_PPMID)).firmware_version == "00000002"
    async with running.sim.db.pool.acquire() as conn:
        await running.sim.inventory.update_device(conn, S1_PPMID, firmware_version="00000001")
    await running.delivered()
    since = len(receiver.received)
    await accepted(estate, request("CS08_11.2_SUCCESS_REQUEST_DUIS.XML", S1_PPMID, originator=GAS_SUPPLIER))
    await running.delivered()
    updated = dcc_alerts(estate, "N49", since)
    assert [user for user, _ in updated] == [LEAD]
    assert updated[0][1].findtext(f".//{sr('FirmwareVersionDevice')}") == "00000002"
    assert (await repo.get_device(running.sim.db.pool, S1_PPMID)).firmware_version == "00000002"


async def test_a_build_removed_from_the_cpl_on_a_smets1_ppmid_gives_n50(estate):
    """CR1045 (release note 3.1.3): N50 extends to SMETS1 PPMIDs. A PPMID build the CPL lists as Removed, activated
    with 11.3: the inventory follows the device, both suppliers of the premises get N50 (with the versions), and
    the gas supplier N57 for the activation."""
    running, receiver = estate
    async with running.sim.db.pool.acquire() as conn:
        await running.sim.inventory.upsert_cpl(conn, [CplEntry("5678", "00140001", "00000007", "Removed",
                                                               device_type="PPMID")])
        await running.sim.inventory.update_device(conn, S1_PPMID, firmware_version="00000001")
    answer, request_id, image_hash = await _distribute(estate, S1_PPMID, originator=LEAD, version="00000007")
    assert answer.code == "I99", answer.body[:300]
    await smets1_response(estate, request_id)
    await running.delivered()
    since = len(receiver.received)
    await accepted(estate, request("CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", S1_PPMID,
                                  edit=activation(image_hash)))
    await running.delivered()
    removed = dcc_alerts(estate, "N50", since)
    assert sorted(user for user, _ in removed) == sorted([LEAD, GAS_SUPPLIER])
    assert {(root.findtext(f".//{sr('FirmwareVersionSMI')}"), root.findtext(f".//{sr('FirmwareVersionDevice')}"))
            for _, root in removed} == {("00000001", "00000007")}
    assert [user for user, _ in dcc_alerts(estate, "N57", since)] == [GAS_SUPPLIER]
    assert (await repo.get_device(running.sim.db.pool, S1_PPMID)).firmware_version == "00000007"
