"""DCC-held schedules (SR 5.1) run on time: each due schedule becomes a device job whose Response goes to
the schedule's owner as a DSPScheduledMessage carrying the DSPScheduleID."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import asyncpg

from dccsim.catalogue import CATALOGUE
from dccsim.han.commands.builder import build_command
from dccsim.han.commands.fills_esme import schedule_body
from dccsim.handlers.device_commands import dcc_keys, enqueue_job
from dccsim.duis.ids import dashed
from dccsim.duis.outcomes import DuisRejection
from dccsim.han.store import DccTransaction
from dccsim.inventory import repository as repo

if TYPE_CHECKING:
    from dccsim.runtime.simulator import Simulator

log = logging.getLogger(__name__)

_CLAIM = """
UPDATE dsp_schedule s SET next_run_at = s.next_run_at + CASE s.frequency
        WHEN 'Daily' THEN interval '1 day' WHEN 'Weekly' THEN interval '7 days'
        WHEN 'Monthly' THEN interval '1 month' WHEN 'Quarterly' THEN interval '3 months'
        WHEN 'Half-Yearly' THEN interval '6 months' ELSE interval '1 year' END
WHERE s.schedule_id IN (
    SELECT schedule_id FROM dsp_schedule
    WHERE deleted_at IS NULL AND next_run_at <= now() AND (end_date IS NULL OR end_date >= current_date)
    ORDER BY next_run_at LIMIT 20 FOR UPDATE SKIP LOCKED)
RETURNING s.*
"""


class SchedulerWorker:
    def __init__(self, sim: "Simulator", interval: float = 1.0):
        self.sim = sim
        self.interval = interval
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="dcc-scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await run_due_schedules(self.sim)
                await run_device_timers(self.sim)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("scheduler: %s", exc)
            except Exception:  # noqa: BLE001 - keep the scheduler alive
                log.exception("scheduler failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            except asyncio.TimeoutError:
                pass


async def run_device_timers(sim: "Simulator") -> int:
    """Devices with future-dated commands due execute them; their 0x8F66 alerts go to the suppliers, written
    to the outbox in the transaction that saves the device's state (so a crash loses neither)."""
    from devices.device import run_due
    from dccsim.han.alerts import route_device_alert

    due = await sim.db.pool.fetch("SELECT device_id FROM device_state WHERE next_timer_at <= now()")

    async def finish(conn, device, reply) -> list:
        if device is None or reply is None:
            return []
        messages = []
        for frame in reply.alerts:
            messages.extend(await route_device_alert(sim, conn, device, frame, None))
        return messages

    for row in due:
        await sim.han.run(row["device_id"], run_due, within=DccTransaction(finish))
    return len(due)


async def run_due_schedules(sim: "Simulator") -> int:
    """Turn every due schedule into a device job; return how many ran."""
    import gbcs

    ran = 0
    async with sim.db.pool.acquire() as conn:
        async with conn.transaction():
            for schedule in await conn.fetch(_CLAIM):
                device = await repo.get_device(conn, schedule["device_id"])
                spec = CATALOGUE.get(schedule["scheduled_variant"])
                if device is None or spec is None:
                    continue
                counter = time.time_ns() // 1000
                try:
                    command = build_command(spec.variant, spec.gbcs_use_cases, device,
                                            schedule_body(schedule["details_xml"]), critical=False,
                                            originator=schedule["owner"], counter=counter)
                except DuisRejection as exc:
                    log.warning("schedule %s cannot run: %s", schedule["schedule_id"], exc)
                    continue
                message = gbcs.Message(cra="command", counter=counter, originator=schedule["owner"],
                                       recipient=device.device_id, message_code=command.message_code,
                                       payload=command.payload, other_info_extra=command.other_info_extra,
                                       ciphered=True)
                frame = gbcs.encode(message, dcc_keys(sim))
                request_id = f"{dashed(schedule['owner'])}:{dashed(device.device_id)}:{counter}"
                await enqueue_job(conn, request_id=request_id, user_id=schedule["owner"], device=device,
                                  variant=spec.variant, frame=frame, schedule_id=schedule["schedule_id"])
                ran += 1
    return ran
