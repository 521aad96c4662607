"""Every way the front door refuses a request, in the order DUIS applies its checks."""
from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from dccsim.duis import client
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from tests.integration.checks import assert_duis_answer, assert_rejected
from tests.integration.harness import NETWORK_OPERATOR, SUPPLIER, template, zaz1_signer

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
