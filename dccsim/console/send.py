"""The Send panel's work: a request built from the SR catalogue (or pasted), signed with the chosen User's keys the
simulator holds, and sent to the simulator's own DUIS port like any back office's — a critical one through the
transform route (its Pre-Command signed with the User's GBCS key and sent back as CV 5, same RequestID)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import aiohttp
from lxml import etree

from dccsim.catalogue import CV_WEB_SERVICE
from dccsim.catalogue.requests import RequestBuildError, build_request, example_body
from dccsim.console.events import document_code
from dccsim.duis import client as duis_client
from dccsim.duis.ids import RequestId, normalise_eui
from dccsim.duis.namespaces import sr
from dccsim.duis.outcomes import I0
from dccsim.duis.safexml import parse_untrusted
from dccsim.duis.transform import TRANSFORM_VARIANT, TransformError, to_signed_precommand
from dccsim.duis.xmldsig import DuisSigner
from dccsim.frontdoor.app import SERVICES
from dccsim.smki.credentials import Usage
from dccsim.smki.store import CredentialStore

__all__ = ["SendError", "SendRequest", "send"]

SIGNED_PRECOMMAND_VARIANT = 5
_ANY_ADDRESS = ("", "0.0.0.0", "::")


class SendError(ValueError):
    """The console's user asked for a request that cannot be built or signed (the message says what)."""


@dataclass(frozen=True)
class SendRequest:
    """What the Send panel posts: a catalogue variant with the values changed from its example, or pasted XML."""

    user: str
    variant: str | None = None
    device: str | None = None
    values: Mapping[str, Any] | None = None
    xml: str | None = None

    @classmethod
    def from_json(cls, value: Any) -> "SendRequest":
        if not isinstance(value, dict) or not value.get("user"):
            raise SendError('give "user" and either "variant" (with "device" and "values") or "xml"')
        try:
            user = normalise_eui(str(value["user"]))
            device = normalise_eui(str(value["device"])) if value.get("device") else None
        except ValueError as exc:
            raise SendError(str(exc)) from None
        values = value.get("values") or {}
        if not isinstance(values, dict):
            raise SendError('"values" maps a field path to its text')
        if not value.get("variant") and not value.get("xml"):
            raise SendError('give "variant" or "xml"')
        return cls(user=user, variant=value.get("variant"), device=device, values=values, xml=value.get("xml"))


def duis_base_url(host: str, port: int) -> str:
    """Where this simulator's DUIS services are reached from the machine it runs on."""
    return f"http://{'127.0.0.1' if host in _ANY_ADDRESS else host}:{port}"


def _request(ask: SendRequest, now: datetime) -> etree._Element:
    if ask.xml:
        try:
            parse_untrusted(ask.xml.encode())
            return duis_client.prepare(ask.xml.encode(), originator=ask.user)
        except (ValueError, AttributeError) as exc:
            raise SendError(f"the pasted XML is not a DUIS request: {exc}") from None
    changed = {path: text for path, text in (ask.values or {}).items() if text not in (None, "")}
    try:
        example = example_body(ask.variant)
    except RequestBuildError as exc:
        raise SendError(str(exc)) from None
    attempts = [_merged(example, _nested(changed)), _nested(changed)] if changed else [example]
    problem = None
    for body in attempts:
        try:
            return build_request(ask.variant, originator=ask.user, device=ask.device, body=body, now=now)
        except RequestBuildError as exc:
            problem = problem or exc
    raise SendError(str(problem))


def _nested(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"A/B": v}`` as ``{"A": {"B": v}}``, the shape ``build_request`` takes a body in."""
    body: dict[str, Any] = {}
    for path, value in values.items():
        *parents, name = path.split("/")
        node = body
        for parent in parents:
            node = node.setdefault(parent, {})
        node[name] = value
    return body


def _merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The example body with the fields the user changed put over it (a mapping into a mapping, field by field)."""
    merged = dict(base)
    for name, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = _merged(merged[name], value)
        else:
            merged[name] = value
    return merged


def _signer(smki: CredentialStore, user: str) -> DuisSigner:
    credential = smki.xml_signing(user)
    if credential is None or credential.private_key is None:
        raise SendError(f"the simulator holds no XML-signing key of {user}")
    return DuisSigner(credential.private_key, credential.certificate)


async def _post(session: aiohttp.ClientSession, base: str, root: etree._Element, signer: DuisSigner) \
        -> tuple[int, bytes]:
    cv = int(root.find(sr("Header")).findtext(sr("CommandVariant")))
    service = CV_WEB_SERVICE.get(cv)
    if service is None:
        raise SendError(f"CommandVariant {cv} belongs to no DUIS web service")
    async with session.post(f"{base}{SERVICES[service]}", data=duis_client.sign(root, signer),
                            headers={"Content-Type": "application/xml"}) as response:
        return response.status, await response.read()


async def send(ask: SendRequest, *, smki: CredentialStore, session: aiohttp.ClientSession, duis_url: str,
               now: datetime) -> dict[str, Any]:
    """Build, sign and send one request as ``ask.user``; the final synchronous answer (after the transform)."""
    root = _request(ask, now)
    request_id = str(RequestId.parse(duis_client.request_id_of(root)))
    signer = _signer(smki, ask.user)
    status, body = await _post(session, duis_url, root, signer)
    transformed = False
    cv = int(root.find(sr("Header")).findtext(sr("CommandVariant")))
    if cv == TRANSFORM_VARIANT and status == 200 and document_code(body) == I0:
        key = smki.gbcs(ask.user, Usage.GBCS_SIGNING.value)
        if key is None or key.private_key is None:
            raise SendError(f"the simulator holds no GBCS signing key of {ask.user} to sign the Pre-Command")
        try:
            to_signed_precommand(root, body, key.private_key, SIGNED_PRECOMMAND_VARIANT)
        except TransformError as exc:
            raise SendError(str(exc)) from None
        status, body = await _post(session, duis_url, root, signer)
        transformed = True
    return {"request_id": request_id, "http_status": status, "code": document_code(body),
            "transformed": transformed, "answer": body.decode(errors="replace")}
