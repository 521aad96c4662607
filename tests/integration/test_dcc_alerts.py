"""DCC alerts raised through real flows, checked where they arrive: signed by the DCC, valid against the official
DUIS XSD, at the right User's endpoint and no other's. (AD1, N16, N43 and N4 are in the release-4.0 scenario
``dcc-alerts.yaml``; N49–N51 in ``cr1045-firmware-against-the-cpl.yaml``.) N58 follows real 6.14.x requests on a meter
with auxiliary controllers, and a future-dated calendar taking effect on the simulated clock."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from devices import firmware
from dccsim.duis import client, xmldsig
from dccsim.duis.namespaces import sr
from dccsim.han.dcc_alerts import MAX_FIRMWARE_IMAGE
from dccsim.inventory import repository as repo
from dccsim.timing.clock import ClockMode
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


@pytest.fixture(scope="module")
async def auxiliary_estate(pg_base_url, tmp_path_factory):
    """The demo estate on the simulated clock, its ESME one with auxiliary load control switches and auxiliary
    proportional controllers (variant ADF)."""
    async with simulator_with_receivers(await create_fresh_database(pg_base_url), tmp_path_factory.mktemp("n58"),
                                        USERS, device_timeout=2.0, clock=ClockMode.SIMULATED,
                                        clock_start=datetime(2026, 6, 15, 12, tzinfo=timezone.utc)) as estate:
        pool = estate[0].sim.db.pool
        await repo.update_device(pool, A0, esme_variant="ADF")
        await pool.execute("DELETE FROM device_state WHERE device_id = $1", A0)
        yield estate


def _n58s(receivers) -> dict[str, list[etree._Element]]:
    return {user: _dcc_alerts(receiver, "N58") for user, receiver in receivers.items()}


def _check_n58(alert: etree._Element) -> None:
    _signed_and_valid(alert)
    assert alert.findtext(".//{*}ESMEDeviceID") == "00-DB-12-34-56-78-90-A0"
    assert alert.findtext(".//{*}ESMEVariant") == "ADF" and alert.findtext(".//{*}DeviceGBCSVersion") == "4.0"


async def _configured(running, receivers, root: etree._Element, *, code: str = "I0") -> None:
    """Send a 6.14.x request (transformed, signed with the supplier's GBCS key); its Response arrives."""
    answer, request_id = await run_request(running, root)
    assert answer.code == "I99", answer.body[:300]
    response = await wait_for_response(receivers[SUPPLIER], request_id)
    assert response.findtext(".//{*}ResponseCode") == code
    await running.delivered()


@pytest.mark.parametrize("name", ["ECS46a_6.14.1_SOME_OPTIONALS_SUCCESS_REQUEST_DUIS.XML",
                                  "ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML",
                                  "ECS46d_6.14.3_IMMEDIATE_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML"])
async def test_n58_to_the_distributor_once_6_14_x_succeeds(auxiliary_estate, name):
    """Release note 5.5: a successful 6.14.1, 6.14.2 or 6.14.3 on an ESME gives its Electricity Distributor N58."""
    running, receivers = auxiliary_estate
    before = _n58s(receivers)
    root = prepared(name)
    for element in root.find(sr("Body")).iter(sr("ExecutionDateTime")):     # the configuration applies now
        element.getparent().remove(element)
    await _configured(running, receivers, root)
    after = _n58s(receivers)
    [alert] = after[NETWORK_OPERATOR][len(before[NETWORK_OPERATOR]):]
    assert alert.findtext(".//{*}DCCAlertCode") == "N58"
    _check_n58(alert)
    for user in (SUPPLIER, SUPPLIER_2, OTHER_USER):
        assert after[user] == []


async def test_n58_again_when_a_future_dated_calendar_takes_effect(auxiliary_estate):
    """Release note 5.5's other trigger: the meter's future-dated execution alert (0x8F66) for the auxiliary
    calendar of a 6.14.3 (or 6.14.2) when its execution time comes."""
    running, receivers = auxiliary_estate
    when = running.sim.clock.now() + timedelta(days=1)
    root = prepared("ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML", target=A0)
    client.set_body_text(root, "ExecutionDateTime", when.strftime("%Y-%m-%dT%H:%M:%S.00Z"))
    before = len(_n58s(receivers)[NETWORK_OPERATOR])
    await _configured(running, receivers, root)
    accepted = len(_n58s(receivers)[NETWORK_OPERATOR])
    assert accepted == before + 1                      # the successful Response
    await running.advance(3600)
    await running.delivered()
    assert len(_n58s(receivers)[NETWORK_OPERATOR]) == accepted       # nothing has taken effect yet
    await running.advance(86400)
    await running.delivered()
    executed = [etree.fromstring(body) for body in receivers[SUPPLIER].received]
    assert sum(1 for r in executed if r.findtext(".//{*}AlertCode") == "8F66") == 2   # the calendar, its special days
    after = _n58s(receivers)[NETWORK_OPERATOR]
    assert len(after) == accepted + 1                  # one for the calendar taking effect
    _check_n58(after[-1])
    assert all(_n58s(receivers)[user] == [] for user in (SUPPLIER, SUPPLIER_2, OTHER_USER))
