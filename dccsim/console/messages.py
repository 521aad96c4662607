"""One message of the flow opened: a DUIS document pretty-printed with its signature apart, a GBCS frame (or a
Response's GBCS payload) as the library's named fields read with the DCC's keys, and its outcome code with the
meaning DUIS gives it."""
from __future__ import annotations

import base64
from typing import Any

from lxml import etree

import gbcs
from dccsim.console.events import document_code, log_event, outbox_event
from dccsim.duis.namespaces import ds
from dccsim.duis.outcomes import OUTCOMES
from dccsim.duis.safexml import parse_untrusted

__all__ = ["SOURCES", "message_detail", "pretty_document"]

SOURCES = ("log", "outbox")

_LOG_ROW = """SELECT id, at, request_id, direction, kind, user_id, http_status, response_code, body
FROM message_log WHERE id = $1"""
_OUTBOX_ROW = """SELECT id, created_at AS at, request_id, response_id, kind, user_id, status, attempts, body, last_error,
       delivered_at FROM outbox WHERE id = $1"""


def pretty_document(body: str) -> dict[str, Any] | None:
    """A DUIS document indented, its XML signature taken out and given on its own; None if it is not XML."""
    try:
        root = parse_untrusted(body.encode())
    except ValueError:
        return None
    signatures = [etree.tostring(s, pretty_print=True).decode() for s in root.iter(ds("Signature"))]
    for signature in list(root.iter(ds("Signature"))):
        signature.getparent().remove(signature)
    payloads = [element.text.strip() for element in root.iter()
                if isinstance(element.tag, str) and etree.QName(element).localname == "GBCSPayload" and element.text]
    return {"xml": etree.tostring(root, pretty_print=True).decode(), "signature": "\n".join(signatures) or None,
            "gbcs_payloads": payloads}


def decoded_frame(frame: bytes, keys: gbcs.KeyStore) -> dict[str, Any]:
    """``gbcs.decode(frame, keys).to_json()``, or what is wrong with the frame."""
    try:
        return gbcs.decode(frame, keys).to_json()
    except gbcs.GbcsError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _payload_frame(text: str, keys: gbcs.KeyStore) -> dict[str, Any]:
    try:
        frame = base64.b64decode(text, validate=True)
    except ValueError:
        return {"error": "the GBCSPayload is not base64"}
    return decoded_frame(frame, keys)


def _outcome(code: str | None) -> dict[str, Any] | None:
    outcome = OUTCOMES.get(code) if code else None
    if outcome is None:
        return {"code": code, "title": None, "meaning": None} if code else None
    return {"code": code, "title": outcome.title, "meaning": outcome.meaning, "http_status": outcome.http_status}


async def message_detail(conn, source: str, row_id: int, keys: gbcs.KeyStore) -> dict[str, Any] | None:
    """Everything the console shows of one row of the message log or the outbox (None: no such row)."""
    row = await conn.fetchrow(_LOG_ROW if source == "log" else _OUTBOX_ROW, row_id)
    if row is None:
        return None
    body = row["body"] or ""
    detail = log_event(row) if source == "log" else outbox_event(row)
    detail["body"] = body
    if source == "outbox":
        detail["last_error"] = row["last_error"]
        detail["delivered_at"] = row["delivered_at"].isoformat() if row["delivered_at"] else None
    document = pretty_document(body) if body.lstrip().startswith("<") else None
    if document is not None:
        detail["document"] = document
        code = detail.get("code") or document_code(body)
        detail["code"] = code
        detail["gbcs"] = [_payload_frame(payload, keys) for payload in document["gbcs_payloads"]]
    elif row["kind"].startswith("gbcs-") and row["kind"] != "gbcs-refused":
        try:
            detail["gbcs"] = [decoded_frame(bytes.fromhex(body), keys)]
        except ValueError:
            detail["gbcs"] = [{"error": "the logged frame is not hex"}]
    detail["outcome"] = _outcome(detail.get("code"))
    return detail
