"""What a user's endpoint receives and what the DUIS services answer, read into typed values for the checks."""
from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

import gbcs
from dccsim.duis.ids import canonical_request_id
from dccsim.duis.namespaces import RA, sr

__all__ = ["Answer", "DocumentKind", "Received", "element_texts", "payload_fields", "read_received", "use_case_of"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class DocumentKind(enum.StrEnum):
    """What a DUIS document POSTed to a user is."""

    RESPONSE = "response"                # the Response to a Service Request
    SCHEDULED = "scheduled"              # a DSPScheduledMessage: a DCC schedule's run
    DEVICE_ALERT = "device-alert"
    DCC_ALERT = "dcc-alert"
    OTHER = "other"                      # not a DUIS document the runner knows


def _root(body: bytes) -> etree._Element | None:
    if not body.lstrip().startswith(b"<"):
        return None
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return None


_STEP = re.compile(r"^(?P<name>[A-Za-z_][\w.-]*)(?:\[(?P<child>[A-Za-z_][\w.-]*)=(?P<value>[^\]]*)\])?$")


def element_texts(body: bytes, path: str) -> list[str]:
    """The texts of every element a local-name path finds in a document: ``DeviceStatus``,
    ``Device/DeviceStatus``, or ``Device[DeviceID=00-DB-12-34-56-78-90-A0]/DeviceStatus`` (only the Device
    elements with that child text)."""
    root = _root(body)
    if root is None:
        return []
    found = [root]
    for part in path.strip("/").split("/"):
        step = _STEP.match(part.strip())
        if step is None:
            return []
        found = [element for parent in found for element in parent.iter(sr(step["name"])) if element is not parent]
        if step["child"] is not None:
            found = [element for element in found
                     if (element.findtext(sr(step["child"])) or "").strip() == step["value"].strip()]
    return [(element.text or "").strip() for element in found]


def payload_fields(payload: bytes | None, keys: gbcs.KeyStore | None) -> Any:
    """The named fields of a GBCS payload, its encrypted parts decrypted where ``keys`` allow (None: no payload,
    or one that cannot be decoded)."""
    if not payload:
        return None
    try:
        return gbcs.decode(payload, keys).to_json()["payload"].get("fields")
    except gbcs.GbcsError:
        return None


def use_case_of(payload: bytes | None) -> str | None:
    """The GBCS use case of a Response's or alert's payload (its header tells it; no keys needed)."""
    if not payload:
        return None
    try:
        return gbcs.decode(payload).use_case
    except gbcs.GbcsError:
        return None


@dataclass(frozen=True)
class Answer:
    """A DUIS service's synchronous answer: the HTTP status and the body (a signed Response, or a line of text
    for an HTTP-level refusal)."""

    status: int
    body: bytes

    @property
    def code(self) -> str | None:
        texts = element_texts(self.body, "ResponseCode")
        return texts[0] if texts else None

    def describe(self) -> str:
        code = self.code
        if self.status == 200 and code:
            return code
        return f"HTTP {self.status}" + (f" {code}" if code else "")


@dataclass(frozen=True)
class Received:
    """One document a user's endpoint received."""

    user: str                 # 16 upper-case hex digits
    body: bytes
    kind: DocumentKind
    request_id: str | None    # canonical form
    code: str | None          # ResponseCode; AlertCode (hex, upper case) or DCCAlertCode for alerts
    schedule_id: str | None
    payload: bytes | None     # the GBCS payload, where there is one

    @property
    def use_case(self) -> str | None:
        return use_case_of(self.payload)

    def describe(self) -> str:
        what = {DocumentKind.DEVICE_ALERT: "device alert", DocumentKind.DCC_ALERT: "DCC alert"}.get(
            self.kind, self.kind.value)
        return f"{what} {self.code or '?'}" + (f" for {self.request_id}" if self.request_id else "")


def _payload(element: etree._Element | None) -> bytes | None:
    text = element.findtext(f".//{sr('GBCSPayload')}") if element is not None else None
    if not text:
        return None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def read_received(user: str, body: bytes) -> Received:
    """Classify a document POSTed to ``user``'s endpoint."""
    root = _root(body)
    if root is None:
        return Received(user, body, DocumentKind.OTHER, None, None, None, None)
    header = root.find(sr("Header"))
    request_id = canonical_request_id(header.findtext(sr("RequestID"))) if header is not None else None
    response_code = header.findtext(sr("ResponseCode")) if header is not None else None
    message = root.find(f"{sr('Body')}/*")
    tag = etree.QName(message).localname if message is not None else ""
    if tag == "DeviceAlertMessage":
        return Received(user, body, DocumentKind.DEVICE_ALERT, request_id,
                        (message.findtext(sr("AlertCode")) or "").upper(), None, _payload(message))
    if tag == "DCCAlertMessage":
        return Received(user, body, DocumentKind.DCC_ALERT, request_id, message.findtext(sr("DCCAlertCode")),
                        None, None)
    scheduled = message.find(sr("DSPScheduledMessage")) if message is not None else None
    if scheduled is not None:
        return Received(user, body, DocumentKind.SCHEDULED, request_id, response_code,
                        scheduled.findtext(sr("DSPScheduleID")), _payload(scheduled))
    if tag == "ResponseMessage":
        return Received(user, body, DocumentKind.RESPONSE, request_id, response_code, None, _payload(message))
    if tag == "SMETS1ResponseMessage":
        # A SMETS1 Response names its request; a SMETS1 Alert does not, and says its code in MMC form.
        if request_id is not None:
            return Received(user, body, DocumentKind.RESPONSE, request_id, response_code, None, None)
        code = message.findtext(f".//{{{RA}}}GBCSHexAlertCode")
        return Received(user, body, DocumentKind.DEVICE_ALERT, None, (code or "").upper() or None, None, None)
    return Received(user, body, DocumentKind.OTHER, request_id, response_code, None, None)
