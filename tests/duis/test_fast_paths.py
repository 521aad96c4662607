"""The request path's shortcuts give what the long way gives: the one-pass whitespace check, a Response written
as canonical text, and the 8.2 inventory entries reused from those rendered before."""
from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from dccsim.duis import fastdsig, xmldsig
from dccsim.duis.namespaces import SR
from dccsim.duis.responses import Heading, canonical_content, service_response, service_response_bytes
from dccsim.handlers import inventory_srs
from dccsim.inventory.models import Device, DeviceStatus, DeviceType

_PIECES = st.sampled_from(["<a>", "</a>", "<b/>", " ", "\n\t", "x", " y ", "<!--c-->", "<?p q?>",
                           "<![CDATA[ ]]>", "<![CDATA[z]]>", "&#32;", "&#160;"])


def _well_formed(pieces: list[str]) -> bytes | None:
    try:
        text = "<r>" + "".join(pieces) + "</r>"
        etree.fromstring(text.encode())
        return text.encode()
    except etree.XMLSyntaxError:
        return None


def _element_by_element(root: etree._Element) -> bool:
    return any(fastdsig._ignorable(e) for e in root.iter() if isinstance(e.tag, str))


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12))
def test_the_one_pass_whitespace_check_finds_what_the_element_walk_finds(pieces):
    text = _well_formed(pieces)
    if text is None:
        return
    for parser in (etree.XMLParser(), etree.XMLParser(strip_cdata=False)):
        root = etree.fromstring(text, parser)
        walked = _element_by_element(root)
        # Never less (that would sign whitespace the validators leave out); more only next to kept CDATA.
        assert fastdsig._has_ignorable_whitespace(root) >= walked
        if b"CDATA" not in text:
            assert fastdsig._has_ignorable_whitespace(root) == walked


def _device(n: int, **changes) -> Device:
    values = dict(device_id=f"00DB1234567890{n:02X}", device_type=DeviceType("ESME"),
                  status=DeviceStatus("Commissioned"), manufacturer="1234", model="5678", firmware_version="0102",
                  gbcs_version="4.0", esme_variant="A", import_mpxn="1012345678901", uprn="12345678",
                  postcode="AB1 2CD", address_identifier="1 High Street", csp_region="Central",
                  date_commissioned=datetime.date(2024, 1, 1), attributes={"note": ["unhashable"]})
    values.update(changes)
    return Device(**values)


def _response(devices: list[tuple[Device, str | None]]) -> bytes:
    entries = b"".join(inventory_srs.inventory_entry(device, status) for device, status in devices)
    return service_response_bytes(_INVENTORY_HEADING, b"<sr:DSPInventory>" + entries + b"</sr:DSPInventory>")


def _response_as_a_tree(devices: list[tuple[Device, str | None]]) -> bytes:
    def fill(message):
        inventory = inventory_srs.add(message, "DSPInventory")
        for device, status in devices:
            inventory.append(inventory_srs._render_entry(device, status))

    root = service_response(_INVENTORY_HEADING, fill)
    return etree.tostring(root, method="c14n", exclusive=True)


_MOMENT = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
_INVENTORY_HEADING = Heading(schema_version="5.4", code="I0", service_reference="8.2", service_reference_variant="8.2",
                             moment=_MOMENT)


def _rendered_afresh(devices: list[tuple[Device, str | None]]) -> bytes:
    inventory_srs._entries.clear()
    return _response(devices)


@pytest.mark.parametrize("changes", [{}, {"status": DeviceStatus("Suspended")}, {"firmware_version": None},
                                     {"esme_variant": "B"}, {"postcode": None}, {"connectivity": "Mesh"}])
def test_an_inventory_entry_copied_from_the_cache_is_the_entry_rendered_afresh(changes):
    first = [(_device(n), "Active") for n in range(3)]
    again = [(_device(n, **changes), "Active" if n else "Withdrawn") for n in range(3)]
    assert _rendered_afresh(first) == _response(first)              # the second time from the cache
    fresh = _rendered_afresh(again)
    _response(first)
    assert _response(again) == fresh                                # a changed device is not the cached one
    assert fresh != _rendered_afresh(first)
    assert b"xmlns" not in _response(first).split(b"<sr:Device>", 1)[1]
    assert _response(again) == _response_as_a_tree(again)          # the text is what the tree gives


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("&<>\"'\t\n\r"),
                max_size=12)


@settings(max_examples=300, deadline=None)
@given(schema_version=_TEXT, code=_TEXT.filter(bool), reference=_TEXT, variant=_TEXT,
       request_id=st.none() | _TEXT, response_id=st.none() | _TEXT, extra=st.lists(_TEXT, max_size=3),
       moment=st.datetimes(timezones=st.just(datetime.timezone.utc)))
def test_a_response_written_as_text_is_the_canonical_form_of_the_tree(schema_version, code, reference, variant,
                                                                      request_id, response_id, extra, moment):
    common = dict(schema_version=schema_version, code=code, service_reference=reference,
                  service_reference_variant=variant, request_id=request_id, response_id=response_id, moment=moment)

    def fill(message):
        for value in extra:
            inventory_srs.add(inventory_srs.add(message, "Detail"), "Value", value)

    holder = etree.Element("holder", nsmap={"sr": SR})
    fill(holder)
    content = b"".join(canonical_content(child) for child in holder)
    tree = etree.tostring(service_response(Heading(**common), fill), method="c14n", exclusive=True)
    assert service_response_bytes(Heading(**common), content) == tree


def test_a_response_signed_as_text_verifies_and_is_what_signing_the_tree_sends():
    from tests.integration.harness import zaz1_signer
    signer = zaz1_signer()
    devices = [(_device(n), "Active") for n in range(3)]
    as_text = signer.sign_canonical_to_bytes(_response(devices))
    root = etree.fromstring(as_text)
    fastdsig.verify(root, signer.certificate.public_key())
    xmldsig.verify_with_signxml(root, signer.certificate)
    as_tree = signer.sign_to_bytes(etree.fromstring(_response_as_a_tree(devices)))
    value = re.compile(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>")   # ECDSA signatures are randomised
    assert value.sub(b"", as_text) == value.sub(b"", as_tree)


def test_verifying_with_detach_gives_the_verdict_the_copy_gives():
    from tests.integration.harness import zaz1_signer
    signer = zaz1_signer()
    key = signer.certificate.public_key()
    signed = signer.sign_canonical_to_bytes(_response([(_device(1), "Active")]))
    for document in (signed, signed.replace(b"<sr:Header>", b"<sr:Header>\n  ")):   # compact, and indented
        kept, detached = etree.fromstring(document), etree.fromstring(document)
        fastdsig.verify(kept, key)
        fastdsig.verify(detached, key, detach=True)
        assert kept.find(xmldsig._SIGNATURE) is not None                 # the copy's verdict leaves the tree
        assert (detached.find(xmldsig._SIGNATURE) is None) == (document == signed)   # detached only when compact
        tampered = etree.fromstring(document.replace(b"I0</sr:ResponseCode>", b"I99</sr:ResponseCode>"))
        with pytest.raises(fastdsig.Mismatch):
            fastdsig.verify(tampered, key, detach=True)


@pytest.mark.parametrize("payload, schedule", [(None, None), ("3gAAAAAAAAAA+/0=", None), ("3gAAAAAAAAAA+/0=", 17)])
def test_a_device_job_response_written_as_text_is_the_one_built_as_a_tree(payload, schedule):
    from dccsim.duis.responses import add
    from dccsim.han.documents import SCHEMA_VERSION, job_response
    from tests.integration.harness import zaz1_signer
    signer = zaz1_signer()
    request_id = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1001"
    sent = job_response(signer, user_id="90B3D51F30010000", request_id=request_id, reference="4.1",
                        variant="4.1.1", code="I0", moment=_MOMENT, gbcs_payload=payload, schedule_id=schedule)

    def fill(message):
        if payload is not None:
            parent = add(message, "DSPScheduledMessage") if schedule is not None else message
            add(parent, "GBCSPayload", payload)
            if schedule is not None:
                add(parent, "DSPScheduleID", schedule)

    tree = service_response(Heading(schema_version=SCHEMA_VERSION, code="I0", service_reference="4.1",
                                    service_reference_variant="4.1.1", request_id=request_id,
                                    response_id=sent.response_id, moment=_MOMENT), fill)
    value = re.compile(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>")
    assert value.sub(b"", sent.body) == value.sub(b"", signer.sign_to_bytes(tree))
    fastdsig.verify(etree.fromstring(sent.body), signer.certificate.public_key())
