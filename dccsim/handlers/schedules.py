"""5.1 Create Schedule, 5.2 Read Schedule, 5.3 Delete Schedule: DCC-held schedules of DCC-scheduled SRs.

Schedules are stored with their details exactly as received; running them is the scheduler's job.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from lxml import etree

from dccsim.catalogue import CATALOGUE
from dccsim.duis.ids import normalise_eui
from dccsim.duis.namespaces import sr
from dccsim.duis.outcomes import E050101, E050201, E050301, I0, I99, Code, DuisRejection
from dccsim.duis.responses import add
from dccsim.db.connection import DccConnection
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.frontdoor import access
from dccsim.inventory.cached import InTransaction

MAX_SCHEDULES_READ = 99   # sr:DSPSchedulesRead


def first_run(start: date, execution: time | None, now: datetime) -> datetime:
    """The first execution at or after ``now`` (schedules start at their start date's execution time)."""
    moment = datetime.combine(start, execution or time(0, 0), tzinfo=timezone.utc)
    while moment < now:
        moment += timedelta(days=1)
    return moment


@handles("5.1", target=Target.BODY)
async def create_schedule(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    body = ctx.body
    scheduled = CATALOGUE.get(str(body.get("DSPScheduledServiceReferenceVariant")))
    if scheduled is None or not scheduled.dcc_scheduled:
        raise DuisRejection(E050101, f"Service Request {body.get('DSPScheduledServiceReferenceVariant')} "
                                       f"cannot be DCC scheduled")
    if scheduled.reference != str(body.get("DSPScheduledServiceReference")):
        raise DuisRejection(E050101, "DSPScheduledServiceReference does not match its variant")
    start, end = body.get("ScheduleStartDate"), body.get("ScheduleEndDate")
    if isinstance(end, date) and isinstance(start, date) and end < start:
        raise DuisRejection(E050101, "ScheduleEndDate is before ScheduleStartDate")
    # The user must be allowed to send the scheduled SR to that device.
    roles = access.eligible_roles(ctx.user, scheduled.roles)
    access.check_device(ctx.device, ctx.device.device_id, scheduled)
    await access.check_authorised(InTransaction(conn), ctx.user, roles, ctx.device)
    details = etree.tostring(ctx.body_element, encoding="unicode")
    execution = body.get("ScheduleExecutionStartTime")
    schedule_id = await conn.fetchval(
        """
        INSERT INTO dsp_schedule (owner, device_id, scheduled_variant, frequency, start_date, end_date,
                                  execution_time, details_xml, next_run_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING schedule_id
        """,
        ctx.user.entity_id, ctx.device.device_id, scheduled.variant, str(body.get("ScheduleFrequency")),
        start, end, execution if isinstance(execution, time) else None, details,
        first_run(start, execution if isinstance(execution, time) else None, ctx.received_at),
    )

    def fill(message):
        add(message, "DSPScheduleID", schedule_id)

    return Reply(I0, fill)


async def _owned(conn: DccConnection, ctx: ServiceRequest, code: Code) -> list:
    body = ctx.body
    if "DSPScheduleID" in body:
        rows = await conn.fetch(
            "SELECT * FROM dsp_schedule WHERE schedule_id = $1 AND owner = $2 AND deleted_at IS NULL",
            int(body["DSPScheduleID"]), ctx.user.entity_id)
    else:
        rows = await conn.fetch(
            "SELECT * FROM dsp_schedule WHERE device_id = $1 AND owner = $2 AND deleted_at IS NULL "
            "ORDER BY schedule_id", normalise_eui(str(body["DeviceID"])), ctx.user.entity_id)
    if not rows:
        raise DuisRejection(code, "no DCC schedule of this User matches")
    return rows


@handles("5.2", target=Target.NONE)
async def read_schedule(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    rows = (await _owned(conn, ctx, E050201))[:MAX_SCHEDULES_READ]

    def fill(message):
        read = add(message, "DSPSchedulesRead")
        for row in rows:
            entry = add(read, "DSPSchedules")
            add(entry, "DSPScheduleID", row["schedule_id"])
            stored = etree.fromstring(row["details_xml"])
            details = add(entry, "DSPScheduleDetails")
            for child in stored:
                details.append(child)

    return Reply(I0, fill)


@handles("5.3", target=Target.NONE)
async def delete_schedule(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    rows = await _owned(conn, ctx, E050301)
    await conn.execute("UPDATE dsp_schedule SET deleted_at = $2 WHERE schedule_id = ANY($1::bigint[])",
                       [r["schedule_id"] for r in rows], ctx.received_at)
    return Reply(I99)


def schedule_element_name() -> str:
    return sr("DSPScheduleDetails")
