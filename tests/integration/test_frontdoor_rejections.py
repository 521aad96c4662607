"""Every way the front door refuses a request, in the order DUIS applies its checks."""
from __future__ import annotations

import base64
import datetime as dt

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from dccsim.runtime.settings import Settings
from dccsim.duis import client
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from dccsim.runtime.simulator import prepare_state, start_simulator
from dccsim.runtime.server import start_sites
from dccsim.smki import repository as smki_repo
from dccsim.smki.folders import import_folders
from tests.conftest import create_fresh_database
from tests.integration.checks import assert_duis_answer, assert_rejected
from tests.integration.device_flows import prepared, run_request
from tests.integration.harness import (DCC, NETWORK_OPERATOR, SUPPLIER, RunningSimulator, free_port, template,
                                       zaz1_signer)
from tests.paths import KEYS_RTDS, KEYS_ZAZ1

INVENTORY = "8.2_READ_INVENTORY_REQUEST_DUIS.XML"


def signed(name: str = INVENTORY, **kwargs) -> bytes:
    return client.sign(client.prepare(template(name), **kwargs), zaz1_signer())


async def test_replayed_and_decreasing_counters(running):
    body = signed()
    assert_duis_answer(await running.post("D", body), code="I0")
    assert_rejected(await running.post("D", body), 400, "not greater")
    older = client.sign(client.prepare(template(INVENTORY), counter=5), zaz1_signer())
    assert_rejected(await running.post("D", older), 400, "not greater")


async def test_signature_by_the_wrong_key(running):
    # The network operator's genuine key signing a request whose originator is the supplier.
    root = client.prepare(template(INVENTORY))
    answer = await running.post("D", client.sign(root, zaz1_signer(NETWORK_OPERATOR)))
    assert_rejected(answer, 401, "not by the originator")


async def test_unknown_certificate_and_tampering(running):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stranger")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    answer = await running.post("D", client.sign(client.prepare(template(INVENTORY)), DuisSigner(key, cert)))
    assert_rejected(answer, 401, "no XML-signing certificate")

    tampered = signed().replace(b"90-A2</sr:DeviceID>", b"90-A0</sr:DeviceID>")
    assert_rejected(await running.post("D", tampered), 401, "does not verify")

    unsigned = etree.tostring(client.prepare(template(INVENTORY)))
    assert_rejected(await running.post("D", unsigned), 401, "no enveloped")


async def test_hostile_xml(running):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b'<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">&lol2;</sr:Request>')
    assert_rejected(await running.post("D", laughs), 400, "DTD")
    external = (b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.invalid/x.dtd">'
                b'<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"/>')
    assert_rejected(await running.post("D", external), 400, "DTD")
    assert_rejected(await running.post("D", b"<not-closed>"), 400, "well-formed")
    wrong_ns = signed().replace(b"http://www.dccinterface.co.uk/ServiceUserGateway", b"urn:example:other")
    assert_rejected(await running.post("D", wrong_ns), 400, "namespace")
    huge = b"<x>" + b"a" * (50 * 1024 * 1024) + b"</x>"
    assert_rejected(await running.post("D", huge), 413)
    assert_rejected(await running.post("D", b""), 400, "empty")


async def test_schema_invalid(running):
    root = client.prepare(template(INVENTORY))
    client.set_body_text(root, "DeviceID", "not-a-device")
    assert_rejected(await running.post("D", client.sign(root, zaz1_signer())), 400, "schema")


async def test_url_and_command_variant(running):
    # A non-device request (CV 8) sent to the send-command URL.
    assert_duis_answer(await running.post("S", signed()), code="E13")
    assert_duis_answer(await running.post("T", signed()), code="E13")
    # CV 1 (send) is not a command variant of 8.2 Read Inventory.
    root = client.prepare(template(INVENTORY))
    root.find(sr("Header")).find(sr("CommandVariant")).text = "1"
    assert_duis_answer(await running.post("S", client.sign(root, zaz1_signer())), code="E12")


async def test_unknown_user_and_ineligible_role(running):
    # A genuine ZAZ1 XML-signing key whose entity is not a DCC User of this estate.
    other = zaz1_signer("00DB123456780004")
    root = client.prepare(template(INVENTORY), originator="00DB123456780004")
    assert_duis_answer(await running.post("D", client.sign(root, other)), code="E1")
    # The network operator may not decommission a device (8.3 is for IS/GS).
    root = client.prepare(template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML"), originator=NETWORK_OPERATOR)
    assert_duis_answer(await running.post("D", client.sign(root, zaz1_signer(NETWORK_OPERATOR))), code="E2")


async def test_device_checks(running):
    def device(value):
        def edit(root):
            client.set_body_text(root, "DeviceID", value)
        return edit

    unknown = await running.send_template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML",
                                          edit=device("00-DB-12-34-56-78-99-98"))
    assert_duis_answer(unknown, code="E19")
    # The second supplier is not responsible for A0's import.
    second = running.sim.smki.xml_signing("90B3D51F30030000")
    root = client.prepare(template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML"), originator="90B3D51F30030000")
    answer = await running.post("D", client.sign(root, DuisSigner(second.private_key, second.certificate)))
    assert_duis_answer(answer, code="E4")


async def test_no_stack_trace_on_wrong_method_or_url(running):
    async with running.session.get(f"{running.base_url}/api/v1/serviceS") as response:
        assert response.status == 405
        assert "Traceback" not in await response.text()
    async with running.session.post(f"{running.base_url}/api/v1/serviceX", data=b"x") as response:
        assert response.status == 404


# --- device type, status, Service Reference / variant, a signature by a different key -------------
A0, A1, A2 = "00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A1", "00-DB-12-34-56-78-90-A2"
READ_REGISTERS = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
DAILY_CONSUMPTION = "GCS61_4.17_SUCCESS_REQUEST_DUIS.XML"
SECOND_SUPPLIER = "90B3D51F30030000"
OTHER_USER = "90B3D51F30010008"


def own_signer(running, entity_id: str) -> DuisSigner:
    """The XML-signing key the simulator issued to a demo user that has no public ZAZ1 key."""
    key = running.sim.smki.xml_signing(entity_id)
    return DuisSigner(key.private_key, key.certificate)


async def _send(running, name: str, *, originator: str = SUPPLIER, target: str | None = None,
                service: str = "S", edit=None):
    root = client.prepare(template(name), originator=originator, target=target)
    if edit is not None:
        edit(root)
    signer = zaz1_signer() if originator == SUPPLIER else own_signer(running, originator)
    return await running.post(service, client.sign(root, signer))


async def _pre_notified(running, device_id: str, device_type: str = "ESME") -> str:
    """A new device in the inventory, Pending, with the supplier as its import supplier."""
    def edit(root):
        client.set_body_text(root, "DeviceID", device_id)
        client.set_body_text(root, "DeviceType", device_type)
    assert_duis_answer(await running.send_template("12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML", edit=edit),
                       code="I99")
    return device_id


async def test_device_type_does_not_fit_the_service_request(running):
    # 4.1.1 reads a meter's registers; A2 is the Communications Hub.
    assert_duis_answer(await _send(running, READ_REGISTERS, target=A2), code="E11")


async def test_device_status_outside_decommissioning(running):
    pending = await _pre_notified(running, "00-DB-12-34-56-78-92-01")
    assert_duis_answer(await _send(running, READ_REGISTERS, target=pending), code="E5")


async def test_service_reference_and_variant_disagree(running):
    def wrong_reference(root):
        root.find(sr("Header")).find(sr("ServiceReference")).text = "8.3"
    assert_duis_answer(await _send(running, INVENTORY, service="D", edit=wrong_reference), code="E12")


async def test_signature_by_another_key_naming_a_known_certificate(running):
    # KeyInfo names the supplier's ZAZ1 certificate (issuer + serial), but another key signed.
    impostor = DuisSigner(ec.generate_private_key(ec.SECP256R1()), zaz1_signer().certificate)
    answer = await running.post("D", client.sign(client.prepare(template(INVENTORY)), impostor))
    assert_rejected(answer, 401, "does not verify")


# --- Other Users ----------------------------------------------------------------------------------
async def test_other_users_need_no_relationship_with_the_device(running):
    # The Other User is no party of the gas meter A1, yet 4.17 is an OU Service Request: accepted.
    answer = await _send(running, DAILY_CONSUMPTION, originator=OTHER_USER, target=A1)
    assert_duis_answer(answer, code="I99")
    # 4.1.1 is not one: E2, whatever the device.
    assert_duis_answer(await _send(running, READ_REGISTERS, originator=OTHER_USER, target=A1), code="E2")


# --- stage order: a request failing two checks gets the earlier stage's answer ---------------------
async def test_the_earlier_stage_answers_first(running):
    limit = running.sim.settings.max_request_bytes
    # size before well-formedness
    assert_rejected(await running.post("D", b"<" + b"x" * (limit + 1)), 413)

    # safe parsing (DTD) before the schema
    body = signed().replace(b"<sr:Request", b'<!DOCTYPE r SYSTEM "x.dtd"><sr:Request', 1)
    assert_rejected(await running.post("D", body.replace(b"90-A2</sr:DeviceID>", b"XX</sr:DeviceID>")), 400, "DTD")

    # the schema before the signature (the edit breaks both)
    assert_rejected(await running.post("D", signed().replace(b"90-A2</sr:DeviceID>", b"XX</sr:DeviceID>")),
                    400, "schema")

    # the signature before the counter (a replayed and tampered request)
    accepted = signed()
    assert_duis_answer(await running.post("D", accepted), code="I0")
    assert_rejected(await running.post("D", accepted.replace(b"90-A2</sr:DeviceID>", b"90-A0</sr:DeviceID>")),
                    401, "does not verify")

    # the counter before the URL (replayed to the wrong web service)
    assert_rejected(await running.post("S", accepted), 400, "not greater")

    # E13 before E12: CommandVariant 1 is neither for the non-device URL nor for 8.2
    def send_command(root):
        root.find(sr("Header")).find(sr("CommandVariant")).text = "1"
    assert_duis_answer(await _send(running, INVENTORY, service="D", edit=send_command), code="E13")

    # E12 before E2: the network operator may not send 8.3, and the reference is wrong as well
    def wrong_reference(root):
        root.find(sr("Header")).find(sr("ServiceReference")).text = "8.2"
    answer = await running.post("D", client.sign(
        _edited(client.prepare(template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML"), originator=NETWORK_OPERATOR),
                wrong_reference), zaz1_signer(NETWORK_OPERATOR)))
    assert_duis_answer(answer, code="E12")

    # E2 before E19: the network operator again, for a device that does not exist
    unknown = _set_device("00-DB-12-34-56-78-99-97")
    answer = await running.post("D", client.sign(
        _edited(client.prepare(template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML"), originator=NETWORK_OPERATOR),
                unknown), zaz1_signer(NETWORK_OPERATOR)))
    assert_duis_answer(answer, code="E2")

    # E19 before E4: the second supplier (responsible for nothing here) and an unknown device
    assert_duis_answer(await _send(running, "8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML", originator=SECOND_SUPPLIER,
                                   service="D", edit=unknown), code="E19")

    # E11 before E5: a Pending PPMID is the wrong type for 4.1.1 and in the wrong status
    ppmid = await _pre_notified(running, "00-DB-12-34-56-78-92-02", "PPMID")
    assert_duis_answer(await _send(running, READ_REGISTERS, target=ppmid), code="E11")

    # E5 before E4: a Pending ESME of the first supplier, read by the second
    esme = await _pre_notified(running, "00-DB-12-34-56-78-92-03")
    assert_duis_answer(await _send(running, READ_REGISTERS, originator=SECOND_SUPPLIER, target=esme), code="E5")


def _edited(root, edit):
    edit(root)
    return root


def _set_device(value: str):
    def edit(root):
        client.set_body_text(root, "DeviceID", value)
    return edit


# --- --strict-validity: GBCS certificates outside their validity period are not used ---------------
async def _strict_simulator(database_url: str, tmp, *, drop_generated_dcc_key_agreement: bool = False):
    """A running simulator with --strict-validity over the ZAZ1 + RTDS credentials (whose GBCS certificates
    ran out in 2025); optionally without the DCC key-agreement certificate it generated itself, so that
    only the expired imported one is left."""
    settings = Settings(data_dir=tmp, database_url=database_url, port=free_port(), admin_port=free_port(),
                        smki_port=free_port(), strict_validity=True)
    db = await prepare_state(settings)
    async with db.pool.acquire() as conn:
        report = import_folders(await smki_repo.load_store(conn), [KEYS_ZAZ1, KEYS_RTDS])
        await smki_repo.save_credentials(conn, report.imported)
        if drop_generated_dcc_key_agreement:
            await conn.execute("DELETE FROM smki_credential WHERE entity_id = $1 AND usage = 'ka' "
                               "AND source = 'generated'", DCC)
    await db.close()
    sim = await start_simulator(settings)
    return RunningSimulator(sim, f"http://{settings.host}:{settings.port}", aiohttp.ClientSession(),
                            await start_sites(sim))


async def test_strict_validity_for_gbcs_certificates(pg_base_url, tmp_path):
    strict = await _strict_simulator(await create_fresh_database(pg_base_url), tmp_path)
    try:
        # The user's GBCS signing certificates (ZAZ1 and RTDS) ran out: its Signed Pre-Command is refused.
        answer, _ = await run_request(strict, prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"))
        assert_duis_answer(answer, code="E31")
        # The DCC gives out its own valid (generated) ACB certificate, never the expired imported one.
        opted_in = assert_duis_answer(await strict.send_template("8.6_SERVICE_OPTIN_REQUEST_DUIS.XML"), code="I0")
        given = x509.load_der_x509_certificate(base64.b64decode(
            opted_in.findtext(f".//{sr('DSPBrokerSecurityCredentialsKeyAgreement')}")))
        assert given.not_valid_before_utc <= dt.datetime.now(dt.timezone.utc) <= given.not_valid_after_utc
        # Requests that need no GBCS certificate are served as usual.
        assert_duis_answer(await strict.post("D", signed()), code="I0")
    finally:
        await strict.close()


async def test_strict_validity_without_a_usable_dcc_key(pg_base_url, tmp_path):
    strict = await _strict_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                     drop_generated_dcc_key_agreement=True)
    try:
        assert_rejected(await _send(strict, READ_REGISTERS), 503, "Access Control Broker key-agreement")
        assert_rejected(await strict.send_template("8.6_SERVICE_OPTIN_REQUEST_DUIS.XML"), 503,
                        "Access Control Broker key-agreement")
        assert_duis_answer(await strict.post("D", signed()), code="I0")
    finally:
        await strict.close()


async def test_a_switch_description_is_at_most_22_characters(running):
    """Release note V4.0 5.3: 6.14.1's SwitchDescription went from 127 characters to 22."""
    def described(text: str) -> bytes:
        root = client.prepare(template("ECS46a_6.14.1_SOME_OPTIONALS_SUCCESS_REQUEST_DUIS.XML"))
        client.set_body_text(root, "SwitchDescription", text)
        return client.sign(root, zaz1_signer())

    assert_rejected(await running.post("T", described("x" * 23)), 400, "schema")
    answer = await running.post("T", described("x" * 22))
    assert answer.status == 200 and answer.code == "I0"          # the Pre-Command
