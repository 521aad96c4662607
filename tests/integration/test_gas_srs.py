"""Gas Service Requests end to end against the GSME and GPF: every shared gas template of the issue-5 SRs goes
over HTTP (1.1.1 through transform and the ZAZ1 supplier GBCS key) and its Response carries the use case of
the matching RTDS folder, a MAC that verifies against the device certificate, and the ZCL structure of the
RTDS response; then the values follow the meter's state: top-ups raise the credit (once per UTRN, and only
for a UTRN the supplier issued for this meter with its prepayment key), a new tariff's prices and
thresholds are read back, logs and registers agree, 11.2 reports the firmware version, the GPF answers from
its mirror of the GSME, and a DCC schedule reads the period it was created with."""
from __future__ import annotations

import asyncio
import base64
import re
from datetime import datetime, time, timedelta, timezone

import pytest
from lxml import etree

import gbcs
from dccsim.handlers.device_commands import DEVICE_VARIANTS
from dccsim.duis import client
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from dccsim.timing.clock import ClockMode
from devices import gas_meter, state_codec
from gbcs.times import zigbee_time
from devices.state import DeviceState
from gbcs import zcl
from tests.conftest import create_fresh_database
from tests.devices.gas_shapes import equivalent, has_data, plaintext_components, rtds_message, shapes
from tests.integration import requests
from tests.integration.device_flows import prepared, run_request, user_keys, wait_for_response
from tests.integration.top_ups import exported_keys, issue, supplier_keys
from tests.integration.harness import SUPPLIER, start_running_simulator, zaz1_signer
from tests.integration.receiver import Receiver
from tests.paths import DUIS_TEMPLATES, GBCS_RTDS

GSME, GPF = "00DB1234567890A1", "00DB1234567890A3"
GAS = re.compile(r"^(GCS\d+[a-z]?|CS01b|CS11)_([0-9.]+)_")
pytestmark = pytest.mark.skipif(not (DUIS_TEMPLATES.exists() and GBCS_RTDS.exists()),
                                reason="shared templates and RTDS vectors not available")

# The read periods the templates ask for (2014 / 2015) are older than any log a meter met today holds:
# they are moved to the recent past, as a supplier would ask today.
PERIODS = {
    "4.4.2": (timedelta(days=-200), timedelta(0)), "4.4.3": (timedelta(days=-200), timedelta(0)),
    "4.4.4": (timedelta(days=-100), timedelta(0)), "4.4.5": (timedelta(days=-100), None),
    "4.6.1": (timedelta(days=-10), timedelta(0)), "4.14": (timedelta(days=-5), timedelta(0)),
    "4.8.1": (timedelta(days=-1), timedelta(0)), "4.10": (timedelta(hours=-5), timedelta(hours=-1)),
    "4.17": (timedelta(days=-10), timedelta(days=-1)),
}
# Answered by the DCC itself in the demo estate, as in the device template sweep.
REFUSED = {"GCS16b_4.14_URP_SUCCESS_REQUEST_DUIS.XML": "E4",
           # 9.1 is an Other User's Service Request (the DUIS matrix); the template is sent by the supplier.
           "GCS36_9.1_SUCCESS_REQUEST_DUIS.XML": "E2"}
# The template's UTRN was made for the RTDS meter's key-agreement key, not this meter's: the meter refuses it,
# answering as the RTDS meter answers its error case.
REFUSED_BY_THE_METER = {"CS01b_2.2_SUCCESS_REQUEST_DUIS.XML": "CS01b_2.2_ERROR_RESPONSE_GBCS.HEX",
                        # Emergency credit while the meter has more credit than its threshold: refused, as the
                        # RTDS meter refuses it (HARDWARE_FAILURE).
                        "GCS06_2.5_SUCCESS_REQUEST_DUIS.XML": "GCS06_2.5_ERROR_RESPONSE_GBCS.HEX"}
# Templates named after a use case GBCS v4.0 replaced: the DCC sends the current one.
CURRENT_USE_CASE = {"GCS21e": "GCS21m", "GCS25": "GCS25a"}
# ASN.1 gas use cases (no ZCL components): the device-template test compares their structure.
ASN1_USE_CASES = {"GCS28", "GCS59"}


def gas_templates() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(DUIS_TEMPLATES.glob("*.XML")):
        match = GAS.match(path.name)
        if match and match.group(2) in DEVICE_VARIANTS and match.group(1) not in ASN1_USE_CASES:
            found.append((path.name, match.group(1), match.group(2)))
    return found


def expected_vector(name: str, use_case: str) -> tuple[str, str]:
    """(RTDS response vector, use case) a template's Response must match."""
    stem = name[:-len("_REQUEST_DUIS.XML")]
    if name in REFUSED_BY_THE_METER:
        return REFUSED_BY_THE_METER[name], use_case
    if use_case in CURRENT_USE_CASE:
        current = CURRENT_USE_CASE[use_case]
        return f"{current}_{stem.split('_')[1]}_SUCCESS_RESPONSE_GBCS.HEX", current
    if use_case == "GCS60a" and "GSME" in stem:
        # 4.18 on a GSME is GCS60 ('Read Meter Balance for GSME'); GCS60a is the GPF's form of the same read.
        return "GCS60_4.18_SUCCESS_RESPONSE_GBCS.HEX", "GCS60"
    return f"{stem}_RESPONSE_GBCS.HEX", use_case


# The simulated time these tests start at (it stands still unless a test moves it).
CLOCK_START = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def today() -> datetime:
    return datetime.combine(CLOCK_START.date(), time(0), tzinfo=timezone.utc)


def recent_period(root: etree._Element, variant: str) -> None:
    if variant not in PERIODS:
        return
    start, end = PERIODS[variant]
    base = today() if variant not in ("4.10",) else CLOCK_START
    for period in root.iter(sr("ReadLogPeriod")):
        period.find(sr("StartDateTime")).text = (base + start).strftime("%Y-%m-%dT%H:%M:%SZ")
        if end is not None:
            period.find(sr("EndDateTime")).text = (base + end).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
async def gas_estate(pg_base_url, tmp_path_factory):
    running = await start_running_simulator(await create_fresh_database(pg_base_url),
                                            tmp_path_factory.mktemp("gas"), device_timeout=2.0,
                                            clock=ClockMode.SIMULATED, clock_start=CLOCK_START)
    receiver = await Receiver().start()
    for user in ("90B3D51F30010000", "90B3D51F30020000", "90B3D51F30030000"):
        await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
    yield running, receiver, user_keys(running)
    await receiver.stop()
    await running.close()


async def send(estate, root: etree._Element) -> gbcs.Message:
    """Send a request; return the device's verified Response."""
    running, receiver, keys = estate
    answer, request_id = await run_request(running, root)
    assert answer.status == 200 and answer.code in ("I0", "I99"), (answer.status, answer.body[:300])
    response = await wait_for_response(receiver, request_id)
    assert response.findtext(".//{*}ResponseCode") == "I0"
    message = gbcs.decode(base64.b64decode(response.findtext(".//{*}GBCSPayload")), keys)
    assert (message.verification.mac if message.ciphered else message.verification.signature) == "verified", \
        message.verification     # MAC'd, or signed after a critical command (as RTDS frames it)
    return message


def template_for(name: str, *, target: str | None = None, edit=None) -> etree._Element:
    root = prepared(name, target=target)
    recent_period(root, root.findtext(f".//{sr('ServiceReferenceVariant')}"))
    if edit is not None:
        edit(root)
    return root


def answers(message: gbcs.Message) -> list[tuple[dict, bytes]]:
    """Each component of a Response with its ZCL payload (decrypted by the user's keys where encrypted)."""
    return plaintext_components(message)


def attributes(message: gbcs.Message, cluster: int) -> dict[int, object]:
    found = {}
    for component, payload in answers(message):
        if component["cluster"] == cluster and component["command"] == zcl.READ_ATTRIBUTES_RESPONSE:
            found.update({r.attribute: r.value.value for r in zcl.decode_read_attributes_response(payload)
                          if r.value is not None})
    return found


def publishes(message: gbcs.Message, cluster: int, command: int) -> list[dict]:
    return [zcl.decode_command(cluster, command, True, payload) for component, payload in answers(message)
            if component["cluster"] == cluster and component["command"] == command
            and component["frame_control"] & zcl.FRAME_TYPE_CLUSTER_SPECIFIC]


async def test_every_gas_template_is_answered_with_the_rtds_structure(gas_estate, capsys):
    running, receiver, keys = gas_estate
    problems, checked = [], 0
    for name, use_case, variant in gas_templates():
        root = template_for(name)
        if name in REFUSED:
            answer, _ = await run_request(running, root)
            if answer.code != REFUSED[name]:
                problems.append(f"{name}: {answer.code}, expected {REFUSED[name]}")
            continue
        vector, expected_use_case = expected_vector(name, use_case)
        message = await send(gas_estate, root)
        rtds = rtds_message(vector)
        expected = shapes(rtds)
        ours = shapes(message)
        encrypted = [c["control"] & 0x02 for c in message.payload.tree["components"]]
        if any(encrypted) != any(c["control"] & 0x02 for c in rtds.payload.tree["components"]):
            problems.append(f"{name}: encrypted components {encrypted}, RTDS {rtds.verification.decryption}")
        if message.verification.decryption not in ("decrypted", "absent"):
            problems.append(f"{name}: decryption {message.verification.decryption}")
        if message.use_case != expected_use_case:
            problems.append(f"{name}: use case {message.use_case}, RTDS folder says {expected_use_case}")
        problems += [f"{name}: {p}" for p in equivalent(ours, expected)]
        if name in REFUSED_BY_THE_METER and [c["payload"] for c in message.payload.tree["components"]] != \
                [c["payload"] for c in rtds.payload.tree["components"]]:
            problems.append(f"{name}: not refused as RTDS refuses a top-up: {message.payload.tree}")
        if has_data(expected) and not has_data(ours):
            problems.append(f"{name}: no data in {ours}")
        checked += 1
    with capsys.disabled():
        print(f"\ngas templates: {checked} answered with the RTDS use case, ZCL structure and encryption, "
              f"verified MAC")
    assert problems == []
    assert checked + len(REFUSED) == len(gas_templates()) >= 30


@pytest.fixture(scope="module")
async def issuer(gas_estate, tmp_path_factory) -> gbcs.StaticKeyStore:
    """The supplier's prepayment keys and the meters' certificates, from ``dccsim keys export``."""
    return supplier_keys(await exported_keys(gas_estate[0], tmp_path_factory.mktemp("exported")))


async def _top_up(estate, utrn: str) -> dict:
    def edit(root):
        client.set_body_text(root, "UTRN", utrn)
    message = await send(estate, template_for("CS01b_2.2_SUCCESS_REQUEST_DUIS.XML", edit=edit))
    assert message.use_case == "CS01b"
    result, = publishes(message, zcl.PREPAYMENT, 0x03)
    return result


async def _credit(estate, target: str) -> int:
    name = "GCS60_4.18_SUCCESS_REQUEST_DUIS.XML" if target == GSME else \
        "GCS60a_4.18_SUCCESS_RELIABLE_GPF_REQUEST_DUIS.XML"
    message = await send(estate, template_for(name))
    return attributes(message, zcl.PREPAYMENT)[0x0001]


async def test_a_top_up_raises_the_credit_once_and_the_gpf_mirror_follows(gas_estate, issuer):
    supplier = (await repo.parties(gas_estate[0].sim.db.pool, GSME))["GS"]
    before = await _credit(gas_estate, GSME)
    utrn = issue(issuer, 2000, supplier=supplier, meter=GSME, utrn_counter=9)
    applied = await _top_up(gas_estate, utrn)
    assert (applied["result_type"], applied["top_up_value"]) == (0, 2_000_000)     # £20.00 in 1/100000 GBP
    assert applied["credit_remaining"] > before + 1_500_000                         # less the debt's share
    after = await _credit(gas_estate, GSME)
    assert before < after <= applied["credit_remaining"]
    refused = {"result_type": 0x01, "top_up_value": -1, "source_of_top_up": 0, "credit_remaining": -1}
    assert await _top_up(gas_estate, utrn) == {**refused, "result_type": 0x02}        # the same UTRN again
    assert await _top_up(gas_estate, "12345678901234567890") == refused             # check digit
    assert await _top_up(gas_estate, issue(issuer, 2000, supplier=supplier, meter="00DB1234567890A0",
                                           utrn_counter=10)) == refused             # for another meter
    assert await _top_up(gas_estate, gas_meter.make_utrn(2000, counter=11, tag=0xC0FFEE)) == refused   # a made-up tag
    assert await _credit(gas_estate, GSME) <= after
    # the GSME has been in contact since: the GPF answers with the GSME's credit (gas used in between aside)
    mirrored = await _credit(gas_estate, GPF)
    assert abs(mirrored - after) < 50_000
    state = await running_state(gas_estate, GPF)
    assert state.mirror_synced_at is not None


async def running_state(estate, device_id: str) -> DeviceState:
    row = await estate[0].sim.db.pool.fetchval("SELECT state FROM device_state WHERE device_id = $1", device_id)
    return state_codec.decode(row)


async def _tariff_read(estate) -> gbcs.Message:
    message = await send(estate, template_for("GCS21f_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    assert message.use_case == "GCS21f"
    return message


async def test_a_new_gas_tariff_is_read_back(gas_estate):
    def tou(root):
        for element, price in zip(root.iter(sr("TOUPrice")), (1001, 2002, 3003, 4004)):
            element.text = str(price)
        root.find(f".//{sr('StandingCharge')}").text = "33333"
    message = await send(gas_estate, template_for("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", edit=tou))
    assert message.use_case == "GCS01a"
    assert all(zcl.decode_default_response(p)[1] == zcl.SUCCESS for _, p in answers(message))
    read = await _tariff_read(gas_estate)
    prices = attributes(read, zcl.PRICE)
    assert [prices[a] for a in (0x0410, 0x0420, 0x0430, 0x0440)] == [1001, 2002, 3003, 4004]
    assert prices[0x0301] == 33333
    assert publishes(read, zcl.PRICE, 0x00)[0]["price"] in (1001, 2002, 3003, 4004)
    assert [d["day_id"] for d in publishes(read, zcl.CALENDAR, 0x01)] == [1, 2, 3, 4]

    def block(root):
        body = root.find(sr("Body"))[0]
        body.remove(body.find(sr("ExecutionDateTime")))          # now, not in 2030
        for element, value in zip(root.iter(sr("BlockThreshold")), ("1500000", "281474976710655", "2500000")):
            element.text = value
        for element, price in zip(root.iter(sr("BlockPrice")), (5005, 6006, 7007, 8008)):
            element.text = str(price)
    await send(gas_estate, template_for("GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML", edit=block))
    prices = attributes(await _tariff_read(gas_estate), zcl.PRICE)
    assert [prices[a] for a in (0x0100, 0x0101, 0x0102)] == [1_500_000, 281474976710655, 2_500_000]
    assert [prices[a] for a in (0x0400, 0x0401, 0x0402, 0x0403)] == [5005, 6006, 7007, 8008]
    assert (prices[0x0202], prices[0x0203]) == (1, 1000)       # thresholds in Wh: 1 / 1000 of a kWh

    # a future-dated tariff waits for its time
    await send(gas_estate, template_for("GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML"))
    prices = attributes(await _tariff_read(gas_estate), zcl.PRICE)
    assert [prices[a] for a in (0x0400, 0x0401, 0x0402, 0x0403)] == [5005, 6006, 7007, 8008]
    assert (await running_state(gas_estate, GSME)).gas.pending.start_time == \
        zigbee_time(datetime(2030, 1, 15, 9, tzinfo=timezone.utc))


async def test_profile_daily_log_and_register_agree(gas_estate):
    profile = await send(gas_estate, template_for("GCS17_4.8.1_SUCCESS_REQUEST_DUIS.XML"))
    response, = publishes(profile, zcl.METERING, 0x07)
    assert response["sample_start_time"] == zigbee_time(today() - timedelta(days=1))
    assert response["sample_request_interval"] == 1800 and response["number_of_samples"] == 49
    yesterday = sum(s["sample"] for s in response["samples"][:48])
    daily = await send(gas_estate, template_for("GCS16a_4.6.1_SUCCESS_REQUEST_DUIS.XML"))
    readings = {}
    for snapshot in publishes(daily, zcl.METERING, 0x06):
        payload = zcl.decode_fields(zcl.SNAPSHOT_PAYLOADS[(zcl.METERING, 6)], snapshot["snapshot_payload"])
        readings[snapshot["snapshot_time"]] = payload["current_summation_delivered"]
    midnight, before = zigbee_time(today()), zigbee_time(today() - timedelta(days=1))
    assert readings[midnight] - readings[before] == yesterday
    register = attributes(await send(gas_estate, template_for("GCS13a_4.1.1_SUCCESS_UNRELIABLE_REQUEST_DUIS.XML")),
                          zcl.METERING)[0x0000]
    assert register >= readings[midnight] > readings[before]


async def test_firmware_version_is_read_and_checked_against_the_cpl(gas_estate):
    running, receiver, _ = gas_estate
    pool = running.sim.db.pool
    read = await send(gas_estate, template_for("GCS38_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert attributes(read, zcl.METERING) == {0x0206: bytes.fromhex("00000001")}
    await repo.update_device(pool, GSME, firmware_version="00000002")
    await pool.execute("DELETE FROM cpl_entry WHERE model = '00030001' AND firmware_version = '00000001'")
    await send(gas_estate, template_for("GCS38_11.2_SUCCESS_REQUEST_DUIS.XML"))
    for _ in range(50):
        alerts = [root for root in map(etree.fromstring, receiver.received)
                  if root.findtext(f".//{sr('DCCAlertCode')}") == "N51"]
        if alerts:
            break
        await asyncio.sleep(0.1)
    assert alerts and alerts[0].findtext(f".//{sr('FirmwareVersionDevice')}") == "00000001"
    assert (await repo.get_device(pool, GSME)).firmware_version == "00000002"


async def test_clearing_the_event_log_keeps_the_security_log(gas_estate):
    security = (await running_state(gas_estate, GSME)).gas.logs.security_log
    message = await send(gas_estate, template_for("CS11_3.3_SUCCESS_REQUEST_DUIS.XML"))
    assert publishes(message, zcl.EVENTS, 0x02) == [{"cleared_event_logs": 0x08}]
    gas = (await running_state(gas_estate, GSME)).gas
    assert gas.logs.event_log == []
    assert gas.logs.security_log[:len(security)] == security
    assert gas.logs.security_log[-1].event_id == gas_meter.EVENT_LOG_CLEARED


async def test_a_dcc_schedule_reads_the_period_it_was_created_with(gas_estate):
    running, receiver, keys = gas_estate
    soon = running.sim.clock.now() + timedelta(seconds=2)
    request = requests.create_schedule(SUPPLIER, GSME, start=soon.date())
    request = request.replace(b"01:30:00", soon.strftime("%H:%M:%S").encode())
    request = request.replace(b"<sr:StartDateOffset>-1<", b"<sr:StartDateOffset>-3<")
    created = await running.post("D", client.sign(etree.fromstring(request), zaz1_signer()))
    schedule_id = created.root.findtext(f".//{sr('DSPScheduleID')}")
    assert schedule_id
    await running.advance(3)
    for _ in range(100):
        scheduled = [etree.fromstring(b) for b in receiver.received if b"DSPScheduledMessage" in b
                     and f"<sr:DSPScheduleID>{schedule_id}<".encode() in b]
        if scheduled:
            break
        await asyncio.sleep(0.1)
    assert scheduled, "the schedule did not run"
    message = gbcs.decode(base64.b64decode(scheduled[0].findtext(f".//{sr('GBCSPayload')}")), keys)
    assert message.use_case == "GCS16a" and message.verification.mac == "verified"
    times = sorted(p["snapshot_time"] for p in publishes(message, zcl.METERING, 0x06))
    run_day = datetime.combine(soon.date(), time(0), tzinfo=timezone.utc)
    assert times == [zigbee_time(run_day - timedelta(days=d)) for d in (3, 2, 1, 0)]
