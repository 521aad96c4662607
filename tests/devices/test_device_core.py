"""The device core: what a device accepts (MAC, counters, signatures against its own trust-anchor cells,
the use cases its type serves), how it answers (signed after a signed command, MAC'd otherwise), and the
alerts it raises (each addressed to its recipient)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import gbcs
from devices import alerts, trust_anchors, use_cases
from devices.device import handle_command, run_due
from devices.device_types import DEVICE_KINDS, serves
from gbcs import Payload
from gbcs import encode_dlms_date_time as dlms_date_time
from tests.devices.world import ACB, NETWORK_OPERATOR, OTHER_SUPPLIER, SUPPLIER, World
from tests.paths import GBCS_RTDS, REFERENCE

ESME, GSME, PPMID, CHF = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A4", "00DB1234567890A2"
NOW = datetime(2030, 1, 15, 8, 0, tzinfo=timezone.utc)

READ_REGISTERS = Payload("dlms-access-request", {"invoke_id": "20000001", "date_time": None, "specs": [
    {"choice": "get", "class": 3, "obis": "0100010800FF", "attribute": 2}], "data": [{"type": "null"}]})
JOIN = Payload("asn1", [{"tag": "30", "children": [{"tag": "02", "hex": "01"},
                                                   {"tag": "04", "hex": "00db123456789093"},
                                                   {"tag": "02", "hex": "01"}]}])


def tariff(activation: str) -> Payload:
    """A DLMS price write with a passive-charge activation date-time."""
    return Payload("dlms-access-request", {"invoke_id": "20000002", "date_time": None, "specs": [
        {"choice": "set", "class": 9000, "obis": "00005E2C0200", "attribute": 4},
        {"choice": "set", "class": 113, "obis": "0000131400FF", "attribute": 7}],
        "data": [{"type": "boolean", "value": 255}, {"type": "octet-string", "hex": activation}]})


@pytest.fixture
def world() -> World:
    return World()


def _decode(world: World, frame: bytes) -> gbcs.Message:
    return gbcs.decode(frame, world.keys())


def test_a_read_is_answered_with_a_mac_for_its_originator(world):
    identity, state = world.device(ESME, "ESME")
    reply = handle_command(identity, state, world.command(ESME, 0x0027, READ_REGISTERS), NOW)
    response = _decode(world, reply.response)
    assert response.recipient == SUPPLIER and response.ciphered and response.verification.mac == "verified"
    assert response.signature_field == "empty"


def test_a_critical_command_signed_by_the_supplier_in_the_cell_is_run_and_answered_signed(world):
    identity, state = world.device(ESME, "ESME")
    frame = world.command(ESME, 0x000D, JOIN, signer=SUPPLIER)
    reply = handle_command(identity, state, frame, NOW)
    response = _decode(world, reply.response)
    assert not response.ciphered and response.verification.signature == "verified"
    assert [e.device_id for e in state.joined] == ["00DB123456789093"]


def test_a_critical_command_signed_by_another_organisation_is_refused(world):
    identity, state = world.device(ESME, "ESME")
    # Another supplier, MAC'd by the genuine ACB and signing with its own genuine key: not this meter's.
    frame = world.command(ESME, 0x000D, JOIN, originator=OTHER_SUPPLIER, signer=OTHER_SUPPLIER)
    reply = handle_command(identity, state, frame, NOW)
    assert reply.response is None and "no trust-anchor cell" in reply.refused
    assert not state.joined and state.security_log


def test_a_supplier_signature_on_a_command_from_the_network_operator_is_refused(world):
    identity, state = world.device(ESME, "ESME")
    frame = world.command(ESME, 0x000D, JOIN, originator=NETWORK_OPERATOR, signer=NETWORK_OPERATOR)
    reply = handle_command(identity, state, frame, NOW)
    assert reply.response is None and "not by a Remote Party allowed to sign it" in reply.refused


@pytest.mark.parametrize("use_case, code", [("CS03A2", 0x00AB), ("CS03C", 0x00AF), ("CS04AC", 0x000F)])
def test_join_commands_are_critical_whichever_service_request_sends_them(world, use_case, code):
    identity, state = world.device(PPMID, "PPMID")
    payload = JOIN if use_case != "CS04AC" else Payload("asn1", [{"tag": "04", "hex": "00db123456789093"}])
    unsigned = handle_command(identity, state, world.command(PPMID, code, payload, originator=ACB), NOW)
    assert unsigned.response is None and "without a signature" in unsigned.refused
    signed = handle_command(identity, state, world.command(PPMID, code, payload, originator=ACB, signer=ACB), NOW)
    assert signed.response is not None and _decode(world, signed.response).verification.signature == "verified"


def test_criticality_follows_the_gbcs_message_types():
    table = json.loads((REFERENCE / "gbcs-use-cases.json").read_text())
    critical = {u["Code"] for u in table if u["Message Type"] == "SME.C.C"}
    for code, info in gbcs.MESSAGE_CODES.items():
        if info.kind == "command" and info.use_case in critical | {"ECS17b", "CCS01", "CS07"}:
            assert use_cases.is_critical(code) == (info.use_case in critical), info.use_case


def test_a_ppmid_refuses_an_esme_command_with_the_not_supported_alert(world):
    identity, state = world.device(PPMID, "PPMID")
    frame = world.command(PPMID, 0x0027, READ_REGISTERS, originator=ACB, extra=bytes.fromhex(SUPPLIER) + bytes(8))
    reply = handle_command(identity, state, frame, NOW)
    assert reply.response is None and "does not serve ECS17b" in reply.refused
    alert = _decode(world, reply.alerts[0])
    assert alert.recipient == ACB and alert.verification.signature == "verified"
    assert alert.payload.tree["alert_code"] == 0x8F85 and alert.other_info_extra[:8].hex().upper() == SUPPLIER


def test_device_kinds_serve_their_own_use_cases():
    assert serves("ESME", "ECS17b") and not serves("PPMID", "ECS17b") and not serves("ESME", "GCS13a")
    assert serves("CHF", "CCS01") and not serves("ESME", "CCS01") and not serves("ESME", "ECS26i")
    assert serves("PPMID", "CS08") and not serves("GSME", "CS08") and serves("HCALCS", "CS03A2")
    assert all(kind.cells for kind in DEVICE_KINDS.values())


def test_replayed_and_unmaced_commands_are_refused(world):
    identity, state = world.device(ESME, "ESME")
    frame = world.command(ESME, 0x0027, READ_REGISTERS)
    assert handle_command(identity, state, frame, NOW).response is not None
    assert "replay" in handle_command(identity, state, frame, NOW).refused
    other = World()   # an ACB this device does not know
    other.devices[ESME] = world.devices[ESME]
    stranger = other.command(ESME, 0x0027, READ_REGISTERS, counter=5000)
    assert "MAC" in handle_command(identity, state, stranger, NOW).refused


def test_a_future_dated_dlms_command_waits_and_its_alert_goes_signed_to_the_originator(world):
    identity, state = world.device(ESME, "ESME")
    at = NOW + timedelta(hours=1)
    reply = handle_command(identity, state, world.command(ESME, 0x0019, tariff(dlms_date_time(at).hex()),
                                                          signer=SUPPLIER), NOW)
    assert reply.response is not None and len(state.future) == 1 and not reply.alerts
    assert run_due(identity, state, NOW).alerts == []
    due = run_due(identity, state, at)
    alert = _decode(world, due.alerts[0])
    assert alert.message_code == alerts.FDA_DLMS and alert.recipient == SUPPLIER
    assert alert.verification.signature == "verified"
    body = alert.payload.tree["body"][0]["items"]
    assert body[0]["value"] == 0x8F66 and body[2]["hex"].startswith("0019")
    assert body[2]["hex"].endswith("0071" + "0000131400ff" + "07")
    assert state.future == []


def test_a_cancellation_drops_the_held_command_instead_of_queueing_another(world):
    identity, state = world.device(ESME, "ESME")
    at = NOW + timedelta(hours=1)
    handle_command(identity, state, world.command(ESME, 0x0019, tariff(dlms_date_time(at).hex()),
                                                  signer=SUPPLIER), NOW)
    cancel = handle_command(identity, state, world.command(ESME, 0x0019, tariff("ffffffffffffffffff8000ff"),
                                                           signer=SUPPLIER), NOW)
    assert cancel.response is not None and state.future == []
    assert run_due(identity, state, at + timedelta(days=1000)).alerts == []


@pytest.mark.skipif(not GBCS_RTDS.exists(), reason="../shared/conformance/gbcs-rtds not available")
def test_a_future_dated_gbz_command_raises_the_zigbee_alert(world):
    """The RTDS future-dated gas tariff (GCS01a, to run 2030-01-15 09:00): held, then run with one 0x8F66
    ZigBee alert per dated component, as the RTDS alerts are."""
    vector = GBCS_RTDS / "1.1.1_GCS01a" / "GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_COMMAND_GBCS.HEX"
    tariff = gbcs.decode(bytes.fromhex("".join(vector.read_text().split()))).payload
    identity, state = world.device(GSME, "GSME")
    reply = handle_command(identity, state, world.command(GSME, 0x006B, tariff, signer=SUPPLIER), NOW)
    assert reply.response is not None and state.future
    at = datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)
    assert run_due(identity, state, at - timedelta(seconds=1)).alerts == []
    sent = [_decode(world, frame) for frame in run_due(identity, state, at).alerts]
    assert {a.message_code for a in sent} == {alerts.FDA_ZIGBEE} and len(sent) == 5
    assert all(a.payload.tree["alert_code"] == 0x8F66 and a.verification.signature == "verified" for a in sent)
    assert all(a.payload.tree["timestamp"] == 948013200 for a in sent)
    assert {a.payload.tree["tail"][-8:] for a in sent} == {"07070900", "07070904", "07000904", "07000906",
                                                           "07000905"}


def test_trust_anchor_cells_are_reported_per_role(world):
    _identity, state = world.device(ESME, "ESME")
    report = trust_anchors.report(state, [2, 3])
    supplier, operator = report[0]["children"]
    assert supplier["children"][0]["hex"] == "02" and operator["children"][0]["hex"] == "03"
    cells = supplier["children"][3]["children"]
    entities = {next(f["hex"] for f in c["children"] if f["tag"] == "04").upper() for c in cells}
    assert entities == {SUPPLIER}
    # ds, ka, and the prepayment cell: key agreement with cell usage prepaymentTopUp (1); the others leave
    # the DEFAULT (management) out
    assert [[f["tag"] for f in c["children"]] for c in cells] == [["03", "04", "04"], ["03", "04", "04"],
                                                                  ["03", "02", "04", "04"]]
    assert [c["children"][0]["hex"] for c in cells] == ["0780", "0308", "0308"]
    assert cells[2]["children"][1]["hex"] == "01"
