"""Device jobs in PostgreSQL: a command (or firmware image) on its way to a device, and its outcome.

A job is written in the transaction of the request or schedule that causes it. Where this process runs
device jobs (``JobQueue.run_here``), a job it writes is leased to it and handed to its runner as soon as
that transaction commits; otherwise it is announced to the workers of other processes. Any worker claims
jobs whose lease has run out (those of a process that died) and jobs the DCC held until their time
(``not_before``, in the simulator's clock); leases are real time.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import asyncpg

from dccsim.db.connection import DccConnection
from dccsim.db.on_demand import OnDemandTransaction
from dccsim.inventory.models import Device
from dccsim.timing.clock import Clock

CHANNEL = "dccsim_device_jobs"


class JobKind(enum.StrEnum):
    COMMAND = "command"                  # a GBCS command for the device
    FIRMWARE_IMAGE = "firmware-image"    # an Upgrade Image distributed through the hub
    S1SP_INSTRUCTION = "s1sp-instruction"  # an S1SP's instruction to a SMETS1 device (dccsim.s1sp)


@dataclass(frozen=True)
class StartingState:
    """A device's state as read with the job that is to change it (``JobQueue.add``), so that the job's
    device work need not read it again: the store saves the work over it (compare and set) or, if it changed
    meanwhile, reads it afresh (``dccsim.han.store``)."""

    state: str | None            # as stored (JSON); None: the device was never contacted
    version: int | None          # what the save is made over; None: no state row
    older: bool                  # an older job for the device was still to run
    hub_id: str | None           # the hub whose device log was read, and that log
    hub_log: list[str] | None
    hub_contacted: bool          # whether that hub has a state row

    @classmethod
    def from_row(cls, row: asyncpg.Record, hub_id: str | None) -> "StartingState":
        """From the columns ``state``, ``version``, ``older``, ``hub_log`` and ``hub_contacted`` of a read."""
        return cls(row["state"], row["version"], row["older"], hub_id, row["hub_log"], row["hub_contacted"])


def older_job_pending(device: str, job: str, now: str) -> str:
    """SQL: whether a job for ``device`` older than ``job`` is due at ``now`` and still to run (SQL expressions
    all three): a device's jobs run in the order they were written."""
    return (f"EXISTS (SELECT 1 FROM device_job o WHERE o.device_id = {device} AND o.status = 'pending' "
            f"AND o.id < {job} AND (o.not_before IS NULL OR o.not_before <= {now}))")


@dataclass(frozen=True)
class Job:
    """One device job, as claimed (or as written, with the device's state read with it)."""

    id: int
    request_id: str
    user_id: str
    device_id: str
    hub_id: str | None
    variant: str
    kind: JobKind
    frame: bytes
    schedule_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    start: StartingState | None = field(default=None, compare=False)

    @classmethod
    def from_row(cls, row: asyncpg.Record, *, with_start: bool = False) -> "Job":
        extra = row["extra"]
        start = None
        if with_start:
            start = StartingState.from_row(row, row["hub_id"] if row["hub_id"] != row["device_id"] else None)
        return cls(id=row["id"], request_id=row["request_id"], user_id=row["user_id"], device_id=row["device_id"],
                   hub_id=row["hub_id"], variant=row["variant"], kind=JobKind(row["kind"]), frame=bytes(row["frame"]),
                   schedule_id=row["schedule_id"],
                   extra=json.loads(extra) if isinstance(extra, str) else dict(extra or {}), start=start)


_ADD = """
INSERT INTO device_job (request_id, user_id, device_id, hub_id, variant, kind, frame, schedule_id, extra,
                        not_before, lease_until)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
        CASE WHEN $11::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $11) END)
RETURNING *
"""

# A job this process runs at once, written with what its device work starts from (``StartingState``; the
# state as ``dccsim.han.store`` reads it): one round trip for both.
_ADD_AND_READ = f"""
WITH job AS ({_ADD})
SELECT job.*, s.state, s.version, {older_job_pending("job.device_id", "job.id", "$12")} AS older,
       h.hub_device_log AS hub_log, h.device_id IS NOT NULL AS hub_contacted
FROM job
LEFT JOIN device_state s ON s.device_id = job.device_id
LEFT JOIN device_state h ON h.device_id = job.hub_id AND job.hub_id <> job.device_id
"""

_CLAIM = """
UPDATE device_job SET lease_until = now() + make_interval(secs => $1), attempts = attempts + 1
WHERE id IN (
    SELECT id FROM device_job WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < now())
    AND (not_before IS NULL OR not_before <= $3)
    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING *
"""

_DONE = """UPDATE device_job SET status = 'done', done_at = now(), lease_until = NULL
WHERE id = $1 AND status = 'pending' RETURNING id"""

_FAILED = """UPDATE device_job SET status = 'failed', done_at = now(), lease_until = NULL
WHERE id = $1 AND status = 'pending'"""

_HELD_UNTIL = """SELECT min(not_before) FROM device_job WHERE status = 'pending' AND not_before > $1"""

_DUE_PENDING = """SELECT count(*) FROM device_job WHERE status = 'pending'
AND (not_before IS NULL OR not_before <= $1)"""


class JobQueue:
    """Writes, claims and closes device jobs; knows whether this process runs the jobs it writes."""

    def __init__(self, clock: Clock, *, lease: float):
        self.clock = clock
        self.lease = lease
        self._runner: Callable[[Job], None] | None = None

    def run_here(self, runner: Callable[[Job], None] | None) -> None:
        """Hand the jobs this process writes to ``runner`` (None: leave them to any worker)."""
        self._runner = runner

    async def add(self, conn: DccConnection | OnDemandTransaction, *, request_id: str, user_id: str, device: Device,
                  variant: str, frame: bytes, kind: JobKind = JobKind.COMMAND, schedule_id: int | None = None,
                  extra: dict | None = None, not_before: datetime | None = None, last: bool = False) -> int:
        """Write a device job (inside the caller's transaction); ``not_before`` holds it back until then. With
        ``last`` (an ``OnDemandTransaction`` whose work ends with this job), a job this process runs is written
        by the work's last statement: alone, in one round trip, if nothing came before it. A job this process
        runs is handed to its runner with the device's state read in the same statement (``Job.start``)."""
        hub = device.device_id if device.device_type == "CHF" else device.chf_id
        runner = self._runner if not_before is None else None
        arguments = (request_id, user_id, device.device_id, hub, variant, kind.value, frame, schedule_id,
                     json.dumps(extra or {}), not_before, self.lease if runner is not None else None)
        if runner is None:
            row = await conn.fetchrow(_ADD, *arguments)
        else:
            fetchrow = conn.last_row if last else conn.fetchrow
            row = await fetchrow(_ADD_AND_READ, *arguments, self.clock.now())
        if runner is not None:
            job = Job.from_row(row, with_start=True)
            conn.after_commit(lambda: runner(job))
        elif not_before is None:
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(row["id"]))
        return row["id"]

    async def claim(self, pool: asyncpg.Pool, batch: int) -> list[Job]:
        """Lease up to ``batch`` jobs that are due and not leased (or whose lease ran out)."""
        rows = await pool.fetch(_CLAIM, self.lease, batch, self.clock.now())
        return [Job.from_row(row) for row in rows]

    async def close(self, conn, job: Job) -> bool:
        """Mark the job done (False: it was done already)."""
        return await conn.fetchval(_DONE, job.id) is not None

    async def fail(self, conn, job: Job) -> None:
        """Mark the job failed: the simulator could not process it (its own error), so it is not retried."""
        await conn.execute(_FAILED, job.id)

    async def next_held(self, conn, after: datetime) -> datetime | None:
        """When the earliest job the DCC holds beyond ``after`` becomes due."""
        return await conn.fetchval(_HELD_UNTIL, after)

    async def due_pending(self, conn, at: datetime) -> int:
        """How many jobs due at ``at`` have not finished yet."""
        return await conn.fetchval(_DUE_PENDING, at)
