"""Property tests: built messages decode back to what was built; malformed input raises GbcsError only."""
from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings, strategies as st

import gbcs
from gbcs import gbt
from gbcs._reader import Reader
from gbcs import payload as payload_codec
from gbcs.payload import Payload, asn1, dlms, gbz
from tests.gbcs.corpus import AVAILABLE, vectors

SUPPLIER, DEVICE, ACB = "90B3D51F30010000", "00DB1234567890A0", "90B3D51F30000002"


def _keys() -> gbcs.StaticKeyStore:
    keys = gbcs.StaticKeyStore(acb=ACB)
    for entity in (SUPPLIER, DEVICE, ACB):
        for usage in (gbcs.SIGNING, gbcs.KEY_AGREEMENT):
            keys.add(entity, usage, private=ec.generate_private_key(ec.SECP256R1()))
    return keys


KEYS = _keys()


@lru_cache(maxsize=1)
def corpus_json() -> list[dict]:
    return [gbcs.decode(data).to_json() for _path, data in vectors()]

eui = st.sampled_from([SUPPLIER, DEVICE])
u8 = st.integers(0, 255)


def dlms_data(depth: int = 3):
    leaves = st.one_of(
        st.just({"type": "null"}),
        st.builds(lambda v: {"type": "unsigned", "value": v}, u8),
        st.builds(lambda v: {"type": "long-unsigned", "value": v}, st.integers(0, 0xFFFF)),
        st.builds(lambda v: {"type": "double-long", "value": v}, st.integers(-2**31, 2**31 - 1)),
        st.builds(lambda v: {"type": "long64-unsigned", "value": v}, st.integers(0, 2**64 - 1)),
        st.builds(lambda v: {"type": "enum", "value": v}, u8),
        st.builds(lambda v: {"type": "boolean", "value": v}, st.integers(0, 1)),
        st.builds(lambda b: {"type": "octet-string", "hex": b.hex()}, st.binary(max_size=300)),
        st.builds(lambda b: {"type": "date-time", "hex": b.hex()}, st.binary(min_size=12, max_size=12)),
        st.builds(lambda b, n: {"type": "bit-string", "bits": min(n, len(b) * 8) if b else 0,
                                "hex": b[:(min(n, len(b) * 8) + 7) // 8].hex()}, st.binary(max_size=4), u8),
    )
    if depth == 0:
        return leaves
    return st.one_of(leaves, st.builds(
        lambda kind, items: {"type": kind, "items": items},
        st.sampled_from(["array", "structure"]), st.lists(dlms_data(depth - 1), max_size=4)))


@settings(max_examples=150, deadline=None)
@given(dlms_data())
def test_dlms_data_round_trips(tree):
    raw = dlms.encode_data(tree)
    assert dlms.decode_data(Reader(raw)) == tree


@settings(max_examples=100, deadline=None)
@given(dlms_data(), st.binary(min_size=1, max_size=3))
def test_the_public_dlms_codec_reads_one_whole_value(tree, extra):
    raw = gbcs.dlms.encode_data(tree)
    assert gbcs.dlms.decode_data(raw) == tree
    with pytest.raises(gbcs.MalformedMessage):
        gbcs.dlms.decode_data(raw + extra)


specs = st.builds(lambda choice, cls, obis, attr: {"choice": choice, "class": cls, "obis": obis.hex().upper(),
                                                    ("method" if choice == "action" else "attribute"): attr},
                  st.sampled_from(["get", "set", "action"]), st.integers(0, 0xFFFF), st.binary(min_size=6, max_size=6), u8)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=4, max_size=4), st.lists(specs, max_size=5), st.lists(dlms_data(2), max_size=4))
def test_dlms_access_request_round_trips(invoke, request_specs, data):
    tree = {"invoke_id": invoke.hex(), "date_time": None, "specs": request_specs, "data": data}
    payload = Payload("dlms-access-request", tree)
    assert gbcs.decode_payload(gbcs.encode_payload(payload)) == payload


def asn1_nodes(depth: int = 3):
    primitive = st.builds(lambda tag, value: {"tag": f"{tag:02x}", "hex": value.hex()},
                          st.sampled_from([0x02, 0x04, 0x05, 0x06, 0x0C, 0x80, 0x81, 0x82]), st.binary(max_size=200))
    if depth == 0:
        return primitive
    return st.one_of(primitive, st.builds(lambda tag, children: {"tag": f"{tag:02x}", "children": children},
                                          st.sampled_from([0x30, 0x31, 0xA0, 0xA1]),
                                          st.lists(asn1_nodes(depth - 1), max_size=4)))


@settings(max_examples=150, deadline=None)
@given(st.lists(asn1_nodes(), min_size=1, max_size=3))
def test_asn1_round_trips(nodes):
    assert asn1.decode(asn1.encode(nodes)) == nodes


components = st.builds(
    lambda control, cluster, fc, seq, cmd, payload, fdt: {
        "control": control, "cluster": cluster,
        **({"from_date_time": fdt} if control & 0x10 and not control & 0x02 else {}),
        **({"additional_header": "0000"} if control & 0x02 else {}),
        "frame_control": fc & ~0x04, "sequence": seq, "command": cmd, "payload": payload.hex()},
    st.sampled_from([0x00, 0x01, 0x10, 0x11]), st.integers(0, 0xFFFF), u8, u8, u8, st.binary(max_size=100),
    st.integers(0, 2**32 - 1))


@settings(max_examples=100, deadline=None)
@given(st.lists(components, min_size=1, max_size=4))
def test_gbz_round_trips(parts):
    tree = {"count": len(parts), "components": parts}
    assert gbz.decode(gbz.encode(tree, alert=False), alert=False) == tree


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cra=st.sampled_from(["command", "response", "alert"]), counter=st.integers(0, 2**64 - 1),
       sign=st.booleans(), date_time=st.one_of(st.none(), st.binary(min_size=12, max_size=12)),
       code=st.integers(0, 0xFFFF), data=dlms_data(2))
def test_built_messages_decode_to_what_was_built(cra, counter, sign, date_time, code, data):
    originator, recipient = (SUPPLIER, DEVICE) if cra == "command" else (DEVICE, SUPPLIER)
    payload = Payload("dlms-access-request", {"invoke_id": "00000001", "date_time": None,
                                              "specs": [], "data": [data]})
    raw = gbcs.build(cra=cra, counter=counter, originator=originator, recipient=recipient, message_code=code,
                     payload=payload, keys=KEYS, date_time=date_time, sign=sign)
    message = gbcs.decode(raw, KEYS)
    assert (message.cra, message.counter, message.originator, message.recipient, message.message_code) == \
        (cra, counter, originator, recipient, code)
    assert message.payload == payload and message.date_time == date_time
    assert message.verification.mac == "verified" and message.verification.decryption == "absent"
    assert message.verification.signature == ("verified" if sign else "absent")
    assert gbcs.encode(message) == raw


@settings(max_examples=300, deadline=2000)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_the_library_error(data):
    try:
        gbcs.decode(data, KEYS)
    except gbcs.GbcsError:
        pass


@pytest.mark.skipif(not AVAILABLE, reason="RTDS vectors not available")
@settings(max_examples=300, deadline=2000)
@given(st.integers(0, 1274), st.data())
def test_truncated_and_corrupted_vectors_raise_only_the_library_error(index, data):
    raw = vectors()[index][1]
    cut = data.draw(st.integers(0, len(raw) - 1))
    for candidate in (raw[:cut], raw[:cut] + bytes([data.draw(u8)]) + raw[cut + 1:]):
        try:
            gbcs.decode(candidate)
        except gbcs.GbcsError:
            pass


# --- the message model refuses what cannot be encoded ----------------------------------------------

def _valid(**changes) -> dict:
    fields = dict(cra="command", counter=1, originator=SUPPLIER, recipient=DEVICE, message_code=0x0027,
                  payload=Payload("raw", ""))
    fields.update(changes)
    return fields


@pytest.mark.parametrize("change", [
    {"counter": -1}, {"counter": 2**64}, {"counter": "1"}, {"counter": True}, {"counter": 1.0},
    {"message_code": 0x10000}, {"message_code": -1}, {"message_code": "0027"},
    {"cra": "reply"}, {"cra": ["command"]}, {"originator": "90B3D51F3001000"}, {"originator": "90b3d51f30010000"},
    {"recipient": "00DB1234567890AZ"}, {"recipient": b"\x00" * 8},
    {"payload": {"kind": "raw", "tree": ""}}, {"payload": Payload("zigbee", "")},
    {"date_time": b"\x00" * 11}, {"date_time": "07df0101ff000000008000ff"}, {"mac": b"\x00" * 11, "ciphered": True},
    {"mac": b"\x00" * 12}, {"security_header": b"\x11"}, {"security_header": b"\x31\x00\x00\x00\x00"},
    {"signature_field": "missing"},
    {"signature": b"\x01" * 64}, {"signature": b"", "signature_field": "present"},
    {"other_info_extra": "00"}, {"ciphered": 1}, {"length_widths": (("content", 5),)},
    {"length_widths": (("payload", 1),)},
])
def test_a_message_with_an_impossible_field_is_refused_when_made(change):
    with pytest.raises(gbcs.UsageError):
        gbcs.Message(**_valid(**change))


@pytest.mark.parametrize("value", [
    None, [], "DF", {"cra": "command"}, {"payload": 1}, {"payload": {"kind": "raw", "tree": ""}},
])
def test_json_that_is_not_a_message_is_the_callers_error(value):
    with pytest.raises(gbcs.UsageError):
        gbcs.Message.from_json(value)


def test_an_unknown_signature_field_in_json_is_refused_not_absent():
    value = gbcs.Message(**_valid()).to_json()
    value["signature_field"] = "presnet"
    with pytest.raises(gbcs.UsageError):
        gbcs.Message.from_json(value)


@pytest.mark.parametrize("payload", [
    Payload("dlms-access-request", {"specs": 5}), Payload("asn1", [{"tag": "zz"}]), Payload("raw", "0"),
    Payload("gbz", {"count": 1, "components": [{"control": 256}]}), Payload("zigbee", ""),
])
def test_a_tree_the_caller_built_that_does_not_encode_is_the_callers_error(payload):
    with pytest.raises(gbcs.UsageError) as caught:
        gbcs.encode_payload(payload)
    assert caught.value.__cause__ is not None or payload.kind == "zigbee"
    if payload.kind != "zigbee":
        with pytest.raises(gbcs.UsageError) as caught:
            gbcs.build(cra="command", counter=1, originator=SUPPLIER, recipient=DEVICE, message_code=0x27,
                       payload=payload, keys=KEYS)
        assert caught.value.__cause__ is not None


def test_a_payload_kind_has_an_encoder_and_json_that_is_not_a_message_keeps_its_cause():
    assert set(payload_codec.ENCODERS) == set(payload_codec.KINDS)
    with pytest.raises(gbcs.UsageError) as caught:
        gbcs.Message.from_json({**gbcs.Message(**_valid()).to_json(), "counter": None})
    assert caught.value.__cause__ is not None
    with pytest.raises(gbcs.UsageError):
        Payload.from_json({"kind": "zigbee", "tree": ""})


def test_bytes_that_are_not_a_message_stay_malformed():
    with pytest.raises(gbcs.MalformedMessage):
        gbcs.decode(bytes.fromhex("DF09"))
    with pytest.raises(gbcs.MalformedMessage) as caught:
        gbcs.dlms.decode_data(bytes.fromhex("0901"))
    assert "truncated" in str(caught.value)


def test_only_a_hand_built_tree_of_the_wrong_shape_has_no_fields(monkeypatch):
    assert Payload("dlms-access-request", {"specs": 5}).to_json()["fields"] is None

    def broken(*args, **kwargs):
        raise gbcs.MalformedMessage("a defect of the library")

    monkeypatch.setattr(payload_codec, "describe_tree", broken)
    with pytest.raises(gbcs.MalformedMessage):
        Payload("raw", "00").to_json()


def test_states_are_enumerations_and_their_text_is_taken_too():
    payload = Payload("dlms-access-response", {"invoke_id": "00000001", "date_time": None, "results": [], "data": [
        {"type": "protected", "plaintext": "0901aa"}]})
    for cra, sign in ((gbcs.Cra.RESPONSE, True), ("response", False)):
        message = gbcs.decode(gbcs.build(cra=cra, counter=1, originator=DEVICE, recipient=SUPPLIER, message_code=0x27,
                                         payload=payload, keys=KEYS, sign=sign), KEYS)
        assert message.cra is gbcs.Cra.RESPONSE
        assert message.signature_field is (gbcs.SignatureField.PRESENT if sign else gbcs.SignatureField.ABSENT)
        assert message.verification.mac is gbcs.Check.VERIFIED
        assert message.verification.signature is (gbcs.Check.VERIFIED if sign else gbcs.Check.ABSENT)
        assert message.verification.decryption is gbcs.Decryption.DECRYPTED
        assert gbcs.protection.decrypt_parts(message, None)[0] is gbcs.Decryption.UNCHECKED
        assert gbcs.decode(gbcs.encode(message)).verification.mac is gbcs.Check.UNCHECKED
    assert gbcs.lookup(0x0027).cra == (gbcs.Cra.COMMAND, gbcs.Cra.RESPONSE)
    assert all(isinstance(cra, gbcs.Cra) for cra in gbcs.lookup(0x0027).cra)
    assert gbcs.Verification("verified", "absent", "absent").mac is gbcs.Check.VERIFIED
    with pytest.raises(gbcs.UsageError):
        gbcs.Verification("fine")
    assert KEYS.public_key(SUPPLIER, "ds") is KEYS.public_key(SUPPLIER, gbcs.KeyUsage.SIGNING) is not None


def test_encode_takes_only_a_message():
    with pytest.raises(gbcs.UsageError):
        gbcs.encode({"cra": "command"})
    with pytest.raises(gbcs.UsageError):
        gbcs.decode("DF09")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
              st.sampled_from(["", "0", "00", "zz", "DF", "ffff", "command", "present", "empty", "general-ciphering",
                               "raw", "asn1", "gbz", "dlms-access-request", "octet-string", "structure"]),
              st.text(max_size=8)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children,
                                                                               max_size=3)),
    max_leaves=6)


def _json_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _json_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _json_paths(value, (*path, index))


def _perturb(root, path, value, mode):
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    if mode == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return root


@pytest.mark.skipif(not AVAILABLE, reason="RTDS vectors not available")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 1274), st.data())
def test_perturbed_json_messages_raise_only_the_library_errors(index, data):
    value = json.loads(json.dumps(corpus_json()[index]))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_json_paths(value))
        path = paths[data.draw(st.integers(0, len(paths) - 1))]
        value = _perturb(value, path, data.draw(json_values), data.draw(st.sampled_from(["set", "set", "delete"])))
    try:
        gbcs.encode(gbcs.Message.from_json(value), KEYS)
    except gbcs.GbcsError:
        pass


# --- general block transfer ----------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=6000), st.integers(60, 1500), st.integers(1, 63), st.randoms(use_true_random=False))
def test_block_transfer_split_and_join(content, size, window, rng):
    raw = gbcs.build(cra="response", counter=7, originator=DEVICE, recipient=SUPPLIER, message_code=0x0027,
                     payload=Payload("raw", (b"\xff" + content).hex()), keys=KEYS)   # 0xFF: no other format
    blocks = gbcs.gbt_split(raw, size, window=window)
    assert all(len(b) <= size for b in blocks)
    parsed = [gbt.parse_block(b) for b in blocks]
    assert [b.number for b in parsed] == list(range(1, len(blocks) + 1))
    assert [b.last for b in parsed] == [False] * (len(blocks) - 1) + [True]
    assert all(b.window == window and b.streaming == (b.number % window != 0 and not b.last) for b in parsed)
    rng.shuffle(blocks)
    assert gbcs.gbt_join(blocks) == raw
    assert gbcs.encode(gbcs.decode(blocks, KEYS)) == raw
    if len(blocks) > 1:
        with pytest.raises(gbcs.MalformedMessage):
            gbcs.gbt_join(blocks[1:])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cra=st.sampled_from(["command", "response", "alert"]), counter=st.integers(0, 2**64 - 1),
       extra=st.binary(max_size=40), field=st.sampled_from(["absent", "empty", "present"]),
       widths=st.dictionaries(st.sampled_from(["other_info", "content", "signature", "ciphered"]), st.integers(3, 4)),
       ciphered=st.booleans(), data=dlms_data(2))
def test_every_message_the_model_accepts_encodes_to_bytes_that_decode_to_it(cra, counter, extra, field, widths,
                                                                           ciphered, data):
    if field != "present":
        widths.pop("signature", None)
    if not ciphered:
        widths.pop("ciphered", None)
    originator, recipient = (SUPPLIER, DEVICE) if cra == "command" else (DEVICE, SUPPLIER)
    message = gbcs.Message(cra=cra, counter=counter, originator=originator, recipient=recipient, message_code=0x27,
                           payload=Payload("dlms-access-request", {"invoke_id": "00000001", "date_time": None,
                                                                   "specs": [], "data": [data]}),
                           other_info_extra=extra, signature_field=field, ciphered=ciphered,
                           length_widths=tuple(sorted(widths.items())))
    raw = gbcs.encode(message, KEYS)
    again = gbcs.decode(raw, KEYS)
    assert replace(again, signature=None, mac=None) == replace(message, signature=None, mac=None)
    assert again.verification.mac == ("verified" if ciphered else "absent")
    assert again.verification.signature == ("verified" if field == "present" else "absent")
    assert gbcs.encode(again) == raw


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cra=st.sampled_from(["command", "response", "alert"]), field=st.sampled_from(["absent", "empty", "present"]),
       ciphered=st.booleans(), data=dlms_data(2))
def test_verify_signature_checks_a_message_against_the_key_it_is_given(cra, field, ciphered, data):
    originator, recipient = (SUPPLIER, DEVICE) if cra == "command" else (DEVICE, SUPPLIER)
    raw = gbcs.build(cra=cra, counter=5, originator=originator, recipient=recipient, message_code=0x27,
                     payload=Payload("dlms-access-request", {"invoke_id": "00000001", "date_time": None,
                                                             "specs": [], "data": [data]}),
                     keys=KEYS, sign=field == "present", empty_signature_field=field == "empty", ciphered=ciphered)
    message = gbcs.decode(raw)
    assert message.verification.signature == ("unchecked" if field == "present" else "absent")
    assert gbcs.verify_signature(message, KEYS.public_key(originator, gbcs.SIGNING)) == (field == "present")
    assert not gbcs.verify_signature(message, KEYS.public_key(recipient, gbcs.SIGNING))
    if field == "present":
        other = replace(message, counter=6)
        assert not gbcs.verify_signature(other, KEYS.public_key(originator, gbcs.SIGNING))


def test_verify_signature_takes_a_message_and_a_public_key():
    message = gbcs.decode(gbcs.build(cra="command", counter=1, originator=SUPPLIER, recipient=DEVICE,
                                     message_code=0x27, payload=Payload("raw", ""), keys=KEYS, sign=True))
    with pytest.raises(gbcs.UsageError):
        gbcs.verify_signature(gbcs.encode(message), KEYS.public_key(SUPPLIER, gbcs.SIGNING))
    with pytest.raises(gbcs.UsageError):
        gbcs.verify_signature(message, KEYS.private_key(SUPPLIER, gbcs.SIGNING))
