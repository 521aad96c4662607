"""Nothing accepted is lost across a crash: SIGKILL a simulator with messages and device commands in flight,
start it again, and every message arrives — once, or again with the same ResponseID where the endpoint
already had it — and every device Service Request gets exactly one Response.

The receiver discards a POST whose sender dies before it answers, so a simulator that marked a message
delivered before sending it would lose that message here. Row and table locks taken by the test pin the
crash to the exact step under test (after the endpoint answered, before the delivery is recorded; after a
device executed a command, before its Response is written).
"""
from __future__ import annotations

import asyncio
import contextlib
import base64
import json
import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from lxml import etree

import gbcs
from dccsim.runtime.settings import Settings
from dccsim.duis import client
from dccsim.duis.ids import dashed
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from dccsim.estate import load_estate_file
from dccsim.han.store import set_faults
from dccsim.inventory import repository as repo
from dccsim.runtime.simulator import prepare_state
from dccsim.smki import repository as smki_repo
from dccsim.smki.folders import import_folders
from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.integration.device_flows import prepared, run_request, wait_for_response
from tests.integration.harness import SUPPLIER, free_port, start_running_simulator, template, zaz1_signer
from tests.integration.receiver import Receiver
from tests.integration.serve_process import blocked_on_lock as _blocked_on_lock, kill as _kill, ready as _ready
from tests.integration.serve_process import start_serve as _start, stop as _stop
from tests.integration.test_outbox import put
from tests.paths import KEYS_RTDS, KEYS_ZAZ1

pytestmark = pytest.mark.slow


class _Sim:
    """Just enough of a Simulator for ``put``: the DSP signer and a pool."""

    def __init__(self, pool, signer):
        self.db = type("Db", (), {"pool": pool})()
        self.signer = signer


async def _statuses(pool, expected: dict[str, int]) -> dict[str, int]:
    """The outbox's status counts, polled until they match ``expected`` (acknowledgements land just after
    the POST returns)."""
    found: dict[str, int] = {}
    for _ in range(100):
        found = {r["status"]: r["count"] for r in await pool.fetch(
            "SELECT status, count(*) FROM outbox GROUP BY status")}
        if found == expected:
            break
        await asyncio.sleep(0.05)
    return found


async def _dsp_signer(pool) -> DuisSigner:
    async with pool.acquire() as conn:
        dsp = (await smki_repo.load_store(conn)).dsp_signing()
    return DuisSigner(dsp.private_key, dsp.certificate)


@pytest.fixture
async def crash_rig(pg_base_url, tmp_path):
    """A fresh database, a receiver holding the 5th POST, and a way to (re)start ``dccsim serve`` on it."""
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    receiver = await Receiver(hold=5).start()
    processes: list[subprocess.Popen] = []

    async def start() -> subprocess.Popen:
        processes.append(_start(tmp_path, url, port, admin))
        await _ready(admin)
        return processes[-1]

    pool = None
    try:
        await start()
        pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
        await repo.set_endpoint(pool, SUPPLIER, receiver.url)
        yield pool, receiver, start, processes
    finally:
        for process in processes:
            _stop(process)
        if pool is not None:
            await pool.close()
        await receiver.stop()


async def test_a_message_in_flight_at_the_crash_is_delivered_after_restart(crash_rig):
    pool, receiver, start, processes = crash_rig
    expected = await put(_Sim(pool, await _dsp_signer(pool)), range(1, 31))

    await asyncio.wait_for(receiver.holding.wait(), 30)     # the 5th message is on the wire, unanswered
    _kill(processes[-1])
    await receiver.wait_until(lambda: receiver.dropped, timeout=10)
    assert receiver.response_ids() == expected[:4]
    assert len(receiver.dropped) == 1, "the receiver never answered the message in flight"

    await start()
    await receiver.wait_until(lambda: len(set(receiver.response_ids())) == 30, timeout=60)
    ids = receiver.response_ids()
    assert ids == expected, "every message exactly once, in order (the one in flight was not yet received)"
    assert await _statuses(pool, {"delivered": 30}) == {"delivered": 30}


async def test_a_message_received_before_its_delivery_was_recorded_comes_again_with_its_response_id(crash_rig):
    pool, receiver, start, processes = crash_rig
    expected = await put(_Sim(pool, await _dsp_signer(pool)), range(1, 31))
    held = expected[4]

    await asyncio.wait_for(receiver.holding.wait(), 30)
    async with pool.acquire() as lock:
        transaction = lock.transaction()
        await transaction.start()
        # The simulator's acknowledgement of this row must wait: the crash lands after the endpoint has the
        # message and before the simulator records that it was delivered.
        await lock.execute("SELECT id FROM outbox WHERE response_id = $1 FOR UPDATE", held)
        receiver.release()
        await receiver.wait_for(5)
        (acknowledgement,) = await _blocked_on_lock(pool, "outbox")
        _kill(processes[-1])
        await pool.execute("SELECT pg_terminate_backend($1)", acknowledgement)
        await transaction.rollback()

    await start()
    await receiver.wait_until(lambda: len(receiver.received) >= 31 and len(set(receiver.response_ids())) == 30,
                              timeout=60)
    ids = receiver.response_ids()
    assert ids.count(held) == 2, "the message the endpoint had is sent again, with the same ResponseID"
    assert len(ids) == 31 and list(dict.fromkeys(ids)) == expected
    assert await _statuses(pool, {"delivered": 30}) == {"delivered": 30}


_METERS = ["00DBCC0000000001", "00DBCC0000000002", "00DBCC0000000003", "00DBCC0000000004"]


def _meters_estate(path: Path) -> Path:
    lines = ["devices:"]
    for meter in _METERS:
        lines.append(f"  - {{device_id: {dashed(meter)}, type: ESME, status: Commissioned, "
                     f"chf: 00-DB-12-34-56-78-90-A2, gbcs_version: '4.0', esme_variant: A, "
                     f"parties: {{IS: {dashed(SUPPLIER)}}}}}")
    path.write_text("\n".join(lines) + "\n")
    return path


async def _prepare_device_estate(url: str, data_dir: Path, endpoint: str) -> None:
    db = await prepare_state(Settings(data_dir=data_dir, database_url=url))
    try:
        async with db.pool.acquire() as conn:
            await load_estate_file(conn, _meters_estate(data_dir / "meters.yaml"))
            store = await smki_repo.load_store(conn)
            await smki_repo.save_credentials(conn, import_folders(store, [KEYS_ZAZ1, KEYS_RTDS]).imported)
            await smki_repo.issue_device_credentials(conn, await smki_repo.load_store(conn), _METERS)
            await repo.set_endpoint(conn, SUPPLIER, endpoint)
            for meter in _METERS[:2]:      # these two are still in the HAN's latency at the crash
                await set_faults(conn, meter, latency_ms=1500)
    finally:
        await db.close()


def _read_request(meter: str) -> tuple[str, bytes]:
    root = client.prepare(template("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"), target=meter)
    return client.request_id_of(root), client.sign(root, zaz1_signer())


async def test_device_requests_in_flight_at_the_crash_get_exactly_one_response(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    receiver = await Receiver().start()
    await _prepare_device_estate(url, tmp_path, receiver.url)
    env = {"DCCSIM_DEVICE_TIMEOUT": "3", "DCCSIM_DEVICE_JOB_LEASE": "4"}
    process = _start(tmp_path, url, port, admin, **env)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    try:
        await _ready(admin)
        requests = [_read_request(meter) for meter in _METERS]
        async with pool.acquire() as lock:
            transaction = lock.transaction()
            await transaction.start()
            # Responses cannot be written while the test holds the outbox: the meters without latency execute
            # their command and their jobs' outcomes wait at the outbox write when the crash comes. Each was
            # sent as one statement, which commits once the lock goes although its process is gone; the jobs
            # that had not got that far run again on the restarted process. Either way: one Response each.
            await lock.execute("LOCK TABLE outbox IN EXCLUSIVE MODE")
            async with aiohttp.ClientSession() as session:
                for _request_id, body in requests:
                    async with session.post(f"http://127.0.0.1:{port}/api/v1/serviceS", data=body) as answer:
                        text = await answer.read()
                        assert answer.status == 200 and b"<sr:ResponseCode>I99<" in text, text[:300]
            await _blocked_on_lock(pool, "save_device_outcome", count=2)
            _kill(process)
            await transaction.rollback()

        process = _start(tmp_path, url, port, admin, **env)
        await _ready(admin)
        for request_id, _body in requests:
            response = await wait_for_response(receiver, request_id, timeout=30)
            assert response.findtext(f".//{sr('ResponseCode')}") == "I0", "the device executed it: never E21"
            assert response.findtext(f".//{sr('GBCSPayload')}")
        await asyncio.sleep(1.0)     # time for a second (wrong) Response to arrive, were one written
        per_request = [sum(1 for body in receiver.received
                           if etree.fromstring(body).findtext(f".//{sr('RequestID')}") == request_id)
                       for request_id, _body in requests]
        assert per_request == [1, 1, 1, 1]
        assert await pool.fetchval("SELECT count(*) FROM device_job WHERE status <> 'done'") == 0
    finally:
        _stop(process)
        await pool.close()
        await receiver.stop()


async def test_a_future_dated_alert_is_not_lost_when_its_transaction_dies(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            clock=ClockMode.SIMULATED)
    receiver = await Receiver().start()
    await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
    pool = running.sim.db.pool
    try:
        root = prepared("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")
        body = root.find(sr("Body")).find(sr("UpdateImportTariffPrimaryElement"))
        when = etree.Element(sr("ExecutionDateTime"))
        when.text = (running.sim.clock.now() + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body.insert(0, when)
        answer, request_id = await run_request(running, root)
        assert answer.code == "I99"
        await wait_for_response(receiver, request_id)
        async with pool.acquire() as lock:
            transaction = lock.transaction()
            await transaction.start()
            await lock.execute("LOCK TABLE outbox IN EXCLUSIVE MODE")
            # At its time the device executes the tariff and raises 0x8F66; the transaction carrying both
            # dies before it commits.
            advancing = asyncio.create_task(running.advance(4))
            (timer,) = await _blocked_on_lock(pool, "save_device_outcome", timeout=15)
            await lock.execute("SELECT pg_terminate_backend($1)", timer)
            await transaction.rollback()
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await advancing       # the run the database cut short; the scheduler's next tick runs it again

        def alerts() -> list[bytes]:
            return [b for b in receiver.received if b"<sr:AlertCode>8F66</sr:AlertCode>" in b]

        await receiver.wait_until(alerts, timeout=15)
        await asyncio.sleep(1.5)
        # One execution raises one 0x8F66 per object the tariff took into force; a repeated execution would
        # raise the same alerts again (same objects and time, new alert counters).
        raised = [gbcs.decode(base64.b64decode(re.search(rb"<sr:GBCSPayload>(.*?)</", body).group(1)))
                  for body in alerts()]
        contents = [json.dumps({k: v for k, v in message.payload.tree.items() if k != "invoke_id"}, sort_keys=True)
                    for message in raised]
        assert contents and len(set(contents)) == len(contents)
    finally:
        await receiver.stop()
        await running.close()


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def _gone(pids: list[int], timeout: float) -> list[int]:
    for _ in range(int(timeout * 10)):
        alive = [pid for pid in pids if _running(pid)]
        if not alive:
            return []
        await asyncio.sleep(0.1)
    return alive


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_workers_stop_when_their_parent_is_killed(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    output = open(tmp_path / "server.log", "ab")
    parent = subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), "serve", "--workers", "2",
                               "--port", str(port), "--admin-port", str(admin), "--smki-port", str(free_port())],
                              env={**os.environ, "DCCSIM_DATABASE_URL": url}, stdout=output, stderr=subprocess.STDOUT)
    output.close()
    workers: list[int] = []
    try:
        await _ready(admin)
        # Wait until the worker answers requests (each new connection goes to either worker's socket).
        answering: set[int] = set()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            for _ in range(600):
                async with session.post(f"http://127.0.0.1:{port}/api/v1/serviceD", data=b"") as response:
                    answering.add(int(response.headers["X-Dccsim-Worker"]))
                if len(answering) == 2:
                    break
                await asyncio.sleep(0.05)
        workers = sorted(answering - {parent.pid})
        assert len(workers) == 1 and set(_children(parent.pid)) >= set(workers), "a worker process is serving"
        _kill(parent)
        assert await _gone(workers, timeout=15) == [], "a worker outlived the process that started it"
    finally:
        _stop(parent)
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGTERM)


async def test_the_embedded_database_stops_at_a_clean_exit_after_a_crash(tmp_path):
    port, admin, smki = free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if key != "DCCSIM_DATABASE_URL"}

    def serve() -> subprocess.Popen:
        output = open(tmp_path / "server.log", "ab")
        try:
            return subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path / "data"), "serve",
                                     "--port", str(port), "--admin-port", str(admin), "--smki-port", str(smki)],
                                    env=env, stdout=output, stderr=subprocess.STDOUT)
        finally:
            output.close()

    first = serve()
    try:
        await _ready(admin, timeout=120)
        _kill(first)
        postmaster = int((tmp_path / "data" / "pgdata" / "postmaster.pid").read_text().split()[0])
        assert _running(postmaster), "the database outlives a crash (the next start joins it)"
        second = serve()
        try:
            await _ready(admin, timeout=120)
        finally:
            _stop(second)
        assert second.returncode == 0
        assert await _gone([postmaster], timeout=30) == [], "the last clean exit stops the embedded server"
    finally:
        _stop(first)
        pidfile = tmp_path / "data" / "pgdata" / "postmaster.pid"
        if pidfile.exists():
            leftover = int(pidfile.read_text().split()[0])
            if _running(leftover):
                os.kill(leftover, signal.SIGTERM)
