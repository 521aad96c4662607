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
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import asyncpg

import gbcs
from devices import gas_mirror
from devices.device import handle_command
from dccsim import outbox
from dccsim.device_requests import CHANNEL, dcc_keys
from dccsim.alert_routing import Outgoing, route_device_alert
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
    extra = json.loads(job["extra"]) if isinstance(job["extra"], str) else (job["extra"] or {})
    timeout = sim.settings.device_timeout
    if job["kind"] == "firmware-image":
        reply = await _bounded(sim.han.distribute_image(job["device_id"], bytes(job["frame"]), hub_id=job["hub_id"]),
                               timeout)
    else:
        reply = await _bounded(sim.han.exchange(job["device_id"], bytes(job["frame"]), hub_id=job["hub_id"],
                                                handler=handle_command), timeout)
        if reply is not None and reply.response is not None:
            await _bounded(_refresh_gas_mirror(sim, job), timeout)
    async with sim.db.pool.acquire() as conn:
        async with conn.transaction():
            done = await conn.fetchval(
                "UPDATE device_job SET status = 'done', done_at = now(), lease_until = NULL "
                "WHERE id = $1 AND status = 'pending' RETURNING id", job["id"])
            if done is None:
                return
            sim.message_log.add(request_id=job["request_id"], direction="out",
                                kind="gbcs-command" if job["kind"] == "command" else job["kind"],
                                body=bytes(job["frame"]).hex(), user_id=job["user_id"])
            messages = await _outcome(sim, conn, job, reply, extra)
            for message in messages:
                await outbox.enqueue(conn, user_id=message.user_id, kind=message.kind, body=message.body,
                                     request_id=message.request_id, response_id=message.response_id)


async def _refresh_gas_mirror(sim: "Simulator", job) -> None:
    """A GSME that answered was awake: its GPF's copy of the GSME data is brought up to date."""
    device = await repo.get_device(sim.db.pool, job["device_id"])
    if device is not None and device.device_type == "GSME" and device.gpf_id:
        await gas_mirror.push(sim.han, device.device_id, device.gpf_id, datetime.now(timezone.utc),
                              hub_id=job["hub_id"])


async def _bounded(call, timeout: float):
    try:
        return await asyncio.wait_for(call, timeout)
    except asyncio.TimeoutError:
        return None


def _request_parts(request_id: str) -> tuple[str, str, int]:
    originator, target, counter = request_id.split(":")
    return originator, target, int(counter)


async def _outcome(sim: "Simulator", conn, job, reply, extra: dict) -> list[Outgoing]:
    from dccsim.catalogue import CATALOGUE

    spec = CATALOGUE.get(job["variant"])
    reference, variant = spec.reference, spec.variant
    originator, target, counter = _request_parts(job["request_id"])
    response_id = f"{target}:{originator}:{counter}"
    messages: list[Outgoing] = []
    device = await repo.get_device(conn, job["device_id"])
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
