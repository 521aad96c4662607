"""The SMKI repository service's XML as DCC Boxed clients speak it: requests read safely, answers written.

Elements are in no namespace, as ``@smartdcc/dccboxed-keystore`` sends and reads them (a namespace on a
request is ignored). A search names one organisation (``CertificateSubjectName``) or one device
(``CertificateSubjectAltName``) by its EUI-64, dashed or not; a retrieval names one serial number in hex.
"""
from __future__ import annotations

import base64
import re
from typing import Sequence

from lxml import etree

from dccsim.duis.ids import dashed, normalise_eui
from dccsim.duis.safexml import content_only, parse_untrusted
from dccsim.smki.search import RepositoryEntry, Search, Subject

SEARCH_REQUEST = "CertificateSearchRequest"
SEARCH_RESPONSE = "CertificateSearchResponse"
DATA_REQUEST = "CertificateDataRequest"
DATA_RESPONSE = "CertificateDataResponse"

# X.509 serial numbers are at most 20 octets (RFC 5280 4.1.2.2).
_SERIAL = re.compile(r"[0-9A-Fa-f]{1,40}")
_MESSAGES = {200: "Success", 401: "Invalid search parameters", 402: "No certificates found"}


class InvalidSearch(ValueError):
    """The requester's search or retrieval parameters are not valid (HTTP 401); the message says which."""


def _fields(body: bytes, request: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """The text of each child of a ``request`` document, each of ``allowed`` at most once. Raises ``UnsafeXml``
    (not a document the simulator parses) or ``InvalidSearch`` (a document, but not this request)."""
    root = parse_untrusted(body)
    content_only(root)
    if etree.QName(root).localname != request:
        raise InvalidSearch(f"expected a {request}, got {etree.QName(root).localname}")
    found: dict[str, str] = {}
    for child in root:
        name = etree.QName(child).localname
        if name not in allowed:
            raise InvalidSearch(f"{request} has no {name}; it takes {' or '.join(allowed)}")
        if name in found:
            raise InvalidSearch(f"{name} is given more than once")
        if len(child):
            raise InvalidSearch(f"{name} holds elements; it takes text")
        found[name] = (child.text or "").strip()
    return found


def read_search(body: bytes) -> Search:
    """A ``CertificateSearchRequest``: exactly one of ``CertificateSubjectName`` (an organisation) and
    ``CertificateSubjectAltName`` (a device), an EUI-64."""
    names = tuple(subject.value for subject in Subject)
    fields = _fields(body, SEARCH_REQUEST, names)
    if len(fields) != 1:
        raise InvalidSearch(f"a {SEARCH_REQUEST} names one subject: {' or '.join(names)}")
    (name, value), = fields.items()
    try:
        entity_id = normalise_eui(value)
    except ValueError:
        raise InvalidSearch(f"{name} {value[:40]!r} is not an EUI-64 (such as 90-B3-D5-1F-30-01-00-00)") from None
    return Search(Subject(name), entity_id)


def read_serial(body: bytes) -> int:
    """A ``CertificateDataRequest``: the ``CertificateSerial`` of the certificate wanted, in hex."""
    value = _fields(body, DATA_REQUEST, ("CertificateSerial",)).get("CertificateSerial")
    if value is None:
        raise InvalidSearch(f"a {DATA_REQUEST} names a CertificateSerial")
    if not _SERIAL.fullmatch(value):
        raise InvalidSearch(f"CertificateSerial {value[:48]!r} is not a serial number in hex (1 to 40 digits)")
    return int(value, 16)


def _add(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, name).text = text


def _document(root_name: str, code: int, audit_reference: str, detail: str | None = None) -> etree._Element:
    root = etree.Element(root_name)
    _add(root, "ResponseCode", str(code))
    _add(root, "ResponseMessage", f"{_MESSAGES[code]}: {detail}" if detail else _MESSAGES[code])
    _add(root, "AuditReference", audit_reference)
    return root


# The elements describing a certificate, in the order DCC Boxed writes them in a search Result and in a
# retrieval's CertificateResponse ("subject": CertificateSubjectName or CertificateSubjectAltName).
RESULT_ELEMENTS = ("CertificateSerial", "subject", "CertificateStatus", "CertificateRole", "CertificateUsage",
                   "ManufacturingFlag")
CERTIFICATE_ELEMENTS = ("subject", "CertificateSerial", "CertificateStatus", "CertificateBody", "CertificateRole",
                        "CertificateUsage", "ManufacturingFlag")


def _describe(parent: etree._Element, entry: RepositoryEntry, elements: tuple[str, ...]) -> None:
    values = {
        "subject": dashed(entry.entity_id),
        "CertificateSerial": entry.serial_hex,
        "CertificateStatus": entry.status.value,
        "CertificateBody": base64.b64encode(entry.der).decode("ascii"),
        "CertificateRole": None if entry.role is None else str(entry.role),    # organisations only
        "CertificateUsage": entry.usage.value,
        "ManufacturingFlag": "false",
    }
    for name in elements:
        if values[name] is not None:
            _add(parent, entry.subject.value if name == "subject" else name, values[name])


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _serialise(root: etree._Element) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8")


def search_response(found: Sequence[RepositoryEntry], audit_reference: str) -> bytes:
    """A ``CertificateSearchResponse`` with one ``Result`` per certificate found (none: the code is 402)."""
    root = _document(SEARCH_RESPONSE, 200 if found else 402, audit_reference)
    for entry in found:
        _describe(etree.SubElement(root, "Result"), entry, RESULT_ELEMENTS)
    return _serialise(root)


def data_response(entry: RepositoryEntry | None, audit_reference: str) -> bytes:
    """A ``CertificateDataResponse`` with the certificate (base64 DER) and its subject (none: the code is 402)."""
    root = _document(DATA_RESPONSE, 200 if entry else 402, audit_reference)
    if entry is not None:
        _describe(etree.SubElement(root, "CertificateResponse"), entry, CERTIFICATE_ELEMENTS)
    return _serialise(root)


def invalid(response: str, problem: InvalidSearch, audit_reference: str) -> bytes:
    """The answer (code 401) to a request whose parameters are not valid, saying what is wrong."""
    return _serialise(_document(response, 401, audit_reference, str(problem)))
