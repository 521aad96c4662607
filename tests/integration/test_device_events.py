"""Physical device events on a running simulator (``dccsim devices event``, ``/admin/devices/{id}/events``): the
alerts they raise reach the Users DUIS names and no others, SECMP0062 throttles a storm (and duis-3.1 does not),
and a Communications Hub without power for three minutes gives AD1."""
from __future__ import annotations

import asyncio
import base64
from datetime import datetime, timezone

import aiohttp
import pytest
from lxml import etree

import gbcs
from dccsim.cli.main import main as dccsim_main
from dccsim.duis import xmldsig
from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.integration.checks import zaz1_dsp_certificate
from tests.integration.device_flows import user_keys
from tests.integration.harness import official_schema
from tests.integration.receiver import Receiver, simulator_with_receivers

SUPPLIER, NETWORK_OPERATOR = "90B3D51F30010000", "90B3D51F30020000"
SUPPLIER_2, OTHER_USER = "90B3D51F30030000", "90B3D51F30010008"
USERS = (SUPPLIER, NETWORK_OPERATOR, SUPPLIER_2, OTHER_USER)
A0, A1, A2 = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A2"
CLOCK_START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


async def _estate(pg_base_url, tmp, release: str):
    return simulator_with_receivers(await create_fresh_database(pg_base_url), tmp, USERS, device_timeout=2.0,
                                    clock=ClockMode.SIMULATED, clock_start=CLOCK_START, release_profile=release,
                                    alert_throttle="50/60")


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    async with await _estate(pg_base_url, tmp_path_factory.mktemp("events"), "duis-4.0") as estate:
        yield estate


def _documents(receiver: Receiver, *, alert: str | None = None) -> list[etree._Element]:
    """The alerts a User received (DeviceAlertMessages with ``alert`` as AlertCode, or DCCAlertMessages)."""
    found = []
    for body in receiver.received:
        root = etree.fromstring(body)
        code = root.findtext(".//{*}DeviceAlertMessage/{*}AlertCode") or root.findtext(".//{*}DCCAlertCode")
        if alert is None or code == alert:
            found.append(root)
    return found


def _clear(receivers) -> None:
    for receiver in receivers.values():
        receiver.received.clear()


async def _cli(running, *args: str) -> int:
    """``dccsim devices event ...`` against the running simulator's admin API, as a user runs it."""
    return await asyncio.to_thread(dccsim_main, ["devices", "event", *args, "--admin", running.admin_url])


async def test_an_alert_storm_is_throttled_and_nothing_is_lost(estate, capsys):
    running, receivers = estate
    _clear(receivers)
    assert await _cli(running, "00-DB-12-34-56-78-90-A0", "billing-data-log-updated", "--count", "200") == 0
    await running.delivered()
    await running.advance(61)                       # the window closes: what it held back is forwarded
    await running.delivered()
    alerts = _documents(receivers[SUPPLIER], alert="8F0A")
    assert 0 < len(alerts) < 200
    sequences = [int(a.findtext(".//{*}ThrottledAlertSequenceId")) for a in alerts
                 if a.find(".//{*}ThrottledAlertSequenceId") is not None]
    counts = [int(a.findtext(".//{*}ThrottledAlertCount") or 0) for a in alerts]
    assert sequences == list(range(1, len(sequences) + 1)) and len(sequences) >= 2
    assert len(alerts) + sum(counts) == 200
    assert len(alerts) - len(sequences) == 50       # the first 50 go as they are: the threshold
    with capsys.disabled():
        print(f"\nalert storm: 200 raised, {len(alerts)} forwarded ({len(alerts) - len(sequences)} plain, "
              f"{len(sequences)} throttled: sequence ids {sequences}, counts {counts[len(alerts) - len(sequences):]})")
    for other in (NETWORK_OPERATOR, SUPPLIER_2, OTHER_USER):
        assert _documents(receivers[other], alert="8F0A") == []
    keys = user_keys(running)
    for alert in alerts[49:]:                       # each signed, valid, carrying the meter's own frame
        assert official_schema().validate(alert), official_schema().error_log
        xmldsig.verify(alert, zaz1_dsp_certificate())
        frame = gbcs.decode(base64.b64decode(alert.findtext(".//{*}GBCSPayload")), keys)
        assert frame.originator == A0 and "verified" in (frame.verification.mac, frame.verification.signature)


async def test_the_storm_ends_and_alerts_go_as_they_are_again(estate):
    running, receivers = estate
    await running.advance(200)                      # windows with nothing in them: throttling has ended
    _clear(receivers)
    assert await _cli(running, "00-DB-12-34-56-78-90-A0", "billing-data-log-updated") == 0
    await running.delivered()
    [alert] = _documents(receivers[SUPPLIER], alert="8F0A")
    assert alert.find(".//{*}ThrottledAlertSequenceId") is None


async def test_previous_release_forwards_every_alert_unthrottled(pg_base_url, tmp_path):
    async with await _estate(pg_base_url, tmp_path, "duis-3.1") as (running, receivers):
        assert await _cli(running, "00-DB-12-34-56-78-90-A0", "billing-data-log-updated", "--count", "200") == 0
        await running.advance(61)
        await running.delivered()
        alerts = _documents(receivers[SUPPLIER], alert="8F0A")
        assert len(alerts) == 200
        assert all(a.find(".//{*}ThrottledAlertSequenceId") is None and a.find(".//{*}ThrottledAlertCount") is None
                   for a in alerts)


@pytest.mark.parametrize("device, event, code, users", [
    (A0, "tamper", "8F74", {SUPPLIER, NETWORK_OPERATOR}),
    (A0, "low-credit", "810D", {SUPPLIER}),
    (A0, "credit-exhausted", "8F0F", {SUPPLIER}),
    (A0, "emergency-credit", "8119", {SUPPLIER}),
    (A0, "over-voltage", "8002", {NETWORK_OPERATOR}),
    (A1, "low-battery", "8F1F", {SUPPLIER}),
    (A1, "tamper", "8F74", {SUPPLIER, NETWORK_OPERATOR}),
    (A2, "firmware-verification-failed", "8F1C", {SUPPLIER}),
])
async def test_an_event_reaches_the_users_its_alert_code_names(estate, device, event, code, users):
    running, receivers = estate
    _clear(receivers)
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{running.admin_url}/admin/devices/{device}/events", json={"event": event}) as r:
            assert r.status == 200, await r.text()
            answer = await r.json()
    assert answer["alerts_raised"] >= 1
    await running.delivered()
    got = {user for user, receiver in receivers.items() if _documents(receiver, alert=code)}
    assert got == users


async def test_low_credit_drives_the_meter_balance(estate):
    running, _receivers = estate
    await _cli(running, "00-DB-12-34-56-78-90-A0", "low-credit")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{running.admin_url}/admin/devices/{A0}") as r:
            state = (await r.json())["state"]
    assert state["meter"]["prepay"]["balance"] <= 50_000


async def test_the_events_of_a_device_are_listed_with_their_alert_codes(estate):
    running, _receivers = estate
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{running.admin_url}/admin/devices/00-DB-12-34-56-78-90-A0/events") as r:
            listed = await r.json()
        async with session.post(f"{running.admin_url}/admin/devices/{A0}/events", json={"event": "boil"}) as r:
            assert r.status == 400 and "power-outage" in (await r.json())["error"]
        async with session.post(f"{running.admin_url}/admin/devices/{A2}/events", json={"event": "low-credit"}) as r:
            assert r.status == 400 and "cannot happen to a CHF" in (await r.json())["error"]
        async with session.post(f"{running.admin_url}/admin/devices/{A0}/events",
                                json={"event": "tamper", "count": 0}) as r:
            assert r.status == 400
        async with session.get(f"{running.admin_url}/admin/devices/00DB123456789FFF/events") as r:
            assert r.status == 404
    events = {e["event"]: e for e in listed["events"]}
    assert listed["device_type"] == "ESME"
    assert events["power-restored"]["alert_codes"] == ["8F35", "8F36"]
    assert events["power-outage"]["dcc_alerts"] == ["AD1"]
    assert "low-battery" not in events                     # a gas meter's
