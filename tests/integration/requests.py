"""Requests the shared templates do not cover, written out as a supplier would."""
from __future__ import annotations

from datetime import date, timedelta

from dccsim.duis.client import COUNTERS
from dccsim.duis.ids import dashed

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
         '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">'
         '<sr:Header><sr:RequestID>{rid}</sr:RequestID><sr:CommandVariant>{cv}</sr:CommandVariant>'
         '<sr:ServiceReference>{ref}</sr:ServiceReference>'
         '<sr:ServiceReferenceVariant>{variant}</sr:ServiceReferenceVariant></sr:Header><sr:Body>{body}</sr:Body>'
         '</sr:Request>')

DCC_ID = "90-B3-D5-1F-30-00-00-02"


def non_device(originator: str, ref: str, variant: str, body: str, *, cv: int = 8) -> bytes:
    rid = f"{dashed(originator)}:{DCC_ID}:{COUNTERS.next()}"
    return _HEAD.format(rid=rid, cv=cv, ref=ref, variant=variant, body=body).encode()


def create_schedule(originator: str, device_id: str, *, variant: str = "4.6.1", start: date | None = None) -> bytes:
    start = start or date.today() + timedelta(days=1)
    ref = variant.rsplit(".", 1)[0] if variant.count(".") == 2 else variant
    body = (
        "<sr:CreateSchedule>"
        "<sr:ScheduleFrequency>Daily</sr:ScheduleFrequency>"
        f"<sr:ScheduleStartDate>{start.isoformat()}</sr:ScheduleStartDate>"
        "<sr:ScheduleExecutionStartTime>01:30:00</sr:ScheduleExecutionStartTime>"
        f"<sr:DSPScheduledServiceReference>{ref}</sr:DSPScheduledServiceReference>"
        f"<sr:DSPScheduledServiceReferenceVariant>{variant}</sr:DSPScheduledServiceReferenceVariant>"
        f"<sr:DeviceID>{dashed(device_id)}</sr:DeviceID>"
        "<sr:DSPRetrieveImportDailyReadLog><sr:StartDateOffset>-1</sr:StartDateOffset>"
        "<sr:StartTime>00:00:00</sr:StartTime><sr:EndDateOffset>0</sr:EndDateOffset>"
        "<sr:EndTime>00:00:00</sr:EndTime></sr:DSPRetrieveImportDailyReadLog>"
        "</sr:CreateSchedule>"
    )
    return non_device(originator, "5.1", "5.1", body)
