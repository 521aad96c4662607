"""Unit tests of the semantic layer: date-times, typed values, names, length widths, fallbacks and errors;
ZCL payloads of GBZ components, DLMS views and profiles, and the command line showing them."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import gbcs
from gbcs import semantic
from gbcs.errors import MalformedMessage, UsageError
from gbcs.payload import Payload, decode_payload, encode_payload
from gbcs import zcl
from gbcs.semantic import compact_array, gbcs_values, gbz, widths, zcl_fields
from gbcs.semantic.common import Names, utc_seconds, utc_seconds_text
from gbcs.semantic.cosem_objects import obis_octets, obis_text
from gbcs.semantic.dlms_time import date_octets, date_text, date_time_octets, date_time_text, time_octets, time_text
from gbcs.semantic.dlms_values import node_of, value_of
from tests.paths import GBCS_RTDS, KEYS_RTDS


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
    with pytest.raises(UsageError):
        semantic.build(fields)


def test_payload_json_carries_fields_and_builds_from_them():
    payload = decode_payload(bytes.fromhex("020100"))
    value = payload.to_json(message_code=0x000F, cra="response")
    assert value["fields"] == {"view": "asn1", "layout": "unjoin-device-response", "response_code": "success"}
    assert Payload.from_json({"kind": "asn1", "fields": value["fields"]}) == payload
    with pytest.raises(UsageError):
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


# --- ZCL payloads of GBZ components -----------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (int.from_bytes(bytes([115, 5, 1, 0xFF]), "little"), "2015-05-01"),
    (int.from_bytes(bytes([0xFF, 12, 25, 0xFF]), "little"), "****-12-25"),
    (int.from_bytes(bytes([115, 0xFF, 0xFF, 5]), "little"), "2015-**-**/5"),
])
def test_zcl_dates_read_as_text_and_back(value, text):
    assert zcl_fields.date_text(value) == text
    assert zcl_fields.date_value(text, "date") == value


def test_odd_zcl_dates_stay_numbers():
    odd = int.from_bytes(bytes([115, 13, 1, 0xFF]), "little")      # month 13
    assert zcl_fields.date_text(odd) == odd and zcl_fields.date_value(odd, "date") == odd
    for bad in ("2015-13-01", "2015-5-1", "1899-01-01"):
        with pytest.raises(MalformedMessage):
            zcl_fields.date_value(bad, "date")


def test_a_read_attributes_response_names_its_records_and_builds_back():
    payload = zcl.encode_read_attributes_response([
        zcl.AttributeRecord(0x0000, 0, zcl.ZclValue(zcl.UINT48, 1234)),
        zcl.AttributeRecord(0x0307, 0, zcl.ZclValue(zcl.OCTSTR, b"\x01\x02")),
        zcl.AttributeRecord(0x0014, zcl.UNSUPPORTED_ATTRIBUTE)])
    fields = zcl_fields.describe(zcl.METERING, 0x18, zcl.READ_ATTRIBUTES_RESPONSE, payload)
    assert fields == {"records": [
        {"attribute_id": "0000", "attribute": "CurrentSummationDelivered", "status": "SUCCESS", "type": "uint48",
         "value": 1234},
        {"attribute_id": "0307", "attribute": "SiteID", "status": "SUCCESS", "type": "octstr", "value": "0102"},
        {"attribute_id": "0014", "attribute": "SupplyStatus", "status": "UNSUPPORTED_ATTRIBUTE"}]}
    assert zcl_fields.build(zcl.METERING, 0x18, zcl.READ_ATTRIBUTES_RESPONSE, fields) == payload


def test_cluster_command_fields_are_named_with_text_times_and_labels():
    layout = zcl.command_layout(zcl.PREPAYMENT, 0x02, False)
    values = {"issuer_event_id": 7, "debt_label": b"Gas debt", "debt_amount": -5, "debt_recovery_method": 0,
              "debt_amount_type": 1, "debt_recovery_start_time": 473385600, "debt_recovery_collection_time": 60,
              "debt_recovery_frequency": 1, "debt_recovery_amount": 100, "debt_recovery_balance_percentage": 0}
    payload = zcl.encode_fields(layout, values)
    fields = zcl_fields.describe(zcl.PREPAYMENT, 0x01, 0x02, payload)
    assert fields["debt_label"] == "Gas debt" and fields["debt_recovery_start_time"] == "2015-01-01T00:00:00Z"
    assert fields["debt_amount"] == -5
    fields["debt_label"] = {"hex": "00ff"}
    assert zcl.decode_fields(layout, zcl_fields.build(zcl.PREPAYMENT, 0x01, 0x02, fields))["debt_label"] == b"\x00\xff"


def test_a_payload_that_is_not_its_command_stays_hex():
    raw = bytes.fromhex("0102")                                     # a Default Response is 2 octets: this is one
    assert zcl_fields.describe(zcl.METERING, 0x18, zcl.DEFAULT_RESPONSE, raw) is not None
    assert zcl_fields.describe(zcl.METERING, 0x18, zcl.DEFAULT_RESPONSE, raw + b"\x00") is None
    assert zcl_fields.describe(0x1234, 0x19, 0x01, raw) is None     # no layout for this cluster command
    component = {"control": 0x01, "cluster": 0x0702, "frame_control": 0x18, "sequence": 0,
                 "command": zcl.DEFAULT_RESPONSE, "payload": "010203"}
    fields = gbz.describe_component(component)
    assert fields["payload"] == "010203" and "zcl" not in fields
    assert gbz.build_component(fields) == component


def test_an_encrypted_component_shows_its_plaintext_fields_only_when_decrypted():
    plaintext = zcl.encode_default_response(0x06, zcl.SUCCESS)
    ciphered = (17 + len(plaintext)).to_bytes(2, "big") + bytes.fromhex("3100000000") + b"\xAA" * len(plaintext) \
        + b"\xBB" * 12
    component = {"control": 0x03, "cluster": 0x0702, "additional_header": "0000", "frame_control": 0x18,
                 "sequence": 0, "command": zcl.DEFAULT_RESPONSE, "payload": ciphered.hex()}
    assert gbz.describe_component(component)["zcl"] == "encrypted"
    shown = gbz.describe_component(component, plaintext)
    assert shown["zcl"] == {"command_id": 6, "command": "Get Snapshot", "status": "SUCCESS"}
    assert gbz.build_component(shown) == component                  # built from the ciphered information


# --- DLMS values --------------------------------------------------------------------------------

def test_dlms_dates_and_times_of_calendars_read_as_text():
    assert date_text(bytes.fromhex("07df0501ff")) == "2015-05-01"
    assert date_text(bytes.fromhex("fffffefe07")) == "****-dst-begin-last/7"
    assert time_text(bytes.fromhex("17000000")) == "23:00:00.00" and time_text(bytes.fromhex("060000ff")) == "06:00:00"
    assert date_octets("****-12-25").hex() == "ffff0c19ff" and time_octets("**:**:**").hex() == "ffffffff"
    assert date_text(bytes.fromhex("07df0d01ff")) is None and time_text(bytes.fromhex("18000000")) is None
    with pytest.raises(MalformedMessage):
        date_octets("2015-13-01")


def test_a_compact_array_lists_its_entries_unless_they_would_not_read_back():
    description = {"type": "structure", "items": [{"type": "double-long-unsigned"}, {"type": "octet-string"}]}
    contents = bytes.fromhex("1c374a80" "02abcd" "1c374a81" "00")
    assert compact_array.entries(description, contents) == [[473385600, "abcd"], [473385601, ""]]
    assert compact_array.contents_of(description, [[473385600, "abcd"], [473385601, ""]]) == contents
    long_form = bytes.fromhex("1c374a80" "8102abcd")                 # a length in a longer form than needed
    assert compact_array.entries(description, long_form) is None
    assert compact_array.entries(description, contents[:-1]) is None
    node = {"type": "compact-array", "description": description, "contents": long_form.hex()}
    assert node_of(value_of(node)) == node


def test_a_profile_reads_as_named_columns_with_iso_time_stamps():
    profile = gbcs_values.VIEWS["event_log_with_information"]
    node = {"type": "compact-array", "description": profile.description,
            "contents": "1c374a80" "8f66" "0100" "1c374a81" "1234" "00"}
    entries = profile.read(node)
    assert entries == [{"timestamp": "2015-01-01T00:00:00Z", "log_code": "8F66",
                        "log_meaning": "Future-date HAN Interface Command Successfully Actioned",
                        "other_information": "00"},
                       {"timestamp": "2015-01-01T00:00:01Z", "log_code": "1234", "other_information": ""}]
    assert profile.write(entries) == node


def test_a_response_names_what_its_use_case_reads():
    value = {"type": "double-long-unsigned", "value": 7}
    scaler_unit = {"type": "structure", "items": [{"type": "integer", "value": -3}, {"type": "enum", "value": 30}]}
    tree = {"invoke_id": "00000001", "date_time": None, "results": [{"choice": "get", "result": 0}] * 4,
            "data": [value, scaler_unit, value, scaler_unit]}
    payload = Payload("dlms-access-response", tree)
    fields = semantic.describe(payload, message_code=0x0026, cra="response")     # ECS17a
    assert fields["responses"][:2] == [
        {"service": "get", "result": "success", "object": "Active Export Register", "attribute": "value",
         "data": {"double-long-unsigned": 7}},
        {"service": "get", "result": "success", "object": "Active Export Register", "attribute": "scaler_unit",
         "data": {"scaler_unit": {"scaler": -3, "unit": "Wh"}}}]
    assert fields["responses"][2]["object"] == "Reactive Export Register"
    assert semantic.build(fields) == payload
    assert semantic.describe(payload)["responses"][1]["data"] == {"structure": [{"integer": -3}, {"enum": 30}]}
    shorter = Payload("dlms-access-response", {**tree, "results": tree["results"][:3], "data": tree["data"][:3]})
    assert "object" not in semantic.describe(shorter, message_code=0x0026)["responses"][0]   # not this use case


ECS24_RESPONSE = GBCS_RTDS / "4.11.1_ECS24" / "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX"
GSME_PREPAY_READ = GBCS_RTDS / "4.3_GCS14" / "GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE_GBCS.HEX"
ECS17B_RESPONSE = GBCS_RTDS / "4.1.1_ECS17b" / "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"


@pytest.mark.skipif(not GSME_PREPAY_READ.exists() or not KEYS_RTDS.exists(), reason="RTDS vectors not available")
def test_the_command_line_shows_zcl_and_dlms_values_by_name():
    def decode(path, *keys: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "dccsim", "gbcs", "decode", *keys],
                              input=path.read_text().strip(), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    keys = ("--keys", str(KEYS_RTDS))
    gas = decode(GSME_PREPAY_READ, *keys)
    components = gas["payload"]["fields"]["components"]
    assert components[0]["zcl"]["records"][1] == {"attribute_id": "0616", "attribute": "Currency",
                                                  "status": "SUCCESS", "type": "uint16", "value": 826}
    assert {r["attribute"] for r in components[1]["zcl"]["records"]} >= {"AccumulatedDebt", "CreditRemaining"}
    assert decode(GSME_PREPAY_READ)["payload"]["fields"]["components"][1]["zcl"] == "encrypted"

    tariff = decode(ECS24_RESPONSE)["payload"]["fields"]["responses"]
    assert tariff[2]["object"] == "Tariff Switching Table"
    assert tariff[2]["data"]["season_profiles"][0]["season_profile_name"] == "all"
    assert tariff[5]["data"]["special_days"][1] == {"index": 2, "specialday_date": "2015-12-25", "day_id": 2}

    registers = decode(ECS17B_RESPONSE, *keys)
    plaintext = registers["payload"]["fields"]["responses"][0]["data"]["get_protected_attributes_response"]["plaintext"]
    assert plaintext[0]["object"] == "Import Energy Registers (ECS17b)"
    assert plaintext[0]["value"]["import_energy_registers"]["active_import_scaler_unit"]["unit"] == "Wh"

    for value in (gas, registers):                                  # fields alone encode to the same bytes
        del value["payload"]["tree"]
        encoded = subprocess.run([sys.executable, "-m", "dccsim", "gbcs", "encode"], input=json.dumps(value),
                                 capture_output=True, text=True, timeout=60)
        assert encoded.returncode == 0, encoded.stderr
    assert encoded.stdout.strip() == ECS17B_RESPONSE.read_text().strip().upper()


def test_cluster_command_names_agree_with_the_zcl_layouts():
    for (cluster, command, server_to_client), layout in zcl.COMMANDS.items():
        assert gbz.CLUSTER_COMMANDS[(cluster, server_to_client)].name(command) == layout.name
