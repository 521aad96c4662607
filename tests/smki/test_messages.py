"""The SMKI repository service's XML: requests as the DCC Boxed client writes them, answers as it reads them.

A request is refused when unsafe (``UnsafeXml``, HTTP 400) or not a valid search (``InvalidSearch``, HTTP 401)."""
from __future__ import annotations

import base64

import pytest
from lxml import etree

from dccsim.duis.safexml import UnsafeXml
from dccsim.smki import messages
from dccsim.smki.search import CertificateStatus, CertificateUsage, RepositoryEntry, Search, Subject

DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def _search(inner: bytes) -> bytes:
    return DECLARATION + b"<CertificateSearchRequest>" + inner + b"</CertificateSearchRequest>"


@pytest.mark.parametrize("inner, expected", [
    (b"<CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName>",
     Search(Subject.ORGANISATION, "90B3D51F30010000")),
    (b"<CertificateSubjectAltName>00-db-12-34-56-78-90-a0</CertificateSubjectAltName>",
     Search(Subject.DEVICE, "00DB1234567890A0")),
    (b"<CertificateSubjectAltName> 00DB1234567890A0 </CertificateSubjectAltName>",
     Search(Subject.DEVICE, "00DB1234567890A0")),
    (b"<CertificateSubjectAltName>00-DB-12-34-<!-- c -->56-78-90-A0</CertificateSubjectAltName>",
     Search(Subject.DEVICE, "00DB1234567890A0")),
], ids=["organisation", "device, lower case", "plain hex, spaced", "a comment inside"])
def test_a_search_names_an_organisation_or_a_device(inner, expected):
    assert messages.read_search(_search(inner)) == expected


def test_a_namespace_on_the_request_is_ignored():
    body = (b'<s:CertificateSearchRequest xmlns:s="urn:example"><s:CertificateSubjectName>90B3D51F30010000'
            b"</s:CertificateSubjectName></s:CertificateSearchRequest>")
    assert messages.read_search(body) == Search(Subject.ORGANISATION, "90B3D51F30010000")


@pytest.mark.parametrize("body, says", [
    (_search(b""), "names one subject"),
    (_search(b"<CertificateSubjectName>90B3D51F30010000</CertificateSubjectName>"
             b"<CertificateSubjectAltName>00DB1234567890A0</CertificateSubjectAltName>"), "names one subject"),
    (_search(b"<CertificateSubjectName>90B3D51F30010000</CertificateSubjectName>" * 2), "more than once"),
    (_search(b"<CertificateSubjectName>GITTESTSUPPLIER</CertificateSubjectName>"), "not an EUI-64"),
    (_search(b"<CertificateSubjectName>90-B3-D5-1F-30-01-00</CertificateSubjectName>"), "not an EUI-64"),
    (_search(b"<CertificateSubjectName><x>90B3D51F30010000</x></CertificateSubjectName>"), "holds elements"),
    (_search(b"<CertificateSerial>01</CertificateSerial>"), "has no CertificateSerial"),
    (DECLARATION + b"<CertificateDataRequest><CertificateSerial>01</CertificateSerial></CertificateDataRequest>",
     "expected a CertificateSearchRequest"),
])
def test_a_search_that_is_not_valid_says_why(body, says):
    with pytest.raises(messages.InvalidSearch, match=says):
        messages.read_search(body)


def _data(serial: bytes) -> bytes:
    return DECLARATION + b"<CertificateDataRequest><CertificateSerial>" + serial + \
        b"</CertificateSerial></CertificateDataRequest>"


@pytest.mark.parametrize("serial, value", [(b"4FBC525201A1D7586C1BC1C4734DEB9F", 0x4FBC525201A1D7586C1BC1C4734DEB9F),
                                           (b"4fbc5252", 0x4FBC5252), (b"0001", 1), (b"F" * 40, 2 ** 160 - 1)])
def test_a_retrieval_names_a_serial_number_in_hex(serial, value):
    assert messages.read_serial(_data(serial)) == value


@pytest.mark.parametrize("serial", [b"", b"XYZ", b"0x12", b"-1", b"1" * 41, b"12 34"])
def test_a_serial_number_that_is_not_one_is_an_invalid_search(serial):
    with pytest.raises(messages.InvalidSearch, match="CertificateSerial"):
        messages.read_serial(_data(serial))


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
          b"<CertificateSearchRequest><CertificateSubjectName>&lol2;</CertificateSubjectName>"
          b"</CertificateSearchRequest>")
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<CertificateDataRequest><CertificateSerial>&x;</CertificateSerial></CertificateDataRequest>")


@pytest.mark.parametrize("body, says", [
    (LAUGHS, "DTDs"),
    (EXTERNAL, "DTDs"),
    (b"", "empty"),
    (_search(b"<CertificateSubjectName>90B3D51F30010000</CertificateSubjectName>").decode().encode("utf-16"),
     "UTF-8"),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><CertificateSearchRequest/>', "UTF-8"),
    (b"<CertificateSearchRequest><CertificateSubjectName>\xff\xfe</CertificateSubjectName>"
     b"</CertificateSearchRequest>", "not well-formed"),
    (b"<CertificateSearchRequest>", "not well-formed"),
    (b"<a>" * 300 + b"</a>" * 300, "not well-formed"),
], ids=["entity expansion", "external entity", "empty", "UTF-16", "Latin-1", "not UTF-8", "unclosed",
        "nested too deep"])
def test_unsafe_documents_are_refused_before_they_are_read(body, says):
    for read in (messages.read_search, messages.read_serial):
        with pytest.raises(UnsafeXml, match=says):
            read(body)


ORGANISATION = RepositoryEntry(serial=0x4FBC525201A1D7586C1BC1C4734DEB9F, subject=Subject.ORGANISATION,
                               entity_id="90B3D51F30010000", usage=CertificateUsage.DIGITAL_SIGNING, role=2,
                               status=CertificateStatus.IN_USE, der=b"\x30\x03\x02\x01\x01")
DEVICE = RepositoryEntry(serial=0x0ABC, subject=Subject.DEVICE, entity_id="00DB1234567890A0",
                         usage=CertificateUsage.KEY_AGREEMENT, role=None, status=CertificateStatus.NOT_IN_USE,
                         der=b"\x30\x00")


def _children(element: etree._Element) -> list[tuple[str, str]]:
    return [(child.tag, child.text) for child in element]


def test_a_search_answer_lists_each_certificate_as_dcc_boxed_does():
    document = messages.search_response([ORGANISATION, DEVICE], "1700000000-abc")
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    root = etree.fromstring(document)
    assert root.tag == "CertificateSearchResponse" and root.nsmap == {}
    assert _children(root)[:3] == [("ResponseCode", "200"), ("ResponseMessage", "Success"),
                                   ("AuditReference", "1700000000-abc")]
    organisation, device = root.findall("Result")
    assert _children(organisation) == [
        ("CertificateSerial", "4FBC525201A1D7586C1BC1C4734DEB9F"),
        ("CertificateSubjectName", "90-B3-D5-1F-30-01-00-00"), ("CertificateStatus", "I"),
        ("CertificateRole", "2"), ("CertificateUsage", "DS"), ("ManufacturingFlag", "false")]
    assert _children(device) == [
        ("CertificateSerial", "0ABC"), ("CertificateSubjectAltName", "00-DB-12-34-56-78-90-A0"),
        ("CertificateStatus", "N"), ("CertificateUsage", "KA"), ("ManufacturingFlag", "false")]


def test_a_retrieval_answer_carries_the_certificate_in_base64_der():
    root = etree.fromstring(messages.data_response(ORGANISATION, "ref"))
    assert root.tag == "CertificateDataResponse"
    certificate = root.find("CertificateResponse")
    assert [tag for tag, _text in _children(certificate)] == [
        "CertificateSubjectName", "CertificateSerial", "CertificateStatus", "CertificateBody", "CertificateRole",
        "CertificateUsage", "ManufacturingFlag"]
    assert base64.b64decode(certificate.findtext("CertificateBody")) == ORGANISATION.der
    device = etree.fromstring(messages.data_response(DEVICE, "ref")).find("CertificateResponse")
    assert device.findtext("CertificateSubjectAltName") == "00-DB-12-34-56-78-90-A0"
    assert device.find("CertificateSubjectName") is None and device.find("CertificateRole") is None


def test_nothing_found_and_invalid_searches_are_answered_with_their_codes():
    for document in (messages.search_response([], "ref"), messages.data_response(None, "ref")):
        root = etree.fromstring(document)
        assert root.findtext("ResponseCode") == "402" and root.find("Result") is None
        assert root.find("CertificateResponse") is None
    problem = messages.InvalidSearch("CertificateSerial 'XYZ' is not a serial number")
    root = etree.fromstring(messages.invalid(messages.DATA_RESPONSE, problem, "ref"))
    assert root.tag == "CertificateDataResponse" and root.findtext("ResponseCode") == "401"
    assert "'XYZ' is not a serial number" in root.findtext("ResponseMessage")
