"""Slow tier: an estate of 20,000 generated premises (about 94,000 devices) written as YAML, loaded in one
streaming pass and served; the device workload over hundreds of its meters, each met for the first time, is
answered without an error and without storing a single device credential."""
from __future__ import annotations

import asyncio
import random

import aiohttp
import pytest

from dccsim.db import open_database
from dccsim.estate import estate_identities, load_estate_file
from dccsim.estate.generate import EstateSpec, write_estate_yaml
from dccsim.inventory import repository as repo
from dccsim.runtime.server import start_sites
from dccsim.runtime.settings import Settings
from dccsim.runtime.simulator import start_simulator
from dccsim.smki import repository as smki_repo
from tests.conftest import create_fresh_database
from tests.integration.device_flows import prepared, run_request, wait_for_response
from tests.integration.harness import RunningSimulator, free_port, prepare_with_keys
from tests.integration.receiver import Receiver

pytestmark = pytest.mark.slow

SPEC = EstateSpec(premises=20_000, seed=15, smets1_share=0.05)
REQUESTS = 240

_METERS = """
SELECT d.device_id, p.entity_id FROM device d
JOIN device_party p ON p.device_id = d.device_id AND p.role = 'IS'
JOIN device h ON h.device_id = d.chf_id AND h.status = 'Commissioned'
WHERE d.device_type = 'ESME' AND d.status = 'Commissioned' AND d.smets_generation = 'SMETS2'
  AND d.device_id NOT LIKE '00DB%'
"""


async def _load(settings: Settings, path) -> list[tuple[str, str]]:
    db = await open_database(settings, min_size=1, max_size=2)
    try:
        async with db.pool.acquire() as conn:
            loaded = await load_estate_file(conn, path)
            await smki_repo.bootstrap(conn, estate_identities(await repo.list_users(conn)))
            assert loaded.devices == await conn.fetchval("SELECT count(*) FROM device WHERE device_id NOT LIKE '00DB%'")
            return [(r["device_id"], r["entity_id"]) for r in await conn.fetch(_METERS)]
    finally:
        await db.close()


async def test_the_device_workload_over_a_generated_estate_of_20000_premises(pg_base_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=await create_fresh_database(pg_base_url), port=free_port(),
                        admin_port=free_port(), smki_port=free_port(), device_timeout=10.0)
    await prepare_with_keys(settings)
    path = tmp_path / "estate.yaml"
    with open(path, "w") as out:
        write_estate_yaml(out, SPEC)
    meters = await _load(settings, path)
    assert len(meters) > 15_000
    sim = await start_simulator(settings)
    runners = await start_sites(sim)
    running = RunningSimulator(sim, f"http://{settings.host}:{settings.port}", aiohttp.ClientSession(), runners)
    receivers = {supplier: await Receiver().start() for supplier in {entity for _, entity in meters}}
    try:
        for supplier, receiver in receivers.items():
            await repo.set_endpoint(sim.db.pool, supplier, receiver.url)
        chosen = random.Random(1).sample(meters, REQUESTS)

        async def client(share: list[tuple[str, str]]) -> list[str]:
            codes = []
            for meter, supplier in share:
                receiver = receivers[supplier]
                root = prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", target=meter, originator=supplier)
                answer, request_id = await run_request(running, root)
                assert answer.code == "I99", (meter, answer.body)
                response = await wait_for_response(receiver, request_id, timeout=60)
                codes.append(response.findtext(".//{*}ResponseCode"))
            return codes

        # RequestID counters increase per originator: a client per supplier, its requests one after another.
        by_supplier: dict[str, list] = {}
        for pair in chosen:
            by_supplier.setdefault(pair[1], []).append(pair)
        assert len(by_supplier) >= 6
        codes = [code for found in await asyncio.gather(*(client(s) for s in by_supplier.values())) for code in found]
        assert codes == ["I0"] * len(codes)
        stored = await sim.db.pool.fetchval("SELECT count(*) FROM smki_credential WHERE entity_id = ANY($1::text[])",
                                            [m for m, _ in chosen])
        assert stored == 0
    finally:
        for receiver in receivers.values():
            await receiver.stop()
        await running.close()
