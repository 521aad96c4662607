"""Body models of the Service Requests, one per body element (the child of sr:Body).

The bodies of the Service Requests the simulator processes are modelled field by field; the others are
declared as ``AnyContent`` (any DUIS elements, parsed generically) until their handlers are written,
so that the front door accepts them structurally and answers that they are not simulated yet.
"""
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

_UPDATE_STATUS_EXCEPT_CH = Simple("xs:string", name="UpdateDeviceStatusExceptCH",
                                  enumeration=("Pending", "InstalledNotCommissioned"))
_UPDATE_STATUS_CH = Simple("xs:string", name="UpdateDeviceStatusCH",
                           enumeration=("Commissioned", "Withdrawn", "InstalledNotCommissioned"))
_MPAN13 = Simple("xs:string", length=13)
_METER_MPXNS = Complex(Seq(El("ImportMPxN", t.IMPORT_MPXN), El("SecondaryImportMPAN", _MPAN13, min=0),
                           El("ExportMPAN", _MPAN13, min=0)), name="MeterMPxNs")

_CHF_INSTALL_TYPE = Simple("xs:string", name="CHFInstallType", enumeration=(
    "New CHF Install", "Replacement CHF Install", "CHF Install - no SM WAN"))
_USER_REF_ID = Simple("xs:string", name="UserRefID", max_length=25)
_GIS_DATA = Simple("xs:string", name="GISData", max_length=25)
_CHF_LOCATION = Simple("xs:string", name="CHFLocation", enumeration=(
    "Outside Premises", "Indoors on external wall", "Deep indoors", "Basement or Cellar"))
_PREMISE_TYPE = Simple("xs:string", name="PremiseType", enumeration=(
    "Detached / Semi Detached", "Terraced", "Low Rise Apartment (MDU <= 5 floors)",
    "High Rise Apartment (MDU > 5 floors)"))
_FAULT_RETURN_TYPE = Simple("xs:string", name="CHFFaultReturnType", enumeration=(
    "Fault identified prior to installation", "Fault identified post installation"))
_NO_FAULT_RETURN_TYPE = Simple("xs:string", name="CHFNoFaultReturnType", enumeration=(
    "No Fault Return (general)", "No Fault Return (non-dom opt out)",
    "No Fault Return (dual supplier HAN variant replacement)",
    "No Fault Return (SM WAN variant replacement requested by DCC)", "Lost or Stolen Hub"))
_FAULT_REASON = Simple("xs:string", name="CHFFaultReason", enumeration=(
    "Damaged case", "Damaged Connector", "Illegal interference or missing seals",
    "Environmental conditions exceeded", "SM WAN Fault", "SMHAN Interface Fault", "LED Fault", "Aerial fault",
    "Manufacturing defect"))
_CONNECTION_METHOD = Simple("xs:string", name="CHFConnectionMethod", enumeration=("Hot-shoe", "Cradle", "ESME"))
_INCIDENT_REFERENCE = Simple("xs:string", name="IncidentReference", max_length=15)
_INFO200 = Simple("xs:string", max_length=200)

_INSTALL_HEAD = (El("DeviceID", t.EUI), El("CHFInstallType", _CHF_INSTALL_TYPE),
                 El("InstallDateTime", t.DATETIME, min=0), El("UserRefID", _USER_REF_ID, min=0),
                 El("MPxN", t.MPXN), El("GISData", _GIS_DATA, min=0), El("AerialInstall", t.BOOLEAN),
                 El("CHFLocation", _CHF_LOCATION))

_FIRMWARE_IMAGE = Simple("xs:base64Binary", max_length=10240000)
_FIRMWARE_DEVICE_LIST = Simple("xs:string", min_length=23, max_length=1199999, pattern=t.DEVICE_ID_LIST.pattern)
_UPDATE_FIRMWARE = Complex(Seq(El("FirmwareImage", _FIRMWARE_IMAGE), El("FirmwareVersion", t.FIRMWARE_VERSION),
                               El("DeviceIDList", _FIRMWARE_DEVICE_LIST)))

MODELLED: tuple[BodyModel, ...] = (
    BodyModel("CreateSchedule", DSP_SCHEDULE),
    BodyModel("ReadSchedule", _SCHEDULE_SELECTOR),
    BodyModel("DeleteSchedule", _SCHEDULE_SELECTOR),
    BodyModel("ReadInventory", Complex(Choice(
        El("UPRN", t.UPRN), El("DeviceID", t.EUI), El("MPxN", t.IMPORT_MPXN),
        El("PropertyFilter", t.PROPERTY_FILTER)))),
    BodyModel("DecommissionDevice", Complex(Seq(El("DeviceID", t.EUI)))),
    BodyModel("UpdateInventory", Complex(Seq(
        El("DeviceID", t.EUI),
        Choice(
            El("UpdateDeviceStatusExceptCH", _UPDATE_STATUS_EXCEPT_CH),
            El("UpdateDeviceStatusCH", _UPDATE_STATUS_CH),
            El("UpdateDeviceDetails", Complex(Seq(
                El("DeviceManufacturer", t.DEVICE_MANUFACTURER, min=0),
                El("DeviceModel", t.DEVICE_MODEL, min=0),
                El("SMETSCHTSVersion", t.SMETS_CHTS_VERSION, min=0),
                El("FirmwareVersion", t.FIRMWARE_VERSION, min=0),
                El("ESMEVariant", t.ESME_VARIANT, min=0)))),
            El("DeleteDevice", t.EMPTY),
            El("UpdateMPxN", Complex(Choice(
                El("ImportMPxN", t.IMPORT_MPXN), El("SecondaryImportMPAN", _MPAN13),
                El("ExportMPAN", _MPAN13)))),
        )))),
    BodyModel("ServiceOptIn", Complex(Seq(
        El("DeviceID", t.EUI), El("DeviceType", t.DEVICE_TYPE), El("MPxNs", _METER_MPXNS),
        El("OptInDate", t.DATE)))),
    BodyModel("ReturnLocalCommandResponse", Complex(Seq(
        El("OriginalRequestID", t.REQUEST_ID, min=0), El("DeviceGBCSResponse", t.BASE64)))),
    BodyModel("CHFInstallSuccessSMWAN", Complex(Seq(
        *_INSTALL_HEAD, El("AdditionalInformation", _INFO200, min=0)))),
    BodyModel("CHFInstallSuccessNoSMWAN", Complex(Seq(
        *_INSTALL_HEAD, El("PremiseType", _PREMISE_TYPE), El("MetalObstructionCheck", t.BOOLEAN),
        El("ConnectivityObstructionCheck", t.BOOLEAN), El("SharedObstructionCheck", t.BOOLEAN),
        El("AdditionalInformation", _INFO200, min=0)))),
    BodyModel("CHFFaultReturn", Complex(Seq(
        El("DeviceID", t.EUI), El("CHFFaultReturnType", _FAULT_RETURN_TYPE),
        El("UserRefDateTime", t.DATETIME, min=0), El("UserRefID", _USER_REF_ID, min=0),
        El("OtherDeviceID", t.EUI), El("IncidentReference", _INCIDENT_REFERENCE, min=0),
        El("CHFConnectionMethod", _CONNECTION_METHOD), El("CHFFaultReason", _FAULT_REASON),
        El("AdditionalInformation", _INFO200, min=0)))),
    BodyModel("CHFNoFaultReturn", Complex(Seq(
        El("DeviceID", t.EUI), El("CHFNoFaultReturnType", _NO_FAULT_RETURN_TYPE),
        El("UserRefDateTime", t.DATETIME, min=0), El("UserRefID", _USER_REF_ID, min=0),
        El("IncidentReference", _INCIDENT_REFERENCE, min=0), El("AdditionalInformation", _INFO200, min=0)))),
    BodyModel("UpdateFirmware", _UPDATE_FIRMWARE),
    BodyModel("UpdatePPMIDFirmware", _UPDATE_FIRMWARE),
    BodyModel("RequestWANMatrix", Complex(Choice(El("UPRN", t.UPRN), El("PartialAddress", t.PARTIAL_ADDRESS)),
                                          name="RequestWANMatrix")),
    BodyModel("DevicePrenotification", Complex(Seq(
        El("DeviceID", t.EUI), El("DeviceManufacturer", t.DEVICE_MANUFACTURER), El("DeviceModel", t.DEVICE_MODEL),
        El("DeviceType", t.DEVICE_TYPE), El("SMETSCHTSVersion", t.SMETS_CHTS_VERSION, min=0),
        El("FirmwareVersion", t.FIRMWARE_VERSION, min=0), El("ESMEVariant", t.ESME_VARIANT, min=0),
        El("AssociatedGPFDeviceID", t.EUI, min=0)))),
    BodyModel("SignedPreCommand", Complex(Seq(
        El("ExecutionDateTime", t.DATETIME, min=0), El("GBCSPayload", t.BASE64)))),
)

BODY_MODELS: dict[str, BodyModel] = {m.element: m for m in MODELLED}


def body_model(element: str) -> BodyModel:
    """The model of a body element; unmodelled elements accept any DUIS content."""
    return BODY_MODELS.get(element) or BodyModel(element)
