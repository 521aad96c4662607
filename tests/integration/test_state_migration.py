"""A data directory whose device states were stored before states had a format version (the rows in
tests/fixtures/device-state-v0.json) starts under the current code: the states are rewritten in the current
format at start-up, and the devices carry on where they were — the meter's registers and top-ups, its
anti-replay counter, the hub's device log, the held commands."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import aiohttp
import asyncpg
import pytest

import gbcs
from dccsim.duis import client
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from dccsim.runtime.server import start_sites
from dccsim.runtime.settings import Settings
from dccsim.runtime.simulator import start_simulator
from devices import esme_consumption as energy
from devices import esme_meter, gas_meter, queries, state_codec
from devices.device import handle_command
from devices.state import DeviceState, EsmeState, GsmeState
from tests.conftest import create_fresh_database
from tests.devices.esme_rtds import plaintexts
from tests.integration.device_flows import prepared, run_request, wait_for_response
from tests.integration.harness import SUPPLIER, RunningSimulator, free_port, prepare_with_keys
from tests.integration.receiver import Receiver
from tests.integration.top_ups import exported_keys, issue, supplier_keys
from tests.paths import DUIS_TEMPLATES

pytestmark = pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="shared templates not available")

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "device-state-v0.json"
ESME, GSME, CHF, APC = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A2", "00DB1234567890A6"
USERS = (SUPPLIER, "90B3D51F30020000", "90B3D51F30030000", "90B3D51F30010008", "90B3D51F30000002")


def _stored() -> dict[str, dict]:
    return {row["device_id"]: row["state"] for row in json.loads(FIXTURE.read_text())["rows"]}


@pytest.fixture(scope="module")
async def migrated(pg_base_url, tmp_path_factory):
    """A data directory of the demo estate holding the unversioned rows, and a simulator started on it."""
    url = await create_fresh_database(pg_base_url)
    settings = Settings(data_dir=tmp_path_factory.mktemp("v0"), database_url=url, port=free_port(),
                        admin_port=free_port(), device_timeout=10.0)
    await prepare_with_keys(settings)
    conn = await asyncpg.connect(url)
    try:
        for device_id, state in _stored().items():
            await conn.execute("INSERT INTO device_state (device_id, state) VALUES ($1, $2)", device_id,
                               json.dumps(state))
    finally:
        await conn.close()
    sim = await start_simulator(settings)
    running = RunningSimulator(sim, f"http://{settings.host}:{settings.port}", aiohttp.ClientSession(),
                               await start_sites(sim), f"http://{settings.host}:{settings.admin_port}")
    receiver = await Receiver().start()
    for user in USERS:
        await repo.set_endpoint(sim.db.pool, user, receiver.url)
    yield running, receiver, tmp_path_factory.mktemp("exported")
    await receiver.stop()
    await running.close()


async def _state(running, device_id: str) -> DeviceState:
    return state_codec.decode(await running.sim.db.pool.fetchval(
        "SELECT state FROM device_state WHERE device_id = $1", device_id))


async def _send(running, receiver, root) -> gbcs.Message:
    answer, request_id = await run_request(running, root)
    assert answer.status == 200 and answer.code in ("I99", "I0"), (answer.status, answer.body[:300])
    response = await wait_for_response(receiver, request_id, timeout=30)
    assert response.findtext(f".//{sr('ResponseCode')}") == "I0"
    return gbcs.decode(base64.b64decode(response.findtext(f".//{sr('GBCSPayload')}")), running.sim.han.keys.store())


async def test_every_stored_state_is_rewritten_in_the_current_format(migrated):
    running, _receiver, _keys = migrated
    rows = await running.sim.db.pool.fetch("SELECT device_id, state::text AS state, format_version, next_timer_at, "
                                           "hub_device_log FROM device_state ORDER BY device_id")
    stored = _stored()
    assert [r["device_id"] for r in rows] == sorted(stored)
    for row in rows:
        assert row["format_version"] == state_codec.VERSION == state_codec.version_of(row["state"])
        state = state_codec.decode(row["state"])
        assert state.KIND == stored[row["device_id"]]["type"]
        assert row["next_timer_at"] == queries.next_held_command_due(state)
        assert row["hub_device_log"] == queries.device_log(state)
    held = {r["device_id"]: r["next_timer_at"] for r in rows if r["next_timer_at"] is not None}
    assert set(held) == {ESME, GSME}                  # the tariffs (and the firmware activation) held for later
    hub = next(r for r in rows if r["device_id"] == CHF)
    assert hub["hub_device_log"] == [e["device_id"] for e in stored[CHF]["device_log"]]


async def test_the_hub_s_device_log_still_routes(migrated):
    running, _receiver, _keys = migrated
    assert (await running.sim.han.bus.route(ESME, CHF)).reachable
    taken_off = await running.sim.han.bus.route(APC, CHF)         # CCS02 took the APC off before the upgrade
    assert not taken_off.reachable and "device log" in taken_off.reason


async def test_the_meter_refuses_a_replay_of_the_last_counter_it_took(migrated):
    running, _receiver, _keys = migrated
    last = _stored()[ESME]["counters"][SUPPLIER]
    for counter, refused in ((last, True), (last + 1, False)):
        answer, _ = await run_request(running, prepared("ECS17b_4.1.1_REQUEST_DUIS.XML", counter=counter))
        frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
        reply = await running.sim.han.bus.exchange(ESME, frame, hub_id=CHF, handler=handle_command)
        assert (reply.response is None and "replay" in reply.refused) if refused else reply.response is not None


async def test_the_meter_s_registers_and_top_ups_carry_on(migrated):
    running, receiver, folder = migrated
    before = _stored()[ESME]["esme"]
    read = await _send(running, receiver, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
    imported = plaintexts(read)[0]["items"][0]["items"][0]["value"]
    state = await _state(running, ESME)
    assert isinstance(state, EsmeState) and state.meter.offset == before["offset"]
    if state.meter.at - before["at"] <= esme_meter.MAX_CATCH_UP:
        since = energy.energy_between(energy.import_wh, before["seed"], before["at"], state.meter.at)
        assert abs(imported - (before["reg"]["import"] + since)) <= 2
    assert imported >= int(before["reg"]["import"])
    issuer = supplier_keys(await exported_keys(running, folder))

    async def top_up(counter: int) -> int:
        request = prepared("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML")
        client.set_body_text(request, "UTRN", issue(issuer, 500, supplier=SUPPLIER, meter=ESME, utrn_counter=counter))
        return (await _send(running, receiver, request)).payload.tree["results"][0]["result"]

    balance = (await _send(running, receiver, prepared("ECS82_4.18_SUCCESS_REQUEST_DUIS.XML"))).payload.tree["data"][0]
    assert balance["value"] <= before["prepay"]["balance"]
    assert await top_up(2) == 1                      # UTRN counter 2 was taken before the upgrade
    assert await top_up(3) == 0
    assert (await _state(running, ESME)).utrn_counters == [1, 2, 3]
    after = (await _send(running, receiver, prepared("ECS82_4.18_SUCCESS_REQUEST_DUIS.XML"))).payload.tree["data"][0]
    assert abs(after["value"] - balance["value"] - 500 * esme_meter.PENCE) < 1000


async def test_the_gas_meter_and_its_held_tariff_carry_on(migrated):
    running, receiver, folder = migrated
    before = _stored()[GSME]["gas"]
    issuer = supplier_keys(await exported_keys(running, folder))
    request = prepared("CS01b_2.2_SUCCESS_REQUEST_DUIS.XML")
    client.set_body_text(request, "UTRN", issue(issuer, 700, supplier=SUPPLIER, meter=GSME, utrn_counter=3))
    answer = await _send(running, receiver, request)
    assert answer.payload.tree["components"][0]["command"] == 0x03
    state = await _state(running, GSME)
    assert isinstance(state, GsmeState) and state.utrn_counters == [3]
    assert [e.event_id for e in state.gas.logs.security_log[-1:]] == [gas_meter.EVENT_DUPLICATE_UTRN]
    assert state.gas.pending is not None and state.gas.pending.start_time == before["pending"]["start_time"]
    assert state.gas.next_snapshot_id >= before["next_snapshot_id"]


def test_the_fixture_was_written_by_the_unversioned_format():
    stored = _stored()
    assert all("version" not in state and "type" in state for state in stored.values())
    assert {state["type"] for state in stored.values()} == {"ESME", "GSME", "CHF", "GPF", "PPMID", "HCALCS", "APC"}
