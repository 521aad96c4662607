"""All 1,275 RTDS 4.5.0 messages: decode, attribute, re-encode byte for byte, verify, decrypt and
re-encrypt, cross the HAN in blocks, and catch tampering."""
from __future__ import annotations

import json
import os
import random
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

import gbcs
from gbcs import protection
from gbcs._reader import Reader
from gbcs.payload import dlms
from tests.gbcs.corpus import AVAILABLE, decoded, folder_use_case, rtds_keys, vectors

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance/gbcs-rtds or keys/rtds not available")

# --- attribution ---------------------------------------------------------------------------------
# A folder is named <SR>_<use case>; the RTDS splits some use cases into variants, named by a suffix:
# which credentials a CS02a/CS02f command replaces (MAC, Signature), whether a join/unjoin is critical,
# which action an ECS47/ECS62 command takes, a commissioning ECS70/GCS28, and for CS02b/CS02g which
# remote party's certificate is replaced by whom ("SupplierBySupplier", "NOByNOHandover" …). The message
# code names the use case alone.
VARIANT_SUFFIXES = ("MAC", "Signature", "Critical", "NonCritical", "Activate", "Deactivate", "Reset", "Add",
                    "Remove", "Commission")
CREDENTIAL_REPLACEMENT = re.compile(r"(CS02b|CS02g)[A-Z][A-Za-z]*By[A-Z][A-Za-z]*")
# Generic alerts that one message code serves for both device families have a folder per family.
FAMILIES = {"-DLMS": "dlms-data-notification", "-ZigBee": "gbz-alert"}
# Explained one by one.
EXCEPTIONS = {
    # The CS04b error scenario sends a Method A/C unjoin (message code 0x000F), which its device rejects.
    "CS04B_8.8.2_ERROR_COMMAND_GBCS.HEX": "CS04AC",
    "CS04B_8.8.2_ERROR_RESPONSE_GBCS.HEX": "CS04AC",
}
# Message code 0x0004 serves both CCS05 (read the CHF device log) and CCS04 (check HAN communications);
# the RTDS folder names both, the catalogue the first.
FOLDER_ALIASES = {"CCS05CCS04": "CCS05"}
USE_CASES = {info.use_case for info in gbcs.MESSAGE_CODES.values()}


def attribution(path: Path, message: gbcs.Message) -> tuple[str, str]:
    """The use case a vector must be attributed to, from its folder and file name, and the rule that says so."""
    folder = folder_use_case(path)
    if path.name in EXCEPTIONS:
        return EXCEPTIONS[path.name], "exception"
    named = re.search(r"_ALERT_([A-Z]+\d+[a-z]?)_GBCS\.HEX$", path.name)
    if named:                                   # "…_ALERT_DBCH09_GBCS.HEX": the alert names its use case
        return named.group(1), "alert named in the file"
    if "_8F66_" in path.name and message.cra == "alert" and not folder.startswith(("CS02", "CS06")):
        # A future-dated command's execution alert (0x8F66) is the device family's generic FDA alert;
        # the security-credential and firmware use cases have their own.
        return ("FDA-DLMS" if message.payload.kind.startswith("dlms") else "FDA-ZigBee"), "future-dated alert"
    if folder in USE_CASES:
        return folder, "folder"
    for suffix, kind in FAMILIES.items():
        if folder.endswith(suffix):
            assert message.payload.kind == kind, path.name
            return folder.removesuffix(suffix), "generic alert family"
    if CREDENTIAL_REPLACEMENT.fullmatch(folder):
        return folder[:len("CS02b")], "credential replacement variant"
    for suffix in sorted(VARIANT_SUFFIXES, key=len, reverse=True):
        if folder.endswith(suffix) and len(folder) > len(suffix):
            return folder.removesuffix(suffix), "variant"
    return FOLDER_ALIASES.get(folder, folder), "alias" if folder in FOLDER_ALIASES else "folder"


def test_every_message_decodes_and_is_attributed_to_its_use_case():
    wrong = []
    for path, _data, message in decoded():
        expected, rule = attribution(path, message)
        if message.use_case != expected:
            wrong.append(f"{path.name}: {message.use_case} not {expected} ({rule})")
    assert len(vectors()) == 1275
    assert wrong == []


def test_the_attribution_rules_are_all_needed():
    """Each rule decides some vector, so none is a leftover that could hide a wrong attribution."""
    rules = {}
    for path, _data, message in decoded():
        rule = attribution(path, message)[1]
        rules[rule] = rules.get(rule, 0) + 1
    assert rules["folder"] > 900
    assert set(rules) == {"folder", "exception", "alert named in the file", "future-dated alert",
                          "generic alert family", "credential replacement variant", "variant", "alias"}
    folders = {folder_use_case(path) for path, _ in vectors()}
    assert all(any(f.endswith(s) for f in folders) for s in VARIANT_SUFFIXES)


# --- byte-exact re-encoding ----------------------------------------------------------------------

def test_every_message_re_encodes_byte_for_byte_also_through_json():
    for path, data, message in decoded():
        assert gbcs.encode(message) == data, path.name
        again = gbcs.Message.from_json(json.loads(json.dumps(message.to_json())))
        assert again == message and gbcs.encode(again) == data, path.name


# --- MACs, signatures, decryption ----------------------------------------------------------------

def test_every_checkable_mac_and_signature_verifies_and_every_encrypted_part_decrypts(capsys):
    macs = signatures = messages_decrypted = parts = 0
    checkable_macs = checkable_signatures = encrypted_messages = 0
    for path, _data, message in decoded():
        v = message.verification
        assert "failed" not in (v.mac, v.signature, v.decryption), path.name
        checkable_macs += v.mac in ("verified", "failed")
        macs += v.mac == "verified"
        checkable_signatures += v.signature in ("verified", "failed")
        signatures += v.signature == "verified"
        has_parts = bool(protection.encrypted_parts(message))
        encrypted_messages += has_parts
        assert (v.decryption != "absent") == has_parts, path.name
        messages_decrypted += v.decryption == "decrypted"
        parts += len(message.decrypted)
    with capsys.disabled():
        print(f"\nMACs: {macs}/{checkable_macs} checkable verified; signatures: {signatures}/"
              f"{checkable_signatures}; messages with encrypted parts decrypted: {messages_decrypted}/"
              f"{encrypted_messages} ({parts} parts)")
    assert macs == checkable_macs >= 800
    assert signatures == checkable_signatures >= 450
    assert messages_decrypted == encrypted_messages >= 48 and parts >= 63


def test_every_verified_signature_verifies_with_the_originators_key_given_by_hand():
    keys = rtds_keys()
    checked = 0
    for path, _data, message in decoded():
        if message.verification.signature != "verified":
            continue
        public = keys.public_key(message.originator, gbcs.SIGNING)
        assert gbcs.verify_signature(message, public), path.name
        flipped = message.signature[:-1] + bytes([message.signature[-1] ^ 1])
        assert not gbcs.verify_signature(replace(message, signature=flipped), public), path.name
        checked += 1
    assert checked >= 450


def test_dlms_protected_data_of_esme_responses_and_alerts_decrypts_to_dlms_data():
    use_cases = set()
    for path, _data, message in decoded():
        if message.payload.kind.startswith("dlms") and message.decrypted:
            for plaintext in message.decrypted:
                reader = Reader(bytes.fromhex(plaintext))
                value = dlms.decode_data(reader)
                assert reader.at_end() and value["type"] in ("structure", "array"), path.name
            use_cases.add(message.use_case)
    assert {"ECS17b", "ECS68", "ECS21b"} <= use_cases


def _placeholders(message: gbcs.Message) -> gbcs.Message:
    """The message with each encrypted carrier replaced by the plaintext placeholder ``seal`` encrypts."""
    plaintexts = iter(message.decrypted)
    bodies = {(part.security_header + part.ciphertext).hex() for part in protection.encrypted_parts(message)}

    def swap(node):
        if isinstance(node, list):
            out, skip = [], False
            for item, following in zip(node, [*node[1:], None]):
                if skip:
                    skip = False
                    continue
                if isinstance(following, dict) and following.get("hex") in bodies and item.get("type") == "array":
                    out.append({"type": "protected", "plaintext": next(plaintexts)})
                    skip = True
                else:
                    out.append(swap(item))
            return out
        if isinstance(node, dict):
            if node.get("control", 0) & protection.GBZ_CONTROL_ENCRYPTED and "cluster" in node:
                sealed = {k: v for k, v in node.items() if k != "payload"}
                return {**sealed, "plaintext": next(plaintexts)}
            return {k: swap(v) for k, v in node.items()}
        return node

    return replace(message, payload=gbcs.Payload(message.payload.kind, swap(message.payload.tree)), mac=None)


def test_re_encrypting_every_plaintext_rebuilds_the_corpus_message_byte_for_byte():
    keys = rtds_keys()
    rebuilt = 0
    for path, data, message in decoded():
        parts = protection.encrypted_parts(message)
        if not parts:
            continue
        party, counter = protection.encryption_parties(message)
        for part, plaintext in zip(parts, message.decrypted):
            assert part.invocation_counter == 0, path.name
            again = protection.protect(bytes.fromhex(plaintext), originator=message.originator, recipient=party,
                                       counter=counter, keys=keys)
            assert again == part.security_header + part.ciphertext, path.name
        sealed = _placeholders(message)
        assert sealed.payload != message.payload
        assert gbcs.encode(sealed, keys) == data, path.name
        rebuilt += 1
    assert rebuilt >= 48


# --- general block transfer ----------------------------------------------------------------------

def test_every_message_over_the_han_limit_crosses_in_blocks_and_decodes_byte_for_byte():
    keys = rtds_keys()
    rng = random.Random(4)
    long_messages = [(path, data, message) for path, data, message in decoded() if len(data) > gbcs.HAN_LIMIT]
    for path, data, message in long_messages:
        blocks = gbcs.gbt_split(data)
        assert len(blocks) >= 2 and all(len(block) <= gbcs.HAN_LIMIT for block in blocks), path.name
        assert gbcs.gbt_join(blocks) == data, path.name
        rng.shuffle(blocks)
        again = gbcs.decode(blocks, keys)
        assert again == message and again.verification == message.verification, path.name
        assert gbcs.encode(again) == data, path.name
    assert len(long_messages) == 55


# --- tampering -----------------------------------------------------------------------------------

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


def _checkable() -> list[tuple[str, bytes]]:
    return [(path.name, data) for path, data, message in decoded() if _checked(message)]


def test_flipping_sampled_bytes_breaks_verification():
    keys = rtds_keys()
    rng = random.Random(20201109)
    tried = 0
    for name, data in _checkable():
        positions = {0, len(data) - 1, *(rng.randrange(len(data)) for _ in range(6))}
        for position in positions:
            flipped = bytearray(data)
            flipped[position] ^= 1 << rng.randrange(8)
            assert not _still_verified(bytes(flipped), keys), f"{name} byte {position}"
            tried += 1
    assert tried > 5000


def _flip_every_byte(item: tuple[str, bytes]) -> tuple[int, list[str]]:
    name, data = item
    keys = rtds_keys()
    passed = []
    for position in range(len(data)):
        flipped = bytearray(data)
        flipped[position] ^= 1 << (position % 8)
        if _still_verified(bytes(flipped), keys):
            passed.append(f"{name} byte {position}")
    return len(data), passed


@pytest.mark.slow
def test_flipping_any_byte_of_any_checkable_message_breaks_verification(capsys):
    checkable = _checkable()
    workers = min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_flip_every_byte, checkable, chunksize=16))
    flips = sum(count for count, _ in results)
    still_verified = [entry for _, passed in results for entry in passed]
    with capsys.disabled():
        print(f"\nsingle-bit flips: {flips} over {len(checkable)} checkable messages; "
              f"{len(still_verified)} still verified")
    assert still_verified == []
    assert len(checkable) >= 1000 and flips == sum(len(data) for _, data in checkable)


# --- pre-commands --------------------------------------------------------------------------------

def test_precommands_signed_by_the_supplier_are_the_commands():
    keys = rtds_keys()
    pairs = 0
    by_name = {p.name: d for p, d in vectors()}
    for name, precommand in by_name.items():
        if not name.endswith("_PRECOMMAND_GBCS.HEX"):
            continue
        command = gbcs.decode(by_name[name.replace("_PRECOMMAND_", "_COMMAND_")], keys)
        assert command.verification.signature == "verified", name
        signed = gbcs.encode(replace(command, ciphered=False, mac=None))
        assert signed.startswith(precommand) and signed[len(precommand)] == 0x40, name
        supplier = keys.private_key(command.originator, gbcs.SIGNING)
        resigned = gbcs.sign_precommand(precommand, supplier)
        assert gbcs.verify_signed_precommand(resigned, keys.public_key(command.originator, gbcs.SIGNING))
        with_empty_length = gbcs.sign_precommand(precommand + b"\x00", supplier)
        assert len(with_empty_length) == len(resigned)
        pairs += 1
    assert pairs == 178
