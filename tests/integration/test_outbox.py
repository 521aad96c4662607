"""Asynchronous delivery: in order per user, retried with back-off, given up and re-sent on request."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from dccsim.delivery import outbox
from dccsim.duis.responses import Heading, service_response
from dccsim.inventory import repository as repo
from tests.conftest import create_fresh_database
from tests.integration.harness import SUPPLIER, start_running_simulator
from tests.integration.receiver import Receiver


def signed_response(sim, n: int) -> tuple[str, bytes]:
    response_id = f"90-B3-D5-1F-30-00-00-02:90-B3-D5-1F-30-01-00-00:{n}"
    document = service_response(Heading(schema_version="5.4", code="I0", service_reference="8.2",
                                        service_reference_variant="8.2", request_id=f"90-B3-D5-1F-30-01-00-00:"
                                        f"90-B3-D5-1F-30-00-00-02:{n}", response_id=response_id,
                                        moment=datetime.now(timezone.utc)))
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


async def all_delivered(sim) -> list[dict]:
    """Poll until nothing is pending (the acknowledgement is recorded just after the endpoint answers)."""
    rows: list[dict] = []
    for _ in range(100):
        async with sim.db.pool.acquire() as conn:
            rows = await outbox.pending_and_undeliverable(conn)
        if not rows:
            break
        await asyncio.sleep(0.05)
    return rows


async def test_delivered_in_order_with_retries(fast_delivery):
    running, receiver = fast_delivery
    receiver.fail_next = 3
    expected = await put(running.sim, range(1, 21))
    await receiver.wait_for(20)
    assert receiver.response_ids() == expected
    assert await all_delivered(running.sim) == []
    first = await running.sim.db.pool.fetchrow("SELECT attempts, status FROM outbox ORDER BY id LIMIT 1")
    assert (first["attempts"], first["status"]) == (4, "delivered")


@pytest.mark.parametrize("status", [408, 429, 503])
async def test_a_busy_endpoint_is_retried_after_its_retry_after(fast_delivery, status):
    running, receiver = fast_delivery
    receiver.fail_next, receiver.fail_status, receiver.headers = 2, status, {"Retry-After": "1"}
    expected = await put(running.sim, [501, 502])
    await receiver.wait_for(2, timeout=20)
    assert receiver.response_ids() == expected
    gaps = [b - a for a, b in zip(receiver.failed_at, receiver.failed_at[1:])]
    assert len(receiver.failed_at) == 2 and all(gap >= 0.9 for gap in gaps), gaps   # base delay is 0.05 s


def test_retry_after_accepts_seconds_and_http_dates():
    from datetime import datetime, timezone

    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert outbox.retry_after_seconds("7", now) == 7.0
    assert outbox.retry_after_seconds("Wed, 01 May 2024 12:00:30 GMT", now) == 30.0
    assert outbox.retry_after_seconds("Wed, 01 May 2024 11:00:00 GMT", now) == 0.0
    assert outbox.retry_after_seconds("soon", now) is None
    assert outbox.retry_after_seconds(None, now) is None


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


async def test_resend_keeps_the_message_place_and_creation_time(fast_delivery):
    running, receiver = fast_delivery
    receiver.status = 410
    await put(running.sim, [601])
    rows = await wait_until_undeliverable(running.sim)
    async with running.sim.db.pool.acquire() as conn:
        before = await conn.fetchrow("SELECT id, created_at FROM outbox WHERE id = $1", rows[0]["id"])
        receiver.status = 200
        assert await outbox.resend(conn, before["id"])
    await receiver.wait_for(1)
    after = await running.sim.db.pool.fetchrow("SELECT id, created_at, resent_at, status FROM outbox WHERE id = $1",
                                               before["id"])
    assert after["created_at"] == before["created_at"]
    assert after["resent_at"] > after["created_at"]


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


@pytest.fixture
async def bare_outbox(pg_base_url, tmp_path):
    """A migrated database with the demo users and no simulator running: the test drives the workers."""
    from dccsim.runtime.settings import Settings
    from dccsim.duis.xmldsig import DuisSigner
    from dccsim.runtime.simulator import prepare_state
    from dccsim.smki import repository as smki_repo

    url = await create_fresh_database(pg_base_url)
    db = await prepare_state(Settings(data_dir=tmp_path, database_url=url))
    async with db.pool.acquire() as conn:
        dsp = (await smki_repo.load_store(conn)).dsp_signing()
    sim = type("Sim", (), {"db": db, "signer": DuisSigner(dsp.private_key, dsp.certificate)})()
    yield sim, url
    await db.close()


async def test_a_message_delivered_meanwhile_by_another_worker_is_not_claimed_again(bare_outbox):
    from tests.integration.serve_process import blocked_on_lock as _blocked_on_lock

    sim, url = bare_outbox
    [response_id] = await put(sim, [701])
    worker = outbox.DeliveryWorker(sim.db.pool, url)
    async with sim.db.pool.acquire() as other:
        transaction = other.transaction()
        await transaction.start()
        # Another worker holds the message while it records its delivery ...
        await other.execute("SELECT id FROM outbox WHERE response_id = $1 FOR UPDATE", response_id)
        claim = asyncio.create_task(worker.claim())
        await _blocked_on_lock(sim.db.pool, "lease_until")
        # ... and finishes: this worker's claim, which saw the message pending, must not take it.
        await other.execute("UPDATE outbox SET status = 'delivered', delivered_at = now(), lease_until = NULL "
                            "WHERE response_id = $1", response_id)
        await transaction.commit()
    assert await claim == []


async def test_two_workers_deliver_every_message_once_in_order(bare_outbox):
    import asyncpg

    from dccsim.delivery.message_log import MessageLog
    from dccsim.timing.clock import WallClock

    sim, url = bare_outbox
    receiver = await Receiver().start()
    users = ["90B3D51F30010000", "90B3D51F30030000", "90B3D51F30020000"]
    for user in users:
        await repo.set_endpoint(sim.db.pool, user, receiver.url)
    expected: dict[str, list[str]] = {user: [] for user in users}
    async with sim.db.pool.acquire() as conn:
        async with conn.transaction():
            for n in range(60):
                user = users[n % 3]
                response_id, body = signed_response(sim, 1000 + n)
                await outbox.enqueue(conn, user_id=user, kind="response", body=body, response_id=response_id)
                expected[user].append(response_id)
    pools = [await asyncpg.create_pool(url, min_size=1, max_size=4) for _ in range(2)]
    workers = [outbox.DeliveryWorker(pool, url, message_log=MessageLog(pool, WallClock())) for pool in pools]
    try:
        for worker in workers:
            await worker.start()
        await receiver.wait_for(60, timeout=30)
        await asyncio.sleep(0.3)
        ids = receiver.response_ids()
        assert sorted(ids) == sorted(sum(expected.values(), []))        # each exactly once
        for user, sent in expected.items():
            assert [i for i in ids if i in sent] == sent, f"order kept for {user}"
    finally:
        for worker in workers:
            await worker.stop()
        for pool in pools:
            await pool.close()
        await receiver.stop()


async def test_an_idle_worker_does_not_spin_on_messages_queued_behind_a_retrying_head(bare_outbox):
    import asyncpg

    from dccsim.delivery.outbox import DeliveryPolicy
    from tests.integration.harness import free_port

    sim, url = bare_outbox
    await repo.set_endpoint(sim.db.pool, SUPPLIER, f"http://127.0.0.1:{free_port()}/nobody-listens")
    await put(sim, [801, 802, 803])
    queries: list[str] = []

    async def count_queries(conn):
        conn.add_query_logger(lambda logged: queries.append(logged.query))

    pool = await asyncpg.create_pool(url, min_size=1, max_size=2, init=count_queries)
    worker = outbox.DeliveryWorker(pool, url, policy=DeliveryPolicy(base_delay=0.5, timeout=2, lease=5))
    try:
        await worker.start()
        await asyncio.sleep(3.0)
    finally:
        await worker.stop()
        await pool.close()
    claims = sum("WITH RECURSIVE heads" in q for q in queries)
    attempts = await sim.db.pool.fetchval("SELECT attempts FROM outbox WHERE response_id LIKE '%:801'")
    assert 2 <= attempts <= 5, attempts            # 0, ~0.5, ~1.5 s (with jitter) ...
    # One claim per attempt, one when an attempt ends and one per poll interval (1 s): not a scan every 10 ms.
    assert claims <= 2 * attempts + 6, (claims, attempts)


def test_a_lease_no_longer_than_the_post_timeout_is_refused_at_start():
    from dccsim.runtime.settings import Settings

    with pytest.raises(ValueError, match="lease"):
        Settings(delivery_lease=10, delivery_timeout=10).check()
    with pytest.raises(ValueError, match="device job lease"):
        Settings(device_job_lease=5, device_timeout=10).check()
    Settings().check()
