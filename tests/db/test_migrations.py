"""The SQL migrations apply to an empty database, once, and concurrently-safe."""
import asyncio

import asyncpg

from dccsim.db.migrations import MIGRATIONS_DIR, migrate


async def test_migrations_apply_once(fresh_database_url):
    conn = await asyncpg.connect(fresh_database_url)
    try:
        first = await migrate(conn)
        assert first == sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))
        assert await migrate(conn) == []
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert {"dcc_user", "device", "device_party", "request_counter", "message_log", "cpl_entry"} <= tables
    finally:
        await conn.close()


async def test_concurrent_workers_migrate_once(fresh_database_url):
    conns = [await asyncpg.connect(fresh_database_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in conns))
        applied = [name for r in results for name in r]
        assert sorted(applied) == sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))
    finally:
        for c in conns:
            await c.close()
