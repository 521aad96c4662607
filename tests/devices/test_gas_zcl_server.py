"""The gas devices' ZCL server: statuses for what it does not serve, the GPF answering from its mirror, and
the responses GBCS encrypts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import gbcs
from devices import gas_mirror, zcl as server
from devices.state import Firmware, GpfState, GsmeState
from gbcs import zcl
from tests.devices.gas_shapes import GAS_FOLDERS, rtds_message
from tests.gbcs.corpus import AVAILABLE, rtds_keys
from tests.paths import GBCS_RTDS

NOW = datetime(2025, 6, 3, 8, 15, tzinfo=timezone.utc)
GSME, GPF = "00DB1234567890A1", "00DB1234567890A3"


def request(cluster: int, command: int, payload: bytes, *, cluster_specific: bool = False,
            frame_control: int | None = None) -> dict:
    fc = frame_control if frame_control is not None else (1 if cluster_specific else 0)
    return {"control": 1, "cluster": cluster, "frame_control": fc, "sequence": 7, "command": command,
            "payload": payload.hex()}


def serve(state, *components: dict, device_id: str = GSME, use_case: str | None = None, now=NOW) -> list:
    tree, alerts = server.serve_gbz(state, {"count": len(components), "components": list(components)}, now,
                                    device_id=device_id, use_case=use_case)
    assert alerts == [] and tree["count"] == len(tree["components"])
    return tree["components"]


def default_status(component: dict) -> tuple[int, int]:
    assert component["command"] == zcl.DEFAULT_RESPONSE
    return zcl.decode_default_response(bytes.fromhex(component["payload"]))


def read(state, cluster: int, *attributes: int, **kwargs) -> dict[int, object]:
    answer, = serve(state, request(cluster, zcl.READ_ATTRIBUTES, zcl.encode_read_attributes(attributes)), **kwargs)
    assert (answer["command"], answer["frame_control"], answer["sequence"]) == (zcl.READ_ATTRIBUTES_RESPONSE, 0x08, 7)
    return {r.attribute: (r.value.value if r.value else r.status)
            for r in zcl.decode_read_attributes_response(bytes.fromhex(answer["payload"]))}


def test_what_is_not_served_gets_its_zcl_status():
    state = GsmeState()
    assert read(state, zcl.METERING, 0x0000, 0x7777)[0x7777] == zcl.UNSUPPORTED_ATTRIBUTE
    unknown_cluster, unknown_command, malformed, manufacturer, general = serve(
        state,
        request(0x0B04, zcl.READ_ATTRIBUTES, b"\x00\x00"),
        request(zcl.METERING, 0x2A, b"", cluster_specific=True),
        request(zcl.PREPAYMENT, 0x08, b"\x01", cluster_specific=True),
        request(zcl.METERING, 0x06, b"", frame_control=0x05),
        request(zcl.METERING, 0x0C, b""))
    assert default_status(unknown_cluster) == (zcl.READ_ATTRIBUTES, zcl.UNSUPPORTED_CLUSTER)
    assert default_status(unknown_command) == (0x2A, zcl.UNSUP_CLUSTER_COMMAND)
    assert default_status(malformed) == (0x08, zcl.MALFORMED_COMMAND)
    assert default_status(manufacturer) == (0x06, 0x83)
    assert default_status(general) == (0x0C, zcl.UNSUP_GENERAL_COMMAND)
    controls = [c["control"] for c in (unknown_cluster, unknown_command, malformed, manufacturer, general)]
    assert controls == [0, 0, 0, 0, 1]


def test_attributes_are_read_only():
    state = GsmeState()
    write = zcl.encode_write_attributes([zcl.AttributeRecord(0x0001, value=zcl.ZclValue(zcl.INT32, 10**6)),
                                         zcl.AttributeRecord(0x7777, value=zcl.ZclValue(zcl.UINT8, 1))])
    answer, = serve(state, request(zcl.PREPAYMENT, zcl.WRITE_ATTRIBUTES, write))
    assert zcl.decode_write_attributes_response(bytes.fromhex(answer["payload"])) == [
        zcl.AttributeRecord(0x0001, zcl.READ_ONLY), zcl.AttributeRecord(0x7777, zcl.UNSUPPORTED_ATTRIBUTE)]


def test_reads_follow_the_meter_and_the_clock():
    state = GsmeState(firmware=Firmware("00000042"))
    first = read(state, zcl.METERING, 0x0000, 0x0302, 0x0301, 0x0300, 0x0206)
    later = read(state, zcl.METERING, 0x0000, now=NOW + timedelta(hours=5))
    assert first[0x0302] == 1000 and first[0x0301] == 1 and first[0x0300] == 0x01
    assert first[0x0206] == bytes.fromhex("00000042")
    assert later[0x0000] > first[0x0000]
    epoch = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert read(state, zcl.TIME, 0x0000)[0x0000] == int((NOW - epoch).total_seconds())


def test_the_gpf_answers_from_its_mirror_of_the_gsme_and_with_its_own_firmware():
    gsme = GsmeState(firmware=Firmware("11111111"))
    gpf = GpfState(firmware=Firmware("22222222"))
    read(gsme, zcl.METERING, 0x0000)
    assert gpf.mirror is None
    stale = read(gpf, zcl.METERING, 0x0000, device_id=GPF)
    assert gpf.mirror_synced_at is None
    gas_mirror.apply(gpf, gas_mirror.image(gsme), NOW)
    later = NOW + timedelta(minutes=30)
    mirrored = read(gpf, zcl.METERING, 0x0000, 0x0206, 0x0100, device_id=GPF, now=later)
    own = read(gsme, zcl.METERING, 0x0000, 0x0206, 0x0100, now=later)
    assert mirrored[0x0000] == own[0x0000] != stale[0x0000]
    assert mirrored[0x0100] == own[0x0100]
    assert (mirrored[0x0206], own[0x0206]) == (bytes.fromhex("22222222"), bytes.fromhex("11111111"))
    assert read(gpf, zcl.PREPAYMENT, 0x0001, device_id=GPF, now=later) == read(gsme, zcl.PREPAYMENT, 0x0001, now=later)


def test_sensitive_responses_are_encrypted_for_the_requesting_party():
    state = GsmeState()
    price, prepayment = serve(state, request(zcl.PRICE, 0, zcl.encode_read_attributes([0x0617])),
                              request(zcl.PREPAYMENT, 0, zcl.encode_read_attributes([0x0001, 0x0005])),
                              use_case="GCS14")
    assert "payload" in price and "plaintext" not in price
    assert prepayment["additional_header"] == "0000" and prepayment["frame_control"] == 0x18
    assert "plaintext" not in serve(state, request(zcl.PREPAYMENT, 0, zcl.encode_read_attributes([0x0001])),
                                    use_case="GCS60")[0]
    if not AVAILABLE:
        return
    keys = rtds_keys()
    frame = gbcs.build(cra="response", counter=77, originator=GSME, recipient="90B3D51F30010000",
                       message_code=0x0075, keys=keys,
                       payload=gbcs.Payload("gbz", {"count": 2, "components": [price, prepayment]}))
    decoded = gbcs.decode(frame, keys)
    assert decoded.verification.decryption == "decrypted" and decoded.verification.mac == "verified"
    assert [c["control"] for c in decoded.payload.tree["components"]] == [0x00, 0x03]
    assert decoded.decrypted == (prepayment["plaintext"],)


@pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance RTDS vectors not available")
def test_the_sensitive_table_is_what_rtds_encrypts():
    checked = 0
    for folder in GAS_FOLDERS:
        for path in sorted((GBCS_RTDS / folder).glob("*_RESPONSE_GBCS.HEX")):
            message = rtds_message(path.name)
            if message.payload.kind != "gbz":
                continue
            sensitive = server.SENSITIVE.get(message.use_case, frozenset())
            for component in message.payload.tree["components"]:
                key = (component["cluster"], component["command"], bool(component["frame_control"] & 1))
                is_default = component["command"] == zcl.DEFAULT_RESPONSE and not key[2]
                assert bool(component["control"] & 0x02) == (key in sensitive and not is_default), (path.name, key)
                checked += 1
    assert checked > 350


def test_a_gpf_clears_its_own_event_log_not_the_gsme_data_it_mirrors():
    gsme = GsmeState()
    read(gsme, zcl.METERING, 0x0000)
    gpf = GpfState()
    gas_mirror.apply(gpf, gas_mirror.image(gsme), NOW)
    mirrored_events = list(gpf.mirror.logs.event_log)
    answer, = serve(gpf, request(zcl.EVENTS, 0x01, b"\x03", cluster_specific=True), device_id=GPF)
    assert zcl.decode_command(zcl.EVENTS, 0x02, True, bytes.fromhex(answer["payload"])) == {"cleared_event_logs": 8}
    assert gpf.mirror.logs.event_log == mirrored_events and mirrored_events
    assert gpf.logs.event_log == [] and gpf.logs.security_log[-1].event_id == 0x8F52
