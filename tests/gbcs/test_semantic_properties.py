"""Property tests of the semantic layer, per use case: generated fields build a payload whose bytes decode
back to the same fields (the names the layer adds beside numbers — class, object, attribute, method, use
case, alert, cluster, command — are checked against the tables and otherwise ignored).

Every ASN.1 layout is generated from its own shape; DLMS requests, responses and alerts, and GBZ payloads
and alerts from strategies of their fields. Whole messages go through ``gbcs.build`` and ``gbcs.decode``
with the RTDS test keys (MAC, and the supplier's signature on critical commands).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import gbcs
from gbcs import semantic
from gbcs.catalogue import lookup
from gbcs.payload import asn1 as asn1_codec, decode_payload, encode_payload
from gbcs import zcl
from gbcs.semantic import asn1, cosem_values, der_schema, dlms, gbcs_values, gbz, zcl_fields, zcl_names
from gbcs.semantic import axdr_schema as ax
from gbcs.semantic.alerts import ALERT_NAMES, INTEGRITY_ISSUES
from gbcs.semantic.axdr_schema import try_read
from gbcs.semantic.common import Names, eui, utc_seconds_text
from gbcs.semantic.cosem_objects import ACTION_RESULTS, CLASSES, DATA_ACCESS_RESULTS, obis_text
from gbcs.semantic.dlms_time import NEVER, NOW, date_time_text
from tests.gbcs.corpus import AVAILABLE, rtds_keys
from tests.gbcs.test_zcl import command_values, read_records, values as zcl_values

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DERIVED = {"class": "class_id", "object": "obis", "attribute": "attribute_id", "method": "method_id",
           "use_case": "message_code", "alert": "alert_code", "cluster": "cluster_id", "command": "command_id",
           "log_meaning": "log_code", "event_meaning": "event_code", "event": "event_id"}
# What a response answers is named from its use case (or the requests it echoes): derived, never built from.
RESPONSE_NAMES = ("object", "attribute", "method")


def authoritative(value: Any, *, described: bool = False) -> Any:
    """The fields without the names shown beside numbers (checked against the tables when ``described``)."""
    if isinstance(value, dict) and described:
        if "class_id" in value and value["class_id"] in CLASSES:
            assert value["class"] == CLASSES[value["class_id"]].name
        if "alert_code" in value and int(value["alert_code"], 16) in ALERT_NAMES:
            assert value["alert"] == ALERT_NAMES[int(value["alert_code"], 16)]
        if "message_code" in value and lookup(int(value["message_code"], 16)):
            assert value["use_case"] == lookup(int(value["message_code"], 16)).use_case
    if isinstance(value, dict):
        response = "service" in value and "result" in value
        return {k: authoritative(v, described=described) for k, v in value.items()
                if not (k in DERIVED and DERIVED[k] in value) and not (response and k in RESPONSE_NAMES)}
    if isinstance(value, list):
        return [authoritative(item, described=described) for item in value]
    return value


def round_trip(fields: dict[str, Any], *, message_code: int | None = None, cra: str | None = None) -> dict:
    """fields → tree → bytes → tree → fields."""
    payload = semantic.build(fields)
    raw = encode_payload(payload)
    again = semantic.describe(decode_payload(raw, cra=cra), message_code=message_code, cra=cra)
    assert semantic.is_named(again), again
    assert authoritative(again, described=True) == authoritative(fields)
    assert encode_payload(semantic.build(again)) == raw
    return again


# --- building blocks ----------------------------------------------------------------------------

u8, u16, u32, u64 = st.integers(0, 255), st.integers(0, 0xFFFF), st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1)
euis = st.binary(min_size=8, max_size=8).map(eui)
hexes = st.binary(max_size=40).map(bytes.hex)
four_hex = u16.map(lambda code: f"{code:04X}")
obis_codes = st.binary(min_size=6, max_size=6).map(obis_text)


def named(names: Names, low: int, high: int) -> st.SearchStrategy:
    """A value of an enumeration as ``describe`` shows it: its name, or a number without one."""
    unnamed = st.integers(low, high).filter(lambda n: n not in names.table)
    return st.one_of(st.sampled_from(sorted(names.codes)), unnamed) if names.codes else unnamed


def _date_time_octets(year, month, day, weekday, hour, minute, second, hundredths, deviation, status) -> bytes:
    return (year.to_bytes(2, "big") + bytes([month, day, weekday, hour, minute, second, hundredths])
            + deviation.to_bytes(2, "big", signed=True) + bytes([status]))


def _unspecified(strategy: st.SearchStrategy, *specials: int) -> st.SearchStrategy:
    return st.one_of(strategy, st.sampled_from((0xFF, *specials)))


date_times = st.one_of(
    st.sampled_from([NOW, NEVER]),
    st.builds(_date_time_octets, st.one_of(st.integers(0, 9999), st.just(0xFFFF)),
              _unspecified(st.integers(1, 12), 0xFD, 0xFE), _unspecified(st.integers(1, 31), 0xFD, 0xFE),
              _unspecified(st.integers(1, 7)), _unspecified(st.integers(0, 23)), _unspecified(st.integers(0, 59)),
              _unspecified(st.integers(0, 59)), _unspecified(st.integers(0, 99)),
              st.one_of(st.integers(-720, 720), st.just(-0x8000)), u8),
).map(date_time_text)


def typed_values(depth: int = 2) -> st.SearchStrategy:
    """DLMS values in the form ``describe`` gives them."""
    integers = [st.builds(lambda v, k=kind: {k: v}, st.integers(low, high)) for kind, (low, high) in {
        "integer": (-128, 127), "long": (-2**15, 2**15 - 1), "double-long": (-2**31, 2**31 - 1),
        "long64": (-2**63, 2**63 - 1), "unsigned": (0, 255), "long-unsigned": (0, 0xFFFF),
        "double-long-unsigned": (0, 2**32 - 1), "long64-unsigned": (0, 2**64 - 1), "enum": (0, 255),
        "bcd": (0, 255)}.items()]
    leaves = st.one_of(
        st.none(), *integers,
        st.builds(lambda v: {"boolean": v}, st.booleans()),
        st.builds(lambda b: {"octet-string": b.hex()}, st.binary(max_size=30).filter(lambda b: len(b) != 12)),
        st.builds(lambda d: {"octet-string": d}, date_times),
        st.builds(lambda d: {"date-time": d}, date_times),
        st.builds(lambda t: {"visible-string": t}, st.text(st.characters(min_codepoint=32, max_codepoint=126),
                                                           max_size=20)),
        st.builds(lambda t: {"utf8-string": t}, st.text(max_size=10)),
        st.builds(lambda t: {"bit-string": t}, st.text("01", max_size=40)),
        st.builds(lambda b: {"float64": b.hex()}, st.binary(min_size=8, max_size=8)),
        st.builds(lambda b: {"date": b.hex()}, st.binary(min_size=5, max_size=5)),
    )
    if depth == 0:
        return leaves
    children = st.lists(typed_values(depth - 1), max_size=4)
    return st.one_of(leaves, st.builds(lambda items: {"array": items}, children),
                     st.builds(lambda items: {"structure": items}, children))


# --- DLMS ---------------------------------------------------------------------------------------

protection_parameters = st.fixed_dictionaries({
    "protection_type": named(dlms.PROTECTION_TYPES, 0, 255),
    "protection_options": st.fixed_dictionaries({
        "transaction_id": hexes, "originator_system_title": euis, "recipient_system_title": euis,
        "other_information": hexes,
        "key_info": st.fixed_dictionaries({
            "key_info_type": named(dlms.KEY_INFO_TYPES, 0, 255),
            "agreed_key_info": st.fixed_dictionaries({"key_parameters": hexes, "key_ciphered_data": hexes})})})})
object_definitions = st.fixed_dictionaries({
    "class_id": u16, "obis": obis_codes, "attribute_id": st.integers(-128, 127), "data_index": u16})
get_protected_attributes = st.fixed_dictionaries({
    "objects": st.lists(object_definitions.flatmap(lambda d: st.fixed_dictionaries({
        "restriction": st.fixed_dictionaries({"restriction_type": named(dlms.RESTRICTION_TYPES, 0, 255),
                                              "restriction_value": typed_values(1)})}).map(lambda r: {**d, **r})),
        max_size=3),
    "protection_parameters": st.lists(protection_parameters, max_size=2)})
ciphered = st.fixed_dictionaries({"security_control": st.just("31"), "invocation_counter": u32,
                                  "ciphertext": hexes, "tag": st.binary(min_size=12, max_size=12).map(bytes.hex)})
protected_response = st.fixed_dictionaries({"protection_parameters": st.lists(protection_parameters, max_size=2),
                                            "protected_attributes": ciphered})
ranges = st.fixed_dictionaries({"restricting_object": object_definitions, "from": typed_values(1),
                                "to": typed_values(1), "selected_values": st.lists(object_definitions, max_size=3)})
apdu_times = st.one_of(st.none(), date_times, st.binary(min_size=1, max_size=20)
                       .filter(lambda b: date_time_text(b) is None).map(lambda b: {"hex": b.hex()}))
invoke_ids = st.binary(min_size=4, max_size=4).map(bytes.hex)


def _not_protected_response(value: Any) -> bool:
    return try_read(dlms.PROTECTED_ATTRIBUTES, dlms.data_node(value)) is None


@st.composite
def requests(draw) -> dict[str, Any]:
    service = draw(st.sampled_from(["get", "set", "action", "get-with-selection", "set-with-selection"]))
    protected = service == "action" and draw(st.booleans())
    class_id = 30 if protected else draw(st.one_of(st.sampled_from(sorted(CLASSES)), u16))
    request: dict[str, Any] = {"service": service, "class_id": class_id, "obis": draw(obis_codes)}
    request["method_id" if service == "action" else "attribute_id"] = 1 if protected else draw(u8)
    if protected:
        request["data"] = {"get_protected_attributes": draw(get_protected_attributes)}
        return request
    if service == "action" and class_id == 30 and request["method_id"] == 1:
        request["method_id"] = 2
    if service.endswith("with-selection"):
        request["selector"] = draw(u8)
        request["selection"] = {"range": draw(ranges)} if request["selector"] == 1 else \
            draw(typed_values(1).filter(lambda v: try_read(dlms.RANGE, dlms.data_node(v)) is None))
    data = draw(typed_values())
    if data is not None:
        request["data"] = canonical(_ref(request), data)
    return request


def _ref(item: dict[str, Any]) -> tuple:
    if item["service"] == "action":
        return ("action", item["class_id"], item["obis"], item["method_id"])
    return (item["class_id"], item["obis"], item["attribute_id"])


def canonical(ref: tuple | None, value: Any, *, result: bool = False) -> Any:
    """A value as ``describe`` gives it for what it belongs to: a typed value that has the exact form of one
    of its views reads as that view."""
    return dlms.named_value(dlms.value_views(ref, result=result), dlms.data_node(value))


@st.composite
def responses(draw) -> dict[str, Any]:
    service = draw(st.sampled_from(["get", "set", "action"]))
    results = ACTION_RESULTS if service == "action" else DATA_ACCESS_RESULTS
    response: dict[str, Any] = {"service": service, "result": draw(named(results, 0, 255))}
    data = draw(st.one_of(typed_values().filter(_not_protected_response),
                          protected_response.map(lambda v: {"get_protected_attributes_response": v})))
    if data is not None:
        response["data"] = data
    return response


@FAST
@given(invoke_ids, apdu_times, st.lists(requests(), max_size=4))
def test_dlms_access_requests(invoke_id, date_time, items):
    round_trip({"view": "dlms-access-request", "invoke_id": invoke_id, "date_time": date_time, "requests": items})


@FAST
@given(invoke_ids, apdu_times, st.lists(responses(), max_size=4), st.one_of(st.none(), st.lists(requests(), max_size=2)))
def test_dlms_access_responses(invoke_id, date_time, items, echoed):
    fields = {"view": "dlms-access-response", "invoke_id": invoke_id, "date_time": date_time, "responses": items}
    if echoed is not None:
        fields["requests"] = [{k: v for k, v in r.items() if k != "data"} for r in echoed]
        if len(echoed) == len(items):
            for request, response in zip(echoed, items):
                action = response["service"] == "action"
                if "data" in response and "get_protected_attributes_response" not in response["data"] \
                        and (request["service"] == "action") == action:
                    response["data"] = canonical(_ref(request), response["data"], result=True)
    round_trip(fields)


# --- named DLMS views: fields generated from each view's shape -----------------------------------

INTEGER_RANGES = {"integer": (-128, 127), "long": (-2**15, 2**15 - 1), "double-long": (-2**31, 2**31 - 1),
                  "long64": (-2**63, 2**63 - 1), "unsigned": (0, 255), "long-unsigned": (0, 0xFFFF),
                  "double-long-unsigned": (0, 2**32 - 1), "long64-unsigned": (0, 2**64 - 1), "enum": (0, 255)}
printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=16)


def _readable(shape: ax.Readable) -> st.SearchStrategy:
    raw = st.binary(min_size=shape.size or 0, max_size=shape.size or 16)
    read = raw.map(lambda b: shape.read({"type": "octet-string", "hex": b.hex()}))
    return st.one_of(read, printable) if shape is ax.LABEL else read


def _column(kind: Any) -> st.SearchStrategy:
    if isinstance(kind, tuple):
        _array, count, of = kind
        return st.lists(_column(of), min_size=count, max_size=count)
    if kind == "utc":
        return utc_times
    if kind == "code":
        return four_hex
    if kind == "octet-string":
        return hexes
    return st.integers(*INTEGER_RANGES[kind])


def axdr(shape: ax.Shape) -> st.SearchStrategy:
    """Fields for any value of an A-XDR shape, in the form ``describe`` gives them."""
    if isinstance(shape, ax.Number):
        low, high = INTEGER_RANGES[shape.kind]
        return named(shape.names, low, high) if shape.names else st.integers(low, high)
    if shape is ax.DATE_TIME:
        return date_times
    if isinstance(shape, ax.Octets):
        return st.binary(min_size=shape.size or 0, max_size=shape.size or 20).map(shape.show)
    if isinstance(shape, ax.Readable):
        return _readable(shape)
    if isinstance(shape, ax.Typed):
        return {"bit-string": st.text("01", max_size=40), "boolean": st.one_of(st.booleans(), st.integers(2, 255)),
                "visible-string": printable, "utf8-string": st.text(max_size=12)}[shape.kind]
    if isinstance(shape, ax.Code):
        return four_hex
    if isinstance(shape, ax.Struct):
        return st.integers(shape.required, len(shape.members)).flatmap(lambda count: st.fixed_dictionaries(
            {name: axdr(member) for name, member in shape.members[:count]}))
    if isinstance(shape, ax.Array):
        return st.lists(axdr(shape.item), max_size=3)
    if isinstance(shape, ax.Profile):
        return st.lists(st.fixed_dictionaries({name: _column(kind) for name, kind in shape.columns}), max_size=3)
    if isinstance(shape, cosem_values.ObjectReference):
        return axdr(shape.struct)
    if isinstance(shape, dlms.AuxiliaryController):
        return st.fixed_dictionaries({"auxiliary_controller_n": st.integers(0, 15),
                                      "source": named(dlms.APC_SOURCES, 0, 15)})
    if isinstance(shape, dlms.OctetEnum):
        return named(shape.names, 0, 255)
    if shape is ax.ANY:
        return typed_values(1)
    raise AssertionError(f"no strategy for {shape!r}")


def _where_used() -> dict[str, tuple[str, tuple]]:
    """Each named view and a place describe looks for it: ("set" | "action" | "result", reference)."""
    places: dict[str, tuple[str, tuple]] = {}
    for (class_id, obis, attribute), views in gbcs_values.OBJECT_VIEWS.items():
        for view in views:
            places.setdefault(view, ("set", (class_id, obis, attribute)))
    for (class_id, attribute), views in cosem_values.ATTRIBUTE_VIEWS.items():
        for view in views:
            places.setdefault(view, ("set", (class_id, "0-0:96.1.0.255", attribute)))
    for (class_id, method), views in cosem_values.METHOD_VIEWS.items():
        for view in views:
            places.setdefault(view, ("action", ("action", class_id, "0-0:96.1.0.255", method)))
    for (class_id, method), views in cosem_values.RESULT_VIEWS.items():
        for view in views:
            places.setdefault(view, ("result", ("action", class_id, "0-0:30.3.0.255", method)))
    return places


PLACES = _where_used()
VIEWS = sorted({**cosem_values.VIEWS, **gbcs_values.VIEWS})


def test_every_named_view_is_used_somewhere():
    assert sorted(PLACES) == VIEWS


def _view_fields(view: str, value: Any) -> tuple[dict[str, Any], int | None]:
    """A payload whose one value is ``value`` under ``view``, and the message code that names it."""
    kind, ref = PLACES[view]
    data = {view: value}
    assume(canonical(ref, data, result=kind == "result") == data)     # no earlier view of the place reads it
    if kind == "result":
        code = next(code for code, refs in gbcs_values.RESPONSE_ITEMS.items() if refs[0] == ref)
        responses = [{"service": "action", "result": "success", "data": data}]
        responses += [{"service": "action", "result": "success"}] * (len(gbcs_values.RESPONSE_ITEMS[code]) - 1)
        return {"view": "dlms-access-response", "invoke_id": "00000001", "date_time": None,
                "responses": responses}, code
    member = "method_id" if kind == "action" else "attribute_id"
    service = "action" if kind == "action" else "set"
    return {"view": "dlms-access-request", "invoke_id": "00000001", "date_time": None,
            "requests": [{"service": service, "class_id": ref[-3], "obis": ref[-2], member: ref[-1],
                          "data": data}]}, None


@pytest.mark.parametrize("view", VIEWS)
@FAST
@given(data=st.data())
def test_named_dlms_views(view, data):
    fields, code = _view_fields(view, data.draw(axdr(dlms.NAMED_DATA[view])))
    round_trip(fields, message_code=code, cra="response" if code else None)


@pytest.mark.slow
@pytest.mark.parametrize("view", VIEWS)
@SLOW
@given(data=st.data())
def test_named_dlms_views_exhaustively(view, data):
    fields, code = _view_fields(view, data.draw(axdr(dlms.NAMED_DATA[view])))
    round_trip(fields, message_code=code, cra="response" if code else None)


ALERT_PAYLOADS = {
    0x00CC: ("future_dated_command", st.fixed_dictionaries({
        "message_code": four_hex, "originator_counter": u64,
        "attribute_descriptor": st.fixed_dictionaries({"class_id": u16, "obis": obis_codes, "attribute_id": u8})})),
    0x00CE: ("calculated_manufacturer_hash", hexes),
    0x00F0: ("integrity_issue", named(Names(INTEGRITY_ISSUES), 0, 0xFFFF)),
    0x0061: ("billing_data_log", protected_response),
    0x0110: ("suspended_device", euis),
    0x0114: ("discarded_message", st.fixed_dictionaries({
        "business_originator_id": euis, "business_target_id": euis, "cra": named(dlms.CRA, 0, 255),
        "originator_counter": u64})),
    0x0115: ("refused_device", euis),
    0x0120: ("unsupported_command", st.fixed_dictionaries({"message_code": four_hex, "originator_counter": u64})),
}
# The use-case payloads of ECS80, ECS101/102, ECS200, DBCH07-09 and CS14, from their shapes.
ALERT_PAYLOADS.update({
    code: (payload.name,
           st.fixed_dictionaries({part: axdr(shape) for part, shape in zip(payload.parts, payload.shapes)})
           if payload.parts else axdr(payload.shapes[0]))
    for code, payload in dlms.ALERT_PAYLOADS.items() if code not in ALERT_PAYLOADS})


@st.composite
def dlms_alerts(draw, codes: tuple[int, ...] = (*ALERT_PAYLOADS, 0x1000, 0x0068)) -> tuple[int, dict[str, Any]]:
    code = draw(st.sampled_from(codes))
    fields = {"view": "dlms-data-notification", "invoke_id": draw(invoke_ids), "date_time": draw(apdu_times),
              "alert_code": draw(four_hex), "alert_date_time": draw(date_times.filter(lambda d: d is not None))}
    if code in ALERT_PAYLOADS:
        name, strategy = ALERT_PAYLOADS[code]
        fields[name] = draw(strategy)
    else:
        fields["payload"] = draw(st.lists(typed_values(1), max_size=3))
    return code, fields


@FAST
@given(dlms_alerts())
def test_dlms_alerts(alert):
    code, fields = alert
    round_trip(fields, message_code=code, cra="alert")


# --- GBZ ----------------------------------------------------------------------------------------

utc_times = st.integers(0, 2**32 - 1).map(utc_seconds_text)
frame_controls = st.fixed_dictionaries(
    {"frame_type": named(gbz.FRAME_TYPES, 0, 3), "manufacturer_specific": st.booleans(),
     "direction": st.sampled_from(["client-to-server", "server-to-client"]), "disable_default_response": st.booleans()},
    optional={"reserved_bits": st.integers(1, 7)})
clusters = st.one_of(st.sampled_from(sorted(gbz.CLUSTERS.table)), u16).map(lambda c: f"{c:04X}")
written_records = st.builds(lambda a, v: zcl.AttributeRecord(a, value=v), u16, zcl_values)


GENERAL_PAYLOADS = {
    zcl.READ_ATTRIBUTES: st.lists(u16, max_size=6).map(zcl.encode_read_attributes),
    zcl.READ_ATTRIBUTES_RESPONSE: st.lists(read_records, max_size=4).map(zcl.encode_read_attributes_response),
    zcl.WRITE_ATTRIBUTES: st.lists(written_records, max_size=4).map(zcl.encode_write_attributes),
    zcl.WRITE_ATTRIBUTES_UNDIVIDED: st.lists(written_records, max_size=4).map(zcl.encode_write_attributes),
    zcl.WRITE_ATTRIBUTES_NO_RESPONSE: st.lists(written_records, max_size=4).map(zcl.encode_write_attributes),
    zcl.REPORT_ATTRIBUTES: st.lists(written_records, max_size=4).map(zcl.encode_write_attributes),
    zcl.WRITE_ATTRIBUTES_RESPONSE: st.lists(st.builds(zcl.AttributeRecord, u16, u8), max_size=4)
    .map(zcl.encode_write_attributes_response),
    zcl.DEFAULT_RESPONSE: st.tuples(u8, u8).map(lambda v: zcl.encode_default_response(*v)),
}


@st.composite
def zcl_commands(draw) -> tuple[int, int, bool, int, bytes, bool]:
    """(frame type, cluster, server to client, command id, ZCL payload, whether it must read as named fields):
    a profile-wide command with its records, a cluster-specific command of a known layout with its fields,
    or anything at all."""
    kind = draw(st.sampled_from(["general", "specific", "any"]))
    if kind == "general":
        command = draw(st.sampled_from(sorted(GENERAL_PAYLOADS)))
        return 0, draw(st.sampled_from(sorted(zcl_names.ATTRIBUTES))), draw(st.booleans()), command, \
            draw(GENERAL_PAYLOADS[command]), True
    if kind == "specific":
        (cluster, command, server_to_client), layout = draw(st.sampled_from(sorted(zcl.COMMANDS.items())))
        return 1, cluster, server_to_client, command, zcl.encode_fields(layout, draw(command_values(layout))), True
    return draw(st.integers(0, 3)), draw(u16), draw(st.booleans()), draw(u8), draw(st.binary(max_size=30)), False


@st.composite
def components(draw, last: bool) -> dict[str, Any]:
    """A component's fields as ``describe`` gives them (its ZCL payload named wherever it can be)."""
    encrypted, dated = draw(st.booleans()), draw(st.booleans())
    control: dict[str, Any] = {"last_component": last, "encrypted": encrypted, "from_date_time_present": dated}
    other = draw(st.sampled_from([0, 0x04, 0x20, 0xC8]))
    if other:
        control["other_bits"] = other
    frame_type, cluster, server_to_client, command, payload, must_name = draw(zcl_commands())
    component: dict[str, Any] = {"control": control, "cluster_id": f"{cluster:04X}"}
    if encrypted:
        component["additional_header"] = draw(st.binary(min_size=2, max_size=2)).hex()
    elif dated:
        component["from_date_time"] = draw(utc_times)
    component["frame_control"] = frame = draw(frame_controls)
    frame["frame_type"] = gbz.FRAME_TYPES.name(frame_type)
    frame["direction"] = "server-to-client" if server_to_client else "client-to-server"
    if frame["manufacturer_specific"]:
        component["manufacturer_code"] = draw(u16)
    component["sequence"], component["command_id"] = draw(u8), command
    if encrypted:
        component["ciphered"] = {"security_header": draw(st.binary(min_size=5, max_size=5)).hex(),
                                 "ciphertext": payload.hex(), "tag": draw(st.binary(min_size=12, max_size=12)).hex()}
    else:
        component["payload"] = payload.hex()
    described = gbz.describe_component(gbz.build_component(component))
    if encrypted:
        assert described["zcl"] == gbz.ENCRYPTED
    elif must_name:
        assert isinstance(described.get("zcl"), dict), described
        assert zcl_fields.build(cluster, gbz.build_frame_control(frame), command, described["zcl"]) == payload
    return described


@st.composite
def gbz_payloads(draw) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    return {"view": "gbz", "components": [draw(components(last=i == count - 1)) for i in range(count)]}


@FAST
@given(gbz_payloads())
def test_gbz_payloads(fields):
    round_trip(fields)


@st.composite
def gbz_alerts(draw) -> tuple[int, dict[str, Any]]:
    code = draw(st.sampled_from([0x00CD, 0x00CF, 0x00F2, 0x008B, 0x1001]))
    fields: dict[str, Any] = {"view": "gbz-alert", "component_count": draw(st.integers(0, 3)),
                              "alert_code": draw(four_hex), "alert_date_time": draw(utc_times)}
    if code == 0x00CD:
        fields["future_dated_command"] = {"message_code": draw(four_hex), "originator_counter": draw(u64),
                                          "cluster_id": draw(clusters), "frame_control": draw(frame_controls),
                                          "command_id": draw(u8)}
    elif code == 0x00CF:
        fields["calculated_manufacturer_hash"] = draw(st.binary(max_size=127)).hex()
    elif code == 0x00F2:
        fields["integrity_issue"] = draw(named(Names(INTEGRITY_ISSUES), 0, 0xFFFF))
    elif code == 0x008B:
        count = draw(st.integers(1, 3))
        fields["component_count"] = count
        fields["components"] = [draw(components(last=i == count - 1)) for i in range(count)]
    else:
        fields["component_count"] = 0
        fields["tail"] = draw(hexes)
    # A tail that happens to read as the counted components is decoded as components (see gbcs.payload.gbz).
    assume("components" in fields or "tail" in decode_payload(encode_payload(semantic.build(fields)), cra="alert").tree)
    return code, fields


@FAST
@given(gbz_alerts())
def test_gbz_alerts(alert):
    code, fields = alert
    round_trip(fields, message_code=code, cra="alert")


# --- ASN.1: every layout, generated from its shape ----------------------------------------------

_CERTIFICATE_LIKE = st.recursive(
    st.builds(lambda tag, raw: {"tag": tag, "hex": raw.hex()}, st.sampled_from(["02", "04", "06", "13"]),
              st.binary(max_size=20)),
    lambda children: st.builds(lambda kids: {"tag": "30", "children": kids}, st.lists(children, max_size=3)),
    max_leaves=6)
der_values = st.builds(lambda kids: asn1_codec.encode_node({"tag": "30", "children": kids}).hex(),
                       st.lists(_CERTIFICATE_LIKE, max_size=3))
generalized_times = st.datetimes(datetime(1000, 1, 1), datetime(9999, 12, 31)).map(
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))


def shaped(shape: der_schema.Der) -> st.SearchStrategy:
    """Fields for any value of a DER shape, in the form ``describe`` gives them."""
    if shape is asn1.ALERT_CODE:
        return four_hex
    if isinstance(shape, der_schema.Int):
        return named(shape.names, -2**40, 2**40) if shape.names else st.integers(-2**70, 2**70)
    if isinstance(shape, der_schema.Octets):
        sizes = {"min_size": shape.size, "max_size": shape.size} if shape.size else {"max_size": 40}
        return st.binary(**sizes).map(shape.show)
    if isinstance(shape, der_schema.NamedBits):
        return st.sets(st.sampled_from(sorted(shape.names.table))).map(
            lambda bits: [shape.names.name(bit) for bit in sorted(bits)])
    if isinstance(shape, der_schema.Null):
        return st.just(True)
    if isinstance(shape, der_schema.GeneralizedTime):
        return generalized_times
    if isinstance(shape, der_schema.Encoded):
        return der_values
    if isinstance(shape, der_schema.Seq):
        required = {name: shaped(member) for name, member, optional in shape.members if not optional}
        optional = {name: shaped(member) for name, member, optional in shape.members if optional}
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(shape, der_schema.SeqOf):
        return st.lists(shaped(shape.item), max_size=3)
    if isinstance(shape, der_schema.Choice):
        return st.one_of(*(shaped(member).map(lambda value, n=name: {n: value}) for name, member in shape.alternatives))
    raise AssertionError(f"no strategy for {shape!r}")


def _layout_fields(layout: str) -> st.SearchStrategy:
    return shaped(asn1.LAYOUTS[layout]).map(lambda named_fields: {"view": "asn1", "layout": layout, **named_fields})


def _code_and_cra(layout: str) -> tuple[int, str]:
    return next((code, cra) for code, by_cra in asn1.BY_MESSAGE_CODE.items() for cra, name in by_cra.items()
                if name == layout)


@pytest.mark.parametrize("layout", sorted(asn1.LAYOUTS))
@FAST
@given(data=st.data())
def test_asn1_layouts(layout, data):
    code, cra = _code_and_cra(layout)
    round_trip(data.draw(_layout_fields(layout)), message_code=code, cra=cra)


@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(asn1.LAYOUTS))
@SLOW
@given(data=st.data())
def test_asn1_layouts_exhaustively(layout, data):
    code, cra = _code_and_cra(layout)
    round_trip(data.draw(_layout_fields(layout)), message_code=code, cra=cra)


@pytest.mark.slow
@SLOW
@given(invoke_ids, apdu_times, st.lists(requests(), max_size=6), dlms_alerts(), gbz_payloads(), gbz_alerts())
def test_dlms_and_gbz_exhaustively(invoke_id, date_time, items, dlms_alert, gbz_payload, gbz_alert):
    round_trip({"view": "dlms-access-request", "invoke_id": invoke_id, "date_time": date_time, "requests": items})
    round_trip(dlms_alert[1], message_code=dlms_alert[0], cra="alert")
    round_trip(gbz_payload)
    round_trip(gbz_alert[1], message_code=gbz_alert[0], cra="alert")


# --- whole messages with the RTDS keys ----------------------------------------------------------

SUPPLIER, ESME, GSME = "90B3D51F30010000", "00DB1234567890A0", "00DB1234567890A1"
MESSAGES = {
    # message code, CRA flag, device → a strategy of payload fields
    "ECS17b command": (0x0027, "command", ESME, st.builds(
        lambda i, r: {"view": "dlms-access-request", "invoke_id": i, "date_time": None, "requests": r},
        invoke_ids, st.lists(requests(), min_size=1, max_size=3))),
    "ECS01a command": (0x0019, "command", ESME, st.builds(
        lambda i, r: {"view": "dlms-access-request", "invoke_id": i, "date_time": None, "requests": r},
        invoke_ids, st.lists(requests(), min_size=1, max_size=3))),
    "ECS17b response": (0x0027, "response", ESME, st.builds(
        lambda i, r: {"view": "dlms-access-response", "invoke_id": i, "date_time": None, "responses": r},
        invoke_ids, st.lists(responses(), min_size=1, max_size=3))),
    "FDA-DLMS alert": (0x00CC, "alert", ESME, dlms_alerts((0x00CC,)).map(lambda alert: alert[1])),
    "GCS01a command": (0x006B, "command", GSME, gbz_payloads()),
    "CS03A1 command": (0x000D, "command", ESME, _layout_fields("join-device-command")),
    "CS02b command": (0x0102, "command", ESME, _layout_fields("update-security-credentials-command")),
    "CS06 response": (0x0012, "response", ESME, _layout_fields("activate-firmware-response")),
}


@pytest.mark.skipif(not AVAILABLE, reason="RTDS keys not available")
@pytest.mark.parametrize("name", sorted(MESSAGES))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), counter=st.integers(0, 2**64 - 1))
def test_whole_messages_built_from_fields_decode_and_verify(name, data, counter):
    code, cra, device, strategy = MESSAGES[name]
    fields = data.draw(strategy)
    critical = bool(lookup(code).critical) and cra == "command"
    originator, recipient = (SUPPLIER, device) if cra == "command" else (device, SUPPLIER)
    keys = rtds_keys()
    raw = gbcs.build(cra=cra, counter=counter, originator=originator, recipient=recipient, message_code=code,
                     payload=semantic.build(fields), keys=keys, sign=critical)
    message = gbcs.decode(raw, keys)
    assert message.verification.mac == "verified"
    assert message.verification.signature == ("verified" if critical else "absent")
    assert message.use_case == lookup(code).use_case
    described = message.to_json()["payload"]["fields"]
    assert authoritative(described, described=True) == authoritative(fields)
