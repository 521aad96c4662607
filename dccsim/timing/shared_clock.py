"""Simulated time kept in PostgreSQL, so that every simulator process on one database reads the same time.

The first process to start in simulated mode writes the start time (or finds the time a previous run
left: a restart carries on where time stood); a process that moves time writes the new time, and every
other process follows it when the notification arrives.
"""
from __future__ import annotations

from datetime import datetime, timezone

from dccsim.db.notify import Listener
from dccsim.timing.clock import SimulatedClock

CHANNEL = "dccsim_clock"

_START = """
INSERT INTO simulated_clock (id, now) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET now = GREATEST(simulated_clock.now, EXCLUDED.now) WHERE $2
RETURNING now
"""


async def start(conn, start: datetime | None) -> SimulatedClock:
    """The shared simulated clock: at ``start`` if given (and not before the time already held), else where
    it stood, else now."""
    moment = start or datetime.now(timezone.utc)
    held = await conn.fetchval(_START, moment, start is not None)
    if held is None:
        held = await conn.fetchval("SELECT now FROM simulated_clock WHERE id = 1")
    return SimulatedClock(held)


async def move(conn, clock: SimulatedClock, moment: datetime) -> None:
    """Move the shared time forward to ``moment`` (here at once, elsewhere when they hear of it)."""
    clock.move_to(moment)
    await conn.execute("UPDATE simulated_clock SET now = GREATEST(now, $1) WHERE id = 1", moment)


async def catch_up(conn, clock: SimulatedClock) -> None:
    """Take the shared time from the database (should this process have missed a move)."""
    held = await conn.fetchval("SELECT now FROM simulated_clock WHERE id = 1")
    if held is not None:
        clock.follow(held)


async def follow(listener: Listener, clock: SimulatedClock, pool) -> None:
    """Keep ``clock`` at the time other processes move it to; after notifications were lost for a while (the
    listening connection broke), read it again."""
    def moved(_pid: int, payload: str) -> None:
        clock.follow(datetime.fromtimestamp(float(payload), timezone.utc))

    async def reread() -> None:
        async with pool.acquire() as conn:
            await catch_up(conn, clock)

    await listener.subscribe(CHANNEL, moved)
    listener.on_restored(reread)
