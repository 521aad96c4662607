"""The console's server side over real HTTP: reachable on the admin port only, an event stream that resumes from
the browser's last event id, and one stream that carries every worker's traffic (read from PostgreSQL)."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from dccsim.duis import client
from dccsim.duis.outcomes import I0
from dccsim.runtime.settings import Settings
from tests.conftest import create_fresh_database
from tests.integration.harness import free_port, prepare_with_keys, start_running_simulator, template, zaz1_signer
from tests.integration.serve_process import ready, start_serve, stop

INVENTORY_TEMPLATE = "8.2_READ_INVENTORY_REQUEST_DUIS.XML"


async def _events(response: aiohttp.ClientResponse, until, timeout: float = 20.0) -> list[dict]:
    """Read a Server-Sent Events stream until ``until(events)`` holds (bounded in real time)."""
    events: list[dict] = []

    async def read() -> None:
        kind = None
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "message":
                events.append(json.loads(line[6:]))
                if until(events):
                    return
    await asyncio.wait_for(read(), timeout)
    return events


async def test_the_console_is_not_served_on_the_duis_port(running):
    for path in ("/console/", "/console/events", "/console/api/estate", "/console/static/console.js"):
        async with running.session.get(f"{running.base_url}{path}") as response:
            assert response.status in (404, 405), path
    async with running.session.get(f"{running.admin_url}/console/") as response:
        assert response.status == 200 and "training console" in await response.text()
    async with running.session.get(f"{running.admin_url}/console/static/console.js") as response:
        assert response.status == 200


async def test_a_pasted_request_is_signed_as_the_chosen_user_and_answered(running):
    pasted = template(INVENTORY_TEMPLATE).decode()
    async with running.session.post(f"{running.admin_url}/console/api/send",
                                    json={"user": "90-B3-D5-1F-30-03-00-00", "xml": pasted}) as response:
        answer = await response.json()
    assert answer["code"] == I0 and not answer["transformed"]
    assert answer["request_id"].startswith("90-B3-D5-1F-30-03-00-00:"), "the RequestID is the chosen user's"
    async with running.session.get(f"{running.admin_url}/console/api/messages/log/0") as response:
        assert response.status == 404
    async with running.session.post(f"{running.admin_url}/console/api/send", json={"user": "x", "xml": "<a/>"}) as r:
        assert r.status == 400 and "error" in await r.json()


async def test_the_stream_resumes_after_the_last_event_id(running):
    answer = await running.send_template(INVENTORY_TEMPLATE)
    assert answer.code == I0
    request_id = client.request_id_of(answer.root)
    async with running.session.get(f"{running.admin_url}/console/events", params={"after": "L0.O0"}) as response:
        seen = await _events(response, lambda events: any(e["request_id"] == request_id and e["kind"] == "response"
                                                          for e in events))
    last = max(e["row"] for e in seen if e["source"] == "log")
    later = await running.send_template(INVENTORY_TEMPLATE)
    later_id = client.request_id_of(later.root)
    async with running.session.get(f"{running.admin_url}/console/events",
                                    headers={"Last-Event-ID": f"L{last}.O0"}) as response:
        resumed = await _events(response, lambda events: any(e["request_id"] == later_id for e in events))
    assert all(e["row"] > last for e in resumed if e["source"] == "log"), "nothing seen before comes again"
    assert {e["kind"] for e in resumed if e["request_id"] == later_id} >= {"request"}


async def test_an_open_stream_does_not_hold_up_the_servers_stop(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path)
    try:
        stream = await running.session.get(f"{running.admin_url}/console/events")
        assert stream.status == 200
        started = asyncio.get_running_loop().time()
        for runner in running.runners:          # the servers stop while the browser still listens
            await runner.cleanup()
        running.runners.clear()
        assert asyncio.get_running_loop().time() - started < 5
    finally:
        await running.close()


@pytest.mark.slow
async def test_one_stream_carries_the_messages_of_every_worker(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    await prepare_with_keys(Settings(data_dir=tmp_path, database_url=url))
    server = start_serve(tmp_path, url, port, admin, "--workers", "2", "--clock", "simulated")
    try:
        await ready(admin)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            stream = await session.get(f"http://127.0.0.1:{admin}/console/events", params={"after": "L0.O0"})
            by_worker: dict[str, str] = {}
            for _ in range(200):            # each new connection goes to either worker's socket
                root = client.prepare(template(INVENTORY_TEMPLATE))
                async with session.post(f"http://127.0.0.1:{port}/api/v1/serviceD",
                                        data=client.sign(root, zaz1_signer())) as response:
                    assert response.status == 200
                    by_worker.setdefault(response.headers["X-Dccsim-Worker"], client.request_id_of(root))
                if len(by_worker) == 2:
                    break
            assert len(by_worker) == 2, "both workers answered a request"
            wanted = set(by_worker.values())
            events = await _events(stream, lambda seen: wanted <= {e["request_id"] for e in seen
                                                                   if e["kind"] == "response"})
            stream.close()
        assert wanted <= {e["request_id"] for e in events}
    finally:
        stop(server)
