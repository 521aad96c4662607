"""Unit tests of the semantic layer: date-times, typed values, names, length widths, fallbacks and errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import gbcs
from gbcs import semantic
from gbcs.errors import MalformedMessage
from gbcs.payload import Payload, decode_payload, encode_payload
from gbcs.semantic import widths
from gbcs.semantic.common import Names, utc_seconds, utc_seconds_text
from gbcs.semantic.cosem_objects import obis_octets, obis_text
from gbcs.semantic.dlms_time import date_time_octets, date_time_text
from gbcs.semantic.dlms_values import node_of, value_of
from tests.paths import GBCS_RTDS


@pytest.mark.parametrize("octets, expected", [
    ("07df0101ff000000008000ff", {"date_time": "2015-01-01T00:00:00.00", "day_of_week": None, "clock_status": None}),
    ("07e4060305173b1e2a000000", {"date_time": "2020-06-03T23:59:30.42Z", "day_of_week": 5, "clock_status": 0}),
    ("07e40603ff0c0000ffffc480", {"date_time": "2020-06-03T12:00:00+01:00", "day_of_week": None,
                                  "clock_status": 0x80}),
    ("07e40603ff0c0000ff0078ff", {"date_time": "2020-06-03T12:00:00-02:00", "day_of_week": None,
                                  "clock_status": None}),
    ("ffff0c19ffffffffff8000ff", {"date_time": "****-12-25T**:**:**", "day_of_week": None, "clock_status": None}),
    ("fffffefe0701000000800009", {"date_time": "****-dst-begin-lastT01:00:00.00", "day_of_week": 7,
                                  "clock_status": 9}),
    ("07e1fdfdff02000000800000", {"date_time": "2017-dst-end-second-lastT02:00:00.00", "day_of_week": None,
                                  "clock_status": 0}),
    ("0000000000000000008000ff", {"date_time": "now"}),
    ("ffffffffffffffffff8000ff", {"date_time": "never"}),
])
def test_dlms_date_times_read_as_text_and_back(octets, expected):
    assert date_time_text(bytes.fromhex(octets)) == expected
    assert date_time_octets(expected).hex() == octets


@pytest.mark.parametrize("octets", [
    "07df0d01ff000000008000ff",   # month 13
    "07df0100ff000000008000ff",   # day 0
    "07df0101ff180000008000ff",   # hour 24
    "07df0101ff000000648000ff",   # hundredths 100
    "07df010108000000008000ff",   # day of week 8
    "07df0101ff000000000384ff",   # deviation 900 minutes
    "07df0101ff0000000080",       # 10 octets
])
def test_octets_that_are_not_a_date_time_stay_octets(octets):
    raw = bytes.fromhex(octets)
    assert date_time_text(raw) is None
    assert value_of({"type": "octet-string", "hex": octets}) == {"octet-string": octets}


@pytest.mark.parametrize("value", [
    {"date_time": "2020-06-03T12:00:00+00:00"},                 # zero deviation is written Z
    {"date_time": "2020-13-03T12:00:00"},
    {"date_time": "2020-06-03 12:00:00"},
    {"date_time": "2020-06-03T12:00:00", "day_of_week": 8},
    {"date_time": "2020-06-03T12:00:00", "clock_status": 255},
    {"date_time": 20200603},
    "2020-06-03T12:00:00",
])
def test_bad_date_times_are_refused(value):
    with pytest.raises(MalformedMessage):
        date_time_octets(value)


def test_typed_values_keep_every_octet():
    cases = [
        ({"type": "boolean", "value": 255}, {"boolean": 255}),
        ({"type": "boolean", "value": 1}, {"boolean": True}),
        ({"type": "bit-string", "bits": 12, "hex": "a5c0"}, {"bit-string": "101001011100"}),
        ({"type": "bit-string", "bits": 4, "hex": "a5"}, {"bit-string": {"bits": 4, "hex": "a5"}}),
        ({"type": "visible-string", "hex": "414243"}, {"visible-string": "ABC"}),
        ({"type": "visible-string", "hex": "410a"}, {"visible-string": {"hex": "410a"}}),
        ({"type": "utf8-string", "hex": "c3a9"}, {"utf8-string": "é"}),
        ({"type": "utf8-string", "hex": "ff"}, {"utf8-string": {"hex": "ff"}}),
        ({"type": "date-time", "hex": "07df0101ff000000008000ff"},
         {"date-time": {"date_time": "2015-01-01T00:00:00.00", "day_of_week": None, "clock_status": None}}),
        ({"type": "structure", "items": [{"type": "null"}, {"type": "long", "value": -2}]},
         {"structure": [None, {"long": -2}]}),
    ]
    for node, value in cases:
        assert value_of(node) == value
        assert node_of(value) == node


@pytest.mark.parametrize("value", [
    {"octet-string": "zz"}, {"no-such-type": 1}, {"long": 1, "unsigned": 2}, {"long": "1"}, {"array": {}},
    {"date": "0102"}, {"bit-string": "012"}, {"bit-string": {"bits": 9, "hex": "ff"}}, {"visible-string": "é"}, 5,
])
def test_bad_typed_values_are_refused(value):
    with pytest.raises(MalformedMessage):
        node_of(value)


def test_names_read_known_numbers_and_refuse_unknown_names():
    names = Names({0: "success", 1: "failure"})
    assert names.name(1) == "failure" and names.name(7) == 7
    assert names.code("failure") == 1 and names.code(7) == 7
    with pytest.raises(MalformedMessage):
        names.code("maybe")
    with pytest.raises(ValueError):
        Names({0: "same", 1: "same"})


def test_obis_codes_and_utc_times_read_as_text():
    assert obis_text(bytes.fromhex("0100010800ff")) == "1-0:1.8.0.255"
    assert obis_octets("1-0:1.8.0.255").hex() == "0100010800ff"
    for bad in ("1-0:1.8.0", "1.0.1.8.0.255", "1-0:1.8.0.256"):
        with pytest.raises(MalformedMessage):
            obis_octets(bad)
    assert utc_seconds_text(473385600) == "2015-01-01T00:00:00Z"
    assert utc_seconds("2015-01-01T00:00:00Z") == 473385600
    with pytest.raises(MalformedMessage):
        utc_seconds("1999-12-31T23:59:59Z")


def test_length_widths_travel_beside_the_fields():
    tree = [{"tag": "30", "lw": 2, "children": [{"tag": "02", "hex": "05"}, {"tag": "30", "lw": 1, "children": []}]}]
    clean, found = widths.split(tree)
    assert found == {"0/lw": 2, "0/children/1/lw": 1}
    assert "lw" not in clean[0]
    assert widths.restore(clean, found) == tree
    with pytest.raises(MalformedMessage):
        widths.restore(clean, {"0/children/5/lw": 1})
    with pytest.raises(MalformedMessage):
        widths.restore(clean, {"0/tag": 1})


def test_a_dlms_list_written_in_a_long_form_rebuilds_exactly():
    raw = bytes.fromhex("d92000000100" "8101" "0100030100010800ff02" "8101" "00")
    payload = decode_payload(raw)
    assert payload.tree["specs_lw"] == 1
    fields = semantic.describe(payload)
    assert fields["length_widths"] == {"specs_lw": 1, "data_lw": 1}
    assert fields["requests"] == [{"service": "get", "class_id": 3, "class": "Register", "obis": "1-0:1.8.0.255",
                                   "attribute_id": 2, "attribute": "value"}]
    assert encode_payload(semantic.build(fields)) == raw


def test_asn1_without_its_message_code_falls_back_to_the_tree():
    payload = decode_payload(bytes.fromhex("3009020100040400db1234"))
    fields = semantic.describe(payload)
    assert not semantic.is_named(fields) and fields["tree"] == payload.tree
    assert semantic.build(fields) == payload
    named = semantic.describe(payload, message_code=0x000D, cra="command")
    assert not semantic.is_named(named)   # an entity id of 4 octets is not a join command


def test_non_minimal_der_is_not_named_but_still_rebuilt():
    payload = decode_payload(bytes.fromhex("020200 00".replace(" ", "")))
    fields = semantic.describe(payload, message_code=0x000D, cra="response")
    assert not semantic.is_named(fields)
    assert encode_payload(semantic.build(fields)) == bytes.fromhex("02020000")
    minimal = semantic.describe(decode_payload(bytes.fromhex("020100")), message_code=0x000D, cra="response")
    assert minimal == {"view": "asn1", "layout": "join-device-response", "response_code": "success"}


@pytest.mark.parametrize("fields", [
    {},
    {"view": "nothing"},
    {"view": "asn1", "layout": "no-such-layout"},
    {"view": "asn1", "layout": "join-device-response", "response_code": "maybe"},
    {"view": "asn1", "layout": "join-device-command", "join_method_and_role": 0, "entity_id": "00", "device_type": 1},
    {"view": "dlms-access-request", "invoke_id": "00000001", "date_time": None,
     "requests": [{"service": "get", "class_id": 3, "obis": "1-0:1.8.0", "attribute_id": 2}]},
    {"view": "dlms-access-request", "invoke_id": "01", "date_time": None, "requests": []},
    {"view": "dlms-access-response", "invoke_id": "00000001", "date_time": None,
     "responses": [{"service": "get", "result": "fine"}]},
    {"view": "dlms-data-notification", "invoke_id": "00000001", "date_time": None, "alert_code": "8F6",
     "alert_date_time": {"date_time": "now"}},
    {"view": "gbz", "components": []},
    {"view": "gbz-alert", "component_count": 0, "alert_code": "8F66", "alert_date_time": "1990-01-01T00:00:00Z"},
    {"view": "gbz", "components": [{"control": {}}]},
    {"view": "raw"},
    {"view": "raw", "tree": "00", "length_widths": {"x/lw": 1}},
])
def test_bad_fields_raise_the_library_error(fields):
    with pytest.raises(MalformedMessage):
        semantic.build(fields)


def test_payload_json_carries_fields_and_builds_from_them():
    payload = decode_payload(bytes.fromhex("020100"))
    value = payload.to_json(message_code=0x000F, cra="response")
    assert value["fields"] == {"view": "asn1", "layout": "unjoin-device-response", "response_code": "success"}
    assert Payload.from_json({"kind": "asn1", "fields": value["fields"]}) == payload
    with pytest.raises(MalformedMessage):
        Payload.from_json({"kind": "gbz", "fields": value["fields"]})
    broken = Payload("dlms-access-request", {"specs": 5})
    assert broken.to_json()["fields"] is None


def test_gbcs_message_json_names_its_payload():
    raw = gbcs.build(cra="command", counter=1, originator="90B3D51F30010000", recipient="00DB1234567890A0",
                     message_code=0x0010, payload=bytes.fromhex("040800db1234567890a1"), ciphered=False)
    value = gbcs.decode(raw).to_json()
    assert value["payload"]["fields"] == {"view": "asn1", "layout": "unjoin-device-command",
                                          "entity_id": "00DB1234567890A1"}


JOIN_COMMAND = GBCS_RTDS / "8.7.1_CS03A1" / "CS03A1_8.7.1_SUCCESS_COMMAND_GBCS.HEX"


@pytest.mark.skipif(not JOIN_COMMAND.exists(), reason="RTDS vectors not available")
def test_the_command_line_prints_the_fields_and_encodes_from_them():
    def run(command: str, stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dccsim", "gbcs", command], input=stdin, capture_output=True,
                              text=True, timeout=60)

    hex_text = JOIN_COMMAND.read_text().strip()
    decoded = run("decode", hex_text)
    assert decoded.returncode == 0, decoded.stderr
    value = json.loads(decoded.stdout)
    assert value["payload"]["fields"] == {"view": "asn1", "layout": "join-device-command",
                                          "join_method_and_role": "methodAInitiator", "entity_id": "00DB12345678909A",
                                          "device_type": "HCALCS"}
    del value["payload"]["tree"]
    value["payload"]["fields"]["device_type"] = "PPMID"
    encoded = run("encode", json.dumps(value))
    assert encoded.returncode == 0, encoded.stderr
    changed = gbcs.decode(bytes.fromhex(encoded.stdout.strip()))
    assert changed.payload.tree[0]["children"][2] == {"tag": "02", "hex": "05"}
