"""Sensitive data: what a device encrypts, its remote party decrypts — and nothing else does."""
from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings, strategies as st

import gbcs
from gbcs import protection
from gbcs.payload import Payload, dlms
from tests.gbcs.test_properties import dlms_data, json_values

SUPPLIER, DEVICE, ACB, OTHER = "90B3D51F30010000", "00DB1234567890A0", "90B3D51F30000002", "90B3D51F30030000"
PRIVATE = {entity: ec.generate_private_key(ec.SECP256R1()) for entity in (SUPPLIER, DEVICE, ACB, OTHER)}


def _store(own: tuple[str, ...], known: tuple[str, ...]) -> gbcs.StaticKeyStore:
    """A party's keystore: its own private keys and the public keys of those it knows."""
    keys = gbcs.StaticKeyStore(acb=ACB)
    for entity in own:
        keys.add(entity, gbcs.KEY_AGREEMENT, private=PRIVATE[entity])
    for entity in known:
        keys.add(entity, gbcs.KEY_AGREEMENT, public=PRIVATE[entity].public_key())
    return keys


DEVICE_KEYS = _store((DEVICE,), (SUPPLIER, ACB, OTHER))
SUPPLIER_KEYS = _store((SUPPLIER,), (DEVICE,))
OTHER_KEYS = _store((OTHER,), (DEVICE,))
# The supplier's entity id with another key pair (a superseded key, or an impostor's).
WRONG_KEYS = gbcs.StaticKeyStore(acb=ACB)
WRONG_KEYS.add(SUPPLIER, gbcs.KEY_AGREEMENT, private=ec.generate_private_key(ec.SECP256R1()))
WRONG_KEYS.add(DEVICE, gbcs.KEY_AGREEMENT, public=PRIVATE[DEVICE].public_key())


def _response(payload: Payload, counter: int = 0x3E8, **fields) -> bytes:
    return gbcs.build(cra="response", counter=counter, originator=DEVICE, recipient=SUPPLIER, message_code=0x0027,
                      payload=payload, keys=DEVICE_KEYS, **fields)


def _protected_response(value: dict, counter: int = 0x3E8) -> bytes:
    tree = {"invoke_id": "200003e8", "date_time": None,
            "data": [{"type": "structure", "items": [{"type": "protected", "data": value}]}],
            "results": [{"choice": "action", "result": 0}]}
    return _response(Payload("dlms-access-response", tree), counter)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dlms_data(), st.integers(0, 2**64 - 1))
def test_a_device_encrypts_dlms_data_that_its_supplier_decrypts(value, counter):
    raw = _protected_response(value, counter)
    message = gbcs.decode(raw, SUPPLIER_KEYS)
    assert message.verification.mac == "verified" and message.verification.decryption == "decrypted"
    assert message.decrypted == (dlms.encode_data(value).hex(),)
    parameters, protected = message.payload.tree["data"][0]["items"]
    assert parameters == protection.dlms_protection_parameters(originator=DEVICE, recipient=SUPPLIER, counter=counter)
    assert bytes.fromhex(protected["hex"])[0] == 0x31
    assert gbcs.encode(message) == raw
    assert list(gbcs.encrypted_blobs(message.payload)) == [bytes.fromhex(protected["hex"])[5:]]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600), st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1))
def test_protect_and_decrypt_round_trip(plaintext, counter, invocation_counter):
    protected = protection.protect(plaintext, originator=DEVICE, recipient=SUPPLIER, counter=counter,
                                   keys=DEVICE_KEYS, invocation_counter=invocation_counter)
    part = protection.EncryptedPart("dlms", DEVICE, SUPPLIER, bytes([4]) + counter.to_bytes(8, "big"),
                                    protected[:5], protected[5:])
    assert part.invocation_counter == invocation_counter
    assert protection.decrypt_part(part, SUPPLIER_KEYS) == plaintext
    assert protection.decrypt_part(part, None) is None
    assert protection.decrypt_part(part, OTHER_KEYS) is None
    with pytest.raises(gbcs.VerificationError):
        protection.decrypt_part(part, WRONG_KEYS)
    tampered = replace(part, ciphertext=bytes([part.ciphertext[0] ^ 1]) + part.ciphertext[1:])
    with pytest.raises(gbcs.VerificationError):
        protection.decrypt_part(tampered, SUPPLIER_KEYS)


components = st.builds(
    lambda control, cluster, fc, seq, cmd, payload: {"control": control, "cluster": cluster, "frame_control": fc,
                                                     "sequence": seq, "command": cmd, "plaintext": payload.hex()},
    st.sampled_from([0x00, 0x01]), st.integers(0, 0xFFFF), st.sampled_from([0x08, 0x18, 0x19]),
    st.integers(0, 255), st.integers(0, 255), st.binary(max_size=300))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(components, min_size=1, max_size=3), st.integers(0, 2**64 - 1))
def test_a_device_encrypts_gbz_components_that_its_supplier_decrypts(parts, counter):
    raw = _response(Payload("gbz", {"count": len(parts), "components": parts}), counter)
    message = gbcs.decode(raw, SUPPLIER_KEYS)
    assert message.verification.decryption == "decrypted"
    assert message.decrypted == tuple(p["plaintext"] for p in parts)
    for sealed, plain in zip(message.payload.tree["components"], parts):
        assert sealed["control"] == plain["control"] | protection.GBZ_CONTROL_ENCRYPTED
        assert "plaintext" not in sealed and sealed["additional_header"] == protection.GBZ_ADDITIONAL_HEADER
    assert gbcs.encode(message) == raw


def test_only_the_parties_decrypt():
    raw = _protected_response({"type": "long64-unsigned", "value": 123456})
    assert gbcs.decode(raw, WRONG_KEYS).verification.decryption == "failed"
    assert gbcs.decode(raw, WRONG_KEYS).verification.mac == "failed"
    assert gbcs.decode(raw, OTHER_KEYS).verification.decryption == "unchecked"
    assert gbcs.decode(raw).verification.decryption == "unchecked"
    message = gbcs.decode(raw, SUPPLIER_KEYS)
    assert message.verification.decryption == "decrypted" and message.to_json()["verification"]["decryption"] == \
        "decrypted"
    assert gbcs.decode(raw, WRONG_KEYS).decrypted == ()


def test_a_tampered_ciphertext_fails_even_under_a_fresh_mac():
    message = gbcs.decode(_protected_response({"type": "long64-unsigned", "value": 1}), SUPPLIER_KEYS)
    parameters, protected = message.payload.tree["data"][0]["items"]
    flipped = bytearray.fromhex(protected["hex"])
    flipped[-1] ^= 0x80
    tree = {**message.payload.tree, "data": [{"type": "structure", "items": [
        parameters, {"type": "octet-string", "hex": flipped.hex()}]}]}
    forged = gbcs.encode(replace(message, payload=Payload(message.payload.kind, tree), mac=None), DEVICE_KEYS)
    again = gbcs.decode(forged, SUPPLIER_KEYS)
    assert again.verification.mac == "verified" and again.verification.decryption == "failed"


def test_a_response_names_a_supplementary_remote_party_and_is_encrypted_for_it():
    # As for an unknown remote party (ECS21b URP): the ACB asked, the supplier is the party and the device
    # encrypts under its own supplementary originator counter.
    extra = bytes.fromhex(SUPPLIER) + (1004).to_bytes(8, "big") + (2002).to_bytes(8, "big")
    tree = {"invoke_id": "20000516", "date_time": None,
            "data": [{"type": "structure", "items": [{"type": "protected", "plaintext": "0203"}]}],
            "results": [{"choice": "action", "result": 0}]}
    raw = gbcs.build(cra="response", counter=1302, originator=DEVICE, recipient=ACB, message_code=0x0034,
                     payload=Payload("dlms-access-response", tree), keys=DEVICE_KEYS, other_info_extra=extra)
    message = gbcs.decode(raw, SUPPLIER_KEYS)
    assert message.decrypted == ("0203",)
    assert protection.encryption_parties(message) == (SUPPLIER, (2002).to_bytes(8, "big"))
    parameters = message.payload.tree["data"][0]["items"][0]
    assert parameters == protection.dlms_protection_parameters(originator=DEVICE, recipient=ACB, counter=1302)


def test_placeholders_need_keys_and_well_formed_content():
    tree = {"invoke_id": "00000001", "date_time": None, "data": [{"type": "protected", "plaintext": "zz"}],
            "results": []}
    with pytest.raises(gbcs.UsageError):
        _response(Payload("dlms-access-response", tree))
    message = gbcs.Message(cra="response", counter=1, originator=DEVICE, recipient=SUPPLIER, message_code=0x27,
                           payload=Payload("dlms-access-response", {**tree, "data": [
                               {"type": "protected", "plaintext": "00"}]}), ciphered=True)
    with pytest.raises(gbcs.UsageError):
        gbcs.encode(message)
    with pytest.raises(gbcs.UsageError):
        protection.protect(b"x", originator=DEVICE, recipient=SUPPLIER, counter=-1, keys=DEVICE_KEYS)
    with pytest.raises(gbcs.UsageError):
        protection.protect(b"x", originator=DEVICE, recipient=OTHER, counter=1, keys=SUPPLIER_KEYS)
    with pytest.raises(gbcs.UsageError):
        protection.gbz_encrypted_component({"control": 1, "cluster": 1, "payload": "0"}, originator=DEVICE,
                                           recipient=SUPPLIER, counter=1, keys=DEVICE_KEYS)


def test_a_component_that_claims_encryption_without_a_security_header_does_not_decrypt():
    component = {"control": 0x03, "cluster": 0x0702, "additional_header": "0000", "frame_control": 0x18,
                 "sequence": 0, "command": 1, "payload": "0003010203"}
    raw = _response(Payload("gbz", {"count": 1, "components": [component]}))
    assert gbcs.decode(raw, SUPPLIER_KEYS).verification.decryption == "failed"
    assert gbcs.decode(raw).verification.decryption == "unchecked"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["dlms", "gbz"]), json_values, json_values)
def test_malformed_placeholders_raise_only_the_library_errors(kind, first, second):
    if kind == "dlms":
        tree = {"invoke_id": "00000001", "date_time": None, "results": [],
                "data": [{"type": "protected", "plaintext": first, "data": second}]}
        payload = Payload("dlms-access-response", tree)
    else:
        payload = Payload("gbz", {"count": 1, "components": [{"control": first, "cluster": second, "frame_control": 8,
                                                              "sequence": 0, "command": 1, "plaintext": "00"}]})
    try:
        _response(payload)
    except gbcs.GbcsError:
        pass
