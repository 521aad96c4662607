"""The front door's stages, in the order DUIS applies them; the first failure decides the answer.

size → safe parse → XSD → XML signature → RequestID (originator = signer, counter increases)
→ CommandVariant ↔ URL (E13) → Service Reference ↔ CommandVariant (E12) → role (E1/E2)
→ device exists (E19) → device type (E11) → device status (E5) → authorised for device (E4)
→ the SR's handler.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from lxml import etree

from dccsim.catalogue import CATALOGUE, CV_WEB_SERVICE
from dccsim.duis import xmldsig
from dccsim.duis.ids import RequestId, normalise_eui
from dccsim.duis.namespaces import sr
from dccsim.duis.outcomes import (E12, E13, HTTP_400_SCHEMA, HTTP_401_SIGNATURE, HTTP_413_TOO_LARGE,
                                  HTTP_500_INTERNAL, HTTP_501_NOT_IMPLEMENTED, HTTP_503_UNAVAILABLE, DuisRejection)
from dccsim.duis.responses import service_response
from dccsim.duis.safexml import parse_request
from dccsim.duis.xsd import validate
from dccsim.frontdoor import traffic
from dccsim.frontdoor import access
from dccsim.frontdoor.context import RequestContext
from dccsim.handlers import HANDLERS, Reply
from dccsim.handlers.registry import Target
from dccsim.inventory import repository as repo
from dccsim.smki.credentials import Usage
from dccsim.smki.errors import CertificateExpired

if TYPE_CHECKING:
    from dccsim.runtime.simulator import Simulator

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


async def process(sim: "Simulator", service: str, raw: bytes) -> HttpAnswer:
    """Run one request through every stage and return the answer (never raises)."""
    ctx = RequestContext(service=service, raw=raw, received_at=datetime.now(timezone.utc))
    try:
        reply = await _stages(sim, ctx)
        answer = _signed(sim, ctx, reply.code, reply.fill)
    except DuisRejection as rejection:
        answer = _rejected(sim, ctx, rejection)
    except Exception:  # noqa: BLE001 - the client gets a clean 500, the log gets the trace
        log.exception("internal error processing %s", ctx.request_id_text or "an unparsed request")
        answer = _rejected(sim, ctx, DuisRejection(HTTP_500_INTERNAL))
    await _log(sim, ctx, answer)
    return answer


async def _stages(sim: "Simulator", ctx: RequestContext) -> Reply:
    if len(ctx.raw) > sim.settings.max_request_bytes:
        raise DuisRejection(HTTP_413_TOO_LARGE, f"request body of {len(ctx.raw)} bytes exceeds "
                                                  f"{sim.settings.max_request_bytes}")
    root = ctx.root = parse_request(ctx.raw)
    ctx.schema_version = root.get("schemaVersion") or ctx.schema_version
    validate(sim.schema, root)
    _read_header(ctx)

    identity = xmldsig.signer_identity(root)
    credential = sim.smki.find_by_issuer_serial(identity.issuer, identity.serial)
    if credential is None or credential.usage is not Usage.XML_SIGNING:
        raise DuisRejection(HTTP_401_SIGNATURE, f"no XML-signing certificate issued by {identity.issuer} "
                                                  f"with serial {identity.serial} is known")
    try:
        sim.smki.check_validity(credential, strict=sim.settings.strict_validity, now=ctx.received_at)
    except CertificateExpired as exc:
        raise DuisRejection(HTTP_401_SIGNATURE, str(exc)) from None
    xmldsig.verify(root, credential.certificate)
    ctx.signer = credential.entity_id

    if ctx.request_id.originator != ctx.signer:
        raise DuisRejection(HTTP_401_SIGNATURE, f"the request is signed by {ctx.signer}, not by the "
                                                  f"originator {ctx.request_id.originator}")
    ctx.user = await sim.users.get(ctx.request_id.originator)
    requested = CATALOGUE.get(ctx.variant)
    # Traffic management (429) and the RequestID counter rule in one round trip. A Signed Pre-Command
    # reuses the RequestID of its transform request: the counter rule was applied there.
    await traffic.admit(sim, originator=ctx.request_id.originator, counter=ctx.request_id.counter,
                        priority=requested is not None and requested.priority,
                        advance_counter=ctx.command_variant not in (5, 6, 7))

    if CV_WEB_SERVICE.get(ctx.command_variant) != ctx.service:
        raise DuisRejection(E13, f"CommandVariant {ctx.command_variant} is not served by the "
                                   f"{_SERVICE_NAMES[ctx.service]} URL")
    spec = ctx.spec = CATALOGUE.get(ctx.variant)
    if spec is None or spec.reference != ctx.service_reference:
        raise DuisRejection(E12, f"Service Reference {ctx.service_reference} / variant {ctx.variant} "
                                   f"is not a known combination")
    if ctx.command_variant not in spec.command_variants:
        raise DuisRejection(E12, f"CommandVariant {ctx.command_variant} is not applicable to "
                                   f"Service Reference Variant {spec.variant}")
    body_child = _body_child(root)
    if body_child is not None and etree.QName(body_child).localname not in (spec.body_element, "SignedPreCommand"):
        raise DuisRejection(E12, f"body {etree.QName(body_child).localname} does not belong to "
                                   f"Service Reference Variant {spec.variant}")
    ctx.body_element = body_child

    ctx.acting_roles = access.eligible_roles(ctx.user, spec.roles)

    entry = HANDLERS.get(spec.variant)
    if entry is None:
        raise DuisRejection(HTTP_501_NOT_IMPLEMENTED, f"Service Request {spec.variant} ({spec.name}) is not "
                                                        f"simulated yet")
    if body_child is not None and etree.QName(body_child).localname == spec.body_element:
        ctx.body = spec.body.parse(body_child)

    device_id = _target_device_id(ctx, entry.target, sim.dcc_entity_id)
    if device_id is not None and entry.device_must_exist:
        device = await repo.get_device(sim.db.pool, device_id)
        ctx.device = access.check_device(device, device_id, spec, type_error=entry.type_error)
        await access.check_authorised(sim.db.pool, ctx.user, ctx.acting_roles, ctx.device)

    if not spec.non_device and ctx.command_variant != 4:
        _require_dcc_key_agreement(sim, ctx.received_at)

    async with sim.db.pool.acquire() as conn:
        if entry.read_only:
            return await entry.func(ctx, conn, sim)
        async with conn.transaction():
            return await entry.func(ctx, conn, sim)


_SERVICE_NAMES = {"S": "Send Command Service", "T": "Transform Service", "D": "Non-Device Service"}


def _require_dcc_key_agreement(sim: "Simulator", now: datetime) -> None:
    """A command to a device is protected with the DCC's (Access Control Broker's) key agreement key."""
    if sim.smki.gbcs(sim.dcc_entity_id, "ka", now=now) is None:
        raise DuisRejection(HTTP_503_UNAVAILABLE, "the DCC holds no usable Access Control Broker key-agreement "
                                                    "certificate (outside its validity period under "
                                                    "--strict-validity), so it cannot send commands to devices")


def _read_header(ctx: RequestContext) -> None:
    header = ctx.root.find(sr("Header"))
    ctx.request_id_text = header.findtext(sr("RequestID")).strip()
    try:
        ctx.request_id = RequestId.parse(ctx.request_id_text)
    except ValueError as exc:
        raise DuisRejection(HTTP_400_SCHEMA, str(exc)) from None
    ctx.command_variant = int(header.findtext(sr("CommandVariant")))
    ctx.service_reference = header.findtext(sr("ServiceReference")).strip()
    ctx.variant = header.findtext(sr("ServiceReferenceVariant")).strip()


def _body_child(root: etree._Element) -> etree._Element | None:
    body = root.find(sr("Body"))
    if body is None:
        return None
    for child in body:
        if isinstance(child.tag, str):
            return child
    return None


def _target_device_id(ctx: RequestContext, target: Target, dcc_entity_id: str) -> str | None:
    if target is Target.REQUEST_ID:
        return ctx.request_id.target
    if target is Target.BODY:
        value = ctx.body.get("DeviceID")
        if isinstance(value, str):
            return normalise_eui(value)
    return None


def _signed(sim: "Simulator", ctx: RequestContext, code: str, fill) -> HttpAnswer:
    response_id = ctx.request_id.response_id() if code.startswith(("I", "W")) else None
    document = service_response(
        schema_version=ctx.schema_version,
        code=code,
        service_reference=ctx.service_reference,
        service_reference_variant=ctx.variant,
        request_id=ctx.request_id_text,
        response_id=response_id,
        fill=fill,
    )
    return HttpAnswer(200, sim.signer.sign_to_bytes(document), response_code=code)


def _rejected(sim: "Simulator", ctx: RequestContext, rejection: DuisRejection) -> HttpAnswer:
    outcome = rejection.outcome
    if outcome.duis_response and ctx.request_id is not None:
        return _signed(sim, ctx, outcome.key, None)
    text = f"{outcome.http_status} {outcome.title}: {rejection.detail}\n".encode()
    return HttpAnswer(outcome.http_status, text, "text/plain; charset=utf-8", dict(rejection.headers),
                      response_code=None)


async def _log(sim: "Simulator", ctx: RequestContext, answer: HttpAnswer) -> None:
    raw = ctx.raw if answer.status == 200 else ctx.raw[:_REJECTED_LOG_LIMIT]
    try:
        await sim.message_log.record_exchange(
            request_id=ctx.request_id_text,
            user_id=ctx.originator,
            request=raw.decode("utf-8", errors="replace"),
            response=answer.body.decode("utf-8", errors="replace"),
            http_status=answer.status,
            response_code=answer.response_code,
        )
    except Exception:  # noqa: BLE001 - logging must never fail a request
        log.exception("could not write the message log")
