"""What devices and the DCC do with device Service Requests: state round trips, firmware and the CPL,
release-note rules, alerts, schedules, local responses, faults and replays."""
from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

import gbcs
from devices.device import handle_command
from dccsim.device_requests import dcc_keys
from dccsim.duis import client
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from tests.conftest import create_fresh_database
from tests.integration import requests
from tests.integration.device_flows import prepared, run_request, wait_for_response
from tests.integration.harness import NETWORK_OPERATOR, SUPPLIER, start_running_simulator, zaz1_signer
from tests.integration.receiver import Receiver
from tests.paths import DUIS_TEMPLATES

A0, A1, A2, A4 = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A2", "00DB1234567890A4"
pytestmark = pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="shared templates not available")


@pytest.fixture
async def estate(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, device_timeout=1.0)
    receiver = await Receiver().start()
    for user in (SUPPLIER, NETWORK_OPERATOR, "90B3D51F30030000"):
        await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
    yield running, receiver
    await receiver.stop()
    await running.close()


async def _response(running, receiver, root, signer=None):
    answer, request_id = await run_request(running, root, signer=signer)
    assert answer.status == 200 and answer.code in ("I0", "I99"), (answer.status, answer.body[:300])
    response = await wait_for_response(receiver, request_id)
    payload = response.findtext(".//{*}GBCSPayload")
    message = gbcs.decode(base64.b64decode(payload), dcc_keys(running.sim)) if payload else None
    return response, message


def _dcc_alerts(receiver, code: str) -> list[etree._Element]:
    roots = [etree.fromstring(b) for b in receiver.received]
    return [r for r in roots if r.findtext(f".//{sr('DCCAlertCode')}") == code]


async def _wait_alert(receiver, code: str) -> list[etree._Element]:
    for _ in range(50):
        found = _dcc_alerts(receiver, code)
        if found:
            return found
        await asyncio.sleep(0.1)
    return []


def _long_values(tree) -> list[int]:
    found = []
    if isinstance(tree, dict):
        if tree.get("type") == "long":
            found.append(tree["value"])
        for item in tree.get("items", []):
            found.extend(_long_values(item))
    elif isinstance(tree, list):
        for item in tree:
            found.extend(_long_values(item))
    return found


async def test_tariff_update_then_read_back_gives_the_new_prices(estate):
    running, receiver = estate

    def new_prices(root):
        for element, price in zip(root.iter(sr("TOUPrice")), (1111, 2222, 3333)):
            element.text = str(price)
    root = prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
    new_prices(root)
    _response_root, message = await _response(running, receiver, root)
    assert message.use_case == "ECS01a" and all(r["result"] == 0 for r in message.payload.tree["results"])
    _read, tariff = await _response(running, receiver, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert tariff.use_case == "ECS24"
    assert {1111, 2222, 3333} <= set(_long_values(tariff.payload.tree["data"]))


async def test_firmware_update_activate_read_and_the_cpl(estate):
    running, receiver = estate
    pool = running.sim.db.pool
    image = b"dccsim firmware image 00000002"

    def update(root):
        body = root.find(sr("Body")).find(sr("UpdateFirmware"))
        body.find(sr("FirmwareImage")).text = base64.b64encode(image).decode()
        body.find(sr("FirmwareVersion")).text = "00000002"
        body.find(sr("DeviceIDList")).text = "00-DB-12-34-56-78-90-A0,00-DB-12-34-56-78-99-99"
    root = prepared("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML")
    update(root)
    answer = await running.post("D", client.sign(root, zaz1_signer()))
    assert answer.code == "W110101"
    assert "00-DB-12-34-56-78-99-99" in answer.root.findtext(f".//{sr('InvalidDeviceIDList')}")
    for _ in range(50):   # the firmware distribution receipt alert reaches the supplier
        alerts = [etree.fromstring(b) for b in receiver.received if b"DeviceAlertMessage" in b]
        if alerts:
            break
        await asyncio.sleep(0.1)
    assert alerts and alerts[0].findtext(f".//{sr('AlertCode')}") == "8F72"

    def activate(root):
        body = root.find(sr("Body")).find(sr("ActivateFirmware"))
        body.find(sr("FirmwareHash")).text = hashlib.sha256(image).hexdigest().upper()
    root = prepared("CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML")
    activate(root)
    _r, activated = await _response(running, receiver, root)
    assert activated.use_case == "CS06"
    assert (await repo.get_device(pool, A0)).firmware_version == "00000002"

    # 11.2 by the network operator: the version is already in the inventory, so nothing to say.
    _r, read = await _response(running, receiver, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML",
                                                            originator=NETWORK_OPERATOR),
                               signer=zaz1_signer(NETWORK_OPERATOR))
    assert read.payload.tree["data"][0]["hex"].upper() == "00000002"
    assert _dcc_alerts(receiver, "N49") == []
    # An inventory out of step: N49 to the supplier that did not send 11.2, inventory updated.
    await repo.update_device(pool, A0, firmware_version="00000001")
    await _response(running, receiver, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML", originator=NETWORK_OPERATOR),
                    signer=zaz1_signer(NETWORK_OPERATOR))
    n49 = await _wait_alert(receiver, "N49")
    assert n49 and n49[0].findtext(f".//{sr('FirmwareVersionDevice')}") == "00000002"
    assert (await repo.get_device(pool, A0)).firmware_version == "00000002"
    # A version marked Removed on the CPL: N50; one not on the CPL: N51 and the inventory left alone.
    await pool.execute("UPDATE cpl_entry SET status = 'Removed' WHERE model = '00020001' AND firmware_version = "
                       "'00000002'")
    await repo.update_device(pool, A0, firmware_version="00000001")
    await _response(running, receiver, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert await _wait_alert(receiver, "N50")
    await pool.execute("DELETE FROM cpl_entry WHERE model = '00020001' AND firmware_version = '00000002'")
    await repo.update_device(pool, A0, firmware_version="00000001")
    await _response(running, receiver, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert await _wait_alert(receiver, "N51")
    assert (await repo.get_device(pool, A0)).firmware_version == "00000001"


async def test_device_added_to_the_chf_log_and_joined(estate):
    running, receiver = estate
    new_ppmid = "00-DB-12-34-56-78-91-11"
    pre = prepared("12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML")
    client.set_body_text(pre, "DeviceID", new_ppmid)
    client.set_body_text(pre, "DeviceType", "PPMID")
    assert (await running.post("D", client.sign(pre, zaz1_signer()))).code == "I99"

    def add(root):
        body = root.find(sr("Body")).find(sr("UpdateHANDeviceLog"))
        body.find(sr("DeviceID")).text = new_ppmid
        body.find(sr("RequestType")).text = "Add"
        whitelist = etree.SubElement(body, sr("AddDeviceToCHFWhitelist"))
        etree.SubElement(whitelist, sr("JoinTimePeriod")).text = "60"
        etree.SubElement(whitelist, sr("InstallCode")).text = "00112233445566778899AABBCCDDEEFF"
    root = prepared("CCS02_8.11_SUCCESS_REQUEST_DUIS.XML")
    add(root)
    _r, added = await _response(running, receiver, root)
    assert added.use_case == "CCS01"
    for _ in range(30):   # the CHF's CS14 alert reaches the suppliers of the hub
        if any(b"DeviceAlertMessage" in b and b"<sr:AlertCode>8F12</sr:AlertCode>" in b for b in receiver.received):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("no CS14 device-log alert")

    join = prepared("CS03A2NonCritical_8.7.2_SUCCESS_REQUEST_DUIS.XML")
    _r, joined = await _response(running, receiver, join)
    assert joined.use_case == "CS03A2"
    _r, log = await _response(running, receiver, prepared("CCS06_8.9_SUCCESS_REQUEST_DUIS.XML"))
    logged = {item["items"][0]["hex"].upper() for item in log.payload.tree["data"][0]["items"]}
    assert new_ppmid.replace("-", "") in logged


async def test_release_note_rules_for_8_9_and_8_11(estate):
    running, receiver = estate
    pool = running.sim.db.pool
    # ReadSecurityDetails for a non-CHF: E080903.
    root = prepared("CCS07_8.9_SUCCESS_REQUEST_DUIS.XML", target=A0)
    answer, _ = await run_request(running, root)
    assert answer.code == "E080903"
    # ... and for a CHF below GBCS v3.2: E080902.
    await repo.update_device(pool, A2, gbcs_version="2.0")
    answer, _ = await run_request(running, prepared("CCS07_8.9_SUCCESS_REQUEST_DUIS.XML"))
    assert answer.code == "E080902"
    await repo.update_device(pool, A2, gbcs_version="4.0")
    # A SMETS2 install code that is not 32 hex characters: E081111.
    root = prepared("CCS02_8.11_SUCCESS_REQUEST_DUIS.XML")
    body = root.find(sr("Body")).find(sr("UpdateHANDeviceLog"))
    body.find(sr("RequestType")).text = "Add"
    whitelist = etree.SubElement(body, sr("AddDeviceToCHFWhitelist"))
    etree.SubElement(whitelist, sr("JoinTimePeriod")).text = "60"
    etree.SubElement(whitelist, sr("InstallCode")).text = "0011223344556677"
    answer, _ = await run_request(running, root)
    assert answer.code == "E081111"


async def test_gas_thresholds_above_48_bits_are_refused(estate):
    running, _receiver = estate
    root = prepared("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
    next(root.iter(sr("BlockThreshold"))).text = "281474976710656"
    answer, _ = await run_request(running, root)
    assert answer.status == 400 and b"281474976710655" in answer.body   # the GasThresholdType maximum


async def test_offline_device_gives_a_no_response_outcome_in_bounded_time(estate):
    running, receiver = estate
    async with running.session.post(f"{running.admin_url}/admin/devices/00-DB-12-34-56-78-90-A0/faults",
                                    json={"offline": True}) as response:
        assert response.status == 200
    started = asyncio.get_running_loop().time()
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    assert answer.code == "I99"
    response = await wait_for_response(receiver, request_id, timeout=10)
    assert response.findtext(f".//{sr('ResponseCode')}") == "E21"
    assert asyncio.get_running_loop().time() - started < 5
    # With the hub itself offline the DCC cannot reach the premises at all: E20.
    async with running.session.post(f"{running.admin_url}/admin/devices/00-DB-12-34-56-78-90-A0/faults",
                                    json={"offline": False}):
        pass
    async with running.session.post(f"{running.admin_url}/admin/devices/00-DB-12-34-56-78-90-A2/faults",
                                    json={"offline": True}):
        pass
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    response = await wait_for_response(receiver, request_id, timeout=10)
    assert response.findtext(f".//{sr('ResponseCode')}") == "E20"


async def test_a_replayed_command_is_refused_by_the_device(estate):
    running, _receiver = estate
    answer, _ = await run_request(running, prepared("ECS17b_4.1.1_REQUEST_DUIS.XML"))   # CV 2: local command
    frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
    first = await running.sim.han.exchange(A0, frame, handler=handle_command)
    assert first.response is not None and first.refused is None
    again = await running.sim.han.exchange(A0, frame, handler=handle_command)
    assert again.response is None and "replay" in again.refused
    tampered = bytearray(frame)
    tampered[-3] ^= 0x01
    forged = await running.sim.han.exchange(A0, bytes(tampered), handler=handle_command)
    assert forged.response is None and "MAC" in forged.refused


async def test_local_command_response_returned_with_8_13(estate):
    running, _receiver = estate
    answer, _ = await run_request(running, _local(prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML")))
    frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
    reply = await running.sim.han.exchange(A0, frame, handler=handle_command)

    def returned(root):
        body = root.find(sr("Body")).find(sr("ReturnLocalCommandResponse"))
        body.find(sr("DeviceGBCSResponse")).text = base64.b64encode(reply.response).decode()
    root = prepared("8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML")
    returned(root)
    assert (await running.post("D", client.sign(root, zaz1_signer()))).code == "I99"
    # A response that does not authenticate is refused.
    root = prepared("8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML")
    assert (await running.post("D", client.sign(root, zaz1_signer()))).code == "E081302"


def _local(root):
    root.find(sr("Header")).find(sr("CommandVariant")).text = "2"
    return root


async def test_dcc_schedule_runs_on_time(estate):
    running, receiver = estate
    soon = datetime.now(timezone.utc) + timedelta(seconds=2)
    request = requests.create_schedule(SUPPLIER, A0, start=soon.date())
    request = request.replace(b"01:30:00", soon.strftime("%H:%M:%S").encode())
    created = await running.post("D", client.sign(etree.fromstring(request), zaz1_signer()))
    schedule_id = created.root.findtext(f".//{sr('DSPScheduleID')}")
    for _ in range(100):
        scheduled = [etree.fromstring(b) for b in receiver.received if b"DSPScheduledMessage" in b]
        if scheduled:
            break
        await asyncio.sleep(0.1)
    assert scheduled, "the schedule did not run"
    message = scheduled[0]
    assert message.findtext(f".//{sr('DSPScheduleID')}") == schedule_id
    payload = gbcs.decode(base64.b64decode(message.findtext(f".//{sr('GBCSPayload')}")), dcc_keys(running.sim))
    assert payload.use_case == "ECS21a" and payload.verification.mac == "verified"


async def test_certificate_tracking_after_6_24_2(estate):
    running, receiver = estate
    from cryptography.hazmat.primitives import serialization

    from dccsim.smki import authority
    from dccsim.smki.credentials import Usage

    other_ca = authority.create_issuing(authority.create_root(), "other CA")
    replacement = authority.issue_device(other_ca, A0, Usage.GBCS_SIGNING)
    der = replacement.certificate.public_bytes(serialization.Encoding.DER)
    await running.sim.db.pool.execute(
        "UPDATE device_state SET state = jsonb_set(state, '{reported_certificates}', $2::jsonb) WHERE device_id = $1",
        A0, f'{{"ds": "{der.hex()}"}}')
    # make sure the device has a state row to update
    if not await running.sim.db.pool.fetchval("SELECT 1 FROM device_state WHERE device_id = $1", A0):
        await _response(running, receiver, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
        await running.sim.db.pool.execute(
            "UPDATE device_state SET state = jsonb_set(state, '{reported_certificates}', $2::jsonb) "
            "WHERE device_id = $1", A0, f'{{"ds": "{der.hex()}"}}')
    _r, credentials = await _response(running, receiver, prepared("CS02e_6.24.2_SUCCESS_REQUEST_DUIS.XML"))
    assert credentials.use_case == "CS02e"
    stored = await running.sim.db.pool.fetchval(
        "SELECT count(*) FROM smki_credential WHERE entity_id = $1 AND usage = 'ds' AND source = 'reported by device'",
        A0)
    assert stored == 1
    assert running.sim.smki.gbcs(A0, "ds").certificate == replacement.certificate


async def test_device_state_survives_a_restart(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    receiver = await Receiver().start()
    running = await start_running_simulator(url, tmp_path / "first", device_timeout=1.0)
    try:
        await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
        root = prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
        for element in root.iter(sr("TOUPrice")):
            element.text = "4321"
        await _response(running, receiver, root)
    finally:
        await running.close()
    running = await start_running_simulator(url, tmp_path / "second", device_timeout=1.0)
    try:
        _r, tariff = await _response(running, receiver, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
        assert 4321 in _long_values(tariff.payload.tree["data"])
    finally:
        await running.close()
        await receiver.stop()


async def test_future_dated_tariff_runs_at_its_time_with_a_0x8F66_alert(estate):
    running, receiver = estate
    root = prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
    for element in root.iter(sr("TOUPrice")):
        element.text = "7777"
    body = root.find(sr("Body")).find(sr("UpdateImportTariffPrimaryElement"))
    when = etree.Element(sr("ExecutionDateTime"))
    when.text = (datetime.now(timezone.utc) + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body.insert(0, when)
    _r, acknowledged = await _response(running, receiver, root)
    assert acknowledged.use_case == "ECS01a"
    _r, before = await _response(running, receiver, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert 7777 not in _long_values(before.payload.tree["data"])
    for _ in range(100):
        alerts = [etree.fromstring(b) for b in receiver.received if b"<sr:AlertCode>8F66</sr:AlertCode>" in b]
        if alerts:
            break
        await asyncio.sleep(0.1)
    assert alerts, "no future-dated execution alert"
    alert = gbcs.decode(base64.b64decode(alerts[0].findtext(f".//{sr('GBCSPayload')}")), dcc_keys(running.sim))
    assert alert.use_case == "FDA-DLMS" and alert.verification.mac == "verified"
    _r, after = await _response(running, receiver, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert 7777 in _long_values(after.payload.tree["data"])


async def test_dsp_future_dated_read_is_held_until_its_time(estate):
    running, receiver = estate
    root = prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    body = root.find(sr("Body")).find(sr("ReadInstantaneousImportRegisters"))
    when = etree.SubElement(body, sr("ExecutionDateTime"))
    at = datetime.now(timezone.utc) + timedelta(seconds=2)
    when.text = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    answer, request_id = await run_request(running, root)
    assert answer.code == "I99"
    response = await wait_for_response(receiver, request_id, timeout=15)
    assert datetime.now(timezone.utc) >= at.replace(microsecond=0)
    assert response.findtext(f".//{sr('ResponseCode')}") == "I0"
