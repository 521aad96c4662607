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
from gbcs.semantic import asn1, cosem_objects, dlms, dlms_time, gbcs_values
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


# --- with the RTDS keys: decrypted parts named too ------------------------------------------------

@pytest.fixture(scope="module")
def with_keys():
    """(vector name, message decoded with the RTDS keys, its payload fields as JSON)."""
    return [(path.name, message, json.loads(json.dumps(message.to_json()["payload"]["fields"])))
            for path, _data, message in corpus.decoded()]


@pytest.fixture(scope="module")
def gbz_decrypted(with_keys):
    return [item for item in with_keys if item[1].payload.kind.startswith("gbz")]


@pytest.fixture(scope="module")
def dlms_decrypted(with_keys):
    return [item for item in with_keys if item[1].payload.kind.startswith("dlms")]


def test_fields_with_decrypted_parts_rebuild_the_same_bytes_and_read_back_the_same(with_keys):
    for name, message, fields in with_keys:
        raw = encode_payload(semantic.build(fields))
        assert raw == encode_payload(message.payload), name
        again = semantic.describe(decode_payload(raw, cra=message.cra), message_code=message.message_code,
                                  cra=message.cra, decrypted=message.decrypted)
        assert json.loads(json.dumps(again)) == fields, name


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


# --- DLMS: values named per use case ---------------------------------------------------------------

STRUCTURED = ("structure", "array", "compact-array")
# Values whose layout no public source gives: the register_device parameters of CCS01 and the entries of
# the Auxiliary Load Control Switch event log (ECS35f/g) stay typed values.
UNNAMED = {("CCS01", "register_device"), ("ECS35f", "buffer"), ("ECS35g", "buffer")}


def _kind(value) -> str | None:
    return next(iter(value)) if isinstance(value, dict) and len(value) == 1 else None


def _values(fields: dict):
    """(item, its value) of every request, response and decrypted plaintext value."""
    for item in fields.get("requests", []) + fields.get("responses", []):
        if "data" in item:
            yield item, item["data"]
            protected = item["data"].get("get_protected_attributes_response") if isinstance(item["data"], dict) \
                else None
            for value in (protected or {}).get("plaintext", []):
                yield value, value["value"]
    for key in ("billing_data_log",):
        for value in fields.get(key, {}).get("plaintext", []):
            yield value, value["value"]


def _views(fields: dict) -> set[str]:
    return {_kind(value) for _, value in _values(fields)} - {None}


def test_structured_dlms_values_are_named(dlms_decrypted, capsys):
    structured = named = 0
    unnamed = set()
    for name, message, fields in dlms_decrypted:
        for item, value in _values(fields):
            if _kind(value) in STRUCTURED:
                structured += 1
                unnamed.add((message.use_case, item.get("method") or item.get("attribute")))
            elif _kind(value) in dlms.NAMED_DATA:
                structured += 1
                named += 1
    with capsys.disabled():
        print(f"\nDLMS values: {named}/{structured} structured values (requests, responses, decrypted plaintexts) "
              f"read as named views; typed only: {sorted(unnamed)}")
    assert unnamed == UNNAMED


USE_CASE_VIEWS = {
    "ECS01a": {"season_profiles", "week_profiles", "day_profiles", "special_days", "thresholds", "unit_charge"},
    "ECS01b": {"unit_charge"},
    "ECS01c": {"season_profiles", "week_profiles", "day_profiles", "special_days", "unit_charge"},
    "ECS01d": {"unit_charge"},
    "ECS02": {"account_mode_and_status", "credit_charge_configuration"},
    "ECS03": {"account_mode_and_status", "credit_charge_configuration"},
    "ECS08": {"special_days", "schedule_entries"},
    "ECS17a": {"scaler_unit"},
    "ECS17b": {"get_protected_attributes", "get_protected_attributes_response", "import_energy_registers"},
    "ECS17c": {"power_import"},
    "ECS17d": {"tou_register_matrix"},
    "ECS17e": {"tou_block_register_matrix"},
    "ECS19": {"prepayment_registers"},
    "ECS20a": {"amount_log"},
    "ECS20b": {"billing_data_log_with_prepayment", "billing_data_log_twin_with_prepayment"},
    "ECS20c": {"billing_data_log", "billing_data_log_twin", "prepayment_log"},
    "ECS20d": {"amount_log"},
    "ECS21a": {"billing_data_log", "billing_data_log_twin"},
    "ECS21b": {"prepayment_log"},
    "ECS21c": {"export_daily_read_log"},
    "ECS22a": {"export_profile"},
    "ECS22b": {"active_import_profile", "active_import_profile_twin"},
    "ECS22c": {"reactive_import_profile"},
    "ECS23": {"scaler_unit", "voltage_profile"},
    "ECS24": {"scaler_unit", "season_profiles", "week_profiles", "day_profiles", "special_days", "thresholds",
              "unit_charge"},
    "ECS24b": {"unit_charge", "scaler_unit", "special_days", "season_profiles", "week_profiles", "day_profiles"},
    "ECS26a": {"unit_charge", "special_days", "signed_thresholds", "schedule_entries", "credit_charge_configuration"},
    "ECS26d": {"execution_times"},
    "ECS35a": {"event_log_with_information"},
    "ECS35b": {"event_log"},
    "ECS35e": {"power_event_log"},
    "ECS66": {"daily_consumption_log"},
    "ECS70": {"preset_adjusting_time"},
    "CCS07": {"pan_backup"},
    "DBCH03": {"sub_ghz_configuration"},
}


def test_the_values_of_each_use_case_read_as_its_views(dlms_decrypted):
    found: dict[str, set[str]] = {}
    for _, message, fields in dlms_decrypted:
        found.setdefault(message.use_case, set()).update(_views(fields))
    missing = {case: views - found.get(case, set()) for case, views in USE_CASE_VIEWS.items()}
    assert {case: views for case, views in missing.items() if views} == {}


def test_responses_name_what_they_answer(dlms_decrypted):
    answered = Counter()
    for name, message, fields in dlms_decrypted:
        if message.payload.kind == "dlms-access-response" and message.message_code in gbcs_values.RESPONSE_ITEMS:
            for response in fields["responses"]:
                assert "attribute" in response or "method" in response, name
                answered[message.use_case] += 1
    firmware = next(f for n, m, f in dlms_decrypted if m.use_case == "ECS52" and "SUCCESS_RESPONSE" in n)
    assert firmware["responses"][0]["object"] == "Firmware Version"
    clock = next(f for n, m, f in dlms_decrypted if m.use_case == "ECS70" and "SUCCESS_RESPONSE" in n)
    assert [r.get("attribute") or r.get("method") for r in clock["responses"]] == \
        ["clock_base", "preset_adjusting_time", "adjust_to_preset_time", "time", "status"]
    assert isinstance(clock["responses"][3]["data"]["octet-string"]["date_time"], str)
    assert len(answered) >= 50


def _command_refs(fields: dict) -> tuple:
    refs = []
    for request in fields["requests"]:
        protected = request.get("data", {}).get("get_protected_attributes") if isinstance(request.get("data"), dict) \
            else None
        if protected:
            return "protected", tuple((o["class_id"], o["obis"], o["attribute_id"]) for o in protected["objects"])
        if request["service"] == "action":
            refs.append(("action", request["class_id"], request["obis"], request["method_id"]))
        else:
            refs.append((request["class_id"], request["obis"], request["attribute_id"]))
    return "items", tuple(refs)


def test_the_response_tables_list_what_the_rtds_commands_request(dlms_decrypted):
    commands: dict[int, set] = {}
    for _, message, fields in dlms_decrypted:
        if message.payload.kind == "dlms-access-request" and message.cra == "command":
            commands.setdefault(message.message_code, set()).add(_command_refs(fields))
    for code, refs in gbcs_values.RESPONSE_ITEMS.items():
        assert commands[code] == {("items", refs)}, f"{code:04X}"
    for code, refs in gbcs_values.PROTECTED_OBJECTS.items():
        if code != 0x0061:                 # ECS68 is an alert: no command
            assert commands[code] == {("protected", refs)}, f"{code:04X}"


def test_every_dlms_alert_payload_is_named(dlms_decrypted, capsys):
    alerts = [(name, fields) for name, message, fields in dlms_decrypted
              if message.payload.kind == "dlms-data-notification"]
    unnamed = [name for name, fields in alerts if fields.get("payload") or "body" in fields]
    payloads = Counter(next((k for k in fields if k in {a.name for a in dlms.ALERT_PAYLOADS.values()}), "none")
                       for _, fields in alerts)
    with capsys.disabled():
        print(f"\nDLMS alerts: {len(alerts) - len(unnamed)}/{len(alerts)} with every item named; "
              f"use-case payloads: {dict(sorted(payloads.items()))}")
    assert unnamed == []
    billing = [f for n, f in alerts if "billing_data_log" in f]
    assert billing and all("plaintext" in f["billing_data_log"] for f in billing)
