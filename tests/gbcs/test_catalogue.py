"""The message-code catalogue agrees with the GBCS use-case list and with every RTDS 4.5.0 message."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

import gbcs
from gbcs import catalogue
from gbcs.catalogue import ALERT, COMMAND, DEVICE_TYPES, HAN, REMOTE, ROWS
from tests.gbcs.corpus import AVAILABLE, folder_use_case, vectors
from tests.paths import SHARED

USE_CASE_LIST = SHARED / "reference" / "gbcs-use-cases.json"

# The use-case list names some use cases once for several RTDS variants; the variant's name tells them apart.
VARIANTS = {
    "ECS25a": ("ECS25a", "Set Alert Behaviours - Supplier"),
    "ECS25a1": ("ECS25a", "Set Event Behaviours to HAN Device - Supplier"),
    "ECS25a2": ("ECS25a", "Set Event Behaviours audible alarm - Supplier"),
    "ECS25a3": ("ECS25a", "Set Event Behaviours logging - Supplier"),
    "ECS25b": ("ECS25b", "Set Alert Behaviours - Network Operator"),
    "ECS25b3": ("ECS25b", "Set Event Behaviours logging - Network Operator"),
    "ECS25r1": ("ECS25r", "Read non-critical event and alert behaviours - Supplier"),
    "ECS25r2": ("ECS25r", "Read non-critical event and alert behaviours - Network Operator"),
}
# Use cases the RTDS exercises (or the public message-code list names) that the use-case list does not carry.
NOT_IN_USE_CASE_LIST = {
    "CCS05", "ECS08", "ECS26d", "ECS26e", "ECS26i", "ECS30", "ECS35f", "ECS46c", "ECS47", "ECS61a", "GCS21d",
    "GCS21e", "GCS24", "GCS60a", "FDA-DLMS", "FDA-ZigBee", "FDRA-DLMS", "FDRA-ZigBee", "MIIWA-DLMS",
    "MIIWA-ZigBee", "GCA", "GNCA",
}
# The RTDS test devices: the last byte of the entity identifier names the device type.
RTDS_DEVICES = {"00DB1234567890A0": "ESME", "00DB1234567890A1": "GSME", "00DB1234567890A2": "CHF",
                "00DB1234567890A3": "GPF", "00DB1234567890A4": "PPMID", "00DB1234567890A5": "HCALCS",
                "00DB1234567890A6": "APC"}
# Alerts that a device sends in the course of another use case sit in that use case's RTDS folder.
ALERTS_IN_OTHER_FOLDERS = {"FDA-DLMS", "FDA-ZigBee", "DBCH09"}
# The CS04B error vectors carry the CS04AC message code (0x000F).
CARRIES_OTHER_CODE = {"CS04B_8.8.2_ERROR_COMMAND_GBCS.HEX", "CS04B_8.8.2_ERROR_RESPONSE_GBCS.HEX"}


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _critical(message_type: str) -> bool | None:
    if message_type in ("SME.C.C", "SME.A.C"):
        return True
    if message_type in ("SME.C.NC", "SME.A.NC", "SME.C.PPMID-GSME") or message_type.startswith("SME.C.NC but"):
        return False
    return None


def test_rows_are_well_formed():
    codes = Counter(row.code for row in ROWS if row.code is not None)
    assert [code for code, n in codes.items() if n > 1] == []
    for row in ROWS:
        assert row.kind in (COMMAND, ALERT), row
        assert row.party in (REMOTE, HAN, None), row
        assert row.device_types and set(row.device_types) <= set(DEVICE_TYPES), row
        assert set(row.payload_formats) <= {catalogue.DLMS, catalogue.GBZ, catalogue.ASN1, catalogue.ZSE}, row
        assert row.name and row.use_case
        if catalogue.ZSE in row.payload_formats or row.party == HAN:
            assert not row.remote_party
    assert gbcs.lookup(0x0027).use_case == "ECS17b" and gbcs.MESSAGE_CODES[0x0027].cra == ("command", "response")
    assert catalogue.codes_for("CS02b") == [0x00CB, *range(0x0100, 0x010A)]
    assert [row.use_case for row in ROWS if row.code is None] == ["CS05a", "CS05b", "CS05c"]


@pytest.mark.skipif(not USE_CASE_LIST.exists(), reason="../shared/reference/gbcs-use-cases.json not available")
def test_rows_agree_with_the_gbcs_use_case_list():
    reference = json.loads(USE_CASE_LIST.read_text())
    by_code: dict[str, list[dict]] = {}
    for entry in reference:
        by_code.setdefault(entry["Code"], []).append(entry)
    matched_codes = set()
    for row in ROWS:
        code, name = VARIANTS.get(row.use_case, (row.use_case, None))
        entries = [e for e in by_code.get(code, []) if name is None or _norm(e["Use Case Name"]) == name]
        if row.use_case in NOT_IN_USE_CASE_LIST:
            assert not entries, f"{row.use_case} is in the use-case list after all"
            continue
        assert len(entries) == 1, f"{row.use_case}: {len(entries)} entries in the use-case list"
        entry = entries[0]
        matched_codes.add(entry["Code"])
        party = {"Remote Party": REMOTE, "HAN Only Message": HAN, None: None}[entry["Remote Party or HAN Message"]]
        assert row.party == party, row.use_case
        message_type = entry["Message Type"]
        same_kind = message_type[4:5] == ("C" if row.kind == COMMAND else "A")
        if same_kind or not message_type.startswith("SME."):
            expected = _critical(message_type)
            if expected is not None:
                assert row.critical is expected, f"{row.code}: {row.use_case} is {message_type}"
            assert _norm(row.name).startswith(_norm(entry["Use Case Name"])), row.use_case
        elif message_type == "ZSE specified":
            assert row.critical is None and catalogue.ZSE in row.payload_formats
    assert matched_codes == set(by_code), sorted(set(by_code) - matched_codes)


pytestmark_corpus = pytest.mark.skipif(not AVAILABLE, reason="RTDS vectors not available")


@pytestmark_corpus
def test_every_rtds_message_agrees_with_its_row():
    problems = []
    seen_use_cases = set()
    for path, data in vectors():
        message = gbcs.decode(data)
        row = gbcs.lookup(message.message_code)
        if row is None:
            problems.append(f"{path.name}: no row for {message.message_code:04X}")
            continue
        seen_use_cases.add(row.use_case)
        folder = folder_use_case(path)
        attributed = (folder.startswith(row.use_case) or row.use_case in folder
                      or row.use_case in ALERTS_IN_OTHER_FOLDERS or path.name in CARRIES_OTHER_CODE)
        if not attributed:
            problems.append(f"{path.name}: {row.use_case} is not folder {folder}")
        if message.cra not in row.cra:
            problems.append(f"{path.name}: a {message.cra} under {row.kind} code {row.code:04X}")
        if message.payload.kind not in row.payload_kinds:
            problems.append(f"{path.name}: payload {message.payload.kind} not {row.payload_kinds}")
        device = message.recipient if message.cra == "command" else message.originator
        if RTDS_DEVICES.get(device) not in row.device_types:
            problems.append(f"{path.name}: device {device} ({RTDS_DEVICES.get(device)}) not in {row.device_types}")
        signed = message.signature_field == "present"
        precommand = "_PRECOMMAND_" in path.name
        if message.cra != "response" and not precommand and row.critical is not None and signed != row.critical:
            problems.append(f"{path.name}: signed={signed} but critical={row.critical}")
        if precommand and signed:
            problems.append(f"{path.name}: a signed pre-command")
    assert problems == []
    folders = {folder_use_case(path) for path, _ in vectors()}
    assert all(any(f.startswith(uc) or uc in f for uc in seen_use_cases) for f in folders)
