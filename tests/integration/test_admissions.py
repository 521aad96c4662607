"""Requests that ask for admission at the same moment are decided together, in one call of ``admit_requests``
on PostgreSQL, and each gets the verdict it would have had alone, in the order it asked; a request may have its
target device read in that round trip, and a device request does when the inventory cache lacks the device."""
from __future__ import annotations

import asyncio

import pytest

from dccsim.db.cache import INVENTORY
from dccsim.duis.outcomes import HTTP_400_REQUEST_ID, HTTP_429_TOO_MANY, DuisRejection
from dccsim.frontdoor.traffic import set_capacity
from dccsim.inventory import repository as repo
from tests.integration.device_flows import prepared, run_request
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


A0, UNKNOWN = "00DB1234567890A0", "0C3D4E03FFFFFFFF"
READ = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"


async def test_a_device_asked_for_is_read_with_its_group_s_verdicts(running):
    admissions, pool = running.sim.front_door.admissions, running.sim.db.pool
    reads = await asyncio.gather(
        admissions.admit(originator="90B3D51F3001BBB1", counter=1, managed=True, advance_counter=True, device=A0),
        admissions.admit(originator="90B3D51F3001BBB2", counter=1, managed=True, advance_counter=True),
        admissions.admit(originator="90B3D51F3001BBB3", counter=1, managed=True, advance_counter=True,
                         device=UNKNOWN))
    assert reads[0] == await repo.get_device_with_parties(pool, A0) and reads[0].device is not None
    assert reads[0].parties and reads[1] is None
    assert reads[2] == repo.DeviceRead(None, {}, None)
    with pytest.raises(DuisRejection) as refused:      # the counter rule still holds for a request that reads
        await admissions.admit(originator="90B3D51F3001BBB1", counter=1, managed=True, advance_counter=True, device=A0)
    assert refused.value.code == HTTP_400_REQUEST_ID


async def test_a_device_request_reads_a_device_the_cache_lacks_with_its_admission(running, monkeypatch):
    read_alone: list[str] = []
    alone = repo.get_device_with_parties

    async def counted(conn, device_id):
        read_alone.append(device_id)
        return await alone(conn, device_id)

    monkeypatch.setattr(repo, "get_device_with_parties", counted)
    inventory = running.sim.inventory
    running.sim.caches.changed(INVENTORY)          # as if the inventory had just changed
    assert not inventory.holds_device(A0)
    answer, _ = await run_request(running, prepared(READ))
    assert answer.code == "I99"
    assert A0 not in read_alone and inventory.holds_device(A0)
    assert inventory._parties.peek(A0) == await repo.parties(running.sim.db.pool, A0)
