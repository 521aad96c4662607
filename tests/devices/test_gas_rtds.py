"""The gas devices answer every RTDS gas command of the issue-5 Service Requests with the ZCL structure of
the RTDS response: a GSME for commands addressed to it, a GPF (from its mirror of the GSME data) for those
addressed to the GPF. The meters live in RTDS time (early 2015), so the periods the vectors ask for are
held."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import gbcs
from devices import zcl as server
from devices.clock import ZIGBEE_EPOCH
from devices.state import Firmware, GpfState, GsmeState
from gbcs import zcl
from tests.devices.gas_shapes import GAS_FOLDERS, equivalent, has_data, rtds_message, shapes
from tests.devices.top_up_helpers import rtds_meter
from tests.gbcs.corpus import AVAILABLE, rtds_keys
from tests.paths import GBCS_RTDS

EARLIEST, LATEST = datetime(2015, 1, 1, 0, 30, tzinfo=timezone.utc), datetime(2015, 6, 1, tzinfo=timezone.utc)
NO_DATA_EXPECTED = {"GCS18_4.10_SUCCESS"}   # asks for 41 samples from 2000-01-01: older than any log


def pairs(kind: str) -> list[str]:
    if not GBCS_RTDS.exists():
        return []
    found = []
    for folder in GAS_FOLDERS:
        for command in sorted((GBCS_RTDS / folder).glob(f"*_{kind}*_COMMAND_GBCS.HEX")):
            if "PRECOMMAND" not in command.name:
                found.append(command.name[:-len("_COMMAND_GBCS.HEX")])
    return found


def _window_end(message: gbcs.Message) -> int:
    """The latest time a command's components ask about (ZigBee seconds), 0 when none."""
    ends = [0]
    for component in message.payload.tree["components"]:
        layout = zcl.command_layout(component["cluster"], component["command"],
                                    bool(component["frame_control"] & zcl.SERVER_TO_CLIENT))
        if not component["frame_control"] & zcl.FRAME_TYPE_CLUSTER_SPECIFIC or layout is None:
            continue
        fields = zcl.decode_fields(layout, bytes.fromhex(component["payload"]))
        if "latest_end_time" in fields:
            ends.append(fields["latest_end_time"])
        if "earliest_sample_time" in fields:
            interval = {0: 1800, 1: 86400, 2: 360}.get(fields["sample_id"], 1800)
            ends.append(fields["earliest_sample_time"] + fields["number_of_samples"] * interval)
    return max(ends)


def rtds_time(message: gbcs.Message) -> datetime:
    """A moment in RTDS time just after the period the command asks about."""
    end = ZIGBEE_EPOCH + timedelta(seconds=_window_end(message)) + timedelta(hours=1)
    return min(max(end, EARLIEST), LATEST)


def serve(message: gbcs.Message, now: datetime, state: GsmeState | GpfState | None = None) -> tuple[dict, list]:
    state = state if state is not None else \
        (GpfState if message.recipient.endswith("A3") else GsmeState)(firmware=Firmware("0123ABCD"))
    tree, _ = server.serve_gbz(state, message.payload.tree, now, device_id=message.recipient,
                               use_case=message.use_case, entry=rtds_meter(state, message))
    answer = gbcs.build(cra="response", counter=message.counter, originator=message.recipient,
                        recipient=message.originator, message_code=message.message_code,
                        payload=gbcs.Payload("gbz", tree), keys=rtds_keys())
    decoded = gbcs.decode(answer, rtds_keys())
    assert decoded.verification.mac == "verified" and decoded.verification.decryption in ("decrypted", "absent")
    return tree, shapes(decoded)


@pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance RTDS vectors not available")
@pytest.mark.parametrize("name", pairs("SUCCESS") + [p for p in pairs("NOT_FOUND") if p[:5] in
                                                      ("GCS15", "GCS17", "GCS61")])
def test_gas_device_answers_with_the_rtds_structure(name):
    command = rtds_message(f"{name}_COMMAND_GBCS.HEX")
    expected = shapes(rtds_message(f"{name}_RESPONSE_GBCS.HEX"))
    tree, ours = serve(command, rtds_time(command))
    assert equivalent(ours, expected) == []
    rtds_tree = rtds_message(f"{name}_RESPONSE_GBCS.HEX").payload.tree
    if has_data(ours):    # encrypted where RTDS encrypts
        sealed = any("plaintext" in c for c in tree["components"])
        assert sealed == any(c["control"] & 0x02 for c in rtds_tree["components"])
    if "NOT_FOUND" in name:
        assert not has_data(ours), ours
    elif name not in NO_DATA_EXPECTED and has_data(expected):
        assert has_data(ours), ours


@pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance RTDS vectors not available")
def test_firmware_version_read_is_an_octet_string_as_in_rtds():
    command = rtds_message("GCS38_11.2_SUCCESS_COMMAND_GBCS.HEX")
    tree, _ = serve(command, EARLIEST)
    records = zcl.decode_read_attributes_response(bytes.fromhex(tree["components"][0]["payload"]))
    assert records == [zcl.AttributeRecord(0x0206, 0, zcl.ZclValue(zcl.OCTSTR, bytes.fromhex("0123ABCD")))]
    assert tree["components"][0]["payload"] == \
        rtds_message("GCS38_11.2_SUCCESS_RESPONSE_GBCS.HEX").payload.tree["components"][0]["payload"]


@pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance RTDS vectors not available")
def test_rtds_top_ups_are_applied_once_and_a_malformed_utrn_is_refused():
    state = GsmeState()
    good = rtds_message("CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX")
    bad = rtds_message("CS01b_2.2_ERROR_COMMAND_GBCS.HEX")

    def answer(message):
        tree, _ = serve(message, EARLIEST, state)
        return zcl.decode_command(zcl.PREPAYMENT, 0x03, True, bytes.fromhex(tree["components"][0]["payload"]))

    before = state.gas.prepayment.credit if state.gas is not None else None
    first = answer(good)
    assert first["result_type"] == 0 and first["top_up_value"] == 1_250_000     # £12.50 in the UTRN
    assert before is None or first["credit_remaining"] > before
    assert answer(good)["result_type"] == 0x02                                  # the same UTRN again
    assert answer(bad) == zcl.decode_command(zcl.PREPAYMENT, 0x03, True, bytes.fromhex(
        rtds_message("CS01b_2.2_ERROR_RESPONSE_GBCS.HEX").payload.tree["components"][0]["payload"]))


@pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance RTDS vectors not available")
def test_rtds_tariff_is_stored_and_read_back():
    state = GsmeState()
    tariff = rtds_message("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX")
    serve(tariff, EARLIEST, state)
    tree, _ = serve(rtds_message("GCS21f_4.11.1_SUCCESS_COMMAND_GBCS.HEX"), EARLIEST + timedelta(minutes=5), state)
    prices = {r.attribute: r.value.value for r in
              zcl.decode_read_attributes_response(bytes.fromhex(tree["components"][0]["payload"]))}
    assert [prices[a] for a in (0x0410, 0x0420, 0x0430, 0x0440)] == [9600, 10200, 10750, 11000]
    assert prices[0x0301] == 22465
    # the calendar comes back exactly as published: day and week profiles, seasons, special days
    published = [c["payload"] for c in tariff.payload.tree["components"]
                 if c["cluster"] == zcl.CALENDAR and c["command"] in (1, 2, 3, 4)]
    answered = [c["payload"] for c in tree["components"] if c["cluster"] == zcl.CALENDAR]
    assert answered == published
