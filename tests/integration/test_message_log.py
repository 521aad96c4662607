"""Every DUIS message in and out is in the message log, by RequestID: admin API and ``dccsim log``."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from dccsim.duis import client
from dccsim.inventory import repository as repo
from dccsim.duis.ids import canonical_request_id
from tests.integration.device_flows import prepared, run_request
from tests.integration.harness import SUPPLIER, template, zaz1_signer
from tests.integration.receiver import Receiver


async def _log_of(running, request_id: str, until=lambda messages: bool(messages), timeout: float = 10.0) -> list:
    """The admin API's message log for ``request_id``, polled until ``until(messages)`` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with running.session.get(f"{running.admin_url}/admin/messages",
                                       params={"request_id": request_id}) as response:
            assert response.status == 200
            messages = (await response.json())["messages"]
        if until(messages) or asyncio.get_running_loop().time() > deadline:
            return messages
        await asyncio.sleep(0.05)


def _dccsim_log(running, request_id: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DCCSIM_DATABASE_URL": running.sim.settings.database_url}
    return subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(running.sim.settings.data_dir),
                           "log", request_id], env=env, capture_output=True, text=True, timeout=120)


async def test_message_log_by_request_id(running):
    root = client.prepare(template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))
    request_id = client.request_id_of(root)
    answer = await running.post("D", client.sign(root, zaz1_signer()))
    assert answer.status == 200
    log = await _log_of(running, request_id, lambda messages: len(messages) >= 2)
    kinds = [(m["direction"], m["kind"]) for m in log]
    assert kinds == [("in", "request"), ("out", "response")]
    assert log[1]["response_code"] == "I0"
    assert log[1]["body"].encode() == answer.body

    # The admin API is not on the DUIS port.
    async with running.session.get(f"{running.base_url}/admin/messages", params={"request_id": request_id}) as r:
        assert r.status in (404, 405)

    printed = _dccsim_log(running, request_id)
    assert printed.returncode == 0, printed.stderr
    assert "in  request" in printed.stdout and "out response HTTP 200 I0" in printed.stdout
    assert "<sr:ReadInventory>" in printed.stdout.replace(" ", "") or "ReadInventory" in printed.stdout


async def test_the_admin_api_stays_local_when_duis_and_smki_listen_everywhere(pg_base_url, tmp_path):
    from tests.conftest import create_fresh_database
    from tests.integration.harness import start_running_simulator

    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, host="0.0.0.0")
    try:
        duis, smki, admin = running.runners
        assert {address[0] for address in duis.addresses} == {address[0] for address in smki.addresses} == {"0.0.0.0"}
        assert {address[0] for address in admin.addresses} == {"127.0.0.1"}
    finally:
        await running.close()


def test_request_ids_are_compared_in_one_form():
    canonical = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000"
    for written in ("90B3D51F30010000:00DB1234567890A0:1000", "90-b3-d5-1f-30-01-00-00:00db1234567890a0:001000",
                    canonical):
        assert canonical_request_id(written) == canonical
    assert canonical_request_id("not a request id") == "not a request id"
    assert canonical_request_id(None) is None


async def test_an_undeliverable_response_is_in_the_log_with_its_attempts(running):
    refusing = await Receiver(status=403).start()
    await repo.set_endpoint(running.sim.db.pool, SUPPLIER, refusing.url)
    try:
        answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"))
        assert answer.code == "I99"
        undashed = request_id.replace("-", "")

        def complete(messages) -> bool:
            return any(m["kind"] == "delivery-attempt" for m in messages) and \
                any(m.get("delivery_status") == "undeliverable" for m in messages)

        log = await _log_of(running, undashed, complete)
        kinds = [(m["direction"], m["kind"]) for m in log]
        assert kinds[:2] == [("in", "request"), ("out", "response")]
        assert ("out", "gbcs-command") in kinds and ("in", "gbcs-response") in kinds
        outgoing = [m for m in log if "outbox_id" in m]
        assert [(m["kind"], m["delivery_status"]) for m in outgoing] == [("response", "undeliverable")]
        assert "<sr:ResponseCode>I0</sr:ResponseCode>" in outgoing[0]["body"]
        attempts = [m for m in log if m["kind"] == "delivery-attempt"]
        assert attempts and attempts[-1]["http_status"] == 403 and "HTTP 403" in attempts[-1]["body"]
        assert all(m["request_id"] == request_id for m in log)

        printed = _dccsim_log(running, undashed)
        assert printed.returncode == 0, printed.stderr
        assert "out delivery-attempt HTTP 403" in printed.stdout
        assert "undeliverable" in printed.stdout
    finally:
        await repo.set_endpoint(running.sim.db.pool, SUPPLIER, None)
        await refusing.stop()
