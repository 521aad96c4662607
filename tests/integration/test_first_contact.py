"""A device never used has no state row to lock: two transactions meeting it at once (two hosts, or two workers)
take turns, and the later one works on the state the first saved rather than overwriting it."""
from __future__ import annotations

import asyncio

from dccsim.han.store import PgStateStore
from tests.integration.harness import start_running_simulator

HCALCS = "00DB1234567890A5"


async def test_two_first_contacts_at_once_both_count(fresh_database_url, tmp_path):
    running = await start_running_simulator(fresh_database_url, tmp_path, deliver=False)
    sim = running.sim
    try:
        pool = sim.db.pool
        assert await pool.fetchval("SELECT count(*) FROM device_state WHERE device_id = $1", HCALCS) == 0
        hosts = [PgStateStore(pool, sim.inventory, sim.han.identities, sim.clock.now) for _ in range(2)]

        def visit(_identity, state):
            state.counters["visits"] = state.counters.get("visits", 0) + 1

        await asyncio.gather(*(store.with_device(HCALCS, visit) for store in hosts))
        state = await pool.fetchval("SELECT state::jsonb->'counters'->>'visits' FROM device_state WHERE device_id = $1",
                                    HCALCS)
        assert state == "2", "one first contact overwrote the other's work"
    finally:
        await running.close()
