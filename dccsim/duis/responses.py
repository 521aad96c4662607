"""Build DUIS ``Response`` documents (before signing): header, body and the common body contents.

A Response is built either as an lxml tree (``service_response`` and friends, with a filler adding the
SR-specific content), or — for the synchronous answers of the front door, whose SR-specific content is none
or already rendered — written directly as text in its exclusive canonical form (``service_response_bytes``),
which is what is digested, signed and sent; the two give the same bytes (pinned by the tests)."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from lxml import etree

from dccsim.duis.namespaces import SR, sr
from dccsim.duis.outcomes import I0

_NSMAP = {"sr": SR}

BodyFiller = Callable[[etree._Element], None]


def duis_datetime(moment: datetime) -> str:
    """``2022-08-17T15:45:42.790Z`` — UTC with milliseconds, as DCC systems write it."""
    m = moment.astimezone(timezone.utc)
    return (f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}."
            f"{m.microsecond // 1000:03d}Z")


def _envelope(
    schema_version: str,
    request_id: str | None,
    response_id: str | None,
    code: str,
    moment: datetime,
) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(sr("Response"), nsmap=_NSMAP)
    root.set("schemaVersion", schema_version)
    header = etree.SubElement(root, sr("Header"))
    if request_id:
        etree.SubElement(header, sr("RequestID")).text = request_id
    if response_id:
        etree.SubElement(header, sr("ResponseID")).text = response_id
    etree.SubElement(header, sr("ResponseCode")).text = code
    etree.SubElement(header, sr("ResponseDateTime")).text = duis_datetime(moment)
    body = etree.SubElement(root, sr("Body"))
    return root, body


@dataclass(frozen=True)
class Heading:
    """What a Response says of itself — its header and the Service Request it answers — whichever way it is
    written (``service_response`` builds a tree, ``service_response_bytes`` writes canonical text)."""

    schema_version: str
    code: str
    service_reference: str
    service_reference_variant: str
    moment: datetime
    request_id: str | None = None
    response_id: str | None = None


def service_response(heading: Heading, fill: BodyFiller | None = None) -> etree._Element:
    """A ``Response`` whose body is a ``ResponseMessage``, stamped ``heading.moment``; ``fill`` adds the
    SR-specific content."""
    root, body = _envelope(heading.schema_version, heading.request_id, heading.response_id, heading.code,
                           heading.moment)
    message = etree.SubElement(body, sr("ResponseMessage"))
    etree.SubElement(message, sr("ServiceReference")).text = heading.service_reference
    etree.SubElement(message, sr("ServiceReferenceVariant")).text = heading.service_reference_variant
    if fill is not None:
        fill(message)
    return root


def device_alert(
    *,
    schema_version: str,
    alert_code: int,
    gbcs_payload: bytes,
    response_id: str | None,
    request_id: str | None = None,
    throttled_sequence: int | None = None,
    throttled_count: int | None = None,
    moment: datetime,
) -> etree._Element:
    """A ``Response`` carrying a ``DeviceAlertMessage`` (ResponseCode I0)."""
    root, body = _envelope(schema_version, request_id, response_id, I0, moment)
    message = etree.SubElement(body, sr("DeviceAlertMessage"))
    etree.SubElement(message, sr("AlertCode")).text = f"{alert_code:04X}"
    if throttled_sequence is not None:
        etree.SubElement(message, sr("ThrottledAlertSequenceId")).text = str(throttled_sequence)
    if throttled_count is not None:
        etree.SubElement(message, sr("ThrottledAlertCount")).text = str(throttled_count)
    etree.SubElement(message, sr("GBCSPayload")).text = base64.b64encode(gbcs_payload).decode()
    return root


def dcc_alert(
    *,
    schema_version: str,
    alert_code: str,
    fill: BodyFiller,
    response_id: str | None,
    request_id: str | None = None,
    moment: datetime,
) -> etree._Element:
    """A ``Response`` carrying a ``DCCAlertMessage`` (N1..N58, AD1); ``fill`` adds the DCCAlert child."""
    root, body = _envelope(schema_version, request_id, response_id, I0, moment)
    message = etree.SubElement(body, sr("DCCAlertMessage"))
    etree.SubElement(message, sr("DCCAlertCode")).text = alert_code
    alert = etree.SubElement(message, sr("DCCAlert"))
    fill(alert)
    return root


_CANONICAL_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_CANONICAL_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xA;",
                                      "\r": "&#xD;"})


def canonical_text(value: str) -> str:
    """``value`` as character data in canonical XML."""
    return value.translate(_CANONICAL_TEXT)


def canonical_attribute(value: str) -> str:
    """``value`` as an attribute value in canonical XML."""
    return value.translate(_CANONICAL_ATTRIBUTE)


def canonical_leaf(name: str, value: object) -> str:
    """``<sr:name>value</sr:name>`` as canonical XML (for ``service_response_bytes``'s ``content``)."""
    return f"<sr:{name}>{canonical_text(str(value))}</sr:{name}>"


def service_response_bytes(heading: Heading, content: bytes = b"") -> bytes:
    """The ``Response`` ``service_response`` builds, in exclusive canonical form, written as text; ``content``
    is the ResponseMessage's SR-specific children in the same form (as nested in the document: without a
    declaration of the sr prefix, which the document element carries)."""
    header = ((canonical_leaf("RequestID", heading.request_id) if heading.request_id else "")
              + (canonical_leaf("ResponseID", heading.response_id) if heading.response_id else "")
              + canonical_leaf("ResponseCode", heading.code)
              + canonical_leaf("ResponseDateTime", duis_datetime(heading.moment)))
    return (f'<sr:Response xmlns:sr="{SR}" schemaVersion="{canonical_attribute(heading.schema_version)}">'
            f"<sr:Header>{header}</sr:Header><sr:Body><sr:ResponseMessage>"
            f"{canonical_leaf('ServiceReference', heading.service_reference)}"
            f"{canonical_leaf('ServiceReferenceVariant', heading.service_reference_variant)}").encode() + content \
        + b"</sr:ResponseMessage></sr:Body></sr:Response>"


_SR_DECLARATION = f' xmlns:sr="{SR}"'.encode()


def canonical_content(element: etree._Element) -> bytes:
    """An ``sr:`` element of a Response in the canonical form it has inside the Response document (for
    ``service_response_bytes``'s ``content``): its exclusive canonical form without the declaration of the sr
    prefix, which the document element carries. Its namespaces must be the Response's (sr for SR only)."""
    if any(prefix != "sr" or uri != SR for prefix, uri in element.nsmap.items()):
        raise ValueError(f"an element of a Response declares its namespaces as sr={SR}, not {element.nsmap}")
    text = etree.tostring(element, method="c14n", exclusive=True, with_comments=False)
    end = text.index(b">")
    return text[:end].replace(_SR_DECLARATION, b"", 1) + text[end:]


_TAGS: dict[str, str] = {}


def add(parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
    """Append ``sr:name`` with optional text (``None`` leaves it empty)."""
    tag = _TAGS.get(name)
    if tag is None:
        tag = _TAGS[name] = sr(name)
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child
