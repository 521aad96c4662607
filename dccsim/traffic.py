"""Service Request Traffic Management (SECMP0067): per-user token buckets held in PostgreSQL.

Each user may have a capacity allocation (requests per second and a burst). The bucket lives in one
row, refilled and debited by a single atomic statement, so any number of workers sharing the database
keep the user's total within the allocation. Priority Service Requests are never throttled.
"""
from __future__ import annotations

import math

from dccsim.duis.outcomes import DuisRejection

_TAKE = """
INSERT INTO rate_bucket AS b (user_id, tokens, updated_at)
VALUES ($1, $3 - 1, clock_timestamp())
ON CONFLICT (user_id) DO UPDATE SET
    tokens = LEAST($3, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * $2) - 1,
    updated_at = clock_timestamp()
WHERE LEAST($3, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * $2) >= 1
RETURNING tokens
"""

_LEVEL = """
SELECT LEAST($3, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * $2) FROM rate_bucket
WHERE user_id = $1
"""


def burst_of(rps: float, burst: int | None) -> float:
    return float(burst) if burst else max(1.0, float(math.ceil(rps)))


async def admit(pool, user_id: str, rps: float, burst: int | None) -> None:
    """Take one token or raise ``DuisRejection('HTTP-429-TOO-MANY')`` with a Retry-After."""
    capacity = burst_of(rps, burst)
    async with pool.acquire() as conn:
        taken = await conn.fetchval(_TAKE, user_id, float(rps), capacity)
        if taken is not None:
            return
        level = await conn.fetchval(_LEVEL, user_id, float(rps), capacity) or 0.0
    wait = max(1, math.ceil((1.0 - level) / rps)) if rps > 0 else 60
    raise DuisRejection(
        "HTTP-429-TOO-MANY",
        f"User {user_id} exceeds its capacity allocation of {rps:g} requests/s (burst {capacity:g})",
        headers={"Retry-After": str(wait)},
    )


async def set_capacity(conn, user_id: str, rps: float | None, burst: int | None) -> bool:
    result = await conn.execute(
        "UPDATE dcc_user SET capacity_rps = $2, capacity_burst = $3 WHERE entity_id = $1", user_id, rps, burst)
    await conn.execute("DELETE FROM rate_bucket WHERE user_id = $1", user_id)
    return result.endswith(" 1")
