"""One connection pool per process, to the embedded server or to ``DCCSIM_DATABASE_URL``."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from dccsim.config import Settings
from dccsim.db.embedded import start_embedded
from dccsim.db.migrations import migrate


@dataclass
class Database:
    """The pool and where it points."""

    pool: asyncpg.Pool
    url: str
    embedded: bool

    async def close(self) -> None:
        await self.pool.close()


async def open_database(settings: Settings, *, min_size: int = 2, max_size: int = 10) -> Database:
    """Connect (starting the embedded server if no URL is configured) and migrate."""
    embedded = settings.database_url is None
    if embedded:
        url = await asyncio.to_thread(start_embedded, settings.pgdata)
    else:
        url = settings.database_url
    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, command_timeout=60)
    async with pool.acquire() as conn:
        await migrate(conn)
    return Database(pool=pool, url=url, embedded=embedded)
