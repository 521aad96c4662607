"""The console's reading of the message log and the outbox, without a database: cursors, arrows, codes."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dccsim.console.events import GAP_GRACE, Cursor, Track, document_code, log_event, outbox_event
from dccsim.duis.outcomes import E21, I0, I99, OUTCOMES
from tests.paths import GBCS_RTDS

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
RID = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:7"
ALERT = GBCS_RTDS / "2.1_ECS08" / "ECS08_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_CALENDAR_GBCS.HEX"


def _log_row(kind: str, direction: str = "out", **extra):
    return {"id": 3, "at": AT, "request_id": RID, "direction": direction, "kind": kind, "user_id": "90B3D51F30010000",
            "http_status": None, "response_code": None, "body": None, **extra}


def test_a_cursor_reads_and_writes_its_marks():
    cursor = Cursor.parse("L12.O5")
    assert (cursor.log.mark, cursor.outbox.mark) == (12, 5)
    assert str(cursor) == "L12.O5"
    assert str(Cursor.parse("nonsense")) == str(Cursor.parse(None)) == "L0.O0"


def test_the_mark_moves_over_contiguous_ids_and_each_row_is_handed_out_once():
    track = Track(mark=10)
    assert [track.take(i) for i in (11, 12, 12, 9)] == [True, True, False, False]
    track.settle(now=0.0)
    assert track.mark == 12 and not track.waiting


def test_a_missing_id_holds_the_mark_until_it_comes_or_the_grace_runs_out():
    track = Track(mark=10)
    track.take(12)
    track.settle(now=0.0)
    assert track.mark == 10 and track.waiting, "id 11 may still commit"
    assert track.take(11)
    track.settle(now=0.5)
    assert track.mark == 12 and not track.waiting
    track.take(14)
    track.settle(now=1.0)
    track.settle(now=1.0 + GAP_GRACE)
    assert track.mark == 14, "a rolled-back id is given up on"


def test_each_kind_of_row_is_an_arrow_between_its_lanes():
    assert (log_event(_log_row("request", "in"))["from"], log_event(_log_row("request", "in"))["to"]) == ("user", "dcc")
    command = log_event(_log_row("gbcs-command", body="zz"))
    assert (command["from"], command["to"], command["device"]) == ("dcc", "device", "00DB1234567890A0")
    answer = log_event(_log_row("response", response_code=I99))
    assert (answer["to"], answer["code"], answer["meaning"]) == ("user", I99, OUTCOMES[I99].title)
    attempt = log_event(_log_row("delivery-attempt", body="outbox 4 (response ) attempt 1 to -: no endpoint"))
    assert attempt["label"] == "no endpoint"


def test_an_outbox_row_carries_its_document_code_and_meaning():
    body = (f'<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"><sr:Header>'
            f'<sr:RequestID>{RID}</sr:RequestID><sr:ResponseCode>{E21}</sr:ResponseCode></sr:Header></sr:Response>')
    event = outbox_event({"id": 9, "at": AT, "request_id": RID, "response_id": None, "kind": "response",
                          "user_id": "90B3D51F30010000", "status": "pending", "attempts": 2, "body": body})
    assert (event["code"], event["from"], event["to"], event["status"]) == (E21, "dcc", "user", "pending")
    assert event["meaning"]


def test_an_alert_is_known_by_its_own_code_not_its_envelope():
    body = ('<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"><sr:Header>'
            f'<sr:ResponseCode>{I0}</sr:ResponseCode></sr:Header><sr:Body><sr:DCCAlertMessage>'
            '<sr:DCCAlertCode>N49</sr:DCCAlertCode></sr:DCCAlertMessage></sr:Body></sr:Response>')
    assert document_code(body) == "N49"
    assert document_code("not xml") is None


@pytest.mark.skipif(not ALERT.is_file(), reason=f"the RTDS corpus is not at {GBCS_RTDS}")
def test_an_alert_answering_no_request_is_shown_with_the_messages_passing_it_on():
    frame = ALERT.read_text().split()[0]
    logged = log_event(_log_row("gbcs-alert", "in", request_id=None, body=frame))
    assert logged["device"] == "00DB1234567890A0" and logged["group"].startswith("alert 00DB1234567890A0:")
    counter = logged["group"].rsplit(":", 1)[1]
    passed_on = outbox_event({"id": 9, "at": AT, "request_id": None, "kind": "device-alert", "status": "pending",
                              "response_id": f"00-DB-12-34-56-78-90-A0:90-B3-D5-1F-30-01-00-00:{counter}",
                              "user_id": "90B3D51F30010000", "attempts": 0, "body": "<x/>"})
    assert passed_on["group"] == logged["group"] and passed_on["device"] == logged["device"]
