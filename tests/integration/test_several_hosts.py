"""Two ``dccsim serve`` processes — two hosts, each with its own data directory and ports — on one PostgreSQL
act as one DCC: one RequestID counter sequence per originator, one traffic-management allocation, one
simulated clock, and a device job accepted by a host that is then SIGKILLed is finished by the other and
answered once.
"""
from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass
import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from lxml import etree

from dccsim.duis import client
from dccsim.duis.namespaces import sr
from dccsim.frontdoor.traffic import set_capacity
from dccsim.inventory import repository as repo
from dccsim.runtime.settings import Settings
from tests.conftest import create_fresh_database
from tests.integration.device_flows import wait_for_response
from tests.integration.harness import SUPPLIER, free_port, prepare_with_keys, template, zaz1_signer
from tests.integration.receiver import Receiver
from tests.integration.serve_process import kill, ready, start_serve, stop

pytestmark = pytest.mark.slow

INVENTORY = "8.2_READ_INVENTORY_REQUEST_DUIS.XML"
READ_REGISTERS = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
METER = "00-DB-12-34-56-78-90-A0"
# Short real-time leases, so that the surviving host takes a dead host's device job within seconds.
SHORT_LEASES = {"DCCSIM_DEVICE_TIMEOUT": "2", "DCCSIM_DEVICE_JOB_LEASE": "3"}


@dataclass
class Host:
    process: subprocess.Popen
    port: int
    admin: int
    data_dir: Path

    @property
    def duis(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin}/admin"


@dataclass
class Rig:
    url: str
    hosts: list[Host]
    pool: asyncpg.Pool
    session: aiohttp.ClientSession
    receiver: Receiver

    async def post(self, host: Host, service: str, body: bytes) -> tuple[int, bytes]:
        async with self.session.post(f"{host.duis}/service{service}", data=body) as answer:
            return answer.status, await answer.read()

    async def set_latency(self, host: Host, device: str, latency_ms: float) -> None:
        """Set a device's HAN latency through a host's admin API (in force on that host at once)."""
        device_id = device.replace("-", "")
        async with self.session.post(f"{host.admin_url}/devices/{device_id}/faults",
                                     json={"latency_ms": latency_ms}) as answer:
            assert answer.status == 200, await answer.text()


@pytest.fixture
async def two_hosts(pg_base_url, tmp_path):
    """One database (the demo estate, the ZAZ1 and RTDS keys) and two ``dccsim serve`` processes on it, started
    together, each with its own data directory and ports; the supplier's Responses go to a receiver."""
    url = await create_fresh_database(pg_base_url)
    await prepare_with_keys(Settings(data_dir=tmp_path / "prepared", database_url=url))
    receiver = await Receiver().start()
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    await repo.set_endpoint(pool, SUPPLIER, receiver.url)
    hosts = []
    for name in ("a", "b"):
        port, admin = free_port(), free_port()
        process = start_serve(tmp_path / name, url, port, admin, "--clock", "simulated", **SHORT_LEASES)
        hosts.append(Host(process, port, admin, tmp_path / name))
    session = aiohttp.ClientSession()
    try:
        await asyncio.gather(*(ready(host.admin) for host in hosts))
        yield Rig(url, hosts, pool, session, receiver)
    finally:
        await session.close()
        for host in hosts:
            stop(host.process)
        await pool.close()
        await receiver.stop()


def _inventory_request(counter: int) -> bytes:
    return client.sign(client.prepare(template(INVENTORY), counter=counter), zaz1_signer())


def _code(body: bytes) -> str | None:
    return etree.fromstring(body).findtext(f".//{sr('ResponseCode')}")


async def test_alternating_requests_keep_one_counter_sequence(two_hosts):
    rig = two_hosts
    first = client.COUNTERS.next()
    bodies = [_inventory_request(first + n) for n in range(8)]

    for n, body in enumerate(bodies[:6]):
        status, answer = await rig.post(rig.hosts[n % 2], "D", body)
        assert (status, _code(answer)) == (200, "I0"), f"request {n} to host {'ab'[n % 2]}: {answer[:300]}"
    # Each request replayed on the host that did not see it: the other host's counter holds.
    for n, body in enumerate(bodies[:6]):
        status, answer = await rig.post(rig.hosts[(n + 1) % 2], "D", body)
        assert status == 400 and b"not greater than" in answer, f"replay of request {n} was {status}"
    # A counter above the last, then one between: the second host refuses what the first has passed.
    assert (await rig.post(rig.hosts[1], "D", bodies[7]))[0] == 200
    status, answer = await rig.post(rig.hosts[0], "D", bodies[6])
    assert status == 400 and str(first + 7).encode() in answer
    assert await rig.pool.fetchval("SELECT last_counter FROM request_counter WHERE originator = $1",
                                   SUPPLIER) == first + 7


async def test_a_capacity_allocation_holds_across_both_hosts(two_hosts):
    rig = two_hosts
    async with rig.pool.acquire() as conn:
        await set_capacity(conn, SUPPLIER, 0.001, 3)     # three requests, then one more every 1,000 s
    first = client.COUNTERS.next()
    bodies = [_inventory_request(first + n) for n in range(6)]

    statuses = [(await rig.post(rig.hosts[n % 2], "D", body))[0] for n, body in enumerate(bodies)]
    assert statuses == [200, 200, 200, 429, 429, 429], "each host alone would have let three through"

    async with rig.pool.acquire() as conn:
        await set_capacity(conn, SUPPLIER, None, None)
    # A throttled request did not use up its counter: sent again (to the other host) it is taken.
    status, answer = await rig.post(rig.hosts[0], "D", bodies[3])
    assert (status, _code(answer)) == (200, "I0")


async def test_a_device_job_accepted_by_a_host_that_dies_is_answered_once_by_the_other(two_hosts):
    rig = two_hosts
    doomed, survivor = rig.hosts
    root = client.prepare(template(READ_REGISTERS), target=METER)
    request_id = client.request_id_of(root)
    # The frame takes a minute to reach the meter from the host that accepts the request (its own fault setting
    # takes effect there at once): the host is killed with its job on the HAN, before the meter has executed it.
    await rig.set_latency(doomed, METER, 60_000)
    status, answer = await rig.post(doomed, "S", client.sign(root, zaz1_signer()))
    assert (status, _code(answer)) == (200, "I99"), answer[:300]
    kill(doomed.process)
    await rig.set_latency(survivor, METER, 0)

    # Its lease runs out (3 s) and the survivor runs the job.
    response = await wait_for_response(rig.receiver, request_id, timeout=30)
    assert response.findtext(f".//{sr('ResponseCode')}") == "I0", "the meter answered: never E21"
    assert response.findtext(f".//{sr('GBCSPayload')}")
    await _settled(rig, survivor)
    responses = [body for body in rig.receiver.received
                 if etree.fromstring(body).findtext(f".//{sr('RequestID')}") == request_id]
    assert len(responses) == 1
    job = await rig.pool.fetchrow("SELECT status, attempts FROM device_job WHERE request_id = $1", request_id)
    # Leased at acceptance by the host that accepted it, claimed once (by the survivor) when that ran out.
    assert (job["status"], job["attempts"]) == ("done", 1)


async def test_the_simulated_clock_is_one_clock(two_hosts):
    rig = two_hosts

    async def now(host: Host) -> datetime:
        async with rig.session.get(f"{host.admin_url}/clock") as answer:
            return datetime.fromisoformat((await answer.json())["now"])

    start = await now(rig.hosts[0])
    assert await now(rig.hosts[1]) == start

    async def advance(host: Host) -> None:
        async with rig.session.post(f"{host.admin_url}/clock/advance", json={"duration": "1h"}) as answer:
            assert answer.status == 200, await answer.text()

    # Both hosts move time by an hour at once: they take turns, and time moves by two.
    await asyncio.gather(advance(rig.hosts[0]), advance(rig.hosts[1]))
    moved = [await now(host) for host in rig.hosts]
    assert moved[0] == moved[1] == start + timedelta(hours=2)


async def _settled(rig: Rig, host: Host, timeout: float = 20.0) -> None:
    """Wait (in real time) until ``host`` has no device job due and no message undelivered."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with rig.session.get(f"{host.admin_url}/pending") as answer:
            pending = await answer.json()
        if not any(pending.values()):
            return
        assert asyncio.get_running_loop().time() < deadline, f"still pending: {pending}"
        await asyncio.sleep(0.1)


async def test_the_bench_deals_its_clients_out_over_both_hosts(two_hosts):
    rig = two_hosts
    urls = [f"http://127.0.0.1:{host.port}" for host in rig.hosts]
    command = [sys.executable, "-m", "dccsim", "--data-dir", str(rig.hosts[0].data_dir), "bench", "--duration", "1",
               "--concurrency", "2", "--json"]
    for url in urls:
        command += ["--target", url]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=300,
                                     env={**os.environ, "DCCSIM_DATABASE_URL": rig.url})
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["errors"] == 0 and summary["outcomes"] == {"200 I0": summary["requests"]}
    assert sorted(summary["hosts"]) == sorted(f"{url}/api/v1/serviceD" for url in urls)
    assert all(n > 0 for n in summary["hosts"].values())
