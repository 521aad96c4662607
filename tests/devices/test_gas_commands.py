"""Gas commands built from the Service Request: the shared templates give the RTDS command structure, with
the request's tariff, periods, UTRN and times in them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

import gbcs
from dccsim.catalogue import CATALOGUE
from dccsim.han.commands import fills_gas
from dccsim.han.commands.builder import build_command
from dccsim.inventory.models import Device
from gbcs.times import parse_generalized_time, zigbee_time
from gbcs import zcl
from tests.devices.gas_shapes import equivalent, rtds_message, shapes
from tests.gbcs.corpus import AVAILABLE
from tests.paths import DUIS_TEMPLATES

NOW = datetime(2025, 11, 25, 12, 0, tzinfo=timezone.utc)


def at(*moment: int) -> int:
    return zigbee_time(datetime(*moment, tzinfo=timezone.utc))
GAS_TEMPLATES = sorted(p.name for p in DUIS_TEMPLATES.glob("*.XML") if p.name.split("_")[0] in {
    "GCS01a", "CS01b", "CS11", "GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS15c", "GCS15d", "GCS15e", "GCS16a",
    "GCS16b", "GCS17", "GCS18", "GCS21b", "GCS21f", "GCS38", "GCS60", "GCS60a", "GCS61"}) \
    if DUIS_TEMPLATES.exists() else []


def template(name: str) -> tuple[str, str, dict]:
    root = etree.parse(str(DUIS_TEMPLATES / name)).getroot()
    variant = root.findtext("{*}Header/{*}ServiceReferenceVariant")
    target = root.findtext("{*}Header/{*}RequestID").split(":")[1].replace("-", "")
    return variant, target, CATALOGUE.get(variant).body.parse(root.find("{*}Body")[0])


def build(variant: str, target: str, body: dict, now: datetime = NOW):
    device = Device(device_id=target, device_type="GPF" if target.endswith("A3") else "GSME", status="Commissioned",
                    gbcs_version="4.0")
    spec = CATALOGUE.get(variant)
    return build_command(variant, spec.gbcs_use_cases, device, body, critical=spec.critical, now=now)


def components(command) -> list[tuple[dict, dict | list]]:
    found = []
    for component in command.payload.tree["components"]:
        server = bool(component["frame_control"] & zcl.SERVER_TO_CLIENT)
        payload = bytes.fromhex(component["payload"])
        if component["frame_control"] & zcl.FRAME_TYPE_CLUSTER_SPECIFIC:
            found.append((component, zcl.decode_command(component["cluster"], component["command"], server, payload)))
        else:
            found.append((component, zcl.decode_read_attributes(payload)))
    return found


def _rtds_command_name(name: str) -> str:
    stem = name[:-len("_REQUEST_DUIS.XML")]
    if stem.startswith("GCS60a") and "UNRELIABLE_GSME" in stem:
        return "GCS60_4.18_SUCCESS_COMMAND_GBCS.HEX"      # 4.18 on a GSME is GCS60
    return f"{stem}_COMMAND_GBCS.HEX"


@pytest.mark.skipif(not AVAILABLE, reason="../shared/conformance not available")
@pytest.mark.parametrize("name", GAS_TEMPLATES)
def test_every_gas_template_builds_the_rtds_command_structure(name):
    command = build(*template(name))
    rtds = rtds_message(_rtds_command_name(name))
    assert command.use_case == rtds.use_case
    assert command.other_info_extra == b""
    ours = gbcs.decode(gbcs.encode(gbcs.Message(cra="command", counter=1, originator="90B3D51F30010000",
                                                recipient=rtds.recipient, message_code=command.message_code,
                                                payload=command.payload)))
    assert equivalent(shapes(ours), shapes(rtds)) == []
    for mine, theirs in zip(ours.payload.tree["components"], rtds.payload.tree["components"]):
        assert (mine["control"], mine["frame_control"]) == (theirs["control"], theirs["frame_control"])


def test_read_periods_come_from_the_request():
    command = build(*template("GCS15d_4.4.4_SUCCESS_REQUEST_DUIS.XML"))
    (component, fields), = components(command)
    assert component["from_date_time"] == zigbee_time(datetime(2014, 12, 1, tzinfo=timezone.utc))
    assert fields == {"latest_end_time": zigbee_time(datetime(2020, 12, 31, tzinfo=timezone.utc)),
                      "number_of_debts": 10, "debt_type": 2}
    variant, target, body = template("GCS17_4.8.1_SUCCESS_REQUEST_DUIS.XML")
    body["ReadLogPeriod"] = {"StartDateTime": "2025-11-20T00:00:00Z", "EndDateTime": "2025-11-21T00:00:00Z"}
    (_, fields), = components(build(variant, target, body))
    assert fields == {"sample_id": 0, "earliest_sample_time": zigbee_time(datetime(2025, 11, 20, tzinfo=timezone.utc)),
                      "sample_type": 0, "number_of_samples": 49}
    variant, target, body = template("GCS15c_4.4.3_SUCCESS_REQUEST_DUIS.XML")
    body["ReadLogPeriod"] = {"StartDateTime": "2025-01-01T00:00:00Z", "EndDateTime": "2025-10-01T00:00:00Z"}
    snapshots = components(build(variant, target, body))
    assert {(f["earliest_start_time"], f["latest_end_time"]) for _, f in snapshots} == {
        (at(2025, 1, 1), at(2025, 10, 1))}
    assert [f["snapshot_offset"] for _, f in snapshots] == list(range(12)) * 2


def test_a_dcc_schedule_reads_the_day_before_its_run_or_its_stored_offsets():
    (_, fields), *_ = components(build("4.6.1", "00DB1234567890A1", {}))
    assert (fields["earliest_start_time"], fields["latest_end_time"]) == (
        at(2025, 11, 24), at(2025, 11, 25))
    details = {"DSPRetrieveImportDailyReadLog": {"StartDateOffset": "-3", "StartTime": "06:00:00",
                                                 "EndDateOffset": "0", "EndTime": "00:00:00"}}
    (_, fields), *_ = components(build("4.6.1", "00DB1234567890A1", details))
    assert (fields["earliest_start_time"], fields["latest_end_time"]) == (
        at(2025, 11, 22, 6), at(2025, 11, 25))


def _tariff_parts(command) -> dict:
    return {(c["cluster"], c["command"]): f for c, f in components(command)}


def test_tariff_prices_thresholds_and_start_come_from_the_request():
    variant, target, body = template("GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML")
    prices = body["PriceElements"]["GasPriceElements"]
    prices["BlockTariff"]["BlockPrice"] = ["1111", "2222", "3333", "4444"]
    prices["StandingCharge"] = "4321"
    body["GasTariffElements"]["ThresholdMatrix"]["BlockThreshold"] = ["5000", "281474976710655"]
    parts = _tariff_parts(build(variant, target, body))
    start = zigbee_time(datetime(2030, 1, 15, 9, tzinfo=timezone.utc))
    info = parts[(zcl.PRICE, 0x04)]
    assert (info["start_time"], info["tariff_type_charging_scheme"], info["standing_charge"],
            info["number_of_block_thresholds_in_use"]) == (start, 0x10, 4321, 2)
    assert [t["threshold"] for t in parts[(zcl.PRICE, 0x06)]["thresholds"]] == [5000, 0xFFFFFFFFFFFF]
    assert parts[(zcl.PRICE, 0x05)]["prices"] == [{"tier_block_id": i, "price": p}
                                                  for i, p in enumerate([1111, 2222, 3333, 4444])]
    assert {f["start_time"] for k, f in parts.items() if "start_time" in f and k[1] != 0x01} == {start}


def test_immediate_and_cancelled_tariffs():
    variant, target, body = template("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
    parts = _tariff_parts(build(variant, target, body))
    assert parts[(zcl.PRICE, 0x04)]["start_time"] == 0
    assert parts[(zcl.PRICE, 0x05)]["prices"] == [{"tier_block_id": i + 1, "price": p}
                                                  for i, p in enumerate([9600, 10200, 10750, 11000])]
    assert parts[(zcl.CALENDAR, 0x00)]["number_of_day_profiles"] == 4
    variant, target, body = template("GCS01a_1.1.1_CANCELLATION_BLOCK_SUCCESS_REQUEST_DUIS.XML")
    parts = _tariff_parts(build(variant, target, body))
    assert parts[(zcl.PRICE, 0x04)]["start_time"] == fills_gas.TARIFF_NEVER
    assert parts[(zcl.CALENDAR, 0x00)]["start_time"] == fills_gas.NEVER


def test_top_up_clear_and_clock_commands():
    (_, fields), = components(build("2.2", "00DB1234567890A1", {"UTRN": "73950067887105178605"}))
    assert fields == {"originating_device": 0, "top_up_code": b"73950067887105178605"}
    (component, fields), = components(build("3.3", "00DB1234567890A1", {}))
    assert (component["cluster"], fields) == (zcl.EVENTS, {"log_id": 0x03})
    command = build("8.1.1", "00DB1234567890A1", {"CurrentDateTime": "2025-11-25T11:00:00Z"})
    times = [parse_generalized_time(bytes.fromhex(n["hex"])) for n in command.payload.tree[0]["children"]]
    moment = datetime(2025, 11, 25, 11, tzinfo=timezone.utc)
    assert times == [moment - timedelta(minutes=30), moment + timedelta(minutes=30)]
    assert command.use_case == "GCS28" and command.critical
