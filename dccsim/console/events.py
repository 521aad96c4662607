"""The console's events: the message log and the outbox read from PostgreSQL after a cursor, each row turned into
one arrow of the message flow (who to whom, what, its code), so that every worker's traffic is seen alike.

A cursor holds, per source, the id up to which every row has been handed out (``L12.O5``, the SSE event id the
browser resumes from). Ids are handed out when rows are inserted but rows commit in their own time (several
workers write), so a row above a missing id is sent at once and remembered, and the mark waits at the missing id
until it comes or ``GAP_GRACE`` seconds have passed (a rolled-back insert leaves a gap for good). A browser that
resumes may get again the few rows above its mark; it knows them by source and id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

import gbcs
from dccsim.duis.ids import DCC_ENTITY_ID, RequestId
from dccsim.duis.outcomes import OUTCOMES
from dccsim.duis.safexml import parse_untrusted

__all__ = ["Cursor", "Track", "alert_group", "document_code", "log_event", "outbox_event", "read_events"]

GAP_GRACE = 2.0        # seconds a missing id holds the mark back
BATCH = 200            # rows of each source per read
SUMMARY_CHARS = 8192   # of a logged frame or note, what an event's summary reads (the message's detail has it all)

# Where each kind of row is drawn: (from lane, to lane) among user, dcc, chf and device (the page draws a device
# that is a hub on the chf lane).
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
class Track:
    """One source's progress: every id up to ``mark`` handed out, and those handed out above it."""

    mark: int = 0
    ahead: set[int] = field(default_factory=set)
    gap_since: float | None = None

    def take(self, row_id: int) -> bool:
        """Whether a row is new to this reader (and remember it)."""
        if row_id <= self.mark or row_id in self.ahead:
            return False
        self.ahead.add(row_id)
        return True

    def settle(self, now: float) -> None:
        """Move the mark over the ids now handed out; past a missing id once it has been missing long enough."""
        while self.ahead:
            if self.mark + 1 in self.ahead:
                self.mark += 1
                self.ahead.discard(self.mark)
                self.gap_since = None
            elif self.gap_since is None:
                self.gap_since = now
                return
            elif now - self.gap_since >= GAP_GRACE:
                self.mark = min(self.ahead) - 1
                self.gap_since = None
            else:
                return
        self.gap_since = None

    @property
    def waiting(self) -> bool:
        """A missing id holds the mark back (look again soon)."""
        return self.gap_since is not None


@dataclass
class Cursor:
    """How far a reader has read the message log and the outbox."""

    log: Track = field(default_factory=Track)
    outbox: Track = field(default_factory=Track)

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        """``L<log id>.O<outbox id>`` (an SSE Last-Event-ID); anything else is the start."""
        cursor = cls()
        for part in (text or "").split("."):
            if part[:1] in ("L", "O") and part[1:].isdigit():
                (cursor.log if part[0] == "L" else cursor.outbox).mark = int(part[1:])
        return cursor

    def __str__(self) -> str:
        return f"L{self.log.mark}.O{self.outbox.mark}"

    @property
    def waiting(self) -> bool:
        return self.log.waiting or self.outbox.waiting


_LOG = """
SELECT id, at, request_id, direction, kind, user_id, http_status, response_code,
       CASE WHEN kind NOT IN ('request', 'response') THEN left(body, $3) END AS body
FROM message_log WHERE id > $1 ORDER BY id LIMIT $2
"""
_OUTBOX = """
SELECT id, created_at AS at, request_id, response_id, kind, user_id, status, attempts, body
FROM outbox WHERE id > $1 ORDER BY id LIMIT $2
"""


async def read_events(conn, cursor: Cursor, now: float, *, start_at_end: bool = False) -> list[dict[str, Any]]:
    """The rows of both sources not yet handed to ``cursor``'s reader, as events: the message log's in id order,
    then the outbox's (the cursor moves on). ``now`` is a monotonic time in seconds (for ``GAP_GRACE``).
    ``start_at_end``: a reader without a cursor starts at the latest ``BATCH`` rows of each source."""
    if start_at_end and cursor.log.mark == 0 and cursor.outbox.mark == 0:
        cursor.log.mark = max(0, (await conn.fetchval("SELECT coalesce(max(id), 0) FROM message_log")) - BATCH)
        cursor.outbox.mark = max(0, (await conn.fetchval("SELECT coalesce(max(id), 0) FROM outbox")) - BATCH)
    events = [log_event(row) for row in await conn.fetch(_LOG, cursor.log.mark, BATCH + len(cursor.log.ahead), SUMMARY_CHARS)
              if cursor.log.take(row["id"])]
    events += [outbox_event(row) for row in
               await conn.fetch(_OUTBOX, cursor.outbox.mark, BATCH + len(cursor.outbox.ahead))
               if cursor.outbox.take(row["id"])]
    cursor.log.settle(now)
    cursor.outbox.settle(now)
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
    return {"use_case": message.use_case, "originator": message.originator, "recipient": message.recipient,
            "counter": message.counter}


def alert_group(device: str, counter: int | str) -> str:
    """What a device's alert that answers no request is shown under: its frame and every DeviceAlertMessage
    passing it on (whose ResponseID ends with the frame's counter)."""
    return f"alert {device}:{counter}"


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
            if not row["request_id"]:
                event["group"] = alert_group(frame["originator"], frame["counter"])
        event["label"] = f"{kind} {frame.get('use_case') or ''}".strip()
    elif kind == "delivery-attempt":
        event["label"] = (row["body"] or "").split(": ", 1)[-1][:120]
    elif kind in ("request", "response"):
        event["label"] = "synchronous answer" if kind == "response" else "Service Request"
    return event


def outbox_event(row) -> dict[str, Any]:
    code = document_code(row["body"])
    event = {"source": "outbox", "row": row["id"], "at": row["at"].isoformat(), "request_id": row["request_id"],
             "kind": row["kind"], "direction": "out", "user": row["user_id"], "device": _device_of(row["request_id"]),
             "from": "dcc", "to": "user", "code": code, "meaning": _meaning(code), "status": row["status"],
             "attempts": row["attempts"], "label": f"{row['kind']} {code or ''}".strip()}
    if row["kind"] == "device-alert" and not row["request_id"] and row["response_id"]:
        try:        # a DeviceAlertMessage's ResponseID is device:user:counter of the alert's frame
            response_id = RequestId.parse(row["response_id"])
        except ValueError:
            return event
        event["device"] = response_id.originator
        event["group"] = alert_group(response_id.originator, response_id.counter)
    return event


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
