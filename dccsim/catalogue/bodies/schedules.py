"""Bodies of the DCC schedule Service Requests (DUIS 5.x): the DCC runs a read on a calendar."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Choice, Complex, El, Seq, Simple

_DSP_SCHEDULED_REFERENCE = Simple("xs:string", name="DSPScheduledServiceReference", enumeration=(
    "4.2", "4.6", "4.8", "4.10", "4.12", "4.14", "4.15", "4.16", "4.17", "14.1"))
_DSP_SCHEDULED_VARIANT = Simple("xs:string", name="DSPScheduledServiceReferenceVariant", enumeration=(
    "4.2", "4.6.1", "4.6.2", "4.8.1", "4.8.2", "4.8.3", "4.10", "4.12.1", "4.12.2", "4.14", "4.15", "4.16",
    "4.17", "14.1"))
_SCHEDULE_FREQUENCY = Simple("xs:string", name="ScheduleFrequency", enumeration=(
    "Daily", "Weekly", "Monthly", "Quarterly", "Half-Yearly", "Yearly"))

DSP_SCHEDULE = Complex(Seq(
    El("ScheduleFrequency", _SCHEDULE_FREQUENCY),
    El("ScheduleStartDate", t.DATE),
    El("ScheduleEndDate", t.DATE, min=0),
    El("ScheduleExecutionStartTime", t.TIME, min=0),
    El("KAPublicSecurityCredential", t.CERTIFICATE, min=0),
    El("DSPScheduledServiceReference", _DSP_SCHEDULED_REFERENCE),
    El("DSPScheduledServiceReferenceVariant", _DSP_SCHEDULED_VARIANT),
    El("DeviceID", t.EUI),
    # The Service Request to run, with the log period relative to the day it runs.
    Choice(
        El("DSPRetrieveImportDailyReadLog", t.READ_LOG_PERIOD_OFFSET),
        El("DSPRetrieveExportDailyReadLog", t.READ_LOG_PERIOD_OFFSET),
        El("DSPReadActiveImportProfileData", t.READ_LOG_PERIOD_OFFSET),
        El("DSPReadReactiveImportProfileData", t.READ_LOG_PERIOD_OFFSET),
        El("DSPReadExportProfileData", t.READ_LOG_PERIOD_OFFSET),
        El("DSPReadNetworkData", t.READ_LOG_PERIOD_OFFSET),
        El("DSPReadMaximumDemandImportRegisters", t.EMPTY),
        El("DSPReadMaximumDemandExportRegisters", t.EMPTY),
        El("DSPReadPrepaymentDailyReadLog", t.READ_LOG_PERIOD_OFFSET),
        El("DSPReadLoadLimitData", t.EMPTY),
        El("DSPReadActivePowerImport", t.EMPTY),
        El("DSPRetrieveDailyConsumptionLog", t.READ_LOG_PERIOD_OFFSET),
        El("DSPRecordNetworkDataGAS", t.EMPTY),
        El("DSPReadInstantaneousExportRegisters", t.EMPTY),
    ),
), name="DSPSchedule")

_SCHEDULE_SELECTOR = Complex(Choice(El("DSPScheduleID", t.SCHEDULE_ID), El("DeviceID", t.EUI)))

MODELS = (
    BodyModel("CreateSchedule", DSP_SCHEDULE),
    BodyModel("ReadSchedule", _SCHEDULE_SELECTOR),
    BodyModel("DeleteSchedule", _SCHEDULE_SELECTOR),
)
