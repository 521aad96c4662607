"""A device's outcome saved in one statement over the state version it was read at (``dccsim.han.store.save``), on
a real PostgreSQL: a state that changed meanwhile, a job done already or an older job still to run write nothing;
messages queued for hand-over are leased only while they are their user's only pending message."""
from __future__ import annotations

from datetime import datetime, timezone

import asyncpg
import pytest

from devices import installation
from dccsim.db.migrations import migrate
from dccsim.han.documents import Outgoing, OutgoingKind
from dccsim.han.store import DEFERRED, SKIPPED, StateConflict, Unsaved, save
from tests.conftest import create_fresh_database

METER = "00DB1234567890A0"
SUPPLIER = "90B3D51F30010000"
NOW = datetime(2026, 12, 3, tzinfo=timezone.utc)


LEASE = 30.0      # seconds a message queued for hand-over is leased
# Messages queued for hand-over, and nothing else (no state, no job).
_QUEUE_ONLY = ("SELECT * FROM save_device_outcome($1, NULL, NULL, NULL, $2, $3, $4, $5, $6, $7, NULL, '', NULL, NULL, 1, "
               "$8)")


@pytest.fixture
async def conn(pg_base_url):
    conn = await asyncpg.connect(await create_fresh_database(pg_base_url))
    await migrate(conn)
    yield conn
    await conn.close()


def _response(n: int) -> Outgoing:
    return Outgoing(SUPPLIER, OutgoingKind.RESPONSE, f"<response n='{n}'/>".encode(), f"{SUPPLIER}:{METER}:{n}",
                    f"{SUPPLIER}:{METER}:{n}")


async def _job(conn) -> int:
    return await conn.fetchval("INSERT INTO device_job (request_id, user_id, device_id, variant, frame) "
                               "VALUES ('r', $1, $2, '4.1.1', '\\x00') RETURNING id", SUPPLIER, METER)


async def _version(conn) -> int | None:
    return await conn.fetchval("SELECT version FROM device_state WHERE device_id = $1", METER)


async def test_a_state_is_saved_only_over_the_version_it_was_read_at(conn):
    state = installation.first_contact("ESME", METER)
    await save(conn, METER, state, [], version=None)
    assert await _version(conn) == 1
    with pytest.raises(StateConflict):          # a first state saved meanwhile
        await save(conn, METER, state, [], version=None)
    job = await _job(conn)
    with pytest.raises(StateConflict):          # read at a version another save has moved on from
        await save(conn, METER, state, [_response(1)], version=0, job_id=job, now=NOW)
    assert await _version(conn) == 1
    assert await conn.fetchval("SELECT status FROM device_job WHERE id = $1", job) == "pending"
    assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
    await save(conn, METER, state, [_response(1)], version=1, job_id=job, now=NOW)
    assert await _version(conn) == 2
    assert await conn.fetchval("SELECT status FROM device_job WHERE id = $1", job) == "done"
    assert await conn.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_job_done_already_or_behind_an_older_one_writes_nothing(conn):
    state = installation.first_contact("ESME", METER)
    older, job = await _job(conn), await _job(conn)
    with pytest.raises(Unsaved) as deferred:
        await save(conn, METER, state, [_response(2)], version=None, job_id=job, now=NOW)
    assert deferred.value.reason == DEFERRED
    await conn.execute("UPDATE device_job SET status = 'done' WHERE id = $1", older)
    await save(conn, METER, state, [_response(2)], version=None, job_id=job, now=NOW)
    with pytest.raises(Unsaved) as skipped:
        await save(conn, METER, state, [_response(2)], version=1, job_id=job, now=NOW)
    assert skipped.value.reason == SKIPPED
    assert await _version(conn) == 1 and await conn.fetchval("SELECT count(*) FROM outbox") == 1


async def test_only_a_user_s_only_pending_message_is_queued_leased_for_hand_over(conn):
    async with conn.transaction():
        saved = await conn.fetchrow(
            _QUEUE_ONLY, METER, NOW, [SUPPLIER, SUPPLIER], ["a", "b"], ["a", "b"], ["response"] * 2, ["<a/>", "<b/>"],
            LEASE)
    assert saved["outcome"] == "saved"
    first, second = saved["handed"]
    assert first is not None and second is None          # the second waits behind the first, unleased
    rows = {r["id"]: r for r in await conn.fetch("SELECT id, lease_until, attempts FROM outbox")}
    assert rows[first]["lease_until"] is not None and rows[first]["attempts"] == 1
    assert [r for r in rows.values() if r["id"] != first][0]["lease_until"] is None
    again = await conn.fetchrow(_QUEUE_ONLY, METER, NOW, [SUPPLIER], ["c"], ["c"], ["response"], ["<c/>"], LEASE)
    assert again["handed"] == [None]                     # older messages of the user are pending


async def test_the_save_runs_on_generic_plans(conn):
    # Under PostgreSQL's default choice its outbox insert (rows from unnest() of array parameters) was planned
    # afresh on every call: a custom plan, knowing the arrays' lengths, always looked cheaper than the generic one.
    config = await conn.fetchval("SELECT proconfig FROM pg_proc WHERE proname = 'save_device_outcome'")
    assert config == ["plan_cache_mode=force_generic_plan"]


async def test_a_message_queued_for_hand_over_comes_with_its_user_s_endpoint(conn):
    other = "90B3D51F30020000"
    await conn.executemany("INSERT INTO dcc_user (entity_id, name, response_endpoint) VALUES ($1, $2, $3)",
                           [(SUPPLIER, "supplier", "http://supplier/duis"), (other, "other", "http://other/duis")])
    saved = await conn.fetchrow(_QUEUE_ONLY, METER, NOW, [SUPPLIER, other, SUPPLIER], ["a", "b", "c"],
                                ["a", "b", "c"], ["response"] * 3, ["<a/>", "<b/>", "<c/>"], LEASE)
    assert saved["endpoints"] == ["http://supplier/duis", "http://other/duis", None]
    assert saved["handed"][2] is None


async def test_the_job_is_locked_by_its_key(conn):
    # The function plans once a session, here while device_job is empty: locked as "its id and pending", the plan
    # took the partial index of pending jobs by device, (device_id, id), and read all of it for the id.
    state = installation.first_contact("ESME", METER)
    job = await _job(conn)
    async with conn.transaction():
        await save(conn, METER, state, [_response(1)], version=None, job_id=job, now=NOW)
        by_key, by_device = await conn.fetchrow(
            "SELECT pg_stat_get_xact_numscans('device_job_pkey'::regclass), "
            "pg_stat_get_xact_numscans('device_job_device_pending_idx'::regclass)")
    assert by_device == 1          # the older-job check, for this device
    assert by_key == 2             # the lock, and the job marked done
    assert await conn.fetchval("SELECT status FROM device_job WHERE id = $1", job) == "done"
