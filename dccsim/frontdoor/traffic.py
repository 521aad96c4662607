"""Service Request Traffic Management (SECMP0067) and the RequestID counter rule, in one statement.

Sources (public):

- DUIS V4.0 release note, §2.2 "SECMP0067 Service Request Traffic Management" (the seed's
  ``duis-4.0-release-note.txt``): new HTTP response code 429 "Too Many Requests", and in Table 8 (general
  error handling): "When the volume of Service Requests into the DCC System exceeds the system capacity,
  then the Service Request Traffic Management system will reject non-Priority Service Requests from a User
  that is exceeding their capacity allocation", answered with 429; the User re-sends after at least the
  RETRY-AFTER delay.
- The SEC modification page for SECMP0067
  (https://smartenergycodecompany.co.uk/modifications/service-request-traffic-management/): a maximum
  system capacity, an operating threshold and per-User allocations; traffic management becomes active
  when the DCC System reaches the threshold, and Users above their allocation are throttled.

How the simulator models it:

- Each User may have an allocation (``capacity_rps`` with a burst), a token bucket in ``rate_bucket``.
- ``Settings.system_capacity_rps`` is the DCC System's capacity (the operating threshold) across all
  Users, a bucket of its own that every Service Request draws on. While it has tokens the system is
  within capacity and nobody is throttled; once it is exhausted, non-priority requests from Users whose
  own bucket is empty get 429. Without a system capacity (the default) the system is taken to be at its
  threshold all the time, so every allocation is enforced: a User can rehearse its 429 handling without
  first generating system-wide load.
- Which Service Requests are priority is part of the SR catalogue (``priority=`` in
  ``dccsim/catalogue/matrix.py``: 1.5 Update Meter Balance, 2.2 Top Up Device, 2.5 Activate Emergency
  Credit, 7.1 Enable Supply, 7.3 Arm Supply — the requests that restore or keep a consumer's supply).
  Neither source above lists the priority Service Requests; that list is the project's reading of the
  modification's intent and is pinned by a test so that a change to it is deliberate.

The bucket rows, the allocation (read from ``dcc_user`` in the same statement, so a change made with
``dccsim users set-capacity`` applies to the very next request in every worker) and the originator's
RequestID counter are all handled by one SQL statement: any number of workers sharing the database keep
each User within its allocation, and a throttled request does not consume its RequestID counter, so the
same signed request can be sent again after Retry-After.
"""
from __future__ import annotations

import math

import asyncpg

from dccsim.duis.outcomes import HTTP_400_REQUEST_ID, HTTP_429_TOO_MANY, DuisRejection

SYSTEM_BUCKET = "*system*"

# $1 originator, $2 counter, $3 managed (traffic management applies to this request), $4 system rps,
# $5 system burst, $6 advance the counter (False for a Signed Pre-Command, which reuses its RequestID).
# Take a token from a bucket refilled at its rps up to its burst; RETURNING a row only when one was there.
_TAKE = """
    INSERT INTO rate_bucket AS b (user_id, tokens, updated_at, rps, burst)
    SELECT {source}
    ON CONFLICT (user_id) DO UPDATE SET
        tokens = LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) - 1,
        updated_at = clock_timestamp(), rps = EXCLUDED.rps, burst = EXCLUDED.burst
    WHERE LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) >= 1
    RETURNING 1
"""

_ADMIT = """
WITH usr_cap AS (
    SELECT capacity_rps AS rps,
           COALESCE(capacity_burst::float8, GREATEST(1.0, ceil(capacity_rps))) AS burst
    FROM dcc_user WHERE entity_id = $1 AND capacity_rps IS NOT NULL AND $3
),
sys AS ({take_system}),
usr AS ({take_user}),
verdict AS (
    SELECT EXISTS (SELECT 1 FROM usr_cap) AND NOT EXISTS (SELECT 1 FROM usr)
           AND ($4::float8 IS NULL OR NOT EXISTS (SELECT 1 FROM sys)) AS throttled
),
ctr AS (
    INSERT INTO request_counter (originator, last_counter)
    SELECT $1, $2 FROM verdict WHERE NOT throttled AND $6
    ON CONFLICT (originator) DO UPDATE SET last_counter = EXCLUDED.last_counter, updated_at = now()
        WHERE request_counter.last_counter < EXCLUDED.last_counter
    RETURNING 1
)
SELECT v.throttled,
       EXISTS (SELECT 1 FROM ctr) AS advanced,
       (SELECT c.rps FROM usr_cap c) AS rps,
       (SELECT c.burst FROM usr_cap c) AS burst,
       (SELECT LEAST(c.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * c.rps)
        FROM rate_bucket b, usr_cap c WHERE b.user_id = $1) AS level,
       (SELECT last_counter FROM request_counter WHERE originator = $1) AS last_counter
FROM verdict v
""".format(take_system=_TAKE.format(source="$7, $5 - 1, clock_timestamp(), $4, $5 WHERE $4::float8 IS NOT NULL"),
           take_user=_TAKE.format(source="$1, burst - 1, clock_timestamp(), rps, burst FROM usr_cap"))


def burst_of(rps: float, burst: int | None) -> float:
    return float(burst) if burst else max(1.0, float(math.ceil(rps)))


async def admit(pool: asyncpg.Pool, *, originator: str, counter: int, managed: bool, system_rps: float | None,
                advance_counter: bool) -> None:
    """Apply traffic management (when ``managed``: the release has it and the request is not a priority
    one) and the RequestID counter rule to one request, in one round trip on ``pool``.

    Raises ``DuisRejection(HTTP_429_TOO_MANY)`` with a Retry-After when the originator is throttled
    (its counter is then left alone), ``DuisRejection(HTTP_400_REQUEST_ID)`` when the counter does not
    increase."""
    system_burst = burst_of(system_rps, None) if system_rps else None
    row = await pool.fetchrow(_ADMIT, originator, counter, managed, system_rps, system_burst, advance_counter,
                              SYSTEM_BUCKET)
    if row["throttled"]:
        rps, level = row["rps"], row["level"] or 0.0
        wait = max(1, math.ceil((1.0 - level) / rps)) if rps > 0 else 60
        raise DuisRejection(
            HTTP_429_TOO_MANY,
            f"User {originator} exceeds its capacity allocation of {rps:g} requests/s (burst {row['burst']:g})",
            headers={"Retry-After": str(wait)},
        )
    if advance_counter and not row["advanced"]:
        last = row["last_counter"]
        raise DuisRejection(HTTP_400_REQUEST_ID, f"RequestID counter {counter} is not greater than "
                                                   f"{int(last) if last is not None else last}, the last "
                                                   f"accepted from {originator}")


async def set_capacity(conn, user_id: str, rps: float | None, burst: int | None) -> bool:
    """Set (or with ``rps`` None clear) a user's allocation; it applies to the user's next request."""
    result = await conn.execute(
        "UPDATE dcc_user SET capacity_rps = $2, capacity_burst = $3 WHERE entity_id = $1", user_id, rps, burst)
    await conn.execute("DELETE FROM rate_bucket WHERE user_id = $1", user_id)
    return result.endswith(" 1")
