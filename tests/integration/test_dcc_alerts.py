"""DCC alerts raised through real flows, checked where they arrive: signed by the DCC, valid against the official
DUIS XSD, at the right User's endpoint and no other's. (AD1, N16, N43 and N4 are in the release-4.0 scenario
``dcc-alerts.yaml``; N49–N51 in ``cr1045-firmware-against-the-cpl.yaml``.)"""
from __future__ import annotations

import base64

import pytest
from lxml import etree

import gbcs
from devices import firmware
from dccsim.duis import client, xmldsig
from dccsim.duis.namespaces import sr
from dccsim.han.dcc_alerts import MAX_FIRMWARE_IMAGE
from dccsim.han.processing import Answered, after_response
from dccsim.inventory import repository as repo
from tests.conftest import create_fresh_database
from tests.integration.checks import zaz1_dsp_certificate
from tests.integration.device_flows import prepared, run_request, wait_for_response, xml_signer_for
from tests.integration.harness import official_schema
from tests.integration.receiver import Receiver, simulator_with_receivers

SUPPLIER, NETWORK_OPERATOR = "90B3D51F30010000", "90B3D51F30020000"
SUPPLIER_2, OTHER_USER = "90B3D51F30030000", "90B3D51F30010008"
USERS = (SUPPLIER, NETWORK_OPERATOR, SUPPLIER_2, OTHER_USER)
A0 = "00DB1234567890A0"


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    async with simulator_with_receivers(await create_fresh_database(pg_base_url), tmp_path_factory.mktemp("dcc"),
                                        USERS, device_timeout=2.0) as estate:
        yield estate


def _dcc_alerts(receiver: Receiver, code: str) -> list[etree._Element]:
    roots = [etree.fromstring(body) for body in receiver.received]
    return [root for root in roots if root.findtext(".//{*}DCCAlertCode") == code]


def _signed_and_valid(root: etree._Element) -> None:
    assert official_schema().validate(root), official_schema().error_log
    xmldsig.verify(root, zaz1_dsp_certificate())


async def test_n20_for_an_image_too_large(estate):
    running, receivers = estate
    image = firmware.make_image(b"\x5a" * (MAX_FIRMWARE_IMAGE + 1), version=7)
    root = prepared("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML")
    body = root.find(sr("Body"))[0]
    body.find(sr("FirmwareImage")).text = base64.b64encode(image).decode()
    body.find(sr("FirmwareVersion")).text = "00000007"
    body.find(sr("DeviceIDList")).text = "00-DB-12-34-56-78-90-A0"
    request_id = client.request_id_of(root)
    answer = await running.post("D", client.sign(root, xml_signer_for(running, root)))
    assert answer.code == "I99", answer.body[:300]
    await running.delivered()
    [alert] = _dcc_alerts(receivers[SUPPLIER], "N20")
    _signed_and_valid(alert)
    assert alert.findtext(".//{*}UpdateFirmwareRequestID") == request_id
    assert alert.findtext(".//{*}MeterIDs") == "00-DB-12-34-56-78-90-A0"
    for other in (NETWORK_OPERATOR, SUPPLIER_2, OTHER_USER):
        assert _dcc_alerts(receivers[other], "N20") == []
    received = [etree.fromstring(b) for b in receivers[SUPPLIER].received]
    assert not any(r.findtext(".//{*}AlertCode") == "8F72" for r in received)     # nothing was distributed


async def _processed_as(estate, variant: str, requester: str = SUPPLIER) -> list:
    """What the DCC's processing of a meter's successful Response queues, were it the answer to ``variant`` (a
    real meter answer to 4.1.1, handed over as the job runner hands it)."""
    running, receivers = estate
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    assert answer.code == "I99"
    response = await wait_for_response(receivers[SUPPLIER], request_id)
    message = gbcs.decode(base64.b64decode(response.findtext(".//{*}GBCSPayload")), running.sim.han.keys.store())
    async with running.sim.db.pool.acquire() as conn:
        meter = await repo.get_device(conn, A0)
        return await after_response(running.sim.han, conn, Answered(variant, requester, request_id), meter, message)


async def test_n58_once_6_14_x_succeeds(estate):
    """6.14.x are routed by another change: the DCC's processing of their successful Response is tested here."""
    assert await _processed_as(estate, "4.1.1") == []
    alerts = await _processed_as(estate, "6.14.2")
    assert [a.user_id for a in alerts] == [NETWORK_OPERATOR]                       # to the ED only
    root = etree.fromstring(alerts[0].body)
    _signed_and_valid(root)
    assert root.findtext(".//{*}DCCAlertCode") == "N58"
    assert root.findtext(".//{*}ESMEDeviceID") == "00-DB-12-34-56-78-90-A0"
    assert root.findtext(".//{*}ESMEVariant") == "A" and root.findtext(".//{*}DeviceGBCSVersion") == "4.0"


async def test_n58_when_6_14_1_changes_a_meters_alcs_configuration(estate):
    """N58 through a real flow: 6.14.1 Update Device Configuration (Auxiliary Load Control Description) on a meter
    with ALCS, sent over HTTP by its import supplier through the transform route; the meter's successful
    Response makes the DCC tell the Electricity Distributor, and no one else, with V4.0's ESMEVariant and
    DeviceGBCSVersion."""
    running, receivers = estate
    pool = running.sim.db.pool
    kept = await repo.get_device(pool, A0)
    await repo.update_device(pool, A0, esme_variant="AD")           # installed afresh as a meter with ALCS
    await pool.execute("DELETE FROM device_state WHERE device_id = $1", A0)
    try:
        await running.delivered()
        before = {user: len(_dcc_alerts(receiver, "N58")) for user, receiver in receivers.items()}
        template = prepared("ECS46a_6.14.1_SOME_OPTIONALS_SUCCESS_REQUEST_DUIS.XML")
        answer, request_id = await run_request(running, template)
        assert answer.code == "I99", answer.body[:300]
        response = await wait_for_response(receivers[SUPPLIER], request_id)
        assert response.findtext(".//{*}ResponseCode") == "I0"
        await running.delivered()
        new = {user: _dcc_alerts(receiver, "N58")[before[user]:] for user, receiver in receivers.items()}
        assert {user for user, alerts in new.items() if alerts} == {NETWORK_OPERATOR}
        [alert] = new[NETWORK_OPERATOR]
        _signed_and_valid(alert)
        assert alert.findtext(".//{*}ESMEDeviceID") == "00-DB-12-34-56-78-90-A0"
        assert alert.findtext(".//{*}ESMEVariant") == "AD"
        assert alert.findtext(".//{*}DeviceGBCSVersion") == (kept.gbcs_version or "4.0")
    finally:
        await repo.update_device(pool, A0, esme_variant=kept.esme_variant)
        await pool.execute("DELETE FROM device_state WHERE device_id = $1", A0)
