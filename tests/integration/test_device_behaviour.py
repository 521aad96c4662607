"""What devices and the DCC do with device Service Requests, over real HTTP against a real PostgreSQL:
installing and commissioning meters pre-notified at run time, state round trips, firmware distribution and
activation (now, future-dated, cancelled) with the CPL, future-dated and cancelled tariffs, the HAN as the
Communications Hub's device log allows, device-side security (trust-anchor cells), alert routing, certificate
tracking, command variants, release-note rules, schedules, local responses, faults and replays."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

import gbcs
from devices import firmware
from devices.device import handle_command, raise_event
from dccsim.delivery.message_log import messages_for
from dccsim.han.alerts import route_device_alert
from dccsim.han.installation import knows
from dccsim.han.rekeying import reissue_device_certificate
from dccsim.timing.clock import ClockMode
from dccsim.duis import client
from dccsim.duis.ids import dashed
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import InTransaction
from dccsim.smki.credentials import Usage, read_folders
from tests.conftest import create_fresh_database
from tests.integration import requests, smki_client
from tests.integration.device_flows import (gbcs_key_for, han_log_add, prepared, run_request, sign_in_place,
                                            wait_for_response, xml_signer_for)
from tests.integration.harness import NETWORK_OPERATOR, SUPPLIER, start_running_simulator
from tests.integration.receiver import Receiver
from tests.paths import DUIS_TEMPLATES, GBCS_RTDS, KEYS_RTDS

A0, A1, A2, A3, A4 = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A2", "00DB1234567890A3", \
    "00DB1234567890A4"
SUPPLIER_2, OTHER_USER, DCC = "90B3D51F30030000", "90B3D51F30010008", "90B3D51F30000002"
USERS = (SUPPLIER, NETWORK_OPERATOR, SUPPLIER_2, OTHER_USER, DCC)
pytestmark = pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="shared templates not available")


@pytest.fixture
async def estate(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, device_timeout=1.0,
                                            clock=ClockMode.SIMULATED)
    receivers = {user: await Receiver().start() for user in USERS}
    for user, receiver in receivers.items():
        await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
    yield running, receivers
    for receiver in receivers.values():
        await receiver.stop()
    await running.close()


def _originator(root) -> str:
    return client.request_id_of(root).split(":")[0].replace("-", "")


async def _response(running, receivers, root, *, expect: str = "I0"):
    """Send, wait for the asynchronous Response, decode its GBCS payload with what the DCC holds."""
    answer, request_id = await run_request(running, root)
    assert answer.status == 200 and answer.code in ("I0", "I99"), (answer.status, answer.body[:300])
    response = await wait_for_response(receivers[_originator(root)], request_id)
    assert response.findtext(".//{*}ResponseCode") == expect, etree.tostring(response)[:400]
    payload = response.findtext(".//{*}GBCSPayload")
    message = gbcs.decode(base64.b64decode(payload), running.sim.han.keys.store()) if payload else None
    return request_id, message


def _documents(receivers, user: str) -> list[etree._Element]:
    return [etree.fromstring(b) for b in receivers[user].received]


def _device_alerts(receivers, user: str, code: str) -> list[etree._Element]:
    return [r for r in _documents(receivers, user) if r.findtext(f".//{sr('AlertCode')}") == code]


def _dcc_alerts(receivers, user: str, code: str) -> list[etree._Element]:
    return [r for r in _documents(receivers, user) if r.findtext(f".//{sr('DCCAlertCode')}") == code]


async def _eventually(probe, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = probe()
        if found or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.1)


def _alert_message(running, document) -> gbcs.Message:
    return gbcs.decode(base64.b64decode(document.findtext(f".//{sr('GBCSPayload')}")), running.sim.han.keys.store())


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


def _at(running, seconds: float) -> str:
    """A time ``seconds`` after the simulator's (simulated) now, as DUIS writes it."""
    return (running.sim.clock.now() + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_execution_time(root, body_name: str, when: str):
    body = root.find(sr("Body")).find(sr(body_name))
    existing = body.find(sr("ExecutionDateTime"))
    if existing is None:
        existing = etree.Element(sr("ExecutionDateTime"))
        body.insert(0, existing)
    existing.text = when
    return root


def _set_prices(root, price: int):
    for element in root.iter(sr("TOUPrice")):
        element.text = str(price)
    return root


async def _log(running, request_id: str) -> list[dict]:
    await running.sim.message_log.flush()
    return await messages_for(running.sim.db.pool, request_id)


# --- install and commission ----------------------------------------------------------------------------

def _prenotification(device_id: str, device_type: str, **extra: str):
    root = prepared("12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML")
    client.set_body_text(root, "DeviceID", dashed(device_id))
    client.set_body_text(root, "DeviceType", device_type)
    client.set_body_text(root, "DeviceManufacturer", "1234")
    client.set_body_text(root, "DeviceModel", "00020001" if device_type == "ESME" else "00030001")
    client.set_body_text(root, "FirmwareVersion", "00000001")
    body = root.find(sr("Body")).find(sr("DevicePrenotification"))
    if device_type != "ESME":
        body.remove(body.find(sr("ESMEVariant")))
    for name, value in extra.items():
        etree.SubElement(body, sr(name)).text = value
    return root


async def test_meters_pre_notified_at_run_time_are_installed_commissioned_and_read(estate):
    """12.2 → 8.11 (CCS01) → 8.9 (the hub hears them) → 8.7.1 (join the PPMID) → 8.1.1 (commission, critical,
    transform + ZAZ1 signature) → a read, for a new ESME and a new GSME behind the existing GPF."""
    running, receivers = estate
    pool = running.sim.db.pool
    esme, gsme = "00DB1234567891E0", "00DB1234567891E1"
    assert (await running.post("D", client.sign(_prenotification(esme, "ESME"),
                                                xml_signer_for(running, _prenotification(esme, "ESME"))))).code \
        == "I99"
    gas = _prenotification(gsme, "GSME", AssociatedGPFDeviceID=dashed(A3))
    assert (await running.post("D", client.sign(gas, xml_signer_for(running, gas)))).code == "I99"
    for device_id in (esme, gsme):
        assert running.sim.smki.gbcs(device_id, "ds") is not None, "no SMKI credentials issued at pre-notification"
        assert (await repo.get_device(pool, device_id)).status == "Pending"
    for device_id, code in ((esme, "00112233445566778899AABBCCDDEE01"), (gsme, "00112233445566778899AABBCCDDEE02")):
        _rid, added = await _response(running, receivers, han_log_add(device_id, code))
        assert added.use_case == "CCS01" and added.originator == A2 and added.recipient == DCC
        device = await repo.get_device(pool, device_id)
        assert device.status == "Whitelisted" and device.chf_id == A2
    _rid, log = await _response(running, receivers, prepared("CCS06_8.9_SUCCESS_REQUEST_DUIS.XML"))
    logged = {item["items"][0]["hex"].upper() for item in log.payload.tree["data"][0]["items"]}
    assert {esme, gsme} <= logged
    for device_id in (esme, gsme):
        assert (await repo.get_device(pool, device_id)).status == "InstalledNotCommissioned"
        _rid, joined = await _response(running, receivers, prepared("CS03A1_8.7.1_SUCCESS_REQUEST_DUIS.XML",
                                                                     target=dashed(device_id)))
        assert joined.use_case == "CS03A1" and joined.verification.signature == "verified"
        assert joined.payload.tree == [{"tag": "02", "hex": "00"}]
        _rid, commissioned = await _response(running, receivers, prepared(
            "ECS70Commission_8.1.1_SUCCESS_REQUEST_DUIS.XML", target=dashed(device_id)))
        assert commissioned.use_case == ("ECS70" if device_id == esme else "GCS28")
        assert commissioned.verification.signature == "verified"
        assert (await repo.get_device(pool, device_id)).status == "Commissioned"
    _rid, electricity = await _response(running, receivers, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML",
                                                                      target=dashed(esme)))
    assert electricity.use_case == "ECS17b" and electricity.verification.mac == "verified"
    _rid, gas_read = await _response(running, receivers, prepared("GCS13a_4.1.1_SUCCESS_UNRELIABLE_REQUEST_DUIS.XML",
                                                                  target=dashed(gsme)))
    assert gas_read.originator == gsme and gas_read.verification.mac == "verified"


# --- the HAN follows the CHF device log ----------------------------------------------------------------

async def test_a_device_off_the_chf_device_log_is_unreachable_until_added_back(estate):
    running, receivers = estate
    remove = prepared("CCS02_8.11_SUCCESS_REQUEST_DUIS.XML")          # removes A0 from A2's device log
    _rid, removed = await _response(running, receivers, remove)
    assert removed.use_case == "CCS02"
    started = asyncio.get_running_loop().time()
    request_id, _ = await _response(running, receivers, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"),
                                    expect="E21")
    assert asyncio.get_running_loop().time() - started < 5
    refused = [m for m in await _log(running, request_id) if m["kind"] == "gbcs-refused"]
    assert refused and "not on the device log" in refused[0]["body"]
    await _response(running, receivers, han_log_add(A0, "00112233445566778899AABBCCDDEEFF"))
    _rid, read = await _response(running, receivers, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    assert read.use_case == "ECS17b"


async def test_gas_meter_traffic_passes_the_gpf(estate):
    running, receivers = estate
    read = "GCS13a_4.1.1_SUCCESS_UNRELIABLE_REQUEST_DUIS.XML"
    await _response(running, receivers, prepared(read))
    async with running.session.post(f"{running.admin_url}/admin/devices/{dashed(A3)}/faults",
                                    json={"offline": True}) as answer:
        assert answer.status == 200
    await _response(running, receivers, prepared(read), expect="E21")
    async with running.session.post(f"{running.admin_url}/admin/devices/{dashed(A3)}/faults",
                                    json={"offline": False}):
        pass
    await _response(running, receivers, prepared(read))


# --- state round trips, tariffs and future dating -----------------------------------------------------

async def test_tariff_update_then_read_back_gives_the_new_prices(estate):
    running, receivers = estate
    root = prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
    for element, price in zip(root.iter(sr("TOUPrice")), (1111, 2222, 3333)):
        element.text = str(price)
    _rid, message = await _response(running, receivers, root)
    assert message.use_case == "ECS01a" and all(r["result"] == 0 for r in message.payload.tree["results"])
    _rid, tariff = await _response(running, receivers, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert {1111, 2222, 3333} <= set(_long_values(tariff.payload.tree["data"]))


async def test_future_dated_tariff_runs_at_its_time_with_a_0x8F66_alert(estate):
    running, receivers = estate
    root = _with_execution_time(_set_prices(prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"), 7777),
                                "UpdateImportTariffPrimaryElement", _at(running, 3))
    _rid, acknowledged = await _response(running, receivers, root)
    assert acknowledged.use_case == "ECS01a"
    _rid, before = await _response(running, receivers, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert 7777 not in _long_values(before.payload.tree["data"])
    await running.advance(4)
    alerts = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F66"))
    assert alerts, "no future-dated execution alert"
    alert = _alert_message(running, alerts[0])
    assert alert.use_case == "FDA-DLMS" and alert.verification.signature == "verified" and alert.recipient == SUPPLIER
    assert not any(_device_alerts(receivers, user, "8F66") for user in USERS if user != SUPPLIER)
    _rid, after = await _response(running, receivers, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert 7777 in _long_values(after.payload.tree["data"])


async def test_a_tariff_cancellation_cancels_the_pending_future_dated_tariff(estate):
    running, receivers = estate
    root = _with_execution_time(_set_prices(prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"), 6666),
                                "UpdateImportTariffPrimaryElement", _at(running, 2))
    await _response(running, receivers, root)
    _rid, cancelled = await _response(running, receivers, prepared(
        "ECS01a_1.1.1_CANCELLATION_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML"))
    assert cancelled.use_case == "ECS01a"
    state = await running.sim.db.pool.fetchval("SELECT next_timer_at FROM device_state WHERE device_id = $1", A0)
    assert state in (None, "[]"), "the cancellation was held as a command of its own"
    await running.advance(3.5)
    await running.delivered()
    assert not _device_alerts(receivers, SUPPLIER, "8F66")
    _rid, tariff = await _response(running, receivers, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert 6666 not in _long_values(tariff.payload.tree["data"])


async def test_a_future_dated_gas_tariff_raises_the_zigbee_alert(estate):
    running, receivers = estate
    root = _with_execution_time(prepared("GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML"),
                                "UpdateImportTariffPrimaryElement", _at(running, 2))
    _rid, acknowledged = await _response(running, receivers, root)
    assert acknowledged.use_case == "GCS01a" and acknowledged.verification.signature == "verified"
    await running.advance(3)
    alerts = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F66"))
    assert alerts
    alert = _alert_message(running, alerts[0])
    assert alert.use_case == "FDA-ZigBee" and alert.verification.signature == "verified"


# --- firmware ------------------------------------------------------------------------------------------

def _update_firmware(template: str, image: bytes, devices: str):
    root = prepared(template)
    body = root.find(sr("Body"))[0]
    body.find(sr("FirmwareImage")).text = base64.b64encode(image).decode()
    body.find(sr("FirmwareVersion")).text = firmware.parse_image(image).version
    body.find(sr("DeviceIDList")).text = devices
    return root


def _activate(image: bytes, when: str | None = None, template: str = "CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML"):
    root = prepared(template)
    body = root.find(sr("Body")).find(sr("ActivateFirmware"))
    body.find(sr("FirmwareHash")).text = hashlib.sha256(firmware.parse_image(image).manufacturer_image).hexdigest()
    if when is not None:
        _with_execution_time(root, "ActivateFirmware", when)
    return root


async def test_firmware_distribution_activation_read_and_the_cpl(estate):
    running, receivers = estate
    pool = running.sim.db.pool
    image = firmware.make_image(b"dccsim ESME firmware, build 2", version=2)
    root = _update_firmware("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", image,
                            "00-DB-12-34-56-78-90-A0,00-DB-12-34-56-78-99-99")
    answer = await running.post("D", client.sign(root, xml_signer_for(running, root)))
    assert answer.code == "W110101"
    assert "00-DB-12-34-56-78-99-99" in answer.root.findtext(f".//{sr('InvalidDeviceIDList')}")
    receipt = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F72"))
    transfer = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F8A"))
    assert receipt and transfer
    receipt_message = _alert_message(running, receipt[0])
    assert receipt_message.originator == A0 and receipt_message.verification.signature == "verified"
    digest = receipt_message.payload.tree["body"][0]["items"][2]["hex"]
    assert digest == hashlib.sha256(b"dccsim ESME firmware, build 2").hexdigest()
    assert _alert_message(running, transfer[0]).originator == A2
    # The distribution is GBCS traffic in the request's message log.
    request_id = client.request_id_of(root)
    logged = await _log(running, request_id)
    assert any(m["kind"] == "firmware-image" and m["body"] == image.hex() for m in logged)
    assert {gbcs.decode(bytes.fromhex(m["body"])).use_case for m in logged if m["kind"] == "gbcs-alert"} \
        >= {"FDRA-DLMS", "CCS08"}

    _rid, activated = await _response(running, receivers, _activate(image))
    assert activated.use_case == "CS06" and activated.verification.signature == "verified"
    assert activated.payload.tree[0]["children"][0]["hex"] == "00"
    assert (await repo.get_device(pool, A0)).firmware_version == "00000002"
    # 11.2 by the network operator: the version is already in the inventory, so nothing to say.
    _rid, read = await _response(running, receivers, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML",
                                                              originator=dashed(NETWORK_OPERATOR)))
    assert read.payload.tree["data"][0]["hex"].upper() == "00000002"
    assert _dcc_alerts(receivers, SUPPLIER, "N49") == []
    # An inventory out of step: N49 to the supplier that did not send 11.2, inventory updated.
    await repo.update_device(pool, A0, firmware_version="00000001")
    await _response(running, receivers, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML",
                                                 originator=dashed(NETWORK_OPERATOR)))
    n49 = await _eventually(lambda: _dcc_alerts(receivers, SUPPLIER, "N49"))
    assert n49 and n49[0].findtext(f".//{sr('FirmwareVersionDevice')}") == "00000002"
    assert (await repo.get_device(pool, A0)).firmware_version == "00000002"
    # Removed on the CPL: N50; not on the CPL: N51 and the inventory left alone.
    await pool.execute("UPDATE cpl_entry SET status = 'Removed' WHERE model = '00020001' AND firmware_version = "
                       "'00000002'")
    await repo.update_device(pool, A0, firmware_version="00000001")
    await _response(running, receivers, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert await _eventually(lambda: _dcc_alerts(receivers, SUPPLIER, "N50"))
    await pool.execute("DELETE FROM cpl_entry WHERE model = '00020001' AND firmware_version = '00000002'")
    await repo.update_device(pool, A0, firmware_version="00000001")
    await _response(running, receivers, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert await _eventually(lambda: _dcc_alerts(receivers, SUPPLIER, "N51"))
    assert (await repo.get_device(pool, A0)).firmware_version == "00000001"


async def test_an_image_without_an_ota_header_is_discarded_by_the_hub(estate):
    running, receivers = estate
    root = _update_firmware("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", firmware.make_image(b"x", version=3), dashed(A0))
    root.find(sr("Body"))[0].find(sr("FirmwareImage")).text = base64.b64encode(b"not an upgrade image").decode()
    assert (await running.post("D", client.sign(root, xml_signer_for(running, root)))).code == "I99"
    transfer = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F8A"))
    assert transfer and _alert_message(running, transfer[0]).payload.tree[0]["children"][-1]["hex"] == "01"
    await running.delivered()
    assert not _device_alerts(receivers, SUPPLIER, "8F72")


async def test_future_dated_firmware_activation_alert_drives_the_cpl(estate):
    running, receivers = estate
    pool = running.sim.db.pool
    image = firmware.make_image(b"dccsim ESME firmware, withdrawn build", version=0xFF)
    root = _update_firmware("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", image, dashed(A0))
    assert (await running.post("D", client.sign(root, xml_signer_for(running, root)))).code == "I99"
    assert await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F72"))
    _rid, held = await _response(running, receivers, _activate(image, _at(running, 2)))
    assert held.payload.tree == [{"tag": "05", "hex": ""}]
    assert (await repo.get_device(pool, A0)).firmware_version == "00000001"
    await running.advance(3)
    alerts = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F66"))
    assert alerts
    alert = _alert_message(running, alerts[0])
    assert alert.message_code == 0x00CA and alert.verification.signature == "verified"
    # 000000FF is on the CPL as Removed: the inventory follows the device, with N50 to IS / GS.
    assert await _eventually(lambda: _dcc_alerts(receivers, SUPPLIER, "N50"))
    assert (await repo.get_device(pool, A0)).firmware_version == "000000FF"


async def test_a_cancelled_firmware_activation_never_runs(estate):
    running, receivers = estate
    pool = running.sim.db.pool
    image = firmware.make_image(b"dccsim ESME firmware, build 2", version=2)
    root = _update_firmware("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", image, dashed(A0))
    assert (await running.post("D", client.sign(root, xml_signer_for(running, root)))).code == "I99"
    assert await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F72"))
    await _response(running, receivers, _activate(image, _at(running, 2)))
    _rid, cancelled = await _response(running, receivers, _activate(
        image, template="CS06_11.3_CANCELLATION_SUCCESS_REQUEST_DUIS.XML"))
    assert cancelled.payload.tree == [{"tag": "05", "hex": ""}]
    await running.advance(3.5)
    await running.delivered()
    assert not _device_alerts(receivers, SUPPLIER, "8F66")
    _rid, read = await _response(running, receivers, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert read.payload.tree["data"][0]["hex"].upper() == "00000001"
    assert (await repo.get_device(pool, A0)).firmware_version == "00000001"


async def test_ppmid_firmware_is_distributed_activated_and_reported(estate):
    running, receivers = estate
    pool = running.sim.db.pool
    await pool.execute("INSERT INTO cpl_entry (manufacturer, model, firmware_version, status) "
                       "VALUES ('1234', '00040001', '00000002', 'Current')")
    image = firmware.make_image(b"dccsim PPMID firmware, build 2", version=2, image_type=0x84)
    root = _update_firmware("11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML", image, dashed(A4))
    assert (await running.post("D", client.sign(root, xml_signer_for(running, root)))).code == "I99"
    activated = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F8B"))
    assert activated and await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F8A"))
    alert = _alert_message(running, activated[0])
    assert alert.use_case == "CS09" and alert.originator == A4 and alert.recipient == DCC
    assert await _eventually(lambda: None) is None
    for _ in range(50):
        if (await repo.get_device(pool, A4)).firmware_version == "00000002":
            break
        await asyncio.sleep(0.1)
    assert (await repo.get_device(pool, A4)).firmware_version == "00000002"
    # The activation alert is how a SMETS2 PPMID's version reaches the DCC: 11.2 does not take one (CR1045, E11).
    answer, _ = await run_request(running, prepared("CS08_11.2_SUCCESS_REQUEST_DUIS.XML", originator=dashed(SUPPLIER)))
    assert (answer.status, answer.code) == (200, "E11"), answer.body[:300]


# --- device-side security ------------------------------------------------------------------------------

async def test_a_critical_command_from_a_supplier_the_meter_does_not_trust_is_refused(estate):
    """The inventory names another import supplier, but the meter's trust-anchor cell still holds the one
    it was installed with: the new supplier's signed tariff reaches the meter and is refused there."""
    running, receivers = estate
    pool = running.sim.db.pool
    await _response(running, receivers, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))  # first contact
    await repo.set_party(pool, A0, "IS", SUPPLIER_2)
    root = _set_prices(prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML",
                                originator=dashed(SUPPLIER_2)), 4242)
    request_id, _ = await _response(running, receivers, root, expect="E21")
    refused = [m for m in await _log(running, request_id) if m["kind"] == "gbcs-refused"]
    assert refused and "holds no trust-anchor cell" in refused[0]["body"]
    await repo.set_party(pool, A0, "IS", SUPPLIER)
    _rid, tariff = await _response(running, receivers, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert 4242 not in _long_values(tariff.payload.tree["data"])


async def test_commands_for_users_without_a_cell_go_through_the_access_control_broker(estate):
    """ES reads and 8.7.2 joins reach the meter from the ACB, naming the User (business originator); the
    non-critical join of a PPMID is signed by the ACB."""
    running, receivers = estate
    export_supplier = (await repo.parties(running.sim.db.pool, A0))["ES"]
    _rid, export = await _response(running, receivers, prepared("ECS21c_4.6.2_SUCCESS_REQUEST_DUIS.XML",
                                                                originator=dashed(export_supplier)))
    assert export.recipient == DCC and export.other_info_extra[:8].hex().upper() == export_supplier
    request_id, joined = await _response(running, receivers, prepared(
        "CS03A2NonCritical_8.7.2_SUCCESS_REQUEST_DUIS.XML"))
    command = next(gbcs.decode(bytes.fromhex(m["body"]), running.sim.han.keys.store())
                   for m in await _log(running, request_id) if m["kind"] == "gbcs-command")
    assert command.originator == DCC and command.verification.signature == "verified"
    assert joined.verification.signature == "verified" and joined.payload.tree == [{"tag": "02", "hex": "00"}]


async def test_whom_a_device_knows_reads_the_same_from_the_cache_as_in_a_transaction(estate):
    """The front door's handler asks the process's inventory cache whether a device knows a User (as access
    control does); a transaction's own reads give the same answer for every device and User of the estate."""
    running, _receivers = estate
    inventory = running.sim.han.inventory
    answers = {}
    async with running.sim.db.pool.acquire() as conn:
        for device_id in await conn.fetchval("SELECT array_agg(device_id ORDER BY device_id) FROM device"):
            device = await repo.get_device(conn, device_id)
            for user in USERS:
                in_transaction = await knows(InTransaction(conn), device, user)
                assert await knows(inventory, device, user) == in_transaction, (device.device_id, user)
                answers[device.device_id, user] = in_transaction
    assert answers[A0, SUPPLIER] and not answers[A0, OTHER_USER]


def _krp_request(*roles: str):
    body = "".join(f"<sr:RemotePartyRole>{role}</sr:RemotePartyRole>" for role in roles)
    request = (f'<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">'
               f"<sr:Header><sr:RequestID>{client.device_request_id(SUPPLIER, A0)}</sr:RequestID>"
               "<sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>6.24</sr:ServiceReference>"
               "<sr:ServiceReferenceVariant>6.24.1</sr:ServiceReferenceVariant></sr:Header>"
               f"<sr:Body><sr:RetrieveDeviceSecurityCredentialsKRP>{body}</sr:RetrieveDeviceSecurityCredentialsKRP>"
               "</sr:Body></sr:Request>")
    return etree.fromstring(request.encode())


def _cells_reported(message: gbcs.Message) -> dict[int, tuple[str, set[str]]]:
    """{role code: (status, holders)} of a CS02a / CS02f response."""
    return {int(r["children"][0]["hex"], 16): (r["children"][1]["hex"], {
        next(f["hex"] for f in c["children"] if f["tag"] == "04").upper() for c in r["children"][3]["children"]})
            for r in message.payload.tree[0]["children"]}


async def test_security_credentials_report_the_trust_anchor_cells(estate):
    """6.24.1 (KRP): the meter reports which Remote Parties its cells hold (CS02a; CS02f when the Load
    Controller's cells are asked for too), to the DCC as Access Control Broker."""
    running, receivers = estate
    _rid, report = await _response(running, receivers, _krp_request("Supplier", "NetworkOperator"))
    assert report.use_case == "CS02a" and report.originator == A0 and report.recipient == DCC
    assert report.verification.mac == "verified"
    assert _cells_reported(report) == {2: ("00", {SUPPLIER}), 3: ("00", {NETWORK_OPERATOR})}
    rtds = GBCS_RTDS / "6.24.1_CS02aMAC" / "CS02aMAC_6.24.1_SUCCESS_RESPONSE_GBCS.HEX"
    if rtds.exists():
        # The Supplier's cells as the RTDS meter reports them (it holds the same RTDS certificates): digital
        # signing, key agreement, and the prepayment key (key agreement, cell usage prepaymentTopUp).
        expected = gbcs.decode(bytes.fromhex(rtds.read_text().strip())).payload.tree[0]["children"][0]
        assert report.payload.tree[0]["children"][0] == expected
    _rid, report = await _response(running, receivers, _krp_request("Supplier", "LoadController"))
    assert report.use_case == "CS02f"
    assert _cells_reported(report) == {2: ("00", {SUPPLIER}), 8: ("01", set())}


# --- certificate tracking ------------------------------------------------------------------------------

def _credentials_request(kind: str):
    root = prepared("CS02e_6.24.2_SUCCESS_REQUEST_DUIS.XML")
    client.set_body_text(root, "CredentialType", kind)
    return root


async def test_certificates_a_device_reports_are_tracked_and_it_keeps_working_after_a_restart(pg_base_url,
                                                                                             tmp_path):
    """The test PKI re-keys the ESME (new digital-signing and key-agreement pairs, on the device only);
    6.24.2 makes the DCC follow the device, and the SMKI repository service shows the reported certificates in
    use and the ones they replaced not; the meter's MACs and signatures verify then and after a restart."""
    url = await create_fresh_database(pg_base_url)
    receiver = await Receiver().start()
    receivers = {SUPPLIER: receiver}
    running = await start_running_simulator(url, tmp_path / "first", device_timeout=1.0)
    try:
        pool = running.sim.db.pool
        await repo.set_endpoint(pool, SUPPLIER, receiver.url)
        await _response(running, receivers, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
        old_ds, old_ka = running.sim.smki.gbcs(A0, "ds").certificate, running.sim.smki.gbcs(A0, "ka").certificate
        async with pool.acquire() as conn:
            new_ds = await reissue_device_certificate(conn, running.sim.han, A0, Usage.GBCS_SIGNING)
            new_ka = await reissue_device_certificate(conn, running.sim.han, A0, Usage.GBCS_KEY_AGREEMENT)
        for kind, credential in (("Digital Signature", new_ds), ("Key Agreement", new_ka)):
            _rid, reported = await _response(running, receivers, _credentials_request(kind))
            assert reported.use_case == "CS02e"
            usage = credential.usage.value
            assert running.sim.smki.gbcs(A0, usage).certificate == credential.certificate
            assert await pool.fetchval("SELECT count(*) FROM smki_credential WHERE entity_id = $1 AND usage = $2 "
                                       "AND source = 'reported by device' AND key_pem IS NULL", A0, usage) == 1
        assert running.sim.smki.gbcs(A0, "ka").certificate != old_ka
        status, found = await smki_client.search(running, "CertificateSubjectAltName", dashed(A0))
        assert status == 200
        assert sorted((f.usage, f.status, int(f.serial, 16)) for f in found) == sorted([
            ("DS", "I", new_ds.serial), ("KA", "I", new_ka.serial),
            ("DS", "N", old_ds.serial_number), ("KA", "N", old_ka.serial_number)])
        _rid, read = await _response(running, receivers, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
        assert read.verification.mac == "verified"
    finally:
        await running.close()
    running = await start_running_simulator(url, tmp_path / "second", device_timeout=1.0)
    try:
        _rid, read = await _response(running, receivers, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
        assert read.verification.mac == "verified"
        _rid, signed = await _response(running, receivers, _credentials_request("Digital Signature"))
        assert signed.verification.signature == "verified"
    finally:
        await running.close()
        await receiver.stop()


# --- alerts reach the users entitled to them -----------------------------------------------------------

@pytest.mark.parametrize("device, code, users", [
    (A0, 0x8F36, {NETWORK_OPERATOR}),            # supply outage restored: the Network Operator's
    (A0, 0x8F0A, {SUPPLIER}),                    # billing data log updated: the Supplier's
    (A0, 0x8F34, {SUPPLIER, NETWORK_OPERATOR}),  # supply enabled after load limit: both
    (A0, 0x8002, {NETWORK_OPERATOR}),            # average RMS voltage (non-critical, MAC'd)
    (A1, 0x8F0A, {SUPPLIER}),                    # the gas meter's Supplier (GS)
    (A1, 0x8F36, {NETWORK_OPERATOR}),            # the gas meter's Network Operator (GT)
    (A4, 0x8F0A, {SUPPLIER}),                    # a PPMID's, through the DCC, to its premises' suppliers
])
async def test_device_alerts_reach_the_users_entitled_to_them(estate, device, code, users):
    running, receivers = estate
    reply = await running.sim.han.bus.run(device, lambda identity, state, now: raise_event(identity, state, code, now))
    keys = read_folders([KEYS_RTDS])
    verifier = gbcs.StaticKeyStore()
    for credential in running.sim.smki.devices():
        verifier.add(credential.entity_id, credential.usage.value, public=credential.certificate)
    for credential in keys.credentials:
        if credential.private_key is not None and not credential.is_device:
            verifier.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                         private=credential.private_key)
    async with running.sim.db.pool.acquire() as conn:
        outgoing = []
        origin = await repo.get_device(conn, device)
        for frame in reply.alerts:
            outgoing += await route_device_alert(running.sim.han, conn, origin, frame, None)
    assert {o.user_id for o in outgoing} == users
    for frame in reply.alerts:
        alert = gbcs.decode(frame, verifier)     # each verifies with its recipient's own key
        assert alert.recipient in users | {DCC}
        assert "verified" in (alert.verification.mac, alert.verification.signature)


async def test_cs14_alerts_go_to_the_dcc_which_keeps_the_backup_restore_uses(estate):
    running, receivers = estate
    pool = running.sim.db.pool
    new = "00DB1234567891E5"
    pre = _prenotification(new, "ESME")
    assert (await running.post("D", client.sign(pre, xml_signer_for(running, pre)))).code == "I99"
    await _response(running, receivers, han_log_add(new, "00112233445566778899AABBCCDDEE05"))
    alerts = await _eventually(lambda: _device_alerts(receivers, SUPPLIER, "8F12"))
    alert = _alert_message(running, alerts[0])
    assert alert.recipient == DCC and alert.verification.mac == "verified"
    backup = await pool.fetchval("SELECT entries FROM chf_log_backup WHERE chf_id = $1", A2)
    assert new in backup
    root = prepared("CCS03_8.12.1_SUCCESS_REQUEST_DUIS.XML")
    client.set_body_text(root, "OldCHFID", dashed(A2))
    request_id, restored = await _response(running, receivers, root)
    assert restored.use_case == "CCS03"
    command = next(gbcs.decode(bytes.fromhex(m["body"])) for m in await _log(running, request_id)
                   if m["kind"] == "gbcs-command")
    restored_ids = {e["items"][0]["hex"].upper() for e in command.payload.tree["data"][0]["items"][1]["items"]}
    assert restored_ids == {d.device_id for d in await repo.find_devices(pool, chf_id=A2)
                            if d.device_type not in ("CHF", "GPF")} | {new}
    assert command.other_info_extra[:8].hex().upper() == SUPPLIER
    assert await _eventually(lambda: len(_device_alerts(receivers, SUPPLIER, "8F12")) >= 2), "no CS14 on restore"


# --- command variants ----------------------------------------------------------------------------------

def _cv(root, cv: int):
    root.find(sr("Header")).find(sr("CommandVariant")).text = str(cv)
    return root


async def test_cv3_returns_the_command_and_sends_it(estate):
    running, receivers = estate
    root = _cv(prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"), 3)
    answer, request_id = await run_request(running, root)
    assert answer.code == "I0"
    local = gbcs.decode(base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload")))
    assert local.use_case == "ECS17b"
    response = await wait_for_response(receivers[SUPPLIER], request_id)
    assert response.findtext(".//{*}ResponseCode") == "I0"


@pytest.mark.parametrize("cv, local, sent", [(5, False, True), (6, True, False), (7, True, True)])
async def test_signed_pre_command_variants(estate, cv, local, sent):
    running, receivers = estate
    root = _set_prices(prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"), 5000 + cv)
    answer, request_id = await run_request(running, root, signed_cv=cv)
    assert answer.code == ("I0" if local else "I99"), answer.body[:300]
    if local:
        frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
        command = gbcs.decode(frame, running.sim.han.keys.store())
        assert command.use_case == "ECS01a" and command.verification.mac == "verified"
        assert command.verification.signature == "verified"
    if sent:
        response = await wait_for_response(receivers[SUPPLIER], request_id)
        assert response.findtext(".//{*}ResponseCode") == "I0"
    else:
        await running.delivered()
        assert not [b for b in receivers[SUPPLIER].received if request_id.encode() in b]


async def _precommand(running, root) -> bytes:
    """Transform (CV 4): the Pre-Command the DCC issues."""
    answer = await running.post("T", client.sign(root, xml_signer_for(running, root)))
    assert answer.code == "I0", answer.body[:300]
    return base64.b64decode(answer.root.findtext(f".//{sr('PreCommand')}/{sr('GBCSPayload')}"))


async def test_a_signed_pre_command_under_another_request_id_is_refused(estate):
    running, _receivers = estate
    precommand = await _precommand(running, prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"))
    other = prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")   # a fresh RequestID
    sign_in_place(other, precommand, gbcs_key_for(SUPPLIER))
    answer = await running.post("S", client.sign(other, xml_signer_for(running, other)))
    assert answer.code == "E31"


def _gbcs_signature(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """An ECDSA P-256 / SHA-256 signature of any bytes, written as GBCS writes one: r‖s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


async def test_a_pre_command_ending_in_an_empty_signature_length_byte_is_signed_by_replacing_it(pg_base_url, tmp_path):
    """Set to issue Pre-Commands as some DCC test systems do — ending in an empty signature-length byte (0x00)
    — the DCC takes them back with that byte replaced by 0x40 and the signature, which covers everything after
    the 0xDF tag but that byte."""
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            precommand_empty_signature_byte=True)
    receivers = {SUPPLIER: await Receiver().start()}
    await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receivers[SUPPLIER].url)
    try:
        root = _set_prices(prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"), 9090)
        request_id = client.request_id_of(root)
        precommand = await _precommand(running, root)
        assert precommand.endswith(b"\x00") and gbcs.decode(precommand).signature_field == "empty"
        signed = precommand[:-1] + b"\x40" + _gbcs_signature(gbcs_key_for(SUPPLIER), precommand[1:-1])
        sign_in_place(root, precommand, gbcs_key_for(SUPPLIER))
        root.find(sr("Body"))[0][0].text = base64.b64encode(signed).decode()
        answer = await running.post("S", client.sign(root, xml_signer_for(running, root)))
        assert answer.code == "I99", answer.body[:300]
        response = await wait_for_response(receivers[SUPPLIER], request_id)
        assert response.findtext(".//{*}ResponseCode") == "I0"
        # Signed over the 0x00 as well and appended after it: not what was issued.
        root = _set_prices(prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"), 9091)
        precommand = await _precommand(running, root)
        appended = precommand + b"\x40" + _gbcs_signature(gbcs_key_for(SUPPLIER), precommand[1:])
        sign_in_place(root, precommand, gbcs_key_for(SUPPLIER))
        root.find(sr("Body"))[0][0].text = base64.b64encode(appended).decode()
        assert (await running.post("S", client.sign(root, xml_signer_for(running, root)))).code == "E31"
    finally:
        await receivers[SUPPLIER].stop()
        await running.close()


# --- release-note rules, schedules, local responses, faults --------------------------------------------

async def test_release_note_rules_for_8_9_and_8_11(estate):
    running, _receivers = estate
    pool = running.sim.db.pool
    root = prepared("CCS07_8.9_SUCCESS_REQUEST_DUIS.XML", target=dashed(A0))
    answer, _ = await run_request(running, root)
    assert answer.code == "E080903"
    await repo.update_device(pool, A2, gbcs_version="2.0")
    answer, _ = await run_request(running, prepared("CCS07_8.9_SUCCESS_REQUEST_DUIS.XML"))
    assert answer.code == "E080902"
    await repo.update_device(pool, A2, gbcs_version="4.0")
    root = prepared("CCS02_8.11_SUCCESS_REQUEST_DUIS.XML")
    body = root.find(sr("Body")).find(sr("UpdateHANDeviceLog"))
    body.find(sr("RequestType")).text = "Add"
    whitelist = etree.SubElement(body, sr("AddDeviceToCHFWhitelist"))
    etree.SubElement(whitelist, sr("JoinTimePeriod")).text = "60"
    etree.SubElement(whitelist, sr("InstallCode")).text = "0011223344556677"
    answer, _ = await run_request(running, root)
    assert answer.code == "E081111"


async def test_join_details_are_read_from_the_device(estate):
    running, receivers = estate
    await _response(running, receivers, prepared("CS03A1_8.7.1_SUCCESS_REQUEST_DUIS.XML"))   # A0 joins 9A
    _rid, details = await _response(running, receivers, prepared("CS07_8.9_SUCCESS_REQUEST_DUIS.XML",
                                                                 target=dashed(A0)))
    joined = [e["children"][0]["hex"].upper() for e in details.payload.tree[0]["children"][1]["children"]]
    assert "00DB12345678909A" in joined


async def test_gas_thresholds_above_48_bits_are_refused(estate):
    running, _receivers = estate
    root = prepared("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
    next(root.iter(sr("BlockThreshold"))).text = "281474976710656"
    answer, _ = await run_request(running, root)
    assert answer.status == 400 and b"281474976710655" in answer.body   # the GasThresholdType maximum


async def test_offline_device_gives_a_no_response_outcome_in_bounded_time(estate):
    running, receivers = estate
    async with running.session.post(f"{running.admin_url}/admin/devices/00-DB-12-34-56-78-90-A0/faults",
                                    json={"offline": True}) as response:
        assert response.status == 200
    started = asyncio.get_running_loop().time()
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    assert answer.code == "I99"
    response = await wait_for_response(receivers[SUPPLIER], request_id, timeout=10)
    assert response.findtext(f".//{sr('ResponseCode')}") == "E21"
    assert asyncio.get_running_loop().time() - started < 5
    async with running.session.post(f"{running.admin_url}/admin/devices/00-DB-12-34-56-78-90-A0/faults",
                                    json={"offline": False}):
        pass
    async with running.session.post(f"{running.admin_url}/admin/devices/00-DB-12-34-56-78-90-A2/faults",
                                    json={"offline": True}):
        pass
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    response = await wait_for_response(receivers[SUPPLIER], request_id, timeout=10)
    assert response.findtext(f".//{sr('ResponseCode')}") == "E20"


async def test_faults_set_with_the_cli_reach_a_running_simulator(estate):
    """`dccsim devices fault` in another process, on the same database, takes effect at run time."""
    running, receivers = estate
    env = {**os.environ, "DCCSIM_DATABASE_URL": running.sim.db.url}

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(running.sim.settings.data_dir),
                               "devices", "fault", "00-DB-12-34-56-78-90-A0", *args],
                              capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    async def settled() -> None:
        """Faults another process writes are seen once the simulator re-reads them (its cache's lifetime)."""
        await asyncio.sleep(running.sim.han.faults.ttl + 0.1)

    assert "offline=True" in cli("--offline")
    await settled()
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    response = await wait_for_response(receivers[SUPPLIER], request_id, timeout=10)
    assert response.findtext(f".//{sr('ResponseCode')}") == "E21"
    assert "offline=False latency=300 ms" in cli("--online", "--latency", "300")
    await settled()
    started = asyncio.get_running_loop().time()
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    response = await wait_for_response(receivers[SUPPLIER], request_id, timeout=10)
    assert response.findtext(f".//{sr('ResponseCode')}") == "I0"
    assert asyncio.get_running_loop().time() - started >= 0.3
    cli("--latency", "0")


async def test_a_replayed_command_is_refused_by_the_device(estate):
    running, _receivers = estate
    answer, _ = await run_request(running, prepared("ECS17b_4.1.1_REQUEST_DUIS.XML"))   # CV 2: local command
    frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
    first = await running.sim.han.bus.exchange(A0, frame, hub_id=A2, handler=handle_command)
    assert first.response is not None and first.refused is None
    again = await running.sim.han.bus.exchange(A0, frame, hub_id=A2, handler=handle_command)
    assert again.response is None and "replay" in again.refused
    tampered = bytearray(frame)
    tampered[-3] ^= 0x01
    forged = await running.sim.han.bus.exchange(A0, bytes(tampered), hub_id=A2, handler=handle_command)
    assert forged.response is None and "MAC" in forged.refused


async def test_local_command_response_returned_with_8_13(estate):
    running, _receivers = estate
    answer, _ = await run_request(running, _cv(prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML"), 2))
    frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
    reply = await running.sim.han.bus.exchange(A0, frame, hub_id=A2, handler=handle_command)
    root = prepared("8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML")
    root.find(sr("Body")).find(sr("ReturnLocalCommandResponse")).find(sr("DeviceGBCSResponse")).text = \
        base64.b64encode(reply.response).decode()
    assert (await running.post("D", client.sign(root, xml_signer_for(running, root)))).code == "I99"
    # The template's response was signed by the RTDS meter's key, not this meter's: it does not authenticate.
    root = prepared("8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML")
    assert (await running.post("D", client.sign(root, xml_signer_for(running, root)))).code == "E081302"


async def test_dcc_schedule_runs_on_time(estate):
    running, receivers = estate
    soon = running.sim.clock.now() + timedelta(seconds=2)
    request = requests.create_schedule(SUPPLIER, A0, start=soon.date())
    request = request.replace(b"01:30:00", soon.strftime("%H:%M:%S").encode())
    root = etree.fromstring(request)
    created = await running.post("D", client.sign(root, xml_signer_for(running, root)))
    schedule_id = created.root.findtext(f".//{sr('DSPScheduleID')}")
    await running.advance(3)
    scheduled = await _eventually(lambda: [r for r in _documents(receivers, SUPPLIER)
                                           if r.find(f".//{sr('DSPScheduledMessage')}") is not None])
    assert scheduled, "the schedule did not run"
    message = scheduled[0]
    assert message.findtext(f".//{sr('DSPScheduleID')}") == schedule_id
    payload = gbcs.decode(base64.b64decode(message.findtext(f".//{sr('GBCSPayload')}")), running.sim.han.keys.store())
    assert payload.use_case == "ECS21a" and payload.verification.mac == "verified"


async def test_device_state_survives_a_restart(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    receiver = await Receiver().start()
    receivers = {SUPPLIER: receiver}
    running = await start_running_simulator(url, tmp_path / "first", device_timeout=1.0)
    try:
        await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
        await _response(running, receivers,
                        _set_prices(prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"), 4321))
    finally:
        await running.close()
    running = await start_running_simulator(url, tmp_path / "second", device_timeout=1.0)
    try:
        _r, tariff = await _response(running, receivers, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
        assert 4321 in _long_values(tariff.payload.tree["data"])
    finally:
        await running.close()
        await receiver.stop()


async def test_dsp_future_dated_read_is_held_until_its_time(estate):
    running, receivers = estate
    root = prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    body = root.find(sr("Body")).find(sr("ReadInstantaneousImportRegisters"))
    when = etree.SubElement(body, sr("ExecutionDateTime"))
    at = running.sim.clock.now() + timedelta(seconds=2)
    when.text = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    answer, request_id = await run_request(running, root)
    assert answer.code == "I99"
    await running.delivered()
    assert not [b for b in receivers[SUPPLIER].received if request_id.encode() in b], "not held"
    await running.advance(3)
    response = await wait_for_response(receivers[SUPPLIER], request_id, timeout=15)
    assert running.sim.clock.now() >= at.replace(microsecond=0)
    assert response.findtext(f".//{sr('ResponseCode')}") == "I0"
