"""Device jobs run in the order they were accepted for each device: a device refuses a GBCS counter lower
than one it has already seen, so a later job overtaking an earlier one would turn the earlier into E21."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from lxml import etree

from devices import DeviceReply
from dccsim.delivery.message_log import messages_for
from dccsim.han.job_queue import Job, StartingState
from dccsim.han.job_runner import process_job
from dccsim.han.store import DccTransaction
from dccsim.duis.ids import canonical_request_id
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.integration.device_flows import prepared, run_request, wait_for_response
from tests.integration.harness import SUPPLIER, start_running_simulator
from tests.integration.receiver import Receiver

A0 = "00DB1234567890A0"
READ = "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"


async def test_jobs_for_one_device_accepted_together_all_succeed(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path)
    receiver = await Receiver().start()
    try:
        await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
        async with running.session.post(f"{running.admin_url}/admin/devices/{A0}/faults",
                                        json={"latency_ms": 300}) as response:
            assert response.status == 200
        request_ids = []
        for _ in range(4):      # accepted one after another while the first is still on its way
            answer, request_id = await run_request(running, prepared(READ))
            assert answer.code == "I99"
            request_ids.append(request_id)
        codes = [(await wait_for_response(receiver, rid)).findtext(f".//{sr('ResponseCode')}") for rid in request_ids]
        assert codes == ["I0"] * 4
    finally:
        await receiver.stop()
        await running.close()


async def test_a_device_slower_than_the_dccs_wait_gets_e21_and_its_next_read_runs(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, device_timeout=0.5)
    receiver = await Receiver().start()
    faults = f"{running.admin_url}/admin/devices/{A0}/faults"
    try:
        await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
        async with running.session.post(faults, json={"latency_ms": 1500}) as response:
            assert response.status == 200
        answer, slow = await run_request(running, prepared(READ))
        assert answer.code == "I99"
        assert (await wait_for_response(receiver, slow)).findtext(f".//{sr('ResponseCode')}") == "E21"
        async with running.session.post(faults, json={"latency_ms": 0}) as response:
            assert response.status == 200
        for _ in range(200):           # the fault cache hears of the change (real time, not the simulator's)
            if not (await running.sim.han.faults.faults(A0)).latency_ms:
                break
            await asyncio.sleep(0.01)
        answer, quick = await run_request(running, prepared(READ))
        assert (await wait_for_response(receiver, quick)).findtext(f".//{sr('ResponseCode')}") == "I0"
    finally:
        await receiver.stop()
        await running.close()


async def test_a_later_job_waits_for_an_earlier_one_held_elsewhere(pg_base_url, tmp_path):
    # No workers here: the jobs stay pending, as if accepted by another process that has not run them yet.
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, deliver=False)
    pool = running.sim.db.pool
    try:
        request_ids = []
        for _ in range(2):
            answer, request_id = await run_request(running, prepared(READ))
            assert answer.code == "I99"
            request_ids.append(request_id)
        earlier, later = await pool.fetch("SELECT * FROM device_job WHERE status = 'pending' ORDER BY id")
        waiting = asyncio.create_task(process_job(running.sim.han, Job.from_row(later)))
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the later job runs only after the earlier one"
        assert await pool.fetchval("SELECT status FROM device_job WHERE id = $1", later["id"]) == "pending"
        await process_job(running.sim.han, Job.from_row(earlier))
        await asyncio.wait_for(waiting, 10)
        bodies = await pool.fetch("SELECT request_id, body FROM outbox ORDER BY id")
        codes = {r["request_id"]: etree.fromstring(r["body"].encode()).findtext(f".//{sr('ResponseCode')}")
                 for r in bodies}
        assert codes == {request_ids[0]: "I0", request_ids[1]: "I0"}
    finally:
        await running.close()


async def test_a_job_the_simulator_cannot_process_is_failed_and_logged_not_retried(pg_base_url, tmp_path):
    """A job the DCC cannot turn into an outcome (here: a variant the catalogue does not know, as a damaged row
    would have) is the simulator's own error: marked failed and recorded, never answered as a device's or a
    network's verdict (no E20/E21), never tried again."""
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            clock=ClockMode.SIMULATED)
    pool = running.sim.db.pool
    try:
        root = prepared(READ)
        when = etree.SubElement(root.find(sr("Body")).find(sr("ReadInstantaneousImportRegisters")),
                                sr("ExecutionDateTime"))
        when.text = (running.sim.clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        answer, request_id = await run_request(running, root)
        assert answer.code == "I99"
        job_id = await pool.fetchval("UPDATE device_job SET variant = '99.9' WHERE status = 'pending' RETURNING id")
        await running.advance(2 * 3600)
        assert await pool.fetchval("SELECT status FROM device_job WHERE id = $1", job_id) == "failed"
        await running.sim.message_log.flush()
        kinds = [m["kind"] for m in await messages_for(pool, request_id)]
        assert "dcc-internal-error" in kinds
        assert not await pool.fetchval("SELECT count(*) FROM outbox WHERE request_id = $1", request_id)
    finally:
        await running.close()


async def test_a_device_s_work_over_a_state_changed_meanwhile_is_done_again_on_the_new_one(pg_base_url, tmp_path):
    """Compare and set: another host saving the device's state between this job's read and its save makes the
    save write nothing; the device works again on the state as saved, and only that outcome commits."""
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, deliver=False)
    pool = running.sim.db.pool
    try:
        store = running.sim.han.bus.store
        await store.with_device(A0, lambda identity, state: DeviceReply())       # the meter's first state
        worked, finished = [], []

        def work(identity, state):
            worked.append(identity.device_id)
            return DeviceReply()

        async def finish(conn, device, reply):
            finished.append(reply)
            if len(finished) == 1:       # another host saves the meter's state now
                await pool.execute("UPDATE device_state SET version = version + 1 WHERE device_id = $1", A0)
            return []

        before = await pool.fetchval("SELECT version FROM device_state WHERE device_id = $1", A0)
        transaction = DccTransaction(finish, now=running.sim.clock.now(), delivers_here=False)
        assert await store.with_device(A0, work, within=transaction) == DeviceReply()
        assert transaction.done and len(worked) == 2 and len(finished) == 2
        assert await pool.fetchval("SELECT version FROM device_state WHERE device_id = $1", A0) == before + 2
    finally:
        await running.close()


async def test_a_job_written_while_an_older_one_was_pending_runs_once_that_one_is_done(pg_base_url, tmp_path):
    """The state read with a job says whether an older job for its device was still to run then; by the time the
    job runs that one may be done, so the job reads again rather than wait for it."""
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, deliver=False)
    pool = running.sim.db.pool
    try:
        for _ in range(2):
            answer, _ = await run_request(running, prepared(READ))
            assert answer.code == "I99"
        earlier, later = await pool.fetch("SELECT * FROM device_job WHERE status = 'pending' ORDER BY id")
        read_then = StartingState(state=None, version=None, older=True, hub_id=later["hub_id"], hub_log=None,
                                  hub_contacted=False)
        await process_job(running.sim.han, Job.from_row(earlier))
        await asyncio.wait_for(process_job(running.sim.han, replace(Job.from_row(later), start=read_then)), 10)
        assert await pool.fetchval("SELECT status FROM device_job WHERE id = $1", later["id"]) == "done"
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 2
    finally:
        await running.close()


async def test_a_job_is_refused_for_its_hub_s_log_only_as_the_log_is_when_it_runs(pg_base_url, tmp_path):
    """The hub's device log read with a job may be older than the log when the job runs (an 8.11 that added the
    device committed in between): a device off that older log is looked up again before it is refused."""
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, deliver=False)
    pool = running.sim.db.pool
    try:
        answer, request_id = await run_request(running, prepared(READ))
        assert answer.code == "I99"
        job = Job.from_row(await pool.fetchrow("SELECT * FROM device_job WHERE status = 'pending'"))
        assert job.hub_id and job.hub_id != job.device_id
        read_then = StartingState(state=None, version=None, older=False, hub_id=job.hub_id, hub_log=[],
                                  hub_contacted=True)       # a log that did not list the meter yet
        await asyncio.wait_for(process_job(running.sim.han, replace(job, start=read_then)), 10)
        body = await pool.fetchval("SELECT body FROM outbox WHERE request_id = $1", canonical_request_id(request_id))
        assert etree.fromstring(body.encode()).findtext(f".//{sr('ResponseCode')}") == "I0"
    finally:
        await running.close()
