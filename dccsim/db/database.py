"""One connection pool per process, to the embedded server or to ``DCCSIM_DATABASE_URL``."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg

from dccsim.runtime.settings import Settings
from dccsim.db.connection import DccConnection
from dccsim.db.embedded import start_embedded
from dccsim.db.migrations import migrate


@dataclass
class Database:
    """The pools and where they point."""

    pool: asyncpg.Pool
    url: str
    embedded: bool
    # Connections for writes whose loss in a PostgreSQL crash (not a simulator crash) is acceptable, so they
    # commit without waiting for the WAL flush: RequestID counters, traffic buckets, the message log, and
    # leases and delivery acknowledgements (lost, they only make a message or job be looked at again; see
    # README "Performance"). State changes, accepted requests and the outbox rows always use ``pool``.
    fast_pool: asyncpg.Pool | None = None
    # The server pids of this process's connections, to tell this process's notifications from others'.
    backend_pids: set[int] = field(default_factory=set)

    @property
    def bookkeeping(self) -> asyncpg.Pool:
        return self.fast_pool or self.pool

    async def close(self) -> None:
        if self.fast_pool is not None:
            await self.fast_pool.close()
        await self.pool.close()


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Connections go back to the pool as they are: nothing here sets session state (SET, LISTEN, advisory
    locks held past a call, cursors), so asyncpg's default reset query — a round trip on every release —
    buys nothing. An open transaction is still rolled back by the pool."""


async def open_database(settings: Settings, *, min_size: int = 2, max_size: int = 10) -> Database:
    """Connect (starting the embedded server if no URL is configured) and migrate."""
    embedded = settings.database_url is None
    if embedded:
        url = await asyncio.to_thread(start_embedded, settings.pgdata)
    else:
        url = settings.database_url
    pids: set[int] = set()

    async def prepare(conn: DccConnection) -> None:
        pid = conn.get_server_pid()
        pids.add(pid)
        # A closed connection's pid may be given to another host's next connection: it is no longer ours.
        conn.add_termination_listener(lambda _conn: pids.discard(pid))

    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, command_timeout=60,
                                     reset=_keep_session, connection_class=DccConnection, init=prepare)
    async with pool.acquire() as conn:
        await migrate(conn)
    fast_pool = await asyncpg.create_pool(url, min_size=1, max_size=max(2, max_size // 2), command_timeout=60,
                                          server_settings={"synchronous_commit": "off"}, reset=_keep_session,
                                          connection_class=DccConnection, init=prepare)
    return Database(pool=pool, url=url, embedded=embedded, fast_pool=fast_pool, backend_pids=pids)
