"""The GPF device log (GBCS 13.8) against the RTDS: GCS59 restores it and answers as the RTDS GPF answers, every
change raises GCS62 carrying the whole log in the RTDS alert's shape, and joins and unjoins change it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

import gbcs
from devices import asn1_server, gpf_device_log
from devices.state import GpfState, JoinedDevice
from tests.paths import GBCS_RTDS

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
pytestmark = pytest.mark.skipif(not GBCS_RTDS.exists(), reason="../shared/conformance/gbcs-rtds missing")


def _rtds(folder: str, name: str) -> gbcs.Message:
    return gbcs.decode(bytes.fromhex((GBCS_RTDS / folder / name).read_text().strip()))


def _fields(message_code: int, cra: gbcs.Cra, tree) -> dict:
    return gbcs.Payload("asn1", tree).fields(message_code=message_code, cra=cra)


def test_gcs59_restores_the_log_and_answers_as_the_rtds_gpf():
    command = _rtds("8.12.2_GCS59", "GCS59_8.12.2_SUCCESS_COMMAND_GBCS.HEX")
    expected = _rtds("8.12.2_GCS59", "GCS59_8.12.2_SUCCESS_RESPONSE_GBCS.HEX")
    state = GpfState(joined=[JoinedDevice("00DB1234567890A1", 0)])
    nodes, alerts = asn1_server.serve_asn1(state, "GCS59", command.payload.tree, NOW, {})
    assert gbcs.Payload("asn1", nodes) == expected.payload            # the RTDS response, node for node
    assert state.joined == [JoinedDevice("0011223344556677", 5), JoinedDevice("8899AABBCCDDEEFF", 6)]
    [backup] = alerts
    assert (backup["code"], backup["message_code"]) == (0x8071, 0x00B2)


def test_the_backup_alert_has_the_rtds_shape_and_carries_the_whole_log():
    rtds = _rtds("NA_GCS62", "GCS62_NA_8071_ALERT_GBCS.HEX")
    state = GpfState(joined=[JoinedDevice("00DB1234567890A1", 0), JoinedDevice("00DB1234567890A4", 5)])
    payload = gpf_device_log.backup_alert(state, NOW)["payload"]
    ours = _fields(0x00B2, gbcs.Cra.ALERT, payload.tree)
    theirs = _fields(0x00B2, gbcs.Cra.ALERT, rtds.payload.tree)
    assert ours.keys() == theirs.keys() and ours["alert_code"] == theirs["alert_code"] == "8071"
    assert [(e["device_id"].replace("-", ""), e["device_type"]) for e in ours["device_log_entries"]] == \
        [("00DB1234567890A1", "GSME"), ("00DB1234567890A4", "PPMID")]
    assert gpf_device_log.entries_of(payload.tree[0]["children"][2]["children"]) == state.joined


def test_joins_and_unjoins_change_the_log_and_back_it_up():
    state = GpfState(joined=[JoinedDevice("00DB1234567890A1", 0)])
    join = [{"tag": "30", "children": [{"tag": "02", "hex": "01"}, {"tag": "04", "hex": "00db1234567890a4"},
                                       {"tag": "02", "hex": "05"}]}]
    _nodes, alerts = asn1_server.serve_asn1(state, "CS03A2", join, NOW, {})
    assert JoinedDevice("00DB1234567890A4", 5) in state.joined and [a["code"] for a in alerts] == [0x8071]
    _nodes, alerts = asn1_server.serve_asn1(state, "CS03A2", join, NOW, {})
    assert alerts == [], "joined already: the log is unchanged, nothing to back up"
    _nodes, alerts = asn1_server.serve_asn1(state, "CS04AC", [{"tag": "04", "hex": "00db1234567890a4"}], NOW, {})
    assert state.joined == [JoinedDevice("00DB1234567890A1", 0)] and [a["code"] for a in alerts] == [0x8071]
