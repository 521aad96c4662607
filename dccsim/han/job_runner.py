"""Device jobs run: the job's frame sent over the HAN, and the device's new state committed together with
the job's outcome — the device's Response (or E20 / E21 when nothing comes back), the inventory changes and
DCC alerts it causes, and the device's alerts — in one transaction.

Jobs for one device run in the order they were written. A job that fails for a reason outside the
simulator (the database, the network) is tried again when its lease runs out; one that fails on an error of
the simulator's own is marked failed, logged with its trace, and recorded in the message log, so that a bug
is never mistaken for a device's or a network's verdict.
"""
from __future__ import annotations

import asyncio
import base64
import logging
from typing import Callable

import asyncpg

import gbcs
from devices import DeviceReply, handle_command
from dccsim.catalogue import CATALOGUE
from dccsim.db.notify import Listener
from dccsim.duis.outcomes import E20, E21, I0
from dccsim.han import response_rules
from dccsim.han.alerts import route_device_alert
from dccsim.han.context import HanContext
from dccsim.han.documents import Outgoing, job_response
from dccsim.han.job_queue import CHANNEL, Job, JobKind
from dccsim.han.processing import Answered, after_response
from dccsim.han.store import DccTransaction, StateConflict, save
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceType
from dccsim.s1sp.runner import run_s1sp_job

log = logging.getLogger(__name__)

_DEFER = 0.02          # seconds before a job waiting for an older one for its device is tried again
# Failures outside the simulator: the job is tried again once its lease runs out.
TRANSIENT = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, StateConflict)


class DeviceJobWorker:
    """Runs the jobs this process writes at once, and claims the others' when they are due or orphaned."""

    def __init__(self, han: HanContext, *, batch: int = 32, poll: float = 0.5):
        self.han = han
        self.batch = batch
        self.poll = poll
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._last_of_device: dict[str, asyncio.Task] = {}
        self._main: asyncio.Task | None = None
        self._stopping = False

    async def start(self, listener: Listener) -> None:
        await listener.subscribe(CHANNEL, lambda _pid, _payload: self._wake.set())
        listener.on_restored(self.wake)      # jobs announced while notifications were lost
        self.han.jobs.run_here(self.run)
        self._main = asyncio.create_task(self._run(), name="device-jobs")

    def wake(self) -> None:
        """Look for due jobs now (the clock moved)."""
        self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        self.han.jobs.run_here(None)
        self._wake.set()
        if self._main is not None:
            await self._main
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until the jobs this worker has started are finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def run(self, job: Job) -> None:
        """Run a job this process holds the lease of, after the jobs for its device it already runs."""
        if self._stopping:
            return     # its lease runs out and another worker (or this one, restarted) takes it
        device = job.device_id
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
            claimed: list[Job] = []
            if len(self._tasks) < self.batch * 4:
                try:
                    claimed = await self.han.jobs.claim(self.han.db.bookkeeping, self.batch)
                except TRANSIENT as exc:
                    log.warning("device job claim failed: %s", exc)
            for job in claimed:
                self.run(job)
            if claimed:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll)
            except asyncio.TimeoutError:
                pass

    async def _process(self, job: Job, previous: asyncio.Task | None) -> None:
        if previous is not None and not previous.done():      # done, with its done callback still to run
            await asyncio.wait([previous])
        try:
            await process_job(self.han, job, stopping=lambda: self._stopping)
        except TRANSIENT as exc:
            log.warning("device job %s stopped (%s); it runs again when its lease runs out", job.id, exc)
        except Exception as exc:  # noqa: BLE001 - the simulator's own error: recorded, never retried blindly
            log.exception("device job %s failed on an error of the simulator", job.id)
            await self._failed(job, exc)

    async def _failed(self, job: Job, error: Exception) -> None:
        self.han.message_log.add(request_id=job.request_id, direction="out", kind="dcc-internal-error",
                                 body=f"the DCC could not process device job {job.id}: {type(error).__name__}: "
                                      f"{error}", user_id=job.user_id)
        try:
            async with self.han.db.pool.acquire() as conn:
                await self.han.jobs.fail(conn, job)
        except TRANSIENT as exc:
            log.warning("could not mark device job %s failed: %s", job.id, exc)


async def process_job(han: HanContext, job: Job, *, stopping: Callable[[], bool] = lambda: False) -> None:
    """Send the job's frame, and commit the device's state change with the job's outcome (the Response or
    E20/E21, inventory changes, alerts) in one transaction; a job found done already does nothing."""
    timeout = han.device_timeout

    async def finish(conn, device: Device | None, reply: DeviceReply | None) -> list[Outgoing]:
        _log_on_commit(han, conn, job, direction="out",
                       kind="gbcs-command" if job.kind is JobKind.COMMAND else job.kind.value, body=job.frame.hex())
        if device is None:
            device = await repo.get_device(conn, job.device_id)
        return await _outcome(han, conn, job, device, reply)

    if job.kind is JobKind.S1SP_INSTRUCTION:
        await run_s1sp_job(han, job)       # a SMETS1 device, through the S1SP: no GBCS, no HAN bus
        return
    if job.kind is JobKind.FIRMWARE_IMAGE:
        # Distribution visits the hub and the device in turn, each in its own transaction; a device that
        # receives an image twice only holds it again, so the outcome commits after them.
        reply = await _bounded(han.bus.distribute_image(job.device_id, job.frame, hub_id=job.hub_id), timeout)
        await _finish_alone(han, job, finish, reply)
        return
    start = job.start          # the state read with the job: good for the first attempt only
    while True:
        transaction = DccTransaction(finish, now=han.clock.now(), delivers_here=han.delivers_here, job_id=job.id,
                                     start=start, local_delivery=han.local_delivery)
        start = None
        reply = await _bounded(han.bus.exchange(job.device_id, job.frame, hub_id=job.hub_id, handler=handle_command,
                                                within=transaction), timeout)
        if not transaction.deferred or stopping():
            break
        await asyncio.sleep(_DEFER)     # an older job for this device (in another process) goes first
    if transaction.done:
        if reply is not None and reply.response is not None:
            await _bounded(_refresh_gas_mirror(han, job), timeout)
        return
    if transaction.skipped or transaction.deferred:
        return
    # Nothing came back (offline, lost, unreachable, too slow): the outcome on its own. A device transaction
    # still running past the timeout holds the job's row; whichever commits first wins.
    await _finish_alone(han, job, finish, reply)


async def _finish_alone(han: HanContext, job: Job, finish, reply: DeviceReply | None) -> None:
    async with han.db.pool.acquire() as conn:
        async with conn.transaction():
            if await han.jobs.close(conn, job):
                await save(conn, job.device_id, None, await finish(conn, None, reply),
                           delivers_here=han.delivers_here)


async def _refresh_gas_mirror(han: HanContext, job: Job) -> None:
    """A GSME that answered was awake: its GPF's copy of the GSME data is brought up to date."""
    device = await han.inventory.device(job.device_id)
    if device is not None and device.device_type == DeviceType.GSME and device.gpf_id:
        await han.bus.push_gas_mirror(device.device_id, device.gpf_id, hub_id=job.hub_id)


async def _bounded(call, timeout: float):
    """What ``call`` returns, or None once ``timeout`` seconds have passed (it is then cancelled). Awaited in
    the caller's own task: no task of its own, as ``asyncio.wait_for`` would make."""
    try:
        async with asyncio.timeout(timeout):
            return await call
    except TimeoutError:
        return None


async def _outcome(han: HanContext, conn, job: Job, device: Device | None,
                   reply: DeviceReply | None) -> list[Outgoing]:
    spec = CATALOGUE.get(job.variant)
    messages: list[Outgoing] = []
    moment = han.clock.now()
    if reply is None or (reply.response is None and job.kind is JobKind.COMMAND):
        hub_down = bool(job.hub_id and job.hub_id != job.device_id and (await han.faults.faults(job.hub_id)).offline)
        if reply is not None and reply.refused:
            _log_on_commit(han, conn, job, direction="in", kind="gbcs-refused", body=reply.refused)
        messages.append(job_response(han.signer, user_id=job.user_id, request_id=job.request_id,
                                     reference=spec.reference, variant=spec.variant, code=E20 if hub_down else E21,
                                     moment=moment))
    elif reply.response is not None:
        _log_on_commit(han, conn, job, direction="in", kind="gbcs-response", body=reply.response.hex())
        messages.append(job_response(han.signer, user_id=job.user_id, request_id=job.request_id,
                                     reference=spec.reference, variant=spec.variant, code=I0, moment=moment,
                                     gbcs_payload=base64.b64encode(reply.response).decode(),
                                     schedule_id=job.schedule_id))
        if response_rules.processed(spec.variant, spec.gbcs_use_cases):
            decoded = gbcs.decode(reply.response, han.keys.store())
            answered = Answered(job.variant, job.user_id, job.request_id, job.frame)
            messages.extend(await after_response(han, conn, answered, device, decoded))
    for alert in reply.alerts if reply is not None else ():
        messages.extend(await route_device_alert(han, conn, device, alert, job.request_id))
    return messages


def _log_on_commit(han: HanContext, conn, job: Job, *, direction: str, kind: str, body: str) -> None:
    """Log what passed on the HAN once the outcome it belongs to commits: a device that worked on a state that
    changed meanwhile works again, and only the exchange that counted is logged."""
    conn.after_commit(lambda: han.message_log.add(request_id=job.request_id, direction=direction, kind=kind,
                                                  body=body, user_id=job.user_id))
