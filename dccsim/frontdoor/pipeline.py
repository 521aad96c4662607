"""The front door's stages, in the order DUIS applies them; the first failure decides the answer.

size → safe parse → XSD → XML signature → RequestID (originator = signer, counter increases)
→ CommandVariant ↔ URL (E13) → Service Reference ↔ CommandVariant (E12) → role (E1/E2)
→ device exists (E19) → device type (E11) → device status (E5) → authorised for device (E4)
→ the SR's handler.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

import gbcs
from dccsim.catalogue import CATALOGUE, CV_WEB_SERVICE, SRSpec
from dccsim.db.on_demand import OnDemandTransaction
from dccsim.duis import xmldsig
from dccsim.duis.ids import RequestId, normalise_eui
from dccsim.duis.namespaces import sr
from dccsim.duis.outcomes import (E12, E13, HTTP_400_SCHEMA, HTTP_401_SIGNATURE, HTTP_413_TOO_LARGE,
                                  HTTP_500_INTERNAL, HTTP_501_NOT_IMPLEMENTED, HTTP_503_UNAVAILABLE, Code,
                                  DuisRejection)
from dccsim.duis.responses import BodyFiller, Heading, service_response, service_response_bytes
from dccsim.duis.safexml import content_only, parse_request
from dccsim.duis.xsd import validate
from dccsim.frontdoor import access
from dccsim.frontdoor.context import Arrival, FrontDoor
from dccsim.handlers.context import ServiceRequest
from dccsim.handlers.table import HANDLERS, Reply, Target
from dccsim.s1sp import dispatch as smets1_dispatch
from dccsim.inventory.models import Device
from dccsim.smki.credentials import Usage
from dccsim.smki.errors import CertificateExpired

log = logging.getLogger(__name__)

_REJECTED_LOG_LIMIT = 64 * 1024


@dataclass
class HttpAnswer:
    """What goes back on the HTTP connection."""

    status: int
    body: bytes
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)
    response_code: str | None = None


async def process(front: FrontDoor, service: str, raw: bytes) -> HttpAnswer:
    """Run one request through every stage and return the answer (never raises)."""
    arrival = Arrival(service=service, raw=raw, received_at=front.clock.now())
    try:
        reply = await _stages(front, arrival)
        answer = _signed(front, arrival, reply.code, reply.fill, reply.content)
    except DuisRejection as rejection:
        answer = _rejected(front, arrival, rejection)
    except Exception:  # noqa: BLE001 - the client gets a clean 500, the log gets the trace
        log.exception("internal error processing %s", arrival.request_id_text or "an unparsed request")
        answer = _rejected(front, arrival, DuisRejection(HTTP_500_INTERNAL))
    await _log(front, arrival, answer)
    return answer


async def _stages(front: FrontDoor, arrival: Arrival) -> Reply:
    if len(arrival.raw) > front.max_request_bytes:
        raise DuisRejection(HTTP_413_TOO_LARGE, f"request body of {len(arrival.raw)} bytes exceeds "
                                                  f"{front.max_request_bytes}")
    root = parse_request(arrival.raw)
    arrival.schema_version = root.get("schemaVersion") or arrival.schema_version
    validate(front.schema, root)
    command_variant = _read_header(arrival, root)
    request_id = arrival.request_id

    identity = xmldsig.signer_identity(root)
    credential = front.smki.find_by_issuer_serial(identity.issuer, identity.serial)
    if credential is None or credential.usage is not Usage.XML_SIGNING:
        raise DuisRejection(HTTP_401_SIGNATURE, f"no XML-signing certificate issued by {identity.issuer} "
                                                  f"with serial {identity.serial} is known")
    try:
        front.smki.check_validity(credential, strict=front.strict_validity, now=arrival.received_at)
    except CertificateExpired as exc:
        raise DuisRejection(HTTP_401_SIGNATURE, str(exc)) from None
    xmldsig.verify(root, credential.certificate, detach=True)    # nothing past this point reads the signature
    content_only(root)
    signer = credential.entity_id

    if request_id.originator != signer:
        raise DuisRejection(HTTP_401_SIGNATURE, f"the request is signed by {signer}, not by the "
                                                  f"originator {request_id.originator}")
    user = await front.inventory.user(request_id.originator)
    requested = CATALOGUE.get(arrival.variant)
    # Traffic management (429) and the RequestID counter rule in one round trip, with the target device read in
    # it when the cache lacks it. A Signed Pre-Command reuses the RequestID of its transform request: the counter
    # rule was applied there.
    to_read = _device_to_read(front, requested, request_id)
    generations = front.inventory.generations() if to_read is not None else None
    read = await front.admissions.admit(
        originator=request_id.originator, counter=request_id.counter,
        managed=front.release.traffic_management and not (requested is not None and requested.priority),
        advance_counter=command_variant not in (5, 6, 7), device=to_read)
    if read is not None:
        front.inventory.keep_device(to_read, read, generations)

    if CV_WEB_SERVICE.get(command_variant) != arrival.service:
        raise DuisRejection(E13, f"CommandVariant {command_variant} is not served by the "
                                   f"{_SERVICE_NAMES[arrival.service]} URL")
    spec = CATALOGUE.get(arrival.variant)
    if spec is None or spec.reference != arrival.service_reference:
        raise DuisRejection(E12, f"Service Reference {arrival.service_reference} / variant {arrival.variant} "
                                   f"is not a known combination")
    if command_variant not in spec.command_variants and not smets1_dispatch.may_be_smets1(spec, command_variant):
        raise DuisRejection(E12, f"CommandVariant {command_variant} is not applicable to "
                                   f"Service Reference Variant {spec.variant}")
    body_child = _body_child(root)
    if body_child is not None and etree.QName(body_child).localname not in (spec.body_element, "SignedPreCommand"):
        raise DuisRejection(E12, f"body {etree.QName(body_child).localname} does not belong to "
                                   f"Service Reference Variant {spec.variant}")

    acting_roles = access.eligible_roles(user, spec.roles)

    entry = HANDLERS.get(spec.variant)
    if entry is None and not smets1_dispatch.routable(spec):
        raise DuisRejection(HTTP_501_NOT_IMPLEMENTED, f"Service Request {spec.variant} ({spec.name}) is not "
                                                        f"simulated yet")
    body: dict[str, Any] = {}
    if body_child is not None and etree.QName(body_child).localname == spec.body_element:
        body = spec.body.parse(body_child)

    device: Device | None = None
    targeting = entry or smets1_dispatch.S1SP_ENTRY
    device_id = _target_device_id(request_id, body, targeting.target)
    if device_id is not None and targeting.device_must_exist:
        found = await front.inventory.device(device_id)
        # A SMETS1 target goes to the S1SP (dccsim.s1sp), a SMETS2 one to the variant's handler.
        entry, checked = smets1_dispatch.choose(spec, entry, found, command_variant)
        device = access.check_device(found, device_id, checked, type_error=entry.type_error)
        await access.check_authorised(front.inventory, user, acting_roles, device, variant=spec.variant)
    elif entry is None:
        raise DuisRejection(HTTP_501_NOT_IMPLEMENTED, f"Service Request {spec.variant} ({spec.name}) is not "
                                                        f"simulated yet")

    if not spec.non_device and command_variant != 4:
        _require_dcc_key_agreement(front, arrival.received_at)

    request = ServiceRequest(
        service=arrival.service, received_at=arrival.received_at, schema_version=arrival.schema_version,
        request_id_text=arrival.request_id_text, request_id=request_id, command_variant=command_variant,
        service_reference=arrival.service_reference, variant=arrival.variant, spec=spec, user=user,
        acting_roles=acting_roles, body_element=body_child, body=body, device=device)
    if entry.read_only:
        return await entry.func(request, front.db.pool, front.services)
    # The handler's statements commit together; one that sends only one (a device job queued) sends it alone.
    async with front.db.pool.acquire() as conn:
        async with OnDemandTransaction(conn) as work:
            return await entry.func(request, work, front.services)


_SERVICE_NAMES = {"S": "Send Command Service", "T": "Transform Service", "D": "Non-Device Service"}


def _device_to_read(front: FrontDoor, spec: SRSpec | None, request_id: RequestId) -> str | None:
    """The device a request's handler will read, named by its RequestID, if the inventory cache lacks it: read
    with the request's admission instead of in a round trip of its own."""
    entry = HANDLERS.get(spec.variant) if spec is not None else None
    if entry is None or entry.target is not Target.REQUEST_ID or not entry.device_must_exist:
        return None
    return None if front.inventory.holds_device(request_id.target) else request_id.target


def _require_dcc_key_agreement(front: FrontDoor, now: datetime) -> None:
    """A command to a device is protected with the DCC's (Access Control Broker's) key agreement key."""
    if front.smki.gbcs(front.dcc_entity_id, gbcs.KEY_AGREEMENT, now=now) is None:
        raise DuisRejection(HTTP_503_UNAVAILABLE, "the DCC holds no usable Access Control Broker key-agreement "
                                                    "certificate (outside its validity period under "
                                                    "--strict-validity), so it cannot send commands to devices")


_HEADER, _BODY, _REQUEST_ID, _COMMAND_VARIANT = sr("Header"), sr("Body"), sr("RequestID"), sr("CommandVariant")
_SERVICE_REFERENCE, _SERVICE_REFERENCE_VARIANT = sr("ServiceReference"), sr("ServiceReferenceVariant")


def _read_header(arrival: Arrival, root: etree._Element) -> int:
    """Read the header into ``arrival``; return the CommandVariant."""
    texts = {child.tag: child.text or "" for child in root.find(_HEADER)}    # one pass over the (valid) header
    arrival.request_id_text = texts[_REQUEST_ID].strip()
    arrival.service_reference = texts[_SERVICE_REFERENCE].strip()
    arrival.variant = texts[_SERVICE_REFERENCE_VARIANT].strip()
    try:
        arrival.request_id = RequestId.parse(arrival.request_id_text)
    except ValueError as exc:
        raise DuisRejection(HTTP_400_SCHEMA, str(exc)) from None
    return int(texts[_COMMAND_VARIANT])


def _body_child(root: etree._Element) -> etree._Element | None:
    body = root.find(_BODY)
    if body is None:
        return None
    for child in body:
        if isinstance(child.tag, str):
            return child
    return None


def _target_device_id(request_id: RequestId, body: dict[str, Any], target: Target) -> str | None:
    if target is Target.REQUEST_ID:
        return request_id.target
    if target is Target.BODY:
        value = body.get("DeviceID")
        if isinstance(value, str):
            return normalise_eui(value)
    return None


def _signed(front: FrontDoor, arrival: Arrival, code: Code, fill: BodyFiller | None = None,
            content: bytes = b"") -> HttpAnswer:
    response_id = arrival.request_id.response_id() if code.startswith(("I", "W")) else None
    heading = Heading(schema_version=arrival.schema_version, code=code, service_reference=arrival.service_reference,
                      service_reference_variant=arrival.variant, request_id=arrival.request_id_text,
                      response_id=response_id, moment=front.clock.now())
    if fill is None:
        body = front.signer.sign_canonical_to_bytes(service_response_bytes(heading, content))
    else:
        body = front.signer.sign_to_bytes(service_response(heading, fill))
    return HttpAnswer(200, body, response_code=code)


def _rejected(front: FrontDoor, arrival: Arrival, rejection: DuisRejection) -> HttpAnswer:
    outcome = rejection.outcome
    if outcome.duis_response and arrival.request_id is not None:
        return _signed(front, arrival, rejection.code)
    text = f"{outcome.http_status} {outcome.title}: {rejection.detail}\n".encode()
    return HttpAnswer(outcome.http_status, text, "text/plain; charset=utf-8", dict(rejection.headers),
                      response_code=None)


async def _log(front: FrontDoor, arrival: Arrival, answer: HttpAnswer) -> None:
    raw = arrival.raw if answer.status == 200 else arrival.raw[:_REJECTED_LOG_LIMIT]
    try:
        await front.message_log.record_exchange(
            request_id=arrival.request_id_text,
            user_id=arrival.originator,
            request=raw.decode("utf-8", errors="replace"),
            response=answer.body.decode("utf-8", errors="replace"),
            http_status=answer.status,
            response_code=answer.response_code,
        )
    except Exception:  # noqa: BLE001 - logging must never fail a request
        log.exception("could not write the message log")
