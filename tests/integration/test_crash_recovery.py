"""Nothing accepted is lost across a crash: SIGKILL a delivering simulator, start it again, and every
message arrives — once, or again with the same ResponseID where the endpoint already had it."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import aiohttp
import asyncpg
import pytest

from dccsim.duis.xmldsig import DuisSigner
from dccsim.inventory import repository as repo
from dccsim.smki import repository as smki_repo
from tests.conftest import create_fresh_database
from tests.integration.harness import SUPPLIER, free_port
from tests.integration.receiver import Receiver
from tests.integration.test_outbox import put


class _Sim:
    """Just enough of a Simulator for ``put``: the DSP signer and a pool."""

    def __init__(self, pool, signer):
        self.db = type("Db", (), {"pool": pool})()
        self.signer = signer


def _start(data_dir, url: str, port: int, admin: int) -> subprocess.Popen:
    env = {**os.environ, "DCCSIM_DATABASE_URL": url, "DCCSIM_DELIVERY_LEASE": "2",
           "DCCSIM_DELIVERY_BASE_DELAY": "0.1"}
    return subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(data_dir), "serve",
                             "--port", str(port), "--admin-port", str(admin)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


async def _ready(admin: int, timeout: float = 60.0) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(int(timeout * 10)):
            try:
                async with session.get(f"http://127.0.0.1:{admin}/admin/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("the simulator did not start")


@pytest.mark.slow
async def test_sigkill_with_messages_in_flight_loses_nothing(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    receiver = await Receiver(delay=0.15).start()
    process = _start(tmp_path, url, port, admin)
    pool = None
    try:
        await _ready(admin)
        pool = await asyncpg.create_pool(url, min_size=1, max_size=3)
        await repo.set_endpoint(pool, SUPPLIER, receiver.url)
        async with pool.acquire() as conn:
            dsp = (await smki_repo.load_store(conn)).dsp_signing()
        expected = await put(_Sim(pool, DuisSigner(dsp.private_key, dsp.certificate)), range(1, 31))

        await receiver.wait_for(5)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        delivered_before = len(receiver.received)
        assert delivered_before < 30, "the crash must happen with messages still queued"

        process = _start(tmp_path, url, port, admin)
        await _ready(admin)
        while len(set(receiver.response_ids())) < 30:
            await receiver.wait_for(len(receiver.received) + 1, timeout=30)
        ids = receiver.response_ids()
        assert set(ids) == set(expected)
        first_seen = list(dict.fromkeys(ids))
        assert first_seen == expected, "order per user is kept"
        duplicates = len(ids) - len(set(ids))
        assert duplicates <= 1, "only the message in flight at the crash may arrive twice"
        for _ in range(100):   # the last acknowledgement is recorded just after the POST returns
            async with pool.acquire() as conn:
                statuses = await conn.fetch("SELECT status, count(*) FROM outbox GROUP BY status")
            if len(statuses) == 1:
                break
            await asyncio.sleep(0.05)
        assert {r["status"]: r["count"] for r in statuses} == {"delivered": 30}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        if pool is not None:
            await pool.close()
        await receiver.stop()
