"""ESME Service Requests end to end against the RTDS responses and the meter's state.

Every shared template of the issue's ESME Service Requests (reads 4.x, 1.1.1, 2.2, 3.3, 8.1.1, 11.2) is
signed, sent over HTTP to a running simulator with a real PostgreSQL, and its Response collected at a real
receiving endpoint. The device's answer must be the RTDS response's use case, its MAC must verify, its
results, data types and shapes must be the RTDS response's, its protected data encrypted where the RTDS
response's is and decrypting to the RTDS shape, and its protection parameters must carry the request's
counter and parties. The 2.2 template's UTRN was made for the RTDS meter's key: the meter refuses it, answering
as the RTDS meter answers its error case. Then values must follow the meter's state: a later read shows larger
registers, a top up (a UTRN the supplier issues for this meter) raises the credit once, a new tariff is read
back, the clock is set by commissioning, a cleared event
log is empty, a twin element meter answers with its secondary element, and a DCC schedule reads the
period its offsets name.
"""
from __future__ import annotations

import asyncio
import base64
import re
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

import gbcs
from dccsim.duis import client
from dccsim.duis.ids import RequestId
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from gbcs import dlms as x
from devices import esme_consumption as energy
from devices import esme_meter as meter
from devices import state_codec, trust_anchors
from devices.state import EsmeState
from tests.conftest import create_fresh_database
from tests.devices.esme_rtds import load, plaintexts, same_shape, variant_for
from tests.integration.device_flows import (close_receiving, prepared, receiving_simulator, run_request,
                                            wait_for_response)
from tests.integration.harness import zaz1_signer
from tests.integration import requests
from tests.integration.top_ups import exported_keys, issue, supplier_keys
from tests.paths import DUIS_TEMPLATES, GBCS_RTDS

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (DUIS_TEMPLATES.exists() and GBCS_RTDS.exists()), reason="../shared missing")]

A0 = "00DB1234567890A0"
USERS = ("90B3D51F30010000", "90B3D51F30020000", "90B3D51F30030000", "90B3D51F30010008", "90B3D51F30000002")
IMPORT_SUPPLIER = "90B3D51F30010000"
NAME = re.compile(r"^(ECS[0-9a-z]+|CS01a)(Commission)?_((?:4\.[0-9.]+)|1\.1\.1|2\.2|3\.3|8\.1\.1|11\.2)_"
                  r"(.*)REQUEST_DUIS\.XML$")
# Templates the meter refuses, with the RTDS case whose response it answers like: the 2.2 template's UTRN
# authenticates only for the RTDS meter's key-agreement key.
REFUSED_BY_THE_METER = {"CS01a_2.2_SUCCESS_REQUEST_DUIS.XML": "ERROR"}


def esme_templates() -> list[str]:
    return [p.name for p in sorted(DUIS_TEMPLATES.glob("*.XML")) if NAME.match(p.name)]


def rtds_response(name: str):
    """The RTDS response of the folder (SR variant and use case) a template belongs to."""
    match = NAME.match(name)
    use_case, commission, variant, rest = match.groups()
    rest = REFUSED_BY_THE_METER.get(name) or rest.rstrip("_") or "SINGLE_SUCCESS"
    rest = "SINGLE_SUCCESS" if rest.startswith("DSP_FUTURE_DATED") else rest
    folder = GBCS_RTDS / f"{variant}_{use_case}{commission or ''}"
    for candidate in (rest, rest.replace("SINGLE_", ""), "SUCCESS"):
        path = folder / f"{use_case}{commission or ''}_{variant}_{candidate}_RESPONSE_GBCS.HEX"
        if path.exists():
            return folder.name.split("_", 1)[1].replace("Commission", ""), load(path)
    raise LookupError(name)


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    running, receiver = await receiving_simulator(await create_fresh_database(pg_base_url),
                                                  tmp_path_factory.mktemp("esme"), USERS, device_timeout=10.0)
    # Export reads (ECS21c) are the export supplier's: the templates' import supplier is also A0's.
    await repo.set_party(running.sim.db.pool, A0, "ES", IMPORT_SUPPLIER)
    yield running, receiver
    await close_receiving(running, receiver)


async def meter_of(running, variant: str, device_id: str = A0) -> None:
    """Make the device a meter of ``variant``: the inventory says so, and it starts afresh from that."""
    pool = running.sim.db.pool
    await repo.update_device(pool, device_id, esme_variant=variant)
    await pool.execute("DELETE FROM device_state WHERE device_id = $1", device_id)


async def state_of(running, device_id: str = A0) -> EsmeState:
    return state_codec.decode(await running.sim.db.pool.fetchval("SELECT state FROM device_state WHERE device_id = $1",
                                                                 device_id))


async def send(running, receiver, root: etree._Element):
    """Sign and send a request (critical ones through transform); the Response's GBCS message."""
    answer, request_id = await run_request(running, root)
    assert answer.status == 200 and answer.code in ("I99", "I0"), (answer.status, answer.body[:300])
    response = await wait_for_response(receiver, request_id, timeout=30)
    assert response.findtext(f".//{sr('ResponseCode')}") == "I0"
    message = gbcs.decode(base64.b64decode(response.findtext(f".//{sr('GBCSPayload')}")), running.sim.han.keys.store())
    return RequestId.parse(request_id), message


def template_request(name: str, **changes) -> etree._Element:
    return prepared(name, **changes)


def check_against_rtds(name: str, request_id: RequestId, message: gbcs.Message) -> list[str]:
    problems = []
    use_case, expected = rtds_response(name)
    if message.use_case != use_case:
        problems.append(f"use case {message.use_case}, RTDS {use_case}")
    if (message.verification.signature if not expected.ciphered else message.verification.mac) != "verified":
        problems.append(f"MAC {message.verification.mac}, signature {message.verification.signature}")
    if message.verification.decryption != expected.verification.decryption:     # encrypted where RTDS is
        problems.append(f"protected data {message.verification.decryption}, RTDS "
                        f"{expected.verification.decryption}")
    mine, theirs = message.payload.tree, expected.payload.tree
    if [r["result"] for r in mine["results"]] != [r["result"] for r in theirs["results"]]:
        problems.append(f"results {mine['results']} != RTDS {theirs['results']}")
    for index, (a, b) in enumerate(zip(mine["data"], theirs["data"])):
        if not same_shape(a, b):
            problems.append(f"data[{index}] {x.shape(a)} != RTDS {x.shape(b)}")
    if len(mine["data"]) != len(theirs["data"]):
        problems.append("number of data items differs from RTDS")
    for a, b in zip(plaintexts(message), plaintexts(expected)):
        if a is None:
            problems.append("protected data could not be read")
        elif b is not None and not same_shape(a, b):
            problems.append(f"protected data {x.shape(a)} != RTDS {x.shape(b)}")
    for node in mine["data"]:
        if node.get("type") == "structure" and node["items"] and node["items"][0].get("type") == "array" \
                and len(node["items"]) == 2:
            parameters = node["items"][0]["items"][0]["items"][1]["items"]
            expected_ids = ("04" + f"{request_id.counter:016x}", A0.lower(), request_id.originator.lower())
            if tuple(p["hex"] for p in parameters[:3]) != expected_ids:
                problems.append(f"protection parameters {[p['hex'] for p in parameters[:3]]}")
    return problems


async def test_every_esme_template_answers_like_rtds(estate, capsys):
    running, receiver = estate
    names = [n for n in esme_templates() if "_4.1.1_REQUEST_" not in n]     # CV 2: returned, not sent
    problems, checked = [], 0
    commission = "ECS70Commission_8.1.1_SUCCESS_REQUEST_DUIS.XML"
    for variant in ("A", "B", "C", "AD"):
        await meter_of(running, variant)
        # commissioned first, to the RTDS meters' clock (2015-01-01T00:00:00, their responses' date-time),
        # the meter finds data in the templates' read periods
        group = [n for n in names if variant_for(n) == variant and n != commission]
        for name in [commission] + group:
            root = template_request(name)
            if name == commission:
                client.set_body_text(root, "CurrentDateTime", "2015-01-01T00:00:00Z")
            request_id, message = await send(running, receiver, root)
            problems += [f"{name}: {p}" for p in check_against_rtds(name, request_id, message)]
            problems += [f"{name}: {p}" for p in check_log_lengths(name, message)]
            checked += 1
    await meter_of(running, "A")
    with capsys.disabled():
        print(f"\nESME templates checked against RTDS: {checked}")
        for problem in problems:
            print("  ", problem)
    assert problems == []
    assert checked == len(names) + 3 >= 44


# Logs of events the RTDS meter had and a fresh meter has not (tariff changes, payments, top ups).
EVENT_LOGS = ("ECS20a", "ECS20b", "ECS20d")


def _compact_lengths(message: gbcs.Message) -> list[int]:
    nodes = [n for n in message.payload.tree["data"] if n.get("type") == "compact-array"]
    nodes += [i for p in plaintexts(message) if p for i in p["items"] if i.get("type") == "compact-array"]
    return [len(x.compact_rows(n)) for n in nodes]


# The RTDS export daily read log stops the day before its period's end (every other RTDS log includes an
# entry stamped at the end): one entry more here.
LENGTH_EXCEPTIONS = {"ECS21c_4.6.2_SUCCESS_REQUEST_DUIS.XML": [1]}


def check_log_lengths(name: str, message: gbcs.Message) -> list[str]:
    """A log read for the RTDS period on a meter living in RTDS time has the RTDS number of entries."""
    _use_case, expected = rtds_response(name)
    if name.startswith(EVENT_LOGS) or None in plaintexts(expected):     # or sent for an unknown remote party
        return []
    mine, theirs = _compact_lengths(message), _compact_lengths(expected)
    extra = LENGTH_EXCEPTIONS.get(name, [0] * len(theirs))
    return [] if mine == [t + e for t, e in zip(theirs, extra)] else [f"log lengths {mine}, RTDS {theirs}"]


def _values(message: gbcs.Message) -> list[dict]:
    plain = plaintexts(message)
    assert plain and plain[0] is not None
    return plain[0]["items"]


async def test_a_later_read_shows_larger_registers(estate):
    running, receiver = estate
    await meter_of(running, "A")
    _rid, first = await send(running, receiver, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    before = _values(first)[0]["items"][0]["value"]
    # a day passes for the meter: its last update is moved a day back
    state = await state_of(running)
    state.meter.at -= 86400
    await running.sim.db.pool.execute("UPDATE device_state SET state = $2 WHERE device_id = $1", A0,
                                      state_codec.encode(state))
    _rid, second = await send(running, receiver, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    after = _values(second)[0]["items"][0]["value"]
    later_state = await state_of(running)
    consumed = energy.energy_between(energy.import_wh, state.meter.seed, state.meter.at, later_state.meter.at)
    assert consumed > 3000 and abs((after - before) - consumed) <= 2


@pytest.fixture(scope="module")
async def issuer(estate, tmp_path_factory) -> gbcs.StaticKeyStore:
    """The supplier's prepayment keys and the meters' certificates, from ``dccsim keys export``."""
    return supplier_keys(await exported_keys(estate[0], tmp_path_factory.mktemp("exported")))


async def top_up(running, receiver, token: str) -> int:
    """Send 2.2 with ``token``; the meter's action result."""
    request = prepared("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML")
    client.set_body_text(request, "UTRN", token)
    _rid, answered = await send(running, receiver, request)
    assert answered.use_case == "CS01a"
    return answered.payload.tree["results"][0]["result"]


async def test_top_up_credit_is_read_back(estate, issuer):
    running, receiver = estate
    await meter_of(running, "A")
    _rid, first = await send(running, receiver, prepared("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML"))
    balance = _values(first)[0]["items"][0]["value"]
    token = issue(issuer, 2345, supplier=IMPORT_SUPPLIER, meter=A0, utrn_counter=7)
    assert await top_up(running, receiver, token) == 0
    _rid, second = await send(running, receiver, prepared("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML"))
    credited = _values(second)[0]["items"][0]["value"] - balance
    assert abs(credited - 2345 * meter.PENCE) < 1000
    _rid, balance_read = await send(running, receiver, prepared("ECS82_4.18_SUCCESS_REQUEST_DUIS.XML"))
    assert abs(balance_read.payload.tree["data"][0]["value"] - (balance + credited)) < 1000
    # refused, as RTDS refuses a top-up (result 1), crediting nothing: the same UTRN again, one for another
    # meter, one with a wrong check digit, and one whose counter is more than 512 above the meter's highest
    _use_case, error = rtds_response("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML")
    refused = error.payload.tree["results"][0]["result"]
    for bad in (token, issue(issuer, 100, supplier=IMPORT_SUPPLIER, meter="00DB1234567890A1", utrn_counter=8),
                token[:-1] + str((int(token[-1]) + 1) % 10),
                issue(issuer, 100, supplier=IMPORT_SUPPLIER, meter=A0, utrn_counter=7 + 600)):
        assert await top_up(running, receiver, bad) == refused == 1, bad
    _rid, third = await send(running, receiver, prepared("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML"))
    assert _values(third)[0]["items"][0]["value"] <= balance + credited
    state = await state_of(running)
    assert state.utrn_counters == [7]
    assert [e.code for e in state.meter.logs.event if e.code == meter.DUPLICATE_UTRN] == \
        [meter.DUPLICATE_UTRN]


async def test_the_prepayment_cell_holds_the_supplier_prepayment_key_and_meters_from_before_get_it(estate, issuer):
    running, receiver = estate
    await meter_of(running, "A")
    await send(running, receiver, prepared("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML"))
    state = await state_of(running)
    cell = trust_anchors.cell(state, "supplier", gbcs.PREPAYMENT)
    held = running.sim.smki.prepayment(IMPORT_SUPPLIER)
    assert cell.entity == IMPORT_SUPPLIER
    assert trust_anchors.cell_key(cell).public_numbers() == held.certificate.public_key().public_numbers()
    assert cell.key != trust_anchors.cell(state, "supplier", gbcs.KEY_AGREEMENT).key
    # a meter stored before meters had a prepayment cell: it gets the cell on its next contact
    state.trust_anchors = [c for c in state.cells if c.usage != gbcs.PREPAYMENT]
    await running.sim.db.pool.execute("UPDATE device_state SET state = $2 WHERE device_id = $1", A0,
                                      state_codec.encode(state))
    assert await top_up(running, receiver, issue(issuer, 10, supplier=IMPORT_SUPPLIER, meter=A0, utrn_counter=1)) == 0
    assert trust_anchors.cell(await state_of(running), "supplier", gbcs.PREPAYMENT) == cell


async def test_a_new_tariff_is_read_back_and_closes_a_billing_period(estate):
    running, receiver = estate
    await meter_of(running, "A")
    tariff = prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
    for element, price in zip(tariff.iter(sr("TOUPrice")), (1357, 2468, 3579)):
        element.text = str(price)
    next(tariff.iter(sr("StandingCharge"))).text = "31415"
    _rid, applied = await send(running, receiver, tariff)
    assert all(r["result"] == 0 for r in applied.payload.tree["results"])
    _rid, read = await send(running, receiver, prepared("ECS24_4.11.1_SUCCESS_REQUEST_DUIS.XML"))
    data = read.payload.tree["data"]
    prices = {i["items"][0]["hex"]: i["items"][1]["value"] for i in data[16]["items"][2]["items"]}
    assert (prices["01"], prices["02"], prices["03"]) == (1357, 2468, 3579)
    assert data[15]["items"][2]["items"][0]["items"][1]["value"] == 31415
    assert [s["items"][0]["hex"] for s in data[2]["items"]] == ["77696e746572", "73756d6d6572"]   # winter, summer
    now = running.sim.clock.now()
    billing = template_request("ECS20b_4.4.2_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    next(billing.iter(sr("StartDateTime"))).text = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    next(billing.iter(sr("EndDateTime"))).text = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _rid, log = await send(running, receiver, billing)
    rows = x.compact_rows(_values(log)[0])
    assert len(rows) == 1 and abs(rows[0][0] - x.utc_seconds(now)) < 120


async def test_commissioning_sets_the_clock_and_clearing_the_event_log_is_logged(estate):
    running, receiver = estate
    await meter_of(running, "A")
    commission = prepared("ECS70Commission_8.1.1_SUCCESS_REQUEST_DUIS.XML")
    target = (running.sim.clock.now() - timedelta(days=3)).replace(microsecond=0)
    client.set_body_text(commission, "CurrentDateTime", target.strftime("%Y-%m-%dT%H:%M:%SZ"))
    _rid, set_clock = await send(running, receiver, commission)
    data = set_clock.payload.tree["data"]
    clock = x.parse_date_time(data[3]["hex"])
    assert abs((clock - target).total_seconds()) <= 5
    state = await state_of(running)
    assert state.meter.logs.security[-1].code == meter.CLOCK_ADJUSTED
    _rid, cleared = await send(running, receiver, prepared("ECS15a_3.3_SUCCESS_REQUEST_DUIS.XML"))
    assert cleared.payload.tree["results"][0]["result"] == 0
    state = await state_of(running)
    assert state.meter.logs.event == []
    assert state.meter.logs.security[-1].code == meter.EVENT_LOG_CLEARED
    # a meter without an auxiliary controller has no auxiliary controller log to clear
    _rid, no_alcs = await send(running, receiver, prepared("ECS15c_3.3_SUCCESS_REQUEST_DUIS.XML"))
    assert no_alcs.payload.tree["results"][0]["result"] != 0


async def test_twin_element_meter_answers_with_its_secondary_element_and_a_single_one_does_not(estate):
    running, receiver = estate
    lengths = {}
    for variant in ("A", "B"):
        await meter_of(running, variant)
        _rid, message = await send(running, receiver, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
        lengths[variant] = len(_values(message)[0]["items"])
        _rid, tariff = await send(running, receiver, prepared("ECS24b_4.11.2_SUCCESS_REQUEST_DUIS.XML"))
        lengths[variant + "-secondary-tariff"] = [r["result"] for r in tariff.payload.tree["results"]]
    await meter_of(running, "A")
    assert lengths["A"] == 4 and lengths["B"] == 5
    assert set(lengths["B-secondary-tariff"]) == {0} and 0 not in set(lengths["A-secondary-tariff"])


async def test_firmware_version_is_the_meters(estate):
    running, receiver = estate
    await meter_of(running, "A")
    device = await repo.get_device(running.sim.db.pool, A0)
    _rid, message = await send(running, receiver, prepared("ECS52_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert message.payload.tree["data"][0]["hex"] == (device.firmware_version or "00000001").lower()


async def test_a_dcc_schedule_reads_the_period_of_its_offsets(estate):
    running, receiver = estate
    await meter_of(running, "A")
    soon = running.sim.clock.now() + timedelta(seconds=2)
    request = requests.create_schedule("90B3D51F30010000", A0, start=soon.date())
    request = request.replace(b"01:30:00", soon.strftime("%H:%M:%S").encode())
    created = await running.post("D", client.sign(etree.fromstring(request), zaz1_signer()))
    schedule_id = created.root.findtext(f".//{sr('DSPScheduleID')}")
    await running.advance(3)
    message = None
    for _ in range(150):
        for body in receiver.received:
            root = etree.fromstring(body)
            if root.findtext(f".//{sr('DSPScheduleID')}") == schedule_id and b"GBCSPayload" in body:
                message = gbcs.decode(base64.b64decode(root.findtext(f".//{sr('GBCSPayload')}")),
                                      running.sim.han.keys.store())
        if message is not None:
            break
        await asyncio.sleep(0.1)
    assert message is not None, "the schedule did not run"
    assert message.use_case == "ECS21a"
    rows = x.compact_rows(_values(message)[0])
    today = datetime.combine(running.sim.clock.now().date(), datetime.min.time(), timezone.utc)
    assert [r[0] for r in rows] == [x.utc_seconds(today - timedelta(days=1)), x.utc_seconds(today)]
