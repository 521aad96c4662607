"""PostgreSQL advisory locks that make the processes on one database (on one host or many) take turns.

A lock is held by a session, so a process that dies releases it with its connection: no host can leave the
others waiting. The keys are listed here, once, so that no two uses share one by accident.
"""
from __future__ import annotations

import contextlib
from typing import AsyncIterator

import asyncpg

__all__ = ["MIGRATIONS", "PREPARE", "SCHEDULER", "SMKI_BOOTSTRAP", "held", "try_held"]

MIGRATIONS = 0x0DCC51       # one process migrates at a time (dccsim.db.migrations)
SMKI_BOOTSTRAP = 0x5E1C1    # one process issues the CAs and users' credentials (dccsim.smki.repository)
PREPARE = 0x0DCC52          # one process prepares the state at start: demo estate, SMKI, device states
SCHEDULER = 0x0DCC53        # one process runs what is due, or moves the simulated clock (dccsim.timing)


@contextlib.asynccontextmanager
async def held(pool: asyncpg.Pool, key: int) -> AsyncIterator[asyncpg.Connection]:
    """Wait for the lock ``key`` and hold it (on a connection of ``pool``, yielded) until the block ends."""
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", key)
        try:
            yield conn
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", key)


@contextlib.asynccontextmanager
async def try_held(pool: asyncpg.Pool, key: int) -> AsyncIterator[bool]:
    """Hold the lock ``key`` for the block if no other session holds it; yields whether this one does."""
    async with pool.acquire() as conn:
        taken = await conn.fetchval("SELECT pg_try_advisory_lock($1)", key)
        try:
            yield taken
        finally:
            if taken:
                await conn.execute("SELECT pg_advisory_unlock($1)", key)
