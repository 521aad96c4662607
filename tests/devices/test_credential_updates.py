"""Update Security Credentials (CS02b) on a meter, against the RTDS: the change-of-supplier command the
Transitional CoS party sends puts the gaining supplier's certificates into the Supplier cells (the prepayment
cell included, whose UTRN counter cache starts afresh) and is answered with the RTDS execution outcome; a mode
the signer may not authorise replaces nothing."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import gbcs
from devices import credential_updates, trust_anchors
from devices.state import EsmeState, Role
from gbcs import KeyUsage
from tests.gbcs.corpus import rtds_keys
from tests.paths import GBCS_RTDS, KEYS_RTDS

pytestmark = pytest.mark.skipif(not (GBCS_RTDS.exists() and KEYS_RTDS.exists()), reason="../shared not available")
NOW = datetime(2015, 1, 1, tzinfo=timezone.utc)
LOSING, GAINING, TRANS_COS = "90B3D51F30010000", "90B3D51F30030000", "90B3D51F30000004"
SKI = {KeyUsage.SIGNING: "44899792d196f4b8", KeyUsage.KEY_AGREEMENT: "405b8c62687d8f70",
       KeyUsage.PREPAYMENT: "41fb49221588c570"}     # the losing supplier's cells in the RTDS meter


def _vector(folder: str, name: str) -> gbcs.Message:
    path: Path = GBCS_RTDS / folder / name
    return gbcs.decode(bytes.fromhex(path.read_text().strip()), rtds_keys())


def _fields(nodes: list) -> dict:
    fields = gbcs.Payload("asn1", nodes).fields(message_code=0x0107, cra=gbcs.Cra.RESPONSE)
    fields.pop("length_widths", None)       # DER lengths the RTDS meter wrote in long form
    return fields


def _meter() -> EsmeState:
    keys = rtds_keys()
    cells = [trust_anchors.make_cell(Role.SUPPLIER, usage, LOSING, keys.public_key(LOSING, usage),
                                     bytes.fromhex(SKI[usage])) for usage in SKI]
    cells.append(trust_anchors.make_cell(Role.TRANSITIONAL_COS, KeyUsage.SIGNING, TRANS_COS,
                                         keys.public_key(TRANS_COS, KeyUsage.SIGNING), bytes(8)))
    return EsmeState(device_id="00DB1234567890A0", trust_anchors=cells, utrn_counters=[1, 2, 3])


def test_change_of_supplier_replaces_the_supplier_cells_as_the_rtds_meter_did():
    command = _vector("6.23_CS02bSupplierByTransCoS", "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    expected = _vector("6.23_CS02bSupplierByTransCoS",
                       "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX")
    state = _meter()
    nodes, _alerts = credential_updates.serve(state, command, NOW)
    assert _fields(nodes) == _fields(expected.payload.tree)
    assert {c.usage: c.entity for c in state.cells if c.role is Role.SUPPLIER} == {
        KeyUsage.SIGNING: GAINING, KeyUsage.KEY_AGREEMENT: GAINING, KeyUsage.PREPAYMENT: GAINING}
    assert state.utrn_counters == []
    assert trust_anchors.signature_roles(state, LOSING) == []


def test_a_change_of_supplier_not_signed_by_the_transitional_cos_party_replaces_nothing():
    command = _vector("6.23_CS02bSupplierByTransCoS", "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    state = _meter()
    forged = gbcs.Message(cra=command.cra, counter=command.counter, originator=LOSING, recipient=command.recipient,
                          message_code=command.message_code, payload=command.payload)
    nodes, _alerts = credential_updates.serve(state, forged, NOW)
    outcomes = _fields(nodes)["execution_outcome"]["replacement_outcomes"]
    assert {o["status"] for o in outcomes} == {"noTrustAnchor"}
    assert {c.entity for c in state.cells if c.role is Role.SUPPLIER} == {LOSING}
    assert state.utrn_counters == [1, 2, 3]


def test_a_future_dated_replacement_reports_its_outcome_in_the_rtds_alert():
    folder = "6.15.1_CS02bSupplierBySupplier"
    command = _vector(folder, "CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX")
    alert = _vector(folder, "CS02bSupplierBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX")
    cancel, when = credential_updates.execution_time(command)
    assert not cancel and when == datetime(2030, 1, 15, tzinfo=timezone.utc)
    code, payload = credential_updates.run_held(_meter(), command.payload.tree, command.message_code,
                                                command.originator, when)
    assert code == 0x8F66 and credential_updates.ALERT_MESSAGE_CODES[command.message_code] == alert.message_code
    mine = payload.fields(message_code=alert.message_code, cra=gbcs.Cra.ALERT)
    theirs = alert.payload.fields(message_code=alert.message_code, cra=alert.cra)
    for fields in (mine, theirs):
        fields.pop("length_widths", None)
    assert mine == theirs


def test_a_cancellation_is_told_from_its_gbcs_date():
    command = _vector("6.15.1_CS02bSupplierBySupplier",
                      "CS02bSupplierBySupplier_6.15.1_CANCELLATION_SUCCESS_COMMAND_GBCS.HEX")
    assert credential_updates.execution_time(command)[0]


def test_a_handover_replaces_the_access_control_brokers_supplier_cells_of_a_dcc_controlled_device():
    """6.21: on a DCC-controlled device the ACB holds the Supplier cells, and hands them to the supplier."""
    folder = "6.21_CS02bSupplierBySupplierHandover"
    command = _vector(folder, "CS02bSupplierBySupplierHandover_6.21_SUCCESS_COMMAND_GBCS.HEX")
    expected = _vector(folder, "CS02bSupplierBySupplierHandover_6.21_SUCCESS_RESPONSE_GBCS.HEX")
    keys = rtds_keys()
    acb = command.originator
    theirs = expected.payload.fields(message_code=expected.message_code, cra=expected.cra)["execution_outcome"]
    held = {o["affected_trust_anchor_cell"].get("cell_usage", o["affected_trust_anchor_cell"]["key_usage"][0]):
            bytes.fromhex(o["existing_subject_key_id"]) for o in theirs["replacement_outcomes"]}
    cells = [trust_anchors.make_cell(Role.SUPPLIER, usage, acb, keys.public_key(acb, KeyUsage.SIGNING), ski)
             for usage, ski in ((KeyUsage.SIGNING, held["digitalSignature"]),
                                (KeyUsage.KEY_AGREEMENT, held["keyAgreement"]),
                                (KeyUsage.PREPAYMENT, held["prePaymentTopUp"])) if ski]
    state = EsmeState(device_id=command.recipient, trust_anchors=cells)
    nodes, _alerts = credential_updates.serve(state, command, NOW)
    mine = gbcs.Payload("asn1", nodes).fields(message_code=expected.message_code, cra=gbcs.Cra.RESPONSE)
    assert mine["execution_outcome"] == theirs
