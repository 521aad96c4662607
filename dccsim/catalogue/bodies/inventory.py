"""Bodies of the Smart Metering Inventory and enrolment Service Requests (DUIS 8.2–8.6, 8.13, 8.14.x,
12.x)."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Choice, Complex, El, Seq, Simple

_UPDATE_STATUS_EXCEPT_CH = Simple("xs:string", name="UpdateDeviceStatusExceptCH",
                                  enumeration=("Pending", "InstalledNotCommissioned"))
_UPDATE_STATUS_CH = Simple("xs:string", name="UpdateDeviceStatusCH",
                           enumeration=("Commissioned", "Withdrawn", "InstalledNotCommissioned"))
_METER_MPXNS = Complex(Seq(El("ImportMPxN", t.IMPORT_MPXN), El("SecondaryImportMPAN", t.MPAN, min=0),
                           El("ExportMPAN", t.MPAN, min=0)), name="MeterMPxNs")
CERTIFICATION_PATH = Complex(Seq(El("Certificate", t.CERTIFICATE, min=1, max=3)),
                             name="CertificationPathCertificates")

_CHF_INSTALL_TYPE = Simple("xs:string", name="CHFInstallType", enumeration=(
    "New CHF Install", "Replacement CHF Install", "CHF Install - no SM WAN"))
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
                 El("InstallDateTime", t.DATETIME, min=0), El("UserRefID", t.USER_REF_ID, min=0),
                 El("MPxN", t.MPXN), El("GISData", _GIS_DATA, min=0), El("AerialInstall", t.BOOLEAN),
                 El("CHFLocation", _CHF_LOCATION))

MODELS = (
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
            El("DeleteDevice", Complex(None)),
            El("UpdateMPxN", Complex(Choice(
                El("ImportMPxN", t.IMPORT_MPXN), El("SecondaryImportMPAN", t.MPAN),
                El("ExportMPAN", t.MPAN)))),
        )))),
    # 8.5: the DCC takes over as the device's Access Control Broker at the execution time.
    BodyModel("ServiceOptOut", t.must_be_dated(
        El("ACBFloorSeqNumber", t.FLOOR_SEQUENCE_NUMBER),
        El("ReplacementCertificates", Complex(Seq(
            El("DigitalSigningCertificate", t.CERTIFICATE, min=0),
            El("KeyAgreementCertificate", t.CERTIFICATE)))),
        El("CertificationPathCertificates", CERTIFICATION_PATH),
        El("ApplyTimeBasedCPVChecks", t.BOOLEAN))),
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
        El("UserRefDateTime", t.DATETIME, min=0), El("UserRefID", t.USER_REF_ID, min=0),
        El("OtherDeviceID", t.EUI), El("IncidentReference", _INCIDENT_REFERENCE, min=0),
        El("CHFConnectionMethod", _CONNECTION_METHOD), El("CHFFaultReason", _FAULT_REASON),
        El("AdditionalInformation", _INFO200, min=0)))),
    BodyModel("CHFNoFaultReturn", Complex(Seq(
        El("DeviceID", t.EUI), El("CHFNoFaultReturnType", _NO_FAULT_RETURN_TYPE),
        El("UserRefDateTime", t.DATETIME, min=0), El("UserRefID", t.USER_REF_ID, min=0),
        El("IncidentReference", _INCIDENT_REFERENCE, min=0), El("AdditionalInformation", _INFO200, min=0)))),
    BodyModel("RequestWANMatrix", Complex(Choice(El("UPRN", t.UPRN), El("PartialAddress", t.PARTIAL_ADDRESS)),
                                          name="RequestWANMatrix")),
    BodyModel("DevicePrenotification", Complex(Seq(
        El("DeviceID", t.EUI), El("DeviceManufacturer", t.DEVICE_MANUFACTURER), El("DeviceModel", t.DEVICE_MODEL),
        El("DeviceType", t.DEVICE_TYPE), El("SMETSCHTSVersion", t.SMETS_CHTS_VERSION, min=0),
        El("FirmwareVersion", t.FIRMWARE_VERSION, min=0), El("ESMEVariant", t.ESME_VARIANT, min=0),
        El("AssociatedGPFDeviceID", t.EUI, min=0)))),
)
