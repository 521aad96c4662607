"""The ZCL codec: typed values and profile-wide commands round-trip, malformed bytes raise MalformedMessage
only, and every ZCL payload of the RTDS GBZ vectors (decrypted where the keys allow) decodes and re-encodes
byte-exact."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import gbcs
from gbcs.errors import MalformedMessage, UsageError
from gbcs import zcl
from gbcs.zcl import AttributeRecord, ZclValue
from tests.gbcs.corpus import AVAILABLE, rtds_keys, vectors

FIXED = {type_id: spec for type_id, spec in zcl._TYPES.items() if spec[1] in ("uint", "int", "bool", "raw")}


def scalar(type_id: int):
    name, kind, width = zcl._TYPES[type_id]
    if kind == "uint":
        return st.integers(0, 2 ** (8 * width) - 1)
    if kind == "int":
        return st.integers(-2 ** (8 * width - 1), 2 ** (8 * width - 1) - 1)
    if kind == "bool":
        return st.one_of(st.booleans(), st.integers(2, 255))
    if kind == "raw":
        return st.binary(min_size=width, max_size=width)
    if kind == "octets":
        return st.one_of(st.none(), st.binary(max_size=300 if width == 2 else 254))
    if kind == "text":
        return st.one_of(st.none(), st.text(st.characters(max_codepoint=255), max_size=40))
    return st.none()


def present(type_id: int):
    """A value of the type that is not the 'invalid' None of strings (drawn directly, not filtered)."""
    name, kind, width = zcl._TYPES[type_id]
    if kind == "octets":
        return st.binary(max_size=300 if width == 2 else 254)
    if kind == "text":
        return st.text(st.characters(max_codepoint=255), max_size=40)
    return scalar(type_id)


LEAF_TYPES = sorted(t for t, spec in zcl._TYPES.items() if spec[1] not in ("array", "struct"))
leaf = st.sampled_from(LEAF_TYPES).flatmap(lambda t: scalar(t).map(lambda v: ZclValue(t, v)))


def collections(children):
    same_type = st.sampled_from(LEAF_TYPES).flatmap(
        lambda t: st.one_of(st.none(), st.lists(scalar(t).map(lambda v: ZclValue(t, v)), max_size=4).map(tuple))
        .map(lambda items: (t, items)))
    return st.one_of(
        st.builds(ZclValue, st.sampled_from([zcl.ARRAY, zcl.SET, zcl.BAG]), same_type),
        st.builds(ZclValue, st.just(zcl.STRUCT), st.one_of(st.none(), st.lists(children, max_size=4).map(tuple))),
    )


values = st.recursive(leaf, collections, max_leaves=12)
attribute_ids = st.integers(0, 0xFFFF)
statuses = st.integers(1, 255)


@settings(max_examples=400, deadline=None)
@given(values)
def test_values_round_trip(value):
    raw = zcl.encode_value(value)
    decoded, end = zcl.decode_value(value.type_id, raw + b"\xAA")
    assert decoded == value and end == len(raw)


def test_type_names_cover_the_gbcs_types():
    for type_id, name in {0x10: "bool", 0x18: "bitmap8", 0x20: "uint8", 0x22: "uint24", 0x25: "uint48",
                          0x2B: "int32", 0x30: "enum8", 0x41: "octstr", 0x42: "string", 0xE1: "date",
                          0xE2: "UTC"}.items():
        assert zcl.TYPE_NAMES[type_id] == name


def test_known_encodings():
    assert zcl.encode_value(ZclValue(zcl.UINT48, 12345)) == bytes.fromhex("393000000000")
    assert zcl.encode_value(ZclValue(zcl.INT32, -126)) == bytes.fromhex("82ffffff")
    assert zcl.encode_value(ZclValue(zcl.OCTSTR, bytes.fromhex("0123abcd"))) == bytes.fromhex("040123abcd")
    assert zcl.encode_value(ZclValue(zcl.OCTSTR, None)) == b"\xff"
    assert zcl.encode_value(ZclValue(zcl.STRING16, "ab")) == b"\x02\x00ab"
    assert zcl.decode_value(zcl.BOOL, b"\x01") == (ZclValue(zcl.BOOL, True), 1)
    assert zcl.decode_value(zcl.BOOL, b"\xff") == (ZclValue(zcl.BOOL, 0xFF), 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(attribute_ids, max_size=20))
def test_read_attributes_round_trips(attributes):
    raw = zcl.encode_read_attributes(attributes)
    assert len(raw) == 2 * len(attributes)
    assert zcl.decode_read_attributes(raw) == attributes


read_records = st.one_of(
    st.builds(lambda a, v: AttributeRecord(a, 0, v), attribute_ids, values),
    st.builds(AttributeRecord, attribute_ids, statuses),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(read_records, max_size=8))
def test_read_attributes_response_round_trips(records):
    assert zcl.decode_read_attributes_response(zcl.encode_read_attributes_response(records)) == records


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(lambda a, v: AttributeRecord(a, value=v), attribute_ids, values), max_size=8))
def test_write_attributes_round_trips(records):
    assert zcl.decode_write_attributes(zcl.encode_write_attributes(records)) == records
    assert zcl.decode_report_attributes(zcl.encode_report_attributes(records)) == records


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(AttributeRecord, attribute_ids, st.integers(0, 255)), max_size=8))
def test_write_attributes_response_round_trips(records):
    raw = zcl.encode_write_attributes_response(records)
    assert zcl.decode_write_attributes_response(raw) == records
    if not records:
        assert raw == b"\x00"


@given(st.integers(0, 255), st.integers(0, 255))
def test_default_response_round_trips(command, status):
    assert zcl.decode_default_response(zcl.encode_default_response(command, status)) == (command, status)


DECODERS = {
    "read": (zcl.decode_read_attributes, zcl.encode_read_attributes),
    "read-response": (zcl.decode_read_attributes_response, zcl.encode_read_attributes_response),
    "write": (zcl.decode_write_attributes, zcl.encode_write_attributes),
    "write-response": (zcl.decode_write_attributes_response, zcl.encode_write_attributes_response),
    "default": (lambda p: zcl.decode_default_response(p), lambda v: zcl.encode_default_response(*v)),
}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(DECODERS)), st.binary(max_size=64))
def test_arbitrary_bytes_decode_losslessly_or_raise_malformed(kind, data):
    decode, encode = DECODERS[kind]
    try:
        decoded = decode(data)
    except MalformedMessage:
        return
    assert encode(decoded) == data


@settings(max_examples=300, deadline=None)
@given(st.lists(read_records, min_size=1, max_size=6), st.data())
def test_truncated_responses_raise_malformed_or_decode_a_prefix(records, data):
    raw = zcl.encode_read_attributes_response(records)
    cut = data.draw(st.integers(0, len(raw) - 1))
    try:
        decoded = zcl.decode_read_attributes_response(raw[:cut])
    except MalformedMessage:
        return
    assert decoded == records[:len(decoded)]


@pytest.mark.parametrize("type_id", sorted(zcl._TYPES))
def test_every_type_refuses_truncation(type_id):
    name, kind, width = zcl._TYPES[type_id]
    if kind == "none":
        return
    with pytest.raises(MalformedMessage):
        zcl.decode_value(type_id, b"")


def test_malformed_inputs():
    with pytest.raises(MalformedMessage):
        zcl.decode_value(0x05, b"\x00")                            # reserved type id
    with pytest.raises(MalformedMessage):
        zcl.decode_read_attributes(b"\x00\x01\x02")              # odd length
    with pytest.raises(MalformedMessage):
        zcl.decode_read_attributes_response(bytes.fromhex("0000000599"))   # unknown type in a record
    with pytest.raises(MalformedMessage):
        zcl.decode_read_attributes_response(bytes.fromhex("000000410501"))  # octet string longer than data
    with pytest.raises(MalformedMessage):
        zcl.decode_default_response(b"\x01")
    with pytest.raises(MalformedMessage):
        zcl.decode_write_attributes_response(b"")
    nested = b"".join(bytes([zcl.STRUCT]) + b"\x01\x00" for _ in range(40))
    with pytest.raises(MalformedMessage):
        zcl.decode_typed(nested)


@pytest.mark.parametrize("value", [
    ZclValue(zcl.UINT8, 256), ZclValue(zcl.UINT8, -1), ZclValue(zcl.INT8, 128), ZclValue(zcl.UINT16, "1"),
    ZclValue(zcl.OCTSTR, "text"), ZclValue(zcl.OCTSTR, b"x" * 255), ZclValue(zcl.STRING, "\u20ac"),
    ZclValue(0x05, 1), ZclValue(zcl.NODATA, 1), ZclValue(0x08, b"\x00\x00"),
    ZclValue(zcl.ARRAY, (zcl.UINT8, (ZclValue(zcl.UINT16, 1),))), ZclValue(zcl.STRUCT, (1, 2)),
])
def test_unencodable_values_raise_usage_error(value):
    with pytest.raises(UsageError):
        zcl.encode_value(value)


def test_usage_errors_of_records_and_commands():
    with pytest.raises(UsageError):
        zcl.encode_read_attributes([0x10000])
    with pytest.raises(UsageError):
        zcl.encode_read_attributes_response([AttributeRecord(1, 0)])
    with pytest.raises(UsageError):
        zcl.encode_write_attributes([AttributeRecord(1)])
    with pytest.raises(UsageError):
        zcl.encode_command(zcl.PREPAYMENT, 0x08, False, {"latest_end_time": 1})
    with pytest.raises(UsageError):
        zcl.decode_command(0x1234, 0x99, False, b"")


# --- cluster-specific commands --------------------------------------------------------------------

def command_values(layout):
    def field_value(field):
        if isinstance(field, zcl.Repeat):
            entries = st.fixed_dictionaries({f.name: field_value(f) for f in field.fields})
            if isinstance(field.count, int):
                return st.lists(entries, min_size=field.count, max_size=field.count)
            return st.lists(entries, max_size=4)
        if field.type_id == zcl.REST:
            return st.binary(max_size=20)
        return present(field.type_id)

    counted = {f.count for f in layout.fields if isinstance(f, zcl.Repeat) and isinstance(f.count, str)}

    def fix_counts(values):
        for f in layout.fields:
            if isinstance(f, zcl.Repeat) and isinstance(f.count, str):
                values[f.count] = len(values[f.name])
        return values

    fields = {f.name: field_value(f) for f in layout.fields if f.name not in counted}
    fields.update({name: st.just(0) for name in counted})
    return st.fixed_dictionaries(fields).map(fix_counts)


LAYOUTS = sorted(list(zcl.COMMANDS.values()) + list(zcl.SNAPSHOT_PAYLOADS.values())
                 + list(zcl.EVENT_CONFIGURATION_PAYLOADS.values()), key=lambda l: l.name)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.parametrize("layout", LAYOUTS, ids=[l.name for l in LAYOUTS])
@given(data=st.data())
def test_command_layouts_round_trip(layout, data):
    values = data.draw(command_values(layout))
    raw = zcl.encode_fields(layout, values)
    assert zcl.decode_fields(layout, raw) == values


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LAYOUTS), st.binary(max_size=80))
def test_command_layouts_decode_arbitrary_bytes_losslessly_or_raise_malformed(layout, data):
    try:
        values = zcl.decode_fields(layout, data)
    except MalformedMessage:
        return
    assert zcl.encode_fields(layout, values) == data


# --- the RTDS corpus ------------------------------------------------------------------------------

def _gbz_payloads():
    """(vector name, component, ZCL payload) of every GBZ component, with encrypted ones decrypted."""
    keys = rtds_keys()
    for path, data in vectors():
        message = gbcs.decode(data, keys)
        if not message.payload.kind.startswith("gbz"):
            continue
        plaintexts = iter(message.decrypted)
        for component in message.payload.tree.get("components", []):
            if component["control"] & 0x02:
                plain = next(plaintexts, "")
                if plain:
                    yield path.name, component, bytes.fromhex(plain)
            else:
                yield path.name, component, bytes.fromhex(component["payload"])


GENERAL = {
    zcl.READ_ATTRIBUTES: DECODERS["read"], zcl.READ_ATTRIBUTES_RESPONSE: DECODERS["read-response"],
    zcl.WRITE_ATTRIBUTES: DECODERS["write"], zcl.WRITE_ATTRIBUTES_RESPONSE: DECODERS["write-response"],
    zcl.DEFAULT_RESPONSE: DECODERS["default"],
}


@pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance RTDS vectors not available")
def test_every_rtds_zcl_payload_decodes_and_re_encodes_byte_exact(capsys):
    general = specific = encrypted = 0
    problems = []
    for name, component, payload in _gbz_payloads():
        frame_control, command = component["frame_control"], component["command"]
        encrypted += bool(component["control"] & 0x02)
        try:
            if frame_control & zcl.FRAME_TYPE_CLUSTER_SPECIFIC == 0:
                decode, encode = GENERAL[command]
                general += 1
            else:
                layout = zcl.command_layout(component["cluster"], command, bool(frame_control & zcl.SERVER_TO_CLIENT))
                if layout is None:
                    continue
                decode = lambda p, l=layout: zcl.decode_fields(l, p)  # noqa: E731
                encode = lambda v, l=layout: zcl.encode_fields(l, v)  # noqa: E731
                specific += 1
            decoded = decode(payload)
            if encode(decoded) != payload:
                problems.append(f"{name} 0x{component['cluster']:04x}/{command}: re-encodes differently")
            if isinstance(decoded, dict) and "snapshot_payload" in decoded:
                sub = zcl.SNAPSHOT_PAYLOADS[(component["cluster"], decoded["snapshot_payload_type"])]
                assert zcl.encode_fields(sub, zcl.decode_fields(sub, decoded["snapshot_payload"])) == \
                    decoded["snapshot_payload"]
            if isinstance(decoded, dict) and "event_configuration_payload" in decoded:
                sub = zcl.EVENT_CONFIGURATION_PAYLOADS[decoded["configuration_control"]]
                raw = decoded["event_configuration_payload"]
                assert zcl.encode_fields(sub, zcl.decode_fields(sub, raw)) == raw
        except (gbcs.GbcsError, KeyError, AssertionError) as exc:
            problems.append(f"{name} 0x{component['cluster']:04x}/{command}: {exc!r}")
    with capsys.disabled():
        print(f"\nZCL corpus: {general} profile-wide and {specific} cluster-specific payloads "
              f"({encrypted} decrypted) re-encode byte-exact")
    assert problems == []
    assert general >= 500 and specific >= 500 and encrypted >= 40
