"""A transaction begun by its first statement, on a real PostgreSQL: work of one statement sends it alone (no
BEGIN, no COMMIT) and it commits by itself; work of several commits them together or not at all; after-commit
callbacks run only once the work has committed."""
from __future__ import annotations

import asyncio

import asyncpg
import pytest

from dccsim.db.connection import DccConnection
from dccsim.db.on_demand import AfterLastStatement, OnDemandTransaction
from tests.conftest import create_fresh_database


@pytest.fixture
async def conn(pg_base_url):
    conn = await asyncpg.connect(await create_fresh_database(pg_base_url), connection_class=DccConnection)
    await conn.execute("CREATE TABLE t (n integer PRIMARY KEY)")
    sent: list[str] = []
    conn.add_query_logger(lambda record: sent.append(record.query.strip().upper()))
    conn.sent = sent
    yield conn
    await conn.close()


async def _sent(conn) -> list[str]:
    """What was sent so far (asyncpg calls its query loggers soon after each query, not during it)."""
    await asyncio.sleep(0)
    return conn.sent


async def _rows(conn) -> list[int]:
    return [r["n"] for r in await conn.fetch("SELECT n FROM t ORDER BY n")]


async def test_a_last_statement_alone_is_sent_alone_and_commits_by_itself(conn):
    done = []
    async with OnDemandTransaction(conn) as work:
        work.after_commit(lambda: done.append("committed"))
        assert done == []
        row = await work.last_row("INSERT INTO t VALUES (1) RETURNING n")
        assert not work.begun and row["n"] == 1
        with pytest.raises(AfterLastStatement):
            await work.execute("INSERT INTO t VALUES (2)")
    sent = await _sent(conn)
    assert sent[:1] == ["INSERT INTO T VALUES (1) RETURNING N"]
    assert not any(query.startswith(("BEGIN", "COMMIT")) for query in sent)
    assert done == ["committed"] and await _rows(conn) == [1]


async def test_statements_before_the_last_make_it_one_transaction(conn):
    done = []
    with pytest.raises(RuntimeError):
        async with OnDemandTransaction(conn) as work:
            await work.execute("INSERT INTO t VALUES (1)")
            assert work.begun and conn.is_in_transaction()
            work.after_commit(lambda: done.append("committed"))
            await work.last_row("INSERT INTO t VALUES (2) RETURNING n")
            raise RuntimeError("the work fails after its last statement")
    assert done == [] and await _rows(conn) == []
    async with OnDemandTransaction(conn) as work:
        await work.execute("INSERT INTO t VALUES (1)")
        work.after_commit(lambda: done.append("committed"))
        async with work.transaction():        # a savepoint inside it
            await work.execute("INSERT INTO t VALUES (2)")
        await work.last_row("INSERT INTO t VALUES (3) RETURNING n")
        assert done == []
    assert done == ["committed"] and await _rows(conn) == [1, 2, 3]
    assert any(query.startswith("BEGIN") for query in await _sent(conn))


async def test_reads_through_it_do_not_begin_the_transaction(conn):
    async with OnDemandTransaction(conn) as work:
        assert await work.reads.fetchval("SELECT count(*) FROM t") == 0
        assert not work.begun
        await work.last_row("INSERT INTO t VALUES (1) RETURNING n")
    assert not any(query.startswith("BEGIN") for query in await _sent(conn))


async def test_work_that_fails_before_anything_is_sent_runs_no_callback(conn):
    done = []
    with pytest.raises(ValueError):
        async with OnDemandTransaction(conn) as work:
            work.after_commit(lambda: done.append("committed"))
            raise ValueError("nothing was sent")
    assert done == [] and await _sent(conn) == []
