"""The semantic view of all 1,275 RTDS 4.5.0 messages: every payload is named, and its fields build it back.

Coverage (messages whose payload has a named view / all messages; GBZ messages whose every component's ZCL
payload is named, the encrypted ones decrypted with the RTDS keys) is printed; every use case the layer
covers must be named in full, and for each of them fields → tree → bytes is byte-exact and bytes → tree →
fields gives the same fields again, also through JSON and through a whole message given by fields alone.
"""
from __future__ import annotations

import json
from collections import Counter

import pytest

import gbcs
from gbcs import semantic
from gbcs.payload import decode_payload, encode_payload
from gbcs.semantic import asn1, cosem_objects, dlms_time
from gbcs.semantic.alerts import ALERT_NAMES
from tests.gbcs import corpus
from tests.gbcs.corpus import AVAILABLE, vectors

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance/gbcs-rtds not available")


def _decoded() -> list[tuple[str, gbcs.Message, dict]]:
    out = []
    for path, data in vectors():
        message = gbcs.decode(data)
        fields = semantic.describe(message.payload, message_code=message.message_code, cra=message.cra)
        out.append((path.name, message, json.loads(json.dumps(fields))))
    return out


@pytest.fixture(scope="module")
def decoded():
    return _decoded()


def test_every_message_has_a_named_view(decoded, capsys):
    named = Counter(semantic.is_named(fields) for _, _, fields in decoded)
    by_format = Counter((m.payload.kind, semantic.is_named(f)) for _, m, f in decoded)
    with capsys.disabled():
        print(f"\nsemantic view: {named[True]}/{len(decoded)} messages named; by payload kind: "
              + ", ".join(f"{kind} {n}" for (kind, is_named), n in sorted(by_format.items()) if is_named))
    assert len(decoded) == 1275
    assert [name for name, _, fields in decoded if not semantic.is_named(fields)] == []
    for name, message, fields in decoded:
        assert fields["view"] == message.payload.kind, name


def test_fields_build_the_same_bytes_and_read_back_the_same(decoded):
    for name, message, fields in decoded:
        rebuilt = semantic.build(fields)
        raw = encode_payload(rebuilt)
        assert raw == encode_payload(message.payload), name
        again = semantic.describe(decode_payload(raw, cra=message.cra), message_code=message.message_code,
                                  cra=message.cra)
        assert json.loads(json.dumps(again)) == fields, name


def test_a_message_given_by_its_fields_alone_encodes_to_the_same_bytes():
    for path, data in vectors()[::5]:
        value = gbcs.decode(data).to_json()
        assert value["payload"]["fields"]["view"] == value["payload"]["kind"], path.name
        del value["payload"]["tree"]
        again = gbcs.Message.from_json(json.loads(json.dumps(value)))
        assert gbcs.encode(again) == data, path.name


def test_every_object_an_rtds_command_addresses_has_a_name(decoded):
    unnamed = set()
    for _, message, fields in decoded:
        for request in fields.get("requests", []):
            if "object" not in request:
                unnamed.add((request["class_id"], request["obis"]))
            assert cosem_objects.obis_octets(request["obis"]).hex().upper() in \
                {spec["obis"] for spec in message.payload.tree.get("specs", message.payload.tree.get("request_specs"))}
            assert request.get("class") == cosem_objects.class_name(request["class_id"])
    assert unnamed == set()


def test_every_result_and_alert_code_has_a_name(decoded):
    results, alerts = set(), set()
    for _, message, fields in decoded:
        results.update(r["result"] for r in fields.get("responses", []))
        if "alert_code" in fields:
            alerts.add(fields["alert_code"])
            assert fields.get("alert") == ALERT_NAMES.get(int(fields["alert_code"], 16))
    assert all(isinstance(result, str) for result in results), results
    assert all(int(code, 16) in ALERT_NAMES for code in alerts), alerts


def test_dlms_date_times_read_as_text(decoded):
    seen = Counter()

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("date_time"), str):
                text = value["date_time"]
                seen["now" if text == "now" else "never" if text == "never" else "*" if "*" in text else "date"] += 1
                assert dlms_time.date_time_text(dlms_time.date_time_octets(value)) == \
                    {"date_time": text, **{k: value[k] for k in ("day_of_week", "clock_status") if k in value}}
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for _, message, fields in decoded:
        if message.payload.kind.startswith("dlms"):
            walk(fields)
    assert seen["date"] > 100 and seen["now"] > 0 and seen["never"] > 0, seen


def test_use_case_layouts_of_the_asn1_payloads(decoded):
    layouts = Counter()
    for name, message, fields in decoded:
        if message.payload.kind == "asn1":
            layouts[fields["layout"]] += 1
            assert fields["layout"].endswith(message.cra), name
    assert set(layouts) == set(asn1.LAYOUTS)


def test_protection_parameters_name_the_device_and_the_counter(decoded):
    checked = 0
    for name, message, fields in decoded:
        for request in fields.get("requests", []):
            protected = request.get("data", {})
            if isinstance(protected, dict) and "get_protected_attributes" in protected:
                options = protected["get_protected_attributes"]["protection_parameters"][0]["protection_options"]
                assert options["recipient_system_title"] == message.recipient, name
                assert options["transaction_id"][2:] == f"{message.counter:016x}", name
                checked += 1
    assert checked >= 20


# --- GBZ: the ZCL payloads, with the encrypted ones decrypted by the RTDS keys ---------------------

@pytest.fixture(scope="module")
def gbz_decrypted():
    out = []
    for path, _data, message in corpus.decoded():
        if message.payload.kind.startswith("gbz"):
            fields = message.to_json()["payload"]["fields"]
            out.append((path.name, message, json.loads(json.dumps(fields))))
    return out


def _zcl_of(fields: dict) -> list:
    return [component.get("zcl") for component in fields.get("components", [])]


def test_every_gbz_component_reads_as_zcl_fields(gbz_decrypted, capsys):
    with_components = [(name, fields) for name, _, fields in gbz_decrypted if fields.get("components")]
    named = [name for name, fields in with_components if all(isinstance(z, dict) for z in _zcl_of(fields))]
    components = [z for _, fields in with_components for z in _zcl_of(fields)]
    encrypted = [c for _, fields in with_components for c in fields["components"] if "ciphered" in c]
    with capsys.disabled():
        print(f"\nGBZ ZCL view: {len(named)}/{len(with_components)} GBZ messages with components have every "
              f"component named ({sum(isinstance(z, dict) for z in components)}/{len(components)} components, "
              f"{len(encrypted)} of them decrypted)")
    assert len(with_components) >= 330 and len(encrypted) >= 40
    assert named == [name for name, _ in with_components]
    alerts_without_components = [f for _, m, f in gbz_decrypted
                                 if m.payload.kind == "gbz-alert" and "components" not in f]
    assert all("tail" not in f or f["tail"] == "" for f in alerts_without_components)


def test_zcl_fields_rebuild_the_same_bytes_and_read_back_the_same(gbz_decrypted):
    for name, message, fields in gbz_decrypted:
        raw = encode_payload(semantic.build(fields))
        assert raw == encode_payload(message.payload), name
        again = semantic.describe(decode_payload(raw, cra=message.cra), message_code=message.message_code,
                                  cra=message.cra, decrypted=message.decrypted)
        assert json.loads(json.dumps(again)) == fields, name


def test_zcl_attributes_commands_and_statuses_have_names(gbz_decrypted):
    unnamed_attributes, unnamed_commands, statuses = set(), set(), set()
    for _, _, fields in gbz_decrypted:
        for component in fields.get("components", []):
            if "command" not in component:
                unnamed_commands.add((component["cluster_id"], component["command_id"]))
            zcl = component["zcl"]
            for record in zcl.get("records", []) + zcl.get("attributes", []):
                if "attribute" not in record:
                    unnamed_attributes.add((component["cluster_id"], record["attribute_id"]))
                if "status" in record:
                    statuses.add(record["status"])
            if component["command"] == "Default Response":
                statuses.add(zcl["status"])
                if "command" not in zcl:
                    unnamed_commands.add((component["cluster_id"], "Default Response to", zcl["command_id"]))
    assert unnamed_attributes == set()
    # A Default Response to command 0xFF answers a command the device could not attribute (ERROR vectors).
    assert {command for command in unnamed_commands if command[-1] != 0xFF} == set()
    assert all(isinstance(status, str) for status in statuses) and "SUCCESS" in statuses


def test_zcl_times_read_as_iso_text(gbz_decrypted):
    times = [component["zcl"][key] for _, _, fields in gbz_decrypted for component in fields.get("components", [])
             for key in ("start_time", "snapshot_time", "current_time", "implementation_date_time")
             if key in component["zcl"]]
    assert len(times) > 50 and all(semantic.common.utc_seconds(t) >= 0 for t in times)
