"""Requests that ask for admission at the same moment are decided together, in one call of ``admit_requests``
on PostgreSQL, and each gets the verdict it would have had alone, in the order it asked."""
from __future__ import annotations

import asyncio

from dccsim.duis.outcomes import HTTP_400_REQUEST_ID, HTTP_429_TOO_MANY, DuisRejection
from dccsim.frontdoor.traffic import set_capacity
from tests.integration.harness import SUPPLIER


async def _together(admissions, asks: list[tuple[str, int]]) -> list[str | None]:
    """Ask for every (originator, counter) in one turn of the event loop; the outcome code of each (None:
    admitted)."""
    results = await asyncio.gather(*(admissions.admit(originator=originator, counter=counter, managed=True,
                                                      advance_counter=True) for originator, counter in asks),
                                   return_exceptions=True)
    for result in results:
        if result is not None and not isinstance(result, DuisRejection):
            raise result
    return [None if result is None else result.code for result in results]


async def _last_counter(running, originator: str) -> int | None:
    value = await running.sim.db.pool.fetchval(
        "SELECT last_counter FROM request_counter WHERE originator = $1", originator)
    return None if value is None else int(value)


async def test_counters_asked_together_are_judged_in_the_order_they_asked(running):
    first, second = "90B3D51F3001AAA1", "90B3D51F3001AAA2"
    verdicts = await _together(running.sim.front_door.admissions,
                               [(first, 5), (second, 3), (first, 4), (first, 6), (second, 3)])
    assert verdicts == [None, None, HTTP_400_REQUEST_ID, None, HTTP_400_REQUEST_ID]
    assert await _last_counter(running, first) == 6 and await _last_counter(running, second) == 3


async def test_a_request_throttled_within_its_group_leaves_its_counter_for_later(running):
    admissions = running.sim.front_door.admissions
    async with running.sim.db.pool.acquire() as conn:
        await set_capacity(conn, SUPPLIER, 0.001, 1)       # one request, then a very long wait
    try:
        assert await _together(admissions, [(SUPPLIER, 900_001), (SUPPLIER, 900_002)]) == [None, HTTP_429_TOO_MANY]
        assert await _last_counter(running, SUPPLIER) == 900_001
    finally:
        async with running.sim.db.pool.acquire() as conn:
            await set_capacity(conn, SUPPLIER, None, None)
    assert await _together(admissions, [(SUPPLIER, 900_002)]) == [None]      # the throttled counter is unused
