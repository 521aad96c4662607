"""Asynchronous delivery: in order per user, retried with back-off, given up and re-sent on request."""
from __future__ import annotations

import asyncio

import pytest

from dccsim import outbox
from dccsim.duis.responses import service_response
from dccsim.inventory import repository as repo
from tests.conftest import create_fresh_database
from tests.integration.harness import SUPPLIER, start_running_simulator
from tests.integration.receiver import Receiver


def signed_response(sim, n: int) -> tuple[str, bytes]:
    response_id = f"90-B3-D5-1F-30-00-00-02:90-B3-D5-1F-30-01-00-00:{n}"
    document = service_response(schema_version="5.4", code="I0", service_reference="8.2",
                                service_reference_variant="8.2", request_id=f"90-B3-D5-1F-30-01-00-00:"
                                f"90-B3-D5-1F-30-00-00-02:{n}", response_id=response_id)
    return response_id, sim.signer.sign_to_bytes(document)


async def put(sim, numbers) -> list[str]:
    ids = []
    async with sim.db.pool.acquire() as conn:
        async with conn.transaction():
            for n in numbers:
                response_id, body = signed_response(sim, n)
                await outbox.enqueue(conn, user_id=SUPPLIER, kind="response", body=body, response_id=response_id,
                                     request_id=f"90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:{n}")
                ids.append(response_id)
    return ids


@pytest.fixture
async def fast_delivery(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            delivery_base_delay=0.05, delivery_give_up_after=2.0)
    receiver = await Receiver().start()
    await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
    yield running, receiver
    await receiver.stop()
    await running.close()


async def wait_until_undeliverable(sim) -> list[dict]:
    """Poll the outbox until its first message is marked undeliverable (or give up after 10 s)."""
    rows: list[dict] = []
    for _ in range(100):
        async with sim.db.pool.acquire() as conn:
            rows = await outbox.pending_and_undeliverable(conn)
        if rows and rows[0]["status"] == "undeliverable":
            break
        await asyncio.sleep(0.1)
    return rows


async def test_delivered_in_order_with_retries(fast_delivery):
    running, receiver = fast_delivery
    receiver.fail_next = 3
    expected = await put(running.sim, range(1, 21))
    await receiver.wait_for(20)
    assert receiver.response_ids() == expected
    # The worker marks the last message delivered once the receiver's HTTP answer is back.
    for _ in range(50):
        async with running.sim.db.pool.acquire() as conn:
            if not await outbox.pending_and_undeliverable(conn):
                break
        await asyncio.sleep(0.1)
    async with running.sim.db.pool.acquire() as conn:
        assert await outbox.pending_and_undeliverable(conn) == []
        first = await conn.fetchrow("SELECT attempts, status FROM outbox ORDER BY id LIMIT 1")
        assert (first["attempts"], first["status"]) == (4, "delivered")


async def test_endpoint_down_gives_up_then_resend_delivers(fast_delivery):
    running, receiver = fast_delivery
    await receiver.stop()
    expected = await put(running.sim, [101])
    rows = await wait_until_undeliverable(running.sim)   # retried with back-off until the 2 s horizon
    async with running.sim.db.pool.acquire() as conn:
        assert [r["status"] for r in rows] == ["undeliverable"]
        assert rows[0]["attempts"] >= 3
        assert "ClientConnectorError" in rows[0]["last_error"] or "Connect" in rows[0]["last_error"]
        await receiver.start()
        assert await outbox.resend(conn, rows[0]["id"])
    await receiver.wait_for(1)
    assert receiver.response_ids() == expected


async def test_a_refusing_endpoint_makes_the_message_undeliverable(fast_delivery):
    running, receiver = fast_delivery
    receiver.status = 403
    await put(running.sim, [201])
    rows = await wait_until_undeliverable(running.sim)
    assert rows[0]["status"] == "undeliverable" and "HTTP 403" in rows[0]["last_error"]


async def test_no_endpoint_waits_until_one_is_set(fast_delivery):
    running, receiver = fast_delivery
    await repo.set_endpoint(running.sim.db.pool, SUPPLIER, None)
    expected = await put(running.sim, [301, 302])
    await asyncio.sleep(0.5)
    assert receiver.received == []
    await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
    await receiver.wait_for(2)
    assert receiver.response_ids() == expected


async def test_outbox_command_lists_and_resends(fast_delivery):
    import os
    import subprocess
    import sys

    running, receiver = fast_delivery
    receiver.status = 404
    await put(running.sim, [401])
    rows = await wait_until_undeliverable(running.sim)
    env = {**os.environ, "DCCSIM_DATABASE_URL": running.sim.settings.database_url}
    base = [sys.executable, "-m", "dccsim", "--data-dir", str(running.sim.settings.data_dir), "outbox"]
    listed = subprocess.run(base, env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "undeliverable" in listed.stdout and "HTTP 404" in listed.stdout
    receiver.status = 200
    resent = subprocess.run([*base, "resend", str(rows[0]["id"])], env=env, capture_output=True, text=True,
                            timeout=120)
    assert resent.returncode == 0, resent.stderr
    await receiver.wait_for(1)
    assert receiver.response_ids()[-1].endswith(":401")
