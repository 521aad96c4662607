"""The DCC's side of the HAN: device jobs sent, responses and alerts turned into DUIS messages.

A job (written in the request's transaction) is claimed with a lease by any worker, sent over the HAN
bus, and its outcome — the device's Response, or E20/E21 when nothing comes back — goes into the outbox
together with the inventory changes and DCC alerts the response causes, in one transaction.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import TYPE_CHECKING

import asyncpg

import gbcs
from devices.device import handle_command, receive_firmware
from dccsim import outbox
from dccsim.device_requests import CHANNEL, dcc_keys
from dccsim.alert_routing import Outgoing, route_device_alert
from dccsim.han_service import DccTransaction, in_dcc_transaction
from dccsim.duis.responses import add, service_response
from dccsim.inventory import repository as repo
from dccsim.response_processing import after_response

if TYPE_CHECKING:
    from dccsim.runtime import Simulator

log = logging.getLogger(__name__)

_CLAIM = """
UPDATE device_job SET lease_until = now() + make_interval(secs => $1), attempts = attempts + 1
WHERE id IN (
    SELECT id FROM device_job WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < now())
    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING *
"""


class DeviceJobWorker:
    def __init__(self, sim: "Simulator", *, lease: float = 60.0, batch: int = 32, poll: float = 0.5):
        self.sim = sim
        self.lease = lease
        self.batch = batch
        self.poll = poll
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._main: asyncio.Task | None = None
        self._listener: asyncpg.Connection | None = None
        self._stopping = False

    async def start(self) -> None:
        try:
            self._listener = await asyncpg.connect(self.sim.db.url)
            await self._listener.add_listener(CHANNEL, lambda *_: self._wake.set())
        except (OSError, asyncpg.PostgresError):
            log.warning("device job notifications unavailable; polling")
        self._main = asyncio.create_task(self._run(), name="device-jobs")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._main is not None:
            await self._main
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            await self._listener.close()

    async def _run(self) -> None:
        while not self._stopping:
            claimed = []
            if len(self._tasks) < self.batch * 4:
                try:
                    claimed = await self.sim.db.pool.fetch(_CLAIM, self.lease, self.batch)
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("device job claim failed: %s", exc)
            for job in claimed:
                task = asyncio.create_task(self._process(job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if claimed:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll)
            except asyncio.TimeoutError:
                pass

    async def _process(self, job) -> None:
        try:
            await process_job(self.sim, job)
        except Exception:  # noqa: BLE001 - the lease expires and the job runs again
            log.exception("device job %s failed", job["id"])


async def process_job(sim: "Simulator", job) -> None:
    """Send the job's frame, and commit the device's state change with the job's outcome (the Response or
    E20/E21, inventory changes, alerts) in one transaction; a job found done already does nothing."""
    extra = json.loads(job["extra"]) if isinstance(job["extra"], str) else (job["extra"] or {})
    timeout = sim.settings.device_timeout

    async def begin(conn) -> bool:
        done = await conn.fetchval(
            "UPDATE device_job SET status = 'done', done_at = now(), lease_until = NULL "
            "WHERE id = $1 AND status = 'pending' RETURNING id", job["id"])
        return done is not None

    async def finish(conn, device, reply) -> None:
        sim.message_log.add(request_id=job["request_id"], direction="out", kind="gbcs-command",
                            body=bytes(job["frame"]).hex() if job["kind"] == "command" else "firmware image",
                            user_id=job["user_id"])
        if device is None:
            device = await repo.get_device(conn, job["device_id"])
        for message in await _outcome(sim, conn, job, device, reply, extra):
            await outbox.enqueue(conn, user_id=message.user_id, kind=message.kind, body=message.body,
                                 request_id=message.request_id, response_id=message.response_id)

    transaction = DccTransaction(begin, finish)
    with in_dcc_transaction(transaction):
        if job["kind"] == "firmware-image":
            work = lambda identity, state: receive_firmware(  # noqa: E731
                identity, state, bytes(job["frame"]), extra.get("version", "00000000"), job["user_id"])
            await _bounded(sim.han.run(job["device_id"], work, hub_id=job["hub_id"]), timeout)
        else:
            await _bounded(sim.han.exchange(job["device_id"], bytes(job["frame"]), hub_id=job["hub_id"],
                                            handler=handle_command), timeout)
    if transaction.done or transaction.skipped:
        return
    # Nothing came back (offline, lost, too slow): the outcome on its own. A device
    # transaction still running past the timeout holds the job's row; whichever commits first wins.
    async with sim.db.pool.acquire() as conn:
        async with conn.transaction():
            if await begin(conn):
                await finish(conn, None, None)


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
