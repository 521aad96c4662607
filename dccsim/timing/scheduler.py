"""What runs when the clock says so: DCC-held schedules (SR 5.1), devices' future-dated commands (their
timers), device jobs the DCC held until their execution time, and the DCC's alert timers (the close of an alert
throttling window, AD1 three minutes into a hub's loss of power).

``Scheduler.tick`` runs what is due now; the worker ticks once a second. ``Scheduler.advance_to`` moves a
simulated clock forward and, on the way, stops at each moment something falls due — a schedule, a device
timer, a held job — and runs it there, in time order, so that a simulated day of a supplier's journey
takes moments and happens in the order it would have.

Every process on the database (on any host) has a scheduler; they take turns on one advisory lock
(``dccsim.db.locks.SCHEDULER``). A tick runs in the process that holds it and is skipped by the others, and
a process moving the clock holds it from the first step to the last, so that a tick elsewhere never runs
between two of its steps and two hosts moving time at once move it one after the other. A process that dies
holding it releases it with its connection.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable

import asyncpg

import gbcs
from devices import run_due
from dccsim.catalogue import CATALOGUE
from dccsim.db import locks
from dccsim.duis.ids import dashed
from dccsim.duis.outcomes import DuisRejection
from dccsim.han.alerts import route_device_alert
from dccsim.han.commands.builder import build_command
from dccsim.han.commands.fills_esme import schedule_body
from dccsim.han.context import HanContext
from dccsim.han.device_events import AD1_AFTER, notify_power_outages
from dccsim.han.documents import Outgoing
from dccsim.han.identities import device_credentials
from dccsim.han.job_runner import DeviceJobWorker
from dccsim.han.store import DccTransaction
from dccsim.han.throttling import close_due_windows
from dccsim.inventory import repository as repo
from dccsim.timing import shared_clock
from dccsim.timing.clock import ClockError, SimulatedClock

log = logging.getLogger(__name__)

_CLAIM = """
UPDATE dsp_schedule s SET next_run_at = s.next_run_at + CASE s.frequency
        WHEN 'Daily' THEN interval '1 day' WHEN 'Weekly' THEN interval '7 days'
        WHEN 'Monthly' THEN interval '1 month' WHEN 'Quarterly' THEN interval '3 months'
        WHEN 'Half-Yearly' THEN interval '6 months' ELSE interval '1 year' END
WHERE s.schedule_id IN (
    SELECT schedule_id FROM dsp_schedule
    WHERE deleted_at IS NULL AND next_run_at <= $1 AND (end_date IS NULL OR end_date >= $1::date)
    ORDER BY next_run_at LIMIT 20 FOR UPDATE SKIP LOCKED)
RETURNING s.*
"""

# The next moment after $1 at which a schedule, a device timer, a held job, the close of a throttling window or a
# hub outage's AD1 ($2 after it began) falls due.
_NEXT_DUE = """
SELECT min(at) FROM (
    SELECT min(next_run_at) AS at FROM dsp_schedule
        WHERE deleted_at IS NULL AND next_run_at > $1 AND (end_date IS NULL OR end_date >= next_run_at::date)
    UNION ALL SELECT min(next_timer_at) FROM device_state WHERE next_timer_at > $1
    UNION ALL SELECT min(not_before) FROM device_job WHERE status = 'pending' AND not_before > $1
    UNION ALL SELECT min(window_end) FROM alert_throttle WHERE throttling AND window_end > $1
    UNION ALL SELECT min(lost_at + $2::interval) FROM hub_power_outage
        WHERE notified_at IS NULL AND lost_at + $2::interval > $1
) due
"""

_SETTLE_TIMEOUT = 30.0       # seconds to wait for the jobs due at one moment to finish, when advancing


class Scheduler:
    """Runs schedules and device timers when they are due; moves a simulated clock on request."""

    def __init__(self, han: HanContext, jobs: DeviceJobWorker | None = None, interval: float = 1.0):
        self.han = han
        self.jobs = jobs
        self.interval = interval
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()
        self._advancing = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="dcc-scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            if not self._advancing.locked():
                try:
                    async with locks.try_held(self.han.db.pool, locks.SCHEDULER) as leading:
                        if leading:
                            await self.tick()
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("scheduler: %s", exc)
                except Exception:  # noqa: BLE001 - logged with its trace; the next tick tries again
                    log.exception("scheduler failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            except asyncio.TimeoutError:
                pass

    async def tick(self) -> None:
        """Run every schedule, device timer and DCC alert timer (throttling windows, AD1) due at the clock's
        time."""
        await run_due_schedules(self.han)
        await run_device_timers(self.han)
        await close_due_windows(self.han)
        await notify_power_outages(self.han)

    async def advance_to(self, target: datetime) -> datetime:
        """Move the simulated clock to ``target``, running what falls due on the way at its own time."""
        clock = self._simulated()
        if target < clock.now():
            raise ClockError(f"simulated time runs forward only: {target.isoformat()} is before "
                             f"{clock.now().isoformat()}")
        return await self._advance(lambda _now: target)

    async def advance_by(self, span: timedelta) -> datetime:
        """Move the simulated clock ``span`` forward from where the shared time stands when this process's turn
        comes (two hosts advancing by an hour at once move it by two)."""
        self._simulated()
        return await self._advance(lambda now: now + span)

    def _simulated(self) -> SimulatedClock:
        clock = self.han.clock
        if not isinstance(clock, SimulatedClock):
            raise ClockError("the wall clock cannot be moved: start the simulator with --clock simulated")
        return clock

    async def _advance(self, target_from: Callable[[datetime], datetime]) -> datetime:
        clock = self._simulated()
        async with self._advancing, locks.held(self.han.db.pool, locks.SCHEDULER) as held:
            # Another host may have moved time while this one waited for the lock: carry on from there.
            await shared_clock.catch_up(held, clock)
            target = target_from(clock.now())
            if target < clock.now():
                return clock.now()
            while True:
                async with self.han.db.pool.acquire() as conn:
                    due = await conn.fetchval(_NEXT_DUE, clock.now(), AD1_AFTER)
                    moment = due if due is not None and due <= target else target
                    await shared_clock.move(conn, clock, moment)
                await self._settle()
                if moment >= target:
                    return clock.now()

    async def _settle(self) -> None:
        """Run what is due now and wait for the device jobs it (and the clock) released to finish."""
        await self.tick()
        if self.jobs is None:
            return
        self.jobs.wake()
        deadline = asyncio.get_running_loop().time() + _SETTLE_TIMEOUT
        while asyncio.get_running_loop().time() < deadline:
            async with self.han.db.pool.acquire() as conn:
                pending = await self.han.jobs.due_pending(conn, self.han.clock.now())
            if not pending:
                return
            self.jobs.wake()
            await asyncio.sleep(0.01)
        log.warning("device jobs due at %s still run after %s s", self.han.clock.now().isoformat(), _SETTLE_TIMEOUT)


async def run_device_timers(han: HanContext) -> int:
    """Devices with future-dated commands due execute them; their 0x8F66 alerts go to the suppliers, written
    to the outbox in the transaction that saves the device's state (so a crash loses neither)."""
    now = han.clock.now()
    due = await han.db.pool.fetch("SELECT device_id FROM device_state WHERE next_timer_at <= $1", now)

    async def finish(conn, device, reply) -> list[Outgoing]:
        if device is None or reply is None:
            return []
        messages: list[Outgoing] = []
        for frame in reply.alerts:
            messages.extend(await route_device_alert(han, conn, device, frame, None))
        return messages

    for row in due:
        transaction = DccTransaction(finish, now=now, delivers_here=han.delivers_here)
        await han.bus.run(row["device_id"], run_due, within=transaction)
    return len(due)


async def schedule_counter(conn) -> int:
    """The originator counter of a scheduled run, sent under the schedule owner's id: a count of
    microseconds of real time (not a time the simulation reasons about), as DCC clients count their
    RequestIDs, so that it stays above the counters the owner's own requests gave the device. Read from the
    database's clock, the one clock of every host: a host whose own clock lags another's would otherwise
    give a device a counter below the one another host's run gave it, which the device refuses."""
    return await conn.fetchval("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")


async def run_due_schedules(han: HanContext) -> int:
    """Turn every due schedule into a device job; return how many ran."""
    ran = 0
    now = han.clock.now()
    async with han.db.pool.acquire() as conn:
        async with conn.transaction():
            for schedule in await conn.fetch(_CLAIM, now):
                device = await repo.get_device(conn, schedule["device_id"])
                spec = CATALOGUE.get(schedule["scheduled_variant"])
                if device is None or spec is None:
                    continue
                counter = await schedule_counter(conn)
                try:
                    command = build_command(spec.variant, spec.gbcs_use_cases, device,
                                            schedule_body(schedule["details_xml"]), critical=False, now=now,
                                            originator=schedule["owner"], counter=counter)
                except DuisRejection as exc:
                    log.warning("schedule %s cannot run: %s", schedule["schedule_id"], exc)
                    continue
                message = gbcs.Message(cra=gbcs.Cra.COMMAND, counter=counter, originator=schedule["owner"],
                                       recipient=device.device_id, message_code=command.message_code,
                                       payload=command.payload, other_info_extra=command.other_info_extra,
                                       ciphered=True)
                if await device_credentials(conn, han.smki, device):
                    han.credentials_changed()
                frame = gbcs.encode(message, han.keys.store())
                request_id = f"{dashed(schedule['owner'])}:{dashed(device.device_id)}:{counter}"
                await han.jobs.add(conn, request_id=request_id, user_id=schedule["owner"], device=device,
                                   variant=spec.variant, frame=frame, schedule_id=schedule["schedule_id"])
                ran += 1
    return ran
