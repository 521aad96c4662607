"""Bodies of the read Service Requests (DUIS 4.x, 14.1): most take only an optional execution time, the
log reads a period, and those whose answer may go to an Unknown Remote Party its key agreement
certificate."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Complex

_NOW_OR_LATER = ("ReadInstantaneousImportTOUMatrices", "ReadInstantaneousImportTOUWithBlocksMatrices",
                 "ReadInstantaneousImportBlockCounters", "ReadInstantaneousExportRegisters",
                 "ReadInstantaneousPrepayValues", "ReadMaximumDemandImportRegisters",
                 "ReadMaximumDemandExportRegisters", "ReadPrepaymentConfiguration", "ReadLoadLimitData",
                 "ReadMeterBalance")
_LOG = ("RetrieveBillingDataLogDebtPayments", "RetrieveBillingDataLogPrepaymentCredits",
        "RetrieveExportDailyReadLog", "ReadReactiveImportProfileData", "ReadExportProfileData")
_LOG_URP = ("RetrieveCoMOrTariffTriggeredBillingDataLog", "RetrieveBillingCalendarTriggeredBillingDataLog",
            "RetrieveImportDailyReadLog", "ReadActiveImportProfileData", "ReadNetworkData",
            "ReadPrepaymentDailyReadLog", "RetrieveDailyConsumptionLog")
_NOW = ("ReadTariffPrimaryElement", "ReadTariffSecondaryElement", "ReadActivePowerImport")

MODELS = (
    BodyModel("ReadInstantaneousImportRegisters", t.future_dated()),
    *(BodyModel(name, t.READ_NOW_OR_LATER) for name in _NOW_OR_LATER),
    *(BodyModel(name, t.READ_LOG) for name in _LOG),
    *(BodyModel(name, t.READ_LOG_URP) for name in _LOG_URP),
    *(BodyModel(name, t.READ_NOW) for name in _NOW),
    BodyModel("RecordNetworkDataGAS", Complex(None)),
)
