"""The DCC's side of the HAN: device jobs sent, responses and alerts turned into DUIS messages.

A job is written in the transaction of the request (or schedule) that causes it. The process that wrote it
runs it as soon as that transaction commits (``add_job`` leases it for that process); any worker claims jobs
whose lease has run out — those of a process that died — and jobs the DCC held until their time. Jobs for
one device run in the order they were written. The job's outcome — the device's Response, or E20/E21 when
nothing comes back — goes into the outbox together with the device's new state, the inventory changes and
the DCC alerts the response causes, in one transaction.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import TYPE_CHECKING

import asyncpg

import gbcs
from devices.device import handle_command
from dccsim.han.alerts import Outgoing, route_device_alert
from dccsim.handlers.device_commands import dcc_keys
from dccsim.duis.responses import add, service_response
from dccsim.han.store import DccTransaction, save
from dccsim.inventory import repository as repo
from dccsim.han.processing import after_response

if TYPE_CHECKING:
    from dccsim.runtime.simulator import Simulator

log = logging.getLogger(__name__)

CHANNEL = "dccsim_device_jobs"
_DEFER = 0.02          # seconds before a job waiting for an older one for its device is tried again

_CLAIM = """
UPDATE device_job SET lease_until = now() + make_interval(secs => $1), attempts = attempts + 1
WHERE id IN (
    SELECT id FROM device_job WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < now())
    AND (not_before IS NULL OR not_before <= now())
    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING *
"""

_ADD = """
INSERT INTO device_job (request_id, user_id, device_id, hub_id, variant, kind, frame, schedule_id, extra,
                        not_before, lease_until)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
        COALESCE($10, CASE WHEN $11::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $11) END))
RETURNING *
"""


async def add_job(conn, *, request_id: str, user_id: str, device, variant: str, frame: bytes,
                  kind: str = "command", schedule_id: int | None = None, extra: dict | None = None,
                  not_before=None) -> int:
    """Write a device job (inside the caller's transaction); ``not_before`` holds it back until then.

    Where this process runs device jobs, the job is leased to it and started when the transaction commits;
    otherwise it is announced to the workers of other processes."""
    hub = device.device_id if device.device_type == "CHF" else device.chf_id
    hooks = getattr(conn, "hooks", None)
    runner = hooks.device_job if hooks is not None and not_before is None else None
    lease = hooks.device_job_lease if runner is not None else None
    job = await conn.fetchrow(_ADD, request_id, user_id, device.device_id, hub, variant, kind, frame, schedule_id,
                              json.dumps(extra or {}), not_before, lease)
    if runner is not None:
        conn.after_commit(lambda: runner(job))
    elif not_before is None:
        await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(job["id"]))
    return job["id"]


class DeviceJobWorker:
    def __init__(self, sim: "Simulator", *, lease: float = 60.0, batch: int = 32, poll: float = 0.5):
        self.sim = sim
        self.lease = lease
        self.batch = batch
        self.poll = poll
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._last_of_device: dict[str, asyncio.Task] = {}
        self._main: asyncio.Task | None = None
        self._stopping = False

    async def start(self, listener=None) -> None:
        if listener is not None:
            await listener.subscribe(CHANNEL, lambda _pid, _payload: self._wake.set())
        self.sim.db.hooks.device_job = self.run
        self.sim.db.hooks.device_job_lease = self.lease
        self._main = asyncio.create_task(self._run(), name="device-jobs")

    async def stop(self) -> None:
        self._stopping = True
        if self.sim.db.hooks.device_job == self.run:
            self.sim.db.hooks.device_job = None
        self._wake.set()
        if self._main is not None:
            await self._main
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def run(self, job) -> None:
        """Run a job this process holds the lease of, after the jobs for its device it already runs."""
        if self._stopping:
            return     # its lease runs out and another worker (or this one, restarted) takes it
        device = job["device_id"]
        previous = self._last_of_device.get(device)
        task = asyncio.create_task(self._process(job, previous))
        self._last_of_device[device] = task
        self._tasks.add(task)

        def finished(done: asyncio.Task) -> None:
            self._tasks.discard(done)
            if self._last_of_device.get(device) is done:
                del self._last_of_device[device]

        task.add_done_callback(finished)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            claimed = []
            if len(self._tasks) < self.batch * 4:
                try:
                    claimed = await self.sim.db.bookkeeping.fetch(_CLAIM, self.lease, self.batch)
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("device job claim failed: %s", exc)
            for job in claimed:
                self.run(job)
            if claimed:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll)
            except asyncio.TimeoutError:
                pass

    async def _process(self, job, previous: asyncio.Task | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            await process_job(self.sim, job, stopping=lambda: self._stopping)
        except Exception:  # noqa: BLE001 - the lease expires and the job runs again
            log.exception("device job %s failed", job["id"])


async def process_job(sim: "Simulator", job, *, stopping=lambda: False) -> None:
    """Send the job's frame, and commit the device's state change with the job's outcome (the Response or
    E20/E21, inventory changes, alerts) in one transaction; a job found done already does nothing."""
    extra = json.loads(job["extra"]) if isinstance(job["extra"], str) else (job["extra"] or {})
    timeout = sim.settings.device_timeout

    async def finish(conn, device, reply) -> list[Outgoing]:
        sim.message_log.add(request_id=job["request_id"], direction="out",
                            kind="gbcs-command" if job["kind"] == "command" else job["kind"],
                            body=bytes(job["frame"]).hex(), user_id=job["user_id"])
        if device is None:
            device = await repo.get_device(conn, job["device_id"])
        return await _outcome(sim, conn, job, device, reply, extra)

    if job["kind"] == "firmware-image":
        # Distribution visits the hub and the device in turn, each in its own transaction; a device that
        # receives an image twice only holds it again, so the outcome commits after them.
        reply = await _bounded(sim.han.distribute_image(job["device_id"], bytes(job["frame"]),
                                                        hub_id=job["hub_id"]), timeout)
        await _finish_alone(sim, job, finish, reply)
        return
    while True:
        transaction = DccTransaction(finish, job_id=job["id"])
        reply = await _bounded(sim.han.exchange(job["device_id"], bytes(job["frame"]), hub_id=job["hub_id"],
                                                handler=handle_command, within=transaction), timeout)
        if not transaction.deferred or stopping():
            break
        await asyncio.sleep(_DEFER)     # an older job for this device (in another process) goes first
    if transaction.done:
        if reply is not None and reply.response is not None:
            await _bounded(_refresh_gas_mirror(sim, job), timeout)
        return
    if transaction.skipped or transaction.deferred:
        return
    # Nothing came back (offline, lost, unreachable, too slow): the outcome on its own. A device transaction
    # still running past the timeout holds the job's row; whichever commits first wins.
    await _finish_alone(sim, job, finish, reply)


async def _finish_alone(sim: "Simulator", job, finish, reply) -> None:
    async with sim.db.pool.acquire() as conn:
        async with conn.transaction():
            done = await conn.fetchval(
                "UPDATE device_job SET status = 'done', done_at = now(), lease_until = NULL "
                "WHERE id = $1 AND status = 'pending' RETURNING id", job["id"])
            if done is not None:
                await save(conn, job["device_id"], None, await finish(conn, None, reply))


async def _refresh_gas_mirror(sim: "Simulator", job) -> None:
    """A GSME that answered was awake: its GPF's copy of the GSME data is brought up to date."""
    device = await repo.get_device(sim.db.pool, job["device_id"])
    if device is not None and device.device_type == "GSME" and device.gpf_id:
        await sim.han.push_gas_mirror(device.device_id, device.gpf_id, hub_id=job["hub_id"])


async def _bounded(call, timeout: float):
    try:
        return await asyncio.wait_for(call, timeout)
    except asyncio.TimeoutError:
        return None


def _request_parts(request_id: str) -> tuple[str, str, int]:
    originator, target, counter = request_id.split(":")
    return originator, target, int(counter)


async def _outcome(sim: "Simulator", conn, job, device, reply, extra: dict) -> list[Outgoing]:
    from dccsim.catalogue import CATALOGUE

    spec = CATALOGUE.get(job["variant"])
    reference, variant = spec.reference, spec.variant
    originator, target, counter = _request_parts(job["request_id"])
    response_id = f"{target}:{originator}:{counter}"
    messages: list[Outgoing] = []
    if reply is None or (reply.response is None and job["kind"] == "command"):
        hub_down = job["hub_id"] and job["hub_id"] != job["device_id"] and \
            (await sim.faults.faults(job["hub_id"])).offline
        code = "E20" if hub_down else "E21"
        if reply is not None and reply.refused:
            sim.message_log.add(request_id=job["request_id"], direction="in", kind="gbcs-refused",
                                body=reply.refused, user_id=job["user_id"])
        document = service_response(schema_version="5.4", code=code, service_reference=reference,
                                    service_reference_variant=variant, request_id=job["request_id"])
        messages.append(Outgoing(job["user_id"], "response", sim.signer.sign_to_bytes(document),
                                 job["request_id"], None))
        for alert in reply.alerts if reply is not None else ():
            messages.extend(await route_device_alert(sim, conn, device, alert, job["request_id"]))
        return messages
    if reply.response is not None:
        sim.message_log.add(request_id=job["request_id"], direction="in", kind="gbcs-response",
                            body=reply.response.hex(), user_id=job["user_id"])
        decoded = gbcs.decode(reply.response, dcc_keys(sim))
        fill_payload = base64.b64encode(reply.response).decode()
        schedule_id = job["schedule_id"]

        def fill(message):
            if schedule_id is not None:
                scheduled = add(message, "DSPScheduledMessage")
                add(scheduled, "GBCSPayload", fill_payload)
                add(scheduled, "DSPScheduleID", schedule_id)
            else:
                add(message, "GBCSPayload", fill_payload)

        document = service_response(schema_version="5.4", code="I0", service_reference=reference,
                                    service_reference_variant=variant, request_id=job["request_id"],
                                    response_id=response_id, fill=fill)
        messages.append(Outgoing(job["user_id"], "response", sim.signer.sign_to_bytes(document),
                                 job["request_id"], response_id))
        messages.extend(await after_response(sim, conn, job, device, decoded))
    for alert in reply.alerts:
        messages.extend(await route_device_alert(sim, conn, device, alert, job["request_id"]))
    return messages
