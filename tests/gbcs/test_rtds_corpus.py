"""All 1,275 RTDS 4.5.0 messages: decode, attribute, re-encode byte for byte, verify, and catch tampering."""
from __future__ import annotations

import json
import random

import pytest

import gbcs
from tests.gbcs.corpus import AVAILABLE, folder_use_case, rtds_keys, vectors

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance/gbcs-rtds or keys/rtds not available")

# Alerts carried in the folder of the SR that caused them keep their own use case.
GENERIC_ALERTS = {"FDA-DLMS", "FDA-ZigBee", "GCA", "GNCA", "CS02b", "DBCH09"}
# The CS04B error vectors carry the CS04AC message code (0x000F); the message code decides.
CARRIES_OTHER_CODE = {"CS04B_8.8.2_ERROR_COMMAND_GBCS.HEX": "CS04AC", "CS04B_8.8.2_ERROR_RESPONSE_GBCS.HEX": "CS04AC"}


def test_every_message_decodes_and_is_attributed_to_its_use_case():
    unattributed = []
    for path, data in vectors():
        message = gbcs.decode(data)
        use_case = message.use_case
        expected = folder_use_case(path)
        if use_case is None:
            unattributed.append(path.name)
        elif CARRIES_OTHER_CODE.get(path.name) == use_case:
            continue
        elif use_case not in expected and not (message.cra == "alert" and use_case in GENERIC_ALERTS):
            unattributed.append(f"{path.name}: {use_case} not {expected}")
    assert len(vectors()) == 1275
    assert unattributed == []


def test_every_message_re_encodes_byte_for_byte_also_through_json():
    for path, data in vectors():
        message = gbcs.decode(data)
        assert gbcs.encode(message) == data, path.name
        again = gbcs.Message.from_json(json.loads(json.dumps(message.to_json())))
        assert again == message and gbcs.encode(again) == data, path.name


def test_every_checkable_mac_and_signature_verifies(capsys):
    keys = rtds_keys()
    macs = signatures = decrypted = 0
    checkable_macs = checkable_signatures = encrypted = 0
    for path, data in vectors():
        message = gbcs.decode(data, keys)
        v = message.verification
        assert v.mac != "failed" and v.signature != "failed", path.name
        checkable_macs += v.mac in ("verified", "failed")
        macs += v.mac == "verified"
        checkable_signatures += v.signature in ("verified", "failed")
        signatures += v.signature == "verified"
        encrypted += len(message.decrypted)
        decrypted += sum(1 for d in message.decrypted if d)
    with capsys.disabled():
        print(f"\nMACs: {macs}/{checkable_macs} checkable verified; signatures: {signatures}/"
              f"{checkable_signatures}; encrypted parts decrypted: {decrypted}/{encrypted}")
    assert macs == checkable_macs >= 800
    assert signatures == checkable_signatures >= 450
    assert decrypted == encrypted > 0


def _checked(message: gbcs.Message) -> bool:
    v = message.verification
    return v.mac == "verified" or v.signature == "verified"


def _still_verified(data: bytes, keys) -> bool:
    try:
        message = gbcs.decode(data, keys)
    except gbcs.GbcsError:
        return False
    v = message.verification
    return v.mac in ("verified", "absent") and v.signature in ("verified", "absent") and _checked(message)


def test_flipping_any_byte_breaks_verification():
    keys = rtds_keys()
    rng = random.Random(20201109)
    tried = 0
    for path, data in vectors():
        if not _checked(gbcs.decode(data, keys)):
            continue
        positions = {0, len(data) - 1, *(rng.randrange(len(data)) for _ in range(6))}
        for position in positions:
            flipped = bytearray(data)
            flipped[position] ^= 1 << rng.randrange(8)
            assert not _still_verified(bytes(flipped), keys), f"{path.name} byte {position}"
            tried += 1
    assert tried > 5000


@pytest.mark.slow
def test_flipping_every_byte_of_every_checkable_message_breaks_verification():
    keys = rtds_keys()
    for path, data in vectors()[::7]:
        if not _checked(gbcs.decode(data, keys)):
            continue
        for position in range(len(data)):
            flipped = bytearray(data)
            flipped[position] ^= 0xFF
            assert not _still_verified(bytes(flipped), keys), f"{path.name} byte {position}"


def test_precommands_signed_by_the_supplier_are_the_commands():
    keys = rtds_keys()
    pairs = 0
    by_name = {p.name: d for p, d in vectors()}
    for name, precommand in by_name.items():
        if not name.endswith("_PRECOMMAND_GBCS.HEX"):
            continue
        command = gbcs.decode(by_name[name.replace("_PRECOMMAND_", "_COMMAND_")], keys)
        assert command.verification.signature == "verified", name
        signed = gbcs.encode(gbcs.Message(**{**command.__dict__, "ciphered": False, "mac": None}))
        assert signed.startswith(precommand) and signed[len(precommand)] == 0x40, name
        supplier = keys.private_key(command.originator, gbcs.SIGNING)
        resigned = gbcs.sign_precommand(precommand, supplier)
        assert gbcs.verify_signed_precommand(resigned, keys.public_key(command.originator, gbcs.SIGNING))
        with_empty_length = gbcs.sign_precommand(precommand + b"\x00", supplier)
        assert len(with_empty_length) == len(resigned)
        pairs += 1
    assert pairs == 178
