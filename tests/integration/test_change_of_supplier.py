"""Change of supplier end to end over HTTP (DUIS 6.23): the gaining supplier sends its certificates, the DCC's
Transitional CoS party signs the CS02b that puts them into the meter's Supplier cells, the Response reaches
the gaining supplier, and afterwards — before / after — the inventory names it as the meter's import
supplier, the losing supplier gets E4 and a critical command it signs is refused by the meter itself, while
the gaining supplier reads the meter, signs critical commands the meter accepts and tops it up with its own
UTRNs (the meter's UTRN counter cache starts afresh for it)."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

import gbcs
from dccsim.catalogue.requests import build_request
from dccsim.duis import client, xmldsig
from dccsim.duis.namespaces import sr
from dccsim.han.identities import devices_authority
from dccsim.inventory import repository as repo
from dccsim.smki import authority
from dccsim.smki.credentials import Usage
from dccsim.timing.clock import ClockMode
from devices.device import handle_command
from tests.conftest import create_fresh_database
from tests.integration.device_flows import prepared, run_request, user_keys, wait_for_response
from tests.integration.checks import zaz1_dsp_certificate
from tests.integration.harness import official_schema, start_running_simulator
from tests.integration.receiver import Receiver
from tests.integration.top_ups import exported_keys, issue, supplier_keys
from tests.paths import DUIS_TEMPLATES

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="../shared/conformance/duis-templates missing")]

LOSING, GAINING = "90B3D51F30010000", "90B3D51F30030000"
ESME, HUB = "00DB1234567890A0", "00DB1234567890A2"
COS = "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML"
READ = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
SET_CLOCK = "ECS70Commission_8.1.1_SUCCESS_REQUEST_DUIS.XML"
TOP_UP = "CS01a_2.2_SUCCESS_REQUEST_DUIS.XML"


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    running = await start_running_simulator(await create_fresh_database(pg_base_url),
                                            tmp_path_factory.mktemp("cos"), device_timeout=5.0,
                                            clock=ClockMode.SIMULATED)
    receivers = {user: await Receiver().start() for user in (LOSING, GAINING)}
    for user, receiver in receivers.items():
        await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
    keys = supplier_keys(await exported_keys(running, tmp_path_factory.mktemp("exported")))
    yield running, receivers, keys
    for receiver in receivers.values():
        await receiver.stop()
    await running.close()


def _dashed(entity: str) -> str:
    return "-".join(entity[i:i + 2] for i in range(0, 16, 2))


def _as(name: str, user: str) -> etree._Element:
    return prepared(name, originator=_dashed(user))


def _signing_key(running, user: str):
    """The private key of the signing certificate the meter holds for ``user`` after the change."""
    return running.sim.smki.gbcs(user, gbcs.SIGNING).private_key


async def _answer(running, receivers, root: etree._Element, user: str, **kwargs) -> tuple[str, etree._Element | None]:
    answer, request_id = await run_request(running, root, **kwargs)
    if answer.code not in ("I0", "I99"):
        return answer.code, None
    return answer.code, await wait_for_response(receivers[user], request_id)


def _message(running, response: etree._Element) -> gbcs.Message:
    return gbcs.decode(base64.b64decode(response.findtext(f".//{sr('GBCSPayload')}")), user_keys(running))


def _cos_request(running) -> etree._Element:
    """6.23 from the gaining supplier with its own digital-signing, key-agreement and prepayment certificates."""
    root = _as(COS, GAINING)
    for element, usage in (("DigitalSigningCertificate", gbcs.SIGNING), ("KeyAgreementCertificate", gbcs.KEY_AGREEMENT),
                           ("KeyAgreementTopUpCertificate", gbcs.PREPAYMENT)):
        certificate = running.sim.smki.gbcs(GAINING, usage).certificate
        client.set_body_text(root, element, base64.b64encode(certificate.public_bytes(serialization.Encoding.DER))
                             .decode())
    return root


async def _top_up(running, receivers, user: str, token: str) -> int:
    root = _as(TOP_UP, user)
    client.set_body_text(root, "UTRN", token)
    code, response = await _answer(running, receivers, root, user, gbcs_key=_signing_key(running, user))
    assert code == "I99" and response is not None, code
    return _message(running, response).payload.tree["results"][0]["result"]


async def test_change_of_supplier_hands_the_meter_to_the_gaining_supplier(estate):
    running, receivers, utrn_keys = estate
    pool = running.sim.db.pool
    # before: the losing supplier reads and tops up; the gaining one is not responsible
    assert (await _answer(running, receivers, _as(READ, LOSING), LOSING))[0] == "I99"
    assert (await _answer(running, receivers, _as(READ, GAINING), GAINING))[0] == "E4"
    assert await _top_up(running, receivers, LOSING, issue(utrn_keys, 500, supplier=LOSING, meter=ESME,
                                                           utrn_counter=1)) == 0
    # the losing supplier prepares a critical command now, to try it on the meter after the change
    answer, _ = await run_request(running, _as(SET_CLOCK, LOSING), signed_cv=6,
                                  gbcs_key=_signing_key(running, LOSING))
    held_back = base64.b64decode(answer.root.findtext(f".//{sr('LocalCommand')}/{sr('GBCSPayload')}"))

    code, response = await _answer(running, receivers, _cos_request(running), GAINING)
    assert code == "I99"
    outcome = _message(running, response)
    assert outcome.originator == ESME and outcome.recipient == "90B3D51F30000004"      # the Transitional CoS party
    fields = outcome.payload.fields(message_code=outcome.message_code, cra=outcome.cra)["execution_outcome"]
    assert fields["credentials_replacement_mode"] == "supplierByTransCoS"
    assert [(o["status"], o["existing_subject_unique_id"], o["replacing_subject_unique_id"])
            for o in fields["replacement_outcomes"]] == [("success", LOSING, GAINING)] * 3
    assert (await repo.parties(pool, ESME))["IS"] == GAINING
    # N12: the supplier losing the meter hears of it (signed, valid DUIS), the gaining one (the sender) not
    await running.delivered()
    [n12] = _dcc_alerts(receivers[LOSING], "N12")
    assert official_schema().validate(n12), official_schema().error_log
    xmldsig.verify(n12, zaz1_dsp_certificate())
    assert n12.findtext(".//{*}DeviceChangeOfSupplier/{*}DeviceType") == "ESME"
    assert n12.findtext(".//{*}MPxNs/{*}ImportMPxN") == "1312345678111"
    assert _dcc_alerts(receivers[GAINING], "N12") == []

    # after: the losing supplier is refused by the DCC, and by the meter when its signed command gets there
    assert (await _answer(running, receivers, _as(READ, LOSING), LOSING))[0] == "E4"
    reply = await running.sim.han.bus.exchange(ESME, held_back, hub_id=HUB, handler=handle_command)
    assert reply.response is None and reply.refused == \
        f"signed by {LOSING}, which holds no trust-anchor cell of this device", reply.refused
    # the gaining supplier reads, signs, and tops up with its own UTRNs from counter 1
    assert (await _answer(running, receivers, _as(READ, GAINING), GAINING))[0] == "I99"
    code, response = await _answer(running, receivers, _as(SET_CLOCK, GAINING), GAINING,
                                   gbcs_key=_signing_key(running, GAINING))
    assert code == "I99" and _message(running, response).verification.signature == "verified"
    assert await _top_up(running, receivers, GAINING, issue(utrn_keys, 700, supplier=GAINING, meter=ESME,
                                                            utrn_counter=1)) == 0
    assert await _top_up(running, receivers, GAINING, issue(utrn_keys, 700, supplier=LOSING, meter=ESME,
                                                            utrn_counter=2)) != 0


def _dcc_alerts(receiver, code: str) -> list[etree._Element]:
    roots = [etree.fromstring(body) for body in receiver.received]
    return [root for root in roots if root.findtext(".//{*}DCCAlertCode") == code]


def _alert_codes(receiver) -> list[str]:
    return [code for body in receiver.received if (code := etree.fromstring(body).findtext(f".//{sr('AlertCode')}"))]


async def test_a_future_dated_replacement_is_accepted_now_and_reports_at_its_time(estate):
    running, receivers, _keys = estate
    user = (await repo.parties(running.sim.db.pool, ESME))["IS"]
    root = _as("CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML", user)
    client.set_body_text(root, "ExecutionDateTime",
                         (running.sim.clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.00Z"))
    for element, usage in (("DigitalSigningCertificate", gbcs.SIGNING), ("KeyAgreementCertificate", gbcs.KEY_AGREEMENT),
                           ("KeyAgreementTopUpCertificate", gbcs.PREPAYMENT)):
        certificate = running.sim.smki.gbcs(user, usage).certificate    # the same keys again: a renewal
        client.set_body_text(root, element, base64.b64encode(certificate.public_bytes(serialization.Encoding.DER))
                             .decode())
    code, response = await _answer(running, receivers, root, user, gbcs_key=_signing_key(running, user))
    assert code == "I99"
    accepted = _message(running, response).payload.fields(message_code=0x0102, cra=gbcs.Cra.RESPONSE)
    assert accepted["command_accepted"] and "execution_outcome" not in accepted
    before = _alert_codes(receivers[user])
    await running.advance(2 * 3600)
    await running.delivered()
    assert _alert_codes(receivers[user])[len(before):].count("8F66") == 1


async def test_the_meter_takes_a_new_key_pair_and_its_certificate(estate):
    """6.17: the meter makes a key pair and answers with a certification request; the SMKI (the test PKI)
    certifies its public key; 6.15.2: the meter takes the certificate, signs with the new key from then on, and
    the DCC follows (its signed answers verify)."""
    running, receivers, _keys = estate
    user = (await repo.parties(running.sim.db.pool, ESME))["IS"]
    root = _as("CS02c_6.17_SUCCESS_REQUEST_DUIS.XML", user)
    client.set_body_text(root, "CredentialType", "Digital Signature")
    code, response = await _answer(running, receivers, root, user, gbcs_key=_signing_key(running, user))
    assert code == "I99"
    issued = _message(running, response)
    request = x509.load_der_x509_csr(bytes.fromhex(
        issued.payload.fields(message_code=issued.message_code, cra=issued.cra)["certification_request"]))
    assert request.is_signature_valid
    certificate = authority.issue_device(devices_authority(running.sim.smki), ESME, Usage.GBCS_SIGNING,
                                         public_key=request.public_key()).certificate
    root = _as("CS02d_6.15.2_SUCCESS_REQUEST_DUIS.XML", user)
    client.set_body_text(root, "DeviceCertificate",
                         base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode())
    code, response = await _answer(running, receivers, root, user, gbcs_key=_signing_key(running, user))
    assert code == "I99"
    taken = _message(running, response)
    assert taken.payload.fields(message_code=taken.message_code, cra=taken.cra)["response_code"] == "success"
    assert gbcs.verify_signature(taken, request.public_key())       # answered with the new key already
    assert running.sim.smki.gbcs(ESME, gbcs.SIGNING).certificate == certificate
    # the same certificate again: no key pair of that usage is pending any more
    root = _as("CS02d_6.15.2_SUCCESS_REQUEST_DUIS.XML", user)
    client.set_body_text(root, "DeviceCertificate",
                         base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode())
    code, response = await _answer(running, receivers, root, user, gbcs_key=_signing_key(running, user))
    again = _message(running, response)
    assert again.verification.signature == "verified"
    assert again.payload.fields(message_code=again.message_code, cra=again.cra)["response_code"] == \
        "noCorrespondingKeyPairGenerated"


async def test_a_handover_is_sent_by_the_access_control_broker_and_refused_by_a_meter_it_does_not_control(estate):
    """6.21 hands a DCC-controlled device (its Supplier cells held by the DCC) to the supplier: the DCC's Access
    Control Broker sends the CS02b. The demo meter is not DCC controlled: it replaces nothing."""
    running, receivers, _keys = estate
    user = (await repo.parties(running.sim.db.pool, ESME))["IS"]
    certificate = running.sim.smki.gbcs(user, gbcs.SIGNING).certificate.public_bytes(serialization.Encoding.DER)
    root = build_request("6.21", originator=_dashed(user), device=_dashed(ESME), body={
        "RemotePartyRole": "Supplier", "ReplacementCertificates": {"DigitalSigningCertificate": certificate},
        "CertificationPathCertificates": {"Certificate": [certificate]}, "ApplyTimeBasedCPVChecks": "true"})
    code, response = await _answer(running, receivers, root, user)
    assert code == "I99"
    outcome = _message(running, response)
    assert outcome.recipient == "90B3D51F30000002"          # answered to the Access Control Broker
    fields = outcome.payload.fields(message_code=outcome.message_code, cra=outcome.cra)["execution_outcome"]
    assert [o["status"] for o in fields["replacement_outcomes"]] == ["noTrustAnchor"]
    assert (await repo.parties(running.sim.db.pool, ESME))["IS"] == user
