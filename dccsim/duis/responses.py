"""Build DUIS ``Response`` documents (before signing): header, body and the common body contents."""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Callable

from lxml import etree

from dccsim.duis.namespaces import SR, sr
from dccsim.duis.outcomes import I0

_NSMAP = {"sr": SR}

BodyFiller = Callable[[etree._Element], None]


def duis_datetime(moment: datetime) -> str:
    """``2022-08-17T15:45:42.790Z`` — UTC with milliseconds, as DCC systems write it."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


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


def service_response(
    *,
    schema_version: str,
    code: str,
    service_reference: str,
    service_reference_variant: str,
    request_id: str | None = None,
    response_id: str | None = None,
    moment: datetime,
    fill: BodyFiller | None = None,
) -> etree._Element:
    """A ``Response`` whose body is a ``ResponseMessage``, stamped ``moment``; ``fill`` adds the SR-specific
    content."""
    root, body = _envelope(schema_version, request_id, response_id, code, moment)
    message = etree.SubElement(body, sr("ResponseMessage"))
    etree.SubElement(message, sr("ServiceReference")).text = service_reference
    etree.SubElement(message, sr("ServiceReferenceVariant")).text = service_reference_variant
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
