"""8.5 Service Opt Out over HTTP: the supplier of a non-domestic premises gives the meter its own Access Control
Broker; the DCC's ACB signs the CS02b (ACB by ACB, as the RTDS 8.5 vector) that puts the supplier's certificate
into the meter's ACB cell, at the request's ExecutionDateTime (DSP future dated: the DCC holds it until then).
Afterwards the inventory records the device as opted out, device Service Requests for it are refused (E5) while
non-device ones (8.2) still answer, and 8.6 Service Opt In brings it back."""
from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

import gbcs
from dccsim.catalogue.requests import build_request
from dccsim.duis import client
from dccsim.inventory import repository as repo
from tests.conftest import create_fresh_database
from tests.integration.device_flows import (close_receiving, prepared, receiving_simulator, run_request, user_keys,
                                            wait_for_response, xml_signer_for)
from tests.paths import GBCS_RTDS

SUPPLIER, DCC = "90B3D51F30010000", "90B3D51F30000002"
ESME = "00DB1234567890A0"
READ = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    running, receiver = await receiving_simulator(await create_fresh_database(pg_base_url),
                                                  tmp_path_factory.mktemp("optout"), (SUPPLIER,), device_timeout=5.0)
    yield running, receiver
    await close_receiving(running, receiver)


def _der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _opt_out(running, when: str) -> etree._Element:
    """8.5 from the meter's supplier: its own key-agreement certificate goes into the meter's ACB cell."""
    own = running.sim.smki.gbcs(SUPPLIER, gbcs.KEY_AGREEMENT).certificate
    return build_request("8.5", originator=SUPPLIER, device=ESME, now=running.sim.clock.now(), body={
        "ExecutionDateTime": when, "ACBFloorSeqNumber": 0,
        "ReplacementCertificates": {"KeyAgreementCertificate": _der(own)},
        "CertificationPathCertificates": {"Certificate": [_der(own)]},
        "ApplyTimeBasedCPVChecks": "true"})


async def _sent(running, root: etree._Element):
    return await running.post("S" if root.findtext(".//{*}CommandVariant") == "1" else "D",
                              client.sign(root, xml_signer_for(running, root)))


async def test_an_opted_out_meter_leaves_the_dcc_until_it_opts_in(estate):
    running, receiver = estate
    pool = running.sim.db.pool
    answer, request_id = await run_request(running, _opt_out(running, "+1h"))
    assert answer.code == "I99", answer.body[:300]
    await running.delivered()
    assert not any(client.request_id_of(etree.fromstring(b)) == request_id for b in receiver.received
                   if etree.fromstring(b).find(".//{*}RequestID") is not None), "held until its ExecutionDateTime"
    assert (await repo.get_device(pool, ESME)).opted_out is None
    await running.advance(3700)
    response = await wait_for_response(receiver, request_id)
    assert response.findtext(".//{*}ResponseCode") == "I0"
    message = gbcs.decode(base64.b64decode(response.findtext(".//{*}GBCSPayload")), user_keys(running))
    assert message.use_case == "CS02b" and message.originator == ESME and message.recipient == DCC
    outcome = message.payload.fields(message_code=message.message_code, cra=message.cra)["execution_outcome"]
    assert outcome["credentials_replacement_mode"] == "accessControlBrokerByACB"
    assert [(o["status"], o["existing_subject_unique_id"], o["replacing_subject_unique_id"])
            for o in outcome["replacement_outcomes"]] == [("success", DCC, SUPPLIER)]
    rtds = gbcs.decode(bytes.fromhex((GBCS_RTDS / "8.5_CS02bACBByACB" / "CS02bACBByACB_8.5_SUCCESS_RESPONSE_GBCS.HEX")
                                     .read_text().strip()))
    expected = rtds.payload.fields(message_code=rtds.message_code, cra=rtds.cra)["execution_outcome"]
    assert message.message_code == rtds.message_code
    assert [o["affected_trust_anchor_cell"] for o in outcome["replacement_outcomes"]] == \
        [o["affected_trust_anchor_cell"] for o in expected["replacement_outcomes"]]
    opted = (await repo.get_device(pool, ESME)).opted_out
    assert opted is not None and opted["request_id"] == request_id and opted["by"] == SUPPLIER

    # Device Service Requests for the meter are refused; the inventory still answers.
    answer, _ = await run_request(running, prepared(READ))
    assert answer.code == "E5", answer.body[:300]
    answer, _ = await run_request(running, _opt_out(running, "now"))
    assert answer.code == "E5", "opted out already"
    inventory = await _sent(running, build_request("8.2", originator=SUPPLIER,
                                                   body={"DeviceID": "00-DB-12-34-56-78-90-A0"}))
    assert inventory.code == "I0"
    assert "00-DB-12-34-56-78-90-A0" in [e.text for e in inventory.root.iterfind(".//{*}Device/{*}DeviceID")]

    # 8.6 Service Opt In: the DCC serves the meter again (its Response carries the DCC's ACB certificates).
    opt_in = await running.send_template("8.6_SERVICE_OPTIN_REQUEST_DUIS.XML")
    assert opt_in.code == "I0", opt_in.body[:300]
    assert (await repo.get_device(pool, ESME)).opted_out is None
    answer, _ = await run_request(running, prepared(READ))
    assert answer.code == "I99", answer.body[:300]
