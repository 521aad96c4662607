"""The console's events: the message log and the outbox read from PostgreSQL after a cursor, each row turned into
one arrow of the message flow (who to whom, what, its code), so that every worker's traffic is seen alike.

A cursor is the last message-log id and the last outbox id the browser has (``L12.O5``). Ids are handed out
when rows are inserted but rows commit in their own time (several workers write the log), so each read looks a
little behind the cursor (``OVERLAP`` ids) and leaves out what the reader has seen already.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

import gbcs
from dccsim.duis.ids import DCC_ENTITY_ID, RequestId
from dccsim.duis.outcomes import OUTCOMES
from dccsim.duis.safexml import parse_untrusted

__all__ = ["Cursor", "LANES", "read_events"]

OVERLAP = 256          # ids behind the cursor read again, for rows that committed after later ones
BATCH = 200            # rows of each source per read

# Where each kind of row is drawn: (from lane, to lane). The device lane is the CHF's own when the CHF is the
# device addressed.
LANES = ("user", "dcc", "chf", "device")
_ARROWS: dict[tuple[str, str], tuple[str, str]] = {
    ("log", "request"): ("user", "dcc"),
    ("log", "response"): ("dcc", "user"),
    ("log", "gbcs-command"): ("dcc", "device"),
    ("log", "gbcs-response"): ("device", "dcc"),
    ("log", "gbcs-refused"): ("device", "dcc"),
    ("log", "gbcs-alert"): ("device", "dcc"),
    ("log", "delivery-attempt"): ("dcc", "user"),
    ("outbox", "response"): ("dcc", "user"),
    ("outbox", "device-alert"): ("dcc", "user"),
    ("outbox", "dcc-alert"): ("dcc", "user"),
}
_DEFAULT_ARROW = ("dcc", "device")         # other frames the DCC sends a device (firmware images ...)
_CODES = ("DCCAlertCode", "AlertCode", "ResponseCode")        # an alert's own code before its envelope's


@dataclass
class Cursor:
    """How far a reader has read each source, and what it has seen just behind that."""

    log: int = 0
    outbox: int = 0
    seen: set[tuple[str, int]] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        """``L<log id>.O<outbox id>`` (an SSE Last-Event-ID); anything else is the start."""
        cursor = cls()
        for part in (text or "").split("."):
            if part[:1] in ("L", "O") and part[1:].isdigit():
                setattr(cursor, "log" if part[0] == "L" else "outbox", int(part[1:]))
        return cursor

    def __str__(self) -> str:
        return f"L{self.log}.O{self.outbox}"

    def take(self, source: str, row_id: int) -> bool:
        """Whether a row is new to this reader (and remember it)."""
        if (source, row_id) in self.seen:
            return False
        self.seen.add((source, row_id))
        if source == "log":
            self.log = max(self.log, row_id)
        else:
            self.outbox = max(self.outbox, row_id)
        self.seen = {(s, i) for s, i in self.seen if i > (self.log if s == "log" else self.outbox) - OVERLAP}
        return True


_LOG = """
SELECT id, at, request_id, direction, kind, user_id, http_status, response_code,
       CASE WHEN kind LIKE 'gbcs-%' OR kind NOT IN ('request', 'response', 'delivery-attempt') THEN left(body, 8192)
            WHEN kind = 'delivery-attempt' THEN body END AS body
FROM message_log WHERE id > $1 ORDER BY id LIMIT $2
"""
_OUTBOX = """
SELECT id, created_at AS at, request_id, kind, user_id, status, attempts, body
FROM outbox WHERE id > $1 ORDER BY id LIMIT $2
"""


async def read_events(conn, cursor: Cursor, *, start_at_end: bool = False) -> list[dict[str, Any]]:
    """The rows of both sources not yet seen by ``cursor``, as events in time order (the cursor moves on).
    ``start_at_end``: a reader without a cursor starts at the latest ``BATCH`` rows of each source."""
    if start_at_end and cursor.log == 0 and cursor.outbox == 0:
        cursor.log = max(0, (await conn.fetchval("SELECT coalesce(max(id), 0) FROM message_log")) - BATCH)
        cursor.outbox = max(0, (await conn.fetchval("SELECT coalesce(max(id), 0) FROM outbox")) - BATCH)
    events = []
    for row in await conn.fetch(_LOG, max(0, cursor.log - OVERLAP), BATCH + OVERLAP):
        if cursor.take("log", row["id"]):
            events.append(log_event(row))
    for row in await conn.fetch(_OUTBOX, max(0, cursor.outbox - OVERLAP), BATCH + OVERLAP):
        if cursor.take("outbox", row["id"]):
            events.append(outbox_event(row))
    events.sort(key=lambda event: (event["at"], event["source"] == "outbox", event["row"]))
    return events


def _device_of(request_id: str | None) -> str | None:
    if not request_id:
        return None
    try:
        target = RequestId.parse(request_id).target
    except ValueError:
        return None
    return None if target == DCC_ENTITY_ID else target


def _frame_summary(hex_body: str) -> dict[str, Any]:
    """The header of a GBCS frame: its use case and parties (nothing is checked here)."""
    try:
        message = gbcs.decode(bytes.fromhex(hex_body))
    except (ValueError, gbcs.GbcsError):
        return {}
    return {"use_case": message.use_case, "originator": message.originator, "recipient": message.recipient}


def _meaning(code: str | None) -> str | None:
    outcome = OUTCOMES.get(code) if code else None
    return outcome.title if outcome is not None else None


def log_event(row) -> dict[str, Any]:
    kind = row["kind"]
    source_lane, target_lane = _ARROWS.get(("log", kind), _DEFAULT_ARROW)
    event = {"source": "log", "row": row["id"], "at": row["at"].isoformat(), "request_id": row["request_id"],
             "kind": kind, "direction": row["direction"], "user": row["user_id"],
             "device": _device_of(row["request_id"]), "from": source_lane, "to": target_lane,
             "code": row["response_code"], "meaning": _meaning(row["response_code"]),
             "http_status": row["http_status"], "label": kind}
    if kind.startswith("gbcs-") and kind != "gbcs-refused" and row["body"]:
        frame = _frame_summary(row["body"])
        event.update(frame)
        if kind == "gbcs-alert" and frame.get("originator"):
            event["device"] = frame["originator"]
        event["label"] = f"{kind} {frame.get('use_case') or ''}".strip()
    elif kind == "delivery-attempt":
        event["label"] = (row["body"] or "").split(": ", 1)[-1][:120]
    elif kind in ("request", "response"):
        event["label"] = f"{kind} {row['response_code'] or ''}".strip() if kind == "response" else "Service Request"
    return event


def outbox_event(row) -> dict[str, Any]:
    code = document_code(row["body"])
    return {"source": "outbox", "row": row["id"], "at": row["at"].isoformat(), "request_id": row["request_id"],
            "kind": row["kind"], "direction": "out", "user": row["user_id"], "device": _device_of(row["request_id"]),
            "from": "dcc", "to": "user", "code": code, "meaning": _meaning(code), "status": row["status"],
            "attempts": row["attempts"], "label": f"{row['kind']} {code or ''}".strip()}


def document_code(body: str | bytes | None) -> str | None:
    """The DCCAlertCode or AlertCode of a DUIS alert, the ResponseCode of a Response (None if it has none or is not
    XML)."""
    if not body:
        return None
    try:
        root = parse_untrusted(body.encode() if isinstance(body, str) else body)
    except (ValueError, etree.XMLSyntaxError):
        return None
    found = {etree.QName(element).localname: (element.text or "").strip() for element in root.iter()
             if isinstance(element.tag, str) and etree.QName(element).localname in _CODES}
    return next((found[name] for name in _CODES if found.get(name)), None)
