"""The codec's short cuts give what the long way gives: the one-shot AES-GCM MACs and encryption against a
GCM cipher context, the iterative walk over a payload's lists against a recursive one, the DLMS encoder that
writes into one buffer against the RTDS bytes, a decoded message's checks recorded without re-checking its
fields against ``dataclasses.replace``."""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Iterator

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings, strategies as st

import gbcs
from gbcs import protection, security
from gbcs.errors import UsageError
from gbcs.lengths import encode_length
from gbcs.message import _is_eui
from gbcs.payload import dlms, encode_payload
from tests.gbcs.corpus import AVAILABLE, decoded
from tests.gbcs.test_properties import dlms_data, json_values
from tests.gbcs.test_protection import DEVICE, DEVICE_KEYS, SUPPLIER

needs_corpus = pytest.mark.skipif(not AVAILABLE, reason="the RTDS corpus (../shared) is not available")


def _context_tag(key: bytes, iv: bytes, aad: bytes, plaintext: bytes = b"") -> tuple[bytes, bytes]:
    encryptor = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext, encryptor.tag


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.binary(min_size=8, max_size=8), st.binary(max_size=600),
       st.integers(0, 2**32 - 1))
def test_the_one_shot_gcm_gives_the_cipher_contexts_mac_and_ciphertext(key, originator, data, invocation):
    _nothing, tag = _context_tag(key, originator + bytes(4), security.MAC_AAD_PREFIX + data)
    assert security.mac(key, originator, data) == tag[:security.TAG_LENGTH]
    assert security.check_mac(key, originator, data, tag[:security.TAG_LENGTH])
    ciphertext, tag = _context_tag(key, originator + invocation.to_bytes(4, "big"), b"\x31", data)
    sealed = security.encrypt(key, originator, data, invocation)
    assert sealed == ciphertext + tag[:security.TAG_LENGTH]
    assert security.decrypt(key, originator, sealed, invocation) == data


def test_a_wrong_mac_or_one_of_the_wrong_length_does_not_check():
    key, originator, data = os.urandom(16), os.urandom(8), b"apdu"
    good = security.mac(key, originator, data)
    assert not security.check_mac(key, originator, data, bytes([good[0] ^ 1]) + good[1:])
    assert not security.check_mac(key, originator, data + b"x", good)
    assert not security.check_mac(key, originator, data, good[:-1])
    with pytest.raises(InvalidTag):      # the context agrees that the flipped tag is wrong
        decryptor = Cipher(algorithms.AES(key), modes.GCM(originator + bytes(4), bytes([good[0] ^ 1]) + good[1:],
                                                         min_tag_length=12)).decryptor()
        decryptor.authenticate_additional_data(security.MAC_AAD_PREFIX + data)
        decryptor.finalize()


def test_a_key_agreed_with_a_remembered_point_is_the_key_agreed_afresh():
    mine, theirs = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1()).public_key()
    info = security.other_info(bytes(8), "command", bytes(8), bytes(range(8)))
    first = security.derive_key(mine, theirs, info)
    again = security.derive_key(mine, theirs, info)
    security.clear_caches()
    assert first == again == security.derive_key(mine, theirs, info)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert security.derive_key(mine, other, info) != first


def _recursive_lists(node: Any) -> Iterator[list]:
    if isinstance(node, list):
        yield node
        for item in node:
            if isinstance(item, (dict, list)):
                yield from _recursive_lists(item)
    elif isinstance(node, dict):
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from _recursive_lists(value)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_the_lists_of_a_tree_are_found_in_the_order_the_recursive_walk_finds_them(tree):
    assert [id(found) for found in protection._lists(tree)] == [id(found) for found in _recursive_lists(tree)]


@needs_corpus
def test_the_rtds_payloads_lists_and_bytes_are_what_the_long_way_gives():
    checked = 0
    for path, _data, message in decoded():
        tree = message.payload.tree
        assert [id(found) for found in protection._lists(tree)] == [id(found) for found in _recursive_lists(tree)]
        if message.payload.kind.startswith("dlms"):
            for value in tree.get("data", []) + tree.get("body", []):
                assert dlms.encode_data(value) == _joined_encoding(value), path
                checked += 1
    assert checked > 500


def _joined_encoding(node: dict) -> bytes:
    """A-XDR as the encoder wrote it before it wrote into one buffer: each value's bytes joined."""
    kind = node["type"]
    tag = dlms._TAG_OF[kind]
    if kind == "null":
        return b"\x00"
    if kind in ("array", "structure"):
        return bytes([tag]) + encode_length(len(node["items"]), node.get("lw")) + b"".join(
            _joined_encoding(i) for i in node["items"])
    if tag in dlms._FIXED:
        _name, width, signed = dlms._FIXED[tag]
        return bytes([tag]) + int(node["value"]).to_bytes(width, "big", signed=signed)
    if tag in dlms._OPAQUE_FIXED:
        return bytes([tag]) + bytes.fromhex(node["hex"])
    if tag in dlms._STRINGS:
        raw = bytes.fromhex(node["hex"])
        return bytes([tag]) + encode_length(len(raw), node.get("lw")) + raw
    if kind == "bit-string":
        return bytes([tag]) + encode_length(int(node["bits"]), node.get("lw")) + bytes.fromhex(node["hex"])
    raw = bytes.fromhex(node["contents"])
    return bytes([tag]) + dlms._encode_type_description(node["description"]) + encode_length(
        len(raw), node.get("lw")) + raw


@needs_corpus
def test_a_decoded_message_is_the_message_replace_would_give():
    for _path, data, message in decoded()[:200]:
        long_way = replace(message, verification=message.verification, decrypted=message.decrypted)
        assert message == long_way and message.verification == long_way.verification
        assert message.decrypted == long_way.decrypted
        assert encode_payload(message.payload) == encode_payload(long_way.payload)
        assert gbcs.encode(message) == data or message.ciphered


def test_checked_takes_only_a_verification():
    message = gbcs.Message(cra="command", counter=1, originator="00DB1234567890A0", recipient="90B3D51F30010000",
                           message_code=0x0027, payload=gbcs.Payload("raw", ""))
    with pytest.raises(UsageError):
        message.checked("verified", ())
    done = message.checked(gbcs.Verification("verified"), ["ab"])
    assert done.verification.mac == gbcs.Check.VERIFIED and done.decrypted == ("ab",) and done == message


@pytest.mark.parametrize("value, expected", [
    ("00DB1234567890A0", True), ("00db1234567890A0", False), ("00DB1234567890A", False),
    ("00DB1234567890AG", False), ("G0DB1234567890A0", False), ("00DB12345 7890A0", False),
    ("00DB1234567890A00", False), (b"00DB1234567890A0", False), (None, False)])
def test_an_eui_is_sixteen_upper_case_hex_digits(value, expected):
    assert _is_eui(value) is expected


@pytest.mark.parametrize("value, width", [(0, None), (1, None), (0x7F, None), (0x80, None), (0x7F, 1), (5, 0),
                                          (300, None), (300, 3)])
def test_short_lengths_come_from_the_table_and_the_rest_as_before(value, width):
    encoded = encode_length(value, width)
    if width is None and value < 0x80:
        assert encoded == bytes([value])
    elif width == 0:
        assert encoded == bytes([value])
    else:
        count = width or max(1, (value.bit_length() + 7) // 8)
        assert encoded == bytes([0x80 | count]) + value.to_bytes(count, "big")
    with pytest.raises(UsageError):
        encode_length(-1)


def _long_way_seal(node: Any, message, keys) -> Any:
    """Sealing as it was done before the single pass: every list and dict copied, placeholders encrypted."""
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            if isinstance(item, dict) and item.get("type") == protection.PLACEHOLDER:
                party, counter = protection.encryption_parties(message)
                out.extend(protection.dlms_protected_data(
                    item["data"] if item.get("data") is not None else bytes.fromhex(item["plaintext"]),
                    originator=message.originator, recipient=message.recipient, counter=message.counter,
                    keys=keys, key_party=party, key_counter=counter))
            else:
                out.append(_long_way_seal(item, message, keys))
        return out
    if isinstance(node, dict):
        return {key: _long_way_seal(value, message, keys) for key, value in node.items()}
    return node


@settings(max_examples=80, deadline=None)
@given(st.lists(dlms_data(), min_size=1, max_size=4), st.lists(st.integers(0, 4), max_size=3),
       st.integers(0, 2**64 - 1), st.booleans())
def test_sealing_in_one_pass_gives_the_bytes_of_sealing_a_copy_of_everything(values, places, counter, nested):
    data = list(values)
    for place in places:
        data.insert(min(place, len(data)), {"type": protection.PLACEHOLDER, "data": values[place % len(values)]})
    if nested:
        data = [{"type": "structure", "items": data}]
    tree = {"invoke_id": "200003e8", "date_time": None, "data": data, "results": [{"choice": "get", "result": 0}]}
    message = gbcs.Message(cra="response", counter=counter, originator=DEVICE, recipient=SUPPLIER,
                           message_code=0x0027, payload=gbcs.Payload("dlms-access-response", tree), ciphered=True)
    sealed = protection.seal(message, DEVICE_KEYS)
    long_way = replace(message, payload=gbcs.Payload("dlms-access-response",
                                                     _long_way_seal(tree, message, DEVICE_KEYS)))
    assert sealed.payload.tree == long_way.payload.tree
    assert gbcs.encode(sealed, DEVICE_KEYS) == gbcs.encode(long_way, DEVICE_KEYS)
    assert (sealed is message) == (not places)
