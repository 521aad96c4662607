"""Every DUIS message in and out is in the message log, by RequestID: admin API and ``dccsim log``."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from dccsim.duis import client
from tests.integration.harness import template, zaz1_signer


async def test_message_log_by_request_id(running):
    root = client.prepare(template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))
    request_id = client.request_id_of(root)
    answer = await running.post("D", client.sign(root, zaz1_signer()))
    assert answer.status == 200
    await asyncio.sleep(0.1)
    async with running.session.get(f"{running.admin_url}/admin/messages",
                                   params={"request_id": request_id}) as response:
        assert response.status == 200
        log = await response.json()
    kinds = [(m["direction"], m["kind"]) for m in log["messages"]]
    assert kinds == [("in", "request"), ("out", "response")]
    assert log["messages"][1]["response_code"] == "I0"
    assert log["messages"][1]["body"].encode() == answer.body

    # The admin API is not on the DUIS port.
    async with running.session.get(f"{running.base_url}/admin/messages", params={"request_id": request_id}) as r:
        assert r.status in (404, 405)

    env = {**os.environ, "DCCSIM_DATABASE_URL": running.sim.settings.database_url}
    printed = subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(running.sim.settings.data_dir),
                              "log", request_id], env=env, capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0, printed.stderr
    assert "in  request" in printed.stdout and "out response HTTP 200 I0" in printed.stdout
    assert "<sr:ReadInventory>" in printed.stdout.replace(" ", "") or "ReadInventory" in printed.stdout
