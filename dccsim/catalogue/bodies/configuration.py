"""Bodies of the device configuration and security Service Requests (DUIS 6.x)."""
from __future__ import annotations

from decimal import Decimal

from dccsim.catalogue import types as t
from dccsim.catalogue.bodies.inventory import CERTIFICATION_PATH
from dccsim.catalogue.bodies.prepayment import DAYS_OF_WEEK_APPLICABILITY
from dccsim.catalogue.bodymodel import Attr, BodyModel, Choice, Complex, El, Seq, Simple

_UINT = t.UNSIGNED_INT
_RESET = Complex(None, name="Reset")

# --- 6.5 voltage ---------------------------------------------------------------------------------
_AVERAGE_RMS = Complex(Seq(
    El("AverageRMSOverVoltageThreshold", _UINT), El("AverageRMSUnderVoltageThreshold", _UINT),
    El("AverageRMSVoltageMeasurementPeriod", _UINT)), name="AverageRMSVoltageSettings")
_RMS_SETTINGS = Complex(Seq(*(El(f"RMS{what}", _UINT) for what in (
    "ExtremeOverVoltageMeasurementPeriod", "ExtremeOverVoltageThreshold",
    "ExtremeUnderVoltageMeasurementPeriod", "ExtremeUnderVoltageThreshold",
    "VoltageSagMeasurementPeriod", "VoltageSagThreshold",
    "VoltageSwellMeasurementPeriod", "VoltageSwellThreshold"))))

# --- 6.8 billing calendar ------------------------------------------------------------------------
_BILLING_DAY = t.positive_at_most(28, name="BillingCalendarDayOfMonth")
_BILLING_QSMY = Complex(Seq(El("DayOfMonth", _BILLING_DAY),
                            El("BillingPeriodStartMonth", t.positive_at_most(12, name="BillingPeriodStartMonth"))),
                        name="BillingCalendarQSMY")

# --- 6.14 auxiliary load control ----------------------------------------------------------------
SCHEDULE_DATES_AND_TIME = Complex(Seq(
    El("SwitchTime", t.TIME), El("StartDate", t.WILDCARD_DATE), El("EndDate", t.WILDCARD_DATE)),
    name="ScheduleDatesAndTime")
_SWITCH_INDEX = t.index(5)
_SPECIAL_DAY_REFERENCE = Complex(None, attributes=(t.index(20),))

# --- 6.15 / 6.21 / 6.23 credentials -------------------------------------------------------------
_FLOOR = t.FLOOR_SEQUENCE_NUMBER


def _replacement(signing_required: bool) -> Complex:
    return Complex(Seq(
        El("DigitalSigningCertificate", t.CERTIFICATE, min=1 if signing_required else 0),
        El("KeyAgreementCertificate", t.CERTIFICATE, min=0),
        El("KeyAgreementTopUpCertificate", t.CERTIFICATE, min=0)))


def _credentials_update(*head, replacement: El, tail=()) -> Complex:
    return t.future_dated(*head, replacement, El("CertificationPathCertificates", CERTIFICATION_PATH),
                          El("ApplyTimeBasedCPVChecks", t.BOOLEAN), *tail)


# --- 6.22 alert behaviour: each alert by its GBCS alert code ------------------------------------
def _alerts(codes: str, kind: Simple | Complex = t.ENABLE_DISABLE, *, name: str) -> Complex:
    return Complex(Seq(*(El(f"x{code}", kind, min=0) for code in codes.split())), name=name)


_ESME_SUPPLIER_COMMON = (
    "810D 810E 8119 8145 8154 8155 8161 8162 8168 8183 81A0 81A1 81A2 81A3 81A4 81A5 81A6 81A7 81A8 81A9 "
    "81AA 81AB 81AC 81AD 81AE 81AF 81B0 81B1 81B2 81B3 81B8 81B9 81BA 81BB 81BC 81BD 81BE 81C0 81C1 81C4 "
    "81C5 81C6")
_ESME_SUPPLIER = Complex(Seq(
    El("SupplierESMECommon", _alerts(_ESME_SUPPLIER_COMMON, name="SupplierESMECommon"), min=0),
    El("SupplierESMEPolyPhase", _alerts("81B7", name="SupplierESMEPolyPhase"), min=0)),
    name="ElectricitySupplierAlerts")
_ESME_NETWORK_OPERATOR = Complex(Seq(
    El("NetworkOperatorESMECommon", _alerts("8014 8015", name="NetworkOperatorESMECommon"), min=0),
    Choice(
        El("NetworkOperatorESMESinglePhase", _alerts(
            "8002 8006 8020 8024 8028 802C 8085 8089 808D 8091 8095 8099 8010",
            name="NetworkOperatorESMESinglePhase"), min=0),
        El("NetworkOperatorESMEPolyPhase", _alerts(
            "8003 8004 8005 8007 8008 8009 8021 8022 8023 8025 8026 8027 8029 802A 802B 802D 802E 802F 8086 "
            "8087 8088 808A 808B 808C 808E 808F 8090 8092 8093 8094 8096 8097 8098 809A 809B 809C 8011 8016 "
            "8013", name="NetworkOperatorESMEPolyPhase"), min=0))),
    name="ElectricityNetworkOperatorAlerts")
_GSME_SUPPLIER = _alerts(
    "810D 810E 8119 8145 8154 8155 8168 8183 8184 81A1 81A4 81A5 81A6 81A7 81A8 81A9 81AA 81AB 81AC 81AD "
    "81AE 81AF 81B0 81B1 81B2 81B3 81B4 81B5 81B6 81B9 81BA 81BC 81BD 81BE 81BF 81C0 81C2 81C3 81C4 81C5",
    name="SupplierGSME")
# Per alert: sent over the WAN, sent on the HAN, logged, and raised as an alarm.
_WAN_HAN_LOG_ALARM = Complex(Seq(*(El(part, t.ENABLE_DISABLE) for part in ("WANAlert", "HANAlert", "EventLog",
                                                                             "Alarm"))),
                             name="WANHANEventLogAlarm")
_GSME_SUPPLIER_EVENTS = _alerts(
    "810D 810E 8119 8145 8154 8155 8161 8162 8168 8183 8184 81A0 81A1 81A4 81A5 81A6 81A7 81A8 81A9 81AA "
    "81AB 81AC 81AD 81AE 81AF 81B0 81B1 81B2 81B3 81B4 81B5 81B6 81B9 81BA 81BC 81BD 81BE 81BF 81C0 81C2 "
    "81C3 81C4 81C5 81C6", _WAN_HAN_LOG_ALARM, name="SupplierGSMEAlertsEvents")

# --- 6.28 Sub-GHz configuration -----------------------------------------------------------------


def _channels(first: int, last: int) -> Complex:
    return Complex(Seq(*(El(f"Channel{n}", t.EMPTY, min=0) for n in range(first, last + 1))),
                   name=f"Channels{first}To{last}")


def _ushort(low: int | None = None, high: int | None = None, *, above: int | None = None) -> Simple:
    return Simple("xs:unsignedShort", min_inclusive=low, max_inclusive=high, min_exclusive=above)


def _percent() -> Simple:
    return Simple("xs:decimal", min_inclusive=Decimal("1.00"), max_inclusive=Decimal("100.00"), fraction_digits=2)


_SUB_GHZ = Complex(Seq(
    El("LowerBandSubGHzChannels0To26", _channels(0, 26)),
    El("LowerBandSubGHzChannels27To34", _channels(27, 34)),
    El("LowerBandSubGHzChannels35To61", _channels(35, 61)),
    El("UpperBandSubGHzChannels0To26", _channels(0, 26)),
    El("NormalLimitedDutyCycleThreshold", Simple("xs:decimal", min_inclusive=Decimal("0.5"),
                                                 max_inclusive=Decimal("2.0"), fraction_digits=1)),
    El("LimitedCriticalDutyCycleThreshold", Simple("xs:decimal", min_exclusive=Decimal("1.5"),
                                                   max_exclusive=Decimal("2.5"), fraction_digits=1)),
    El("MaximumSubGHzChannelChangesPerWeek", _ushort(1, 7)),
    El("GSMECurfew", _ushort(above=1)),
    El("ChannelQuieterThreshold", _ushort(1, 255)),
    El("ChannelNoisierThreshold", _ushort(0, 20)),
    El("NonGSMEPoorCommsPercentageThreshold", _percent()),
    El("NonGSMEPoorCommsMeasurementPeriods", _ushort(50, 150)),
    El("LocalCHNoiseMeasurementPeriod", _ushort(above=60)),
    El("LocalCHFailurePercentage", _percent()),
    El("LocalCHRetryPercentage", _percent()),
))

_CONFIGURATION_READS = (
    "ReadDeviceConfigurationVoltage", "ReadDeviceConfigurationRandomisation",
    "ReadDeviceConfigurationBillingCalendar", "ReadDeviceConfigurationIdentityExcMPxN",
    "ReadDeviceConfigurationInstantaneousPowerThresholds", "ReadDeviceConfigurationMPxN",
    "ReadDeviceConfigurationGas", "ReadDeviceConfigurationPaymentMode",
    "ReadDeviceConfigurationEventAndAlertBehaviours")

MODELS = (
    *(BodyModel(name, t.READ_NOW) for name in _CONFIGURATION_READS),
    BodyModel("UpdateDeviceConfigurationLoadLimitingGeneralSettings", t.future_dated(
        El("LoadLimitPeriod", _UINT), El("LoadLimitPowerThreshold", _UINT), El("LoadLimitRestorationPeriod", _UINT),
        El("LoadLimitSupplyState", Simple("xs:string", enumeration=("Disable", "Unchanged"))))),
    BodyModel("UpdateDeviceConfigurationLoadLimitingCounterReset", t.future_dated()),
    BodyModel("UpdateDeviceConfigurationVoltage", t.future_dated(
        El("RMSVoltageSettings", _RMS_SETTINGS),
        Choice(
            El("SinglePhaseVoltageSettings", _AVERAGE_RMS),
            El("PolyPhaseVoltageSettings", Complex(Seq(
                El("Phase", t.positive_at_most(3)), El("PhaseVoltageSettings", _AVERAGE_RMS))), min=3, max=3)),
        El("RMSVoltageCountersNotReset", t.EMPTY, min=0))),
    BodyModel("UpdateDeviceConfigurationGasConversion", Complex(Seq(
        El("CalorificValue", Simple("xs:decimal", fraction_digits=1, min_inclusive=0,
                                    max_inclusive=Decimal("429496729.5"))),
        El("ConversionFactor", Simple("xs:decimal", fraction_digits=5, min_inclusive=0,
                                      max_inclusive=Decimal("42949.67295")))))),
    BodyModel("UpdateDeviceConfigurationGasFlow", Complex(Seq(
        Choice(El("UncontrolledGasFlowRate", t.UNSIGNED_SHORT),
               El("UncontrolledGasFlowRateDecimal", Simple("xs:decimal", min_inclusive=Decimal("0.0000"),
                                                           max_inclusive=Decimal("6.5535"), fraction_digits=4))),
        El("SupplyDepletionState", Simple("xs:string", enumeration=("Unchanged", "Locked"))),
        El("SupplyTamperState", Simple("xs:string", enumeration=("Unchanged", "Locked"))),
        El("StabilisationPeriod", Simple("xs:positiveInteger", max_inclusive=255)),
        El("MeasurementPeriod", Simple("xs:positiveInteger", max_inclusive=65535))))),
    BodyModel("UpdateDeviceConfigurationBillingCalendar", Complex(Choice(
        El("ElectricityBillingCalendar", Complex(Seq(
            El("BillingTime", t.TIME),
            Choice(El("Daily", t.EMPTY), El("Weekly", t.positive_at_most(7, name="BillingCalendarDayOfWeek")),
                   El("Monthly", _BILLING_DAY), El("Quarterly", _BILLING_QSMY), El("SixMonthly", _BILLING_QSMY),
                   El("Yearly", _BILLING_QSMY))))),
        El("GasBillingCalendar", Complex(Seq(
            El("BillingPeriodStart", t.DATETIME),
            El("Periodicity", Simple("xs:string", enumeration=(
                "Daily", "Weekly", "Monthly", "Quarterly", "SixMonthly", "Yearly")))))),
    ), name="BillingCalendar")),
    BodyModel("SynchroniseClock", Complex(Seq(
        El("CurrentDateTime", t.DATETIME), El("TolerancePeriod", t.TOLERANCE_PERIOD)), name="SynchroniseClock")),
    BodyModel("UpdateDeviceConfigurationInstantaneousPowerThreshold", t.future_dated(
        El("LowMediumPowerThreshold", _UINT), El("MediumHighPowerThreshold", _UINT))),
    BodyModel("ReadEventOrSecurityLog", Complex(Seq(
        El("ReadLogPeriod", t.READ_LOG_PERIOD),
        El("LogToRead", Simple("xs:string", enumeration=(
            "Event", "ALCSEvent", "PowerEvent", "Security", "GSMEEvent", "GSMESecurity")))))),
    BodyModel("UpdateDeviceConfigurationALCDescriptions", Complex(Seq(El("ALCSHCALCSDescription", Complex(
        Seq(El("SwitchDescription", Simple("xs:string", max_length=22, pattern="[ -~]+"))),
        attributes=(_SWITCH_INDEX,)), min=1, max=5)))),
    BodyModel("UpdateDeviceConfigurationALCScheduler", t.future_dated(
        El("ALCSHCALCSConnectionSchedule", Complex(Seq(
            El("ActivateDeactivateSwitch", Complex(Choice(El("ActivateSwitch", t.EMPTY),
                                                          El("DeactivateSwitch", t.EMPTY)),
                                                   attributes=(_SWITCH_INDEX,))),
            El("SpecialDaysApplicability", _SPECIAL_DAY_REFERENCE, min=0, max=20),
            El("DaysOfWeekApplicability", DAYS_OF_WEEK_APPLICABILITY, min=0),
            El("ALCSScheduleDatesAndTime", SCHEDULE_DATES_AND_TIME))), min=1, max=48),
        El("ALCSHCALCSSpecialDays", Complex(Seq(El("ALCSHCALCSSpecialDay", Complex(
            t.WILDCARD_DATE.content, attributes=(t.index(20),)), min=0, max=20)))),
        El("SwitchTypeAndId", Complex(Choice(El("ALCS", t.EMPTY), El("HCALCS", t.EUI)),
                                      attributes=(_SWITCH_INDEX,)), min=0, max=5))),
    BodyModel("UpdateDeviceConfigurationAuxiliaryControllerScheduler", t.future_dated(
        El("AuxiliaryControllerSchedule", Complex(Seq(
            El("AuxiliaryControllerAction", Complex(Seq(
                El("CommandedStateLevel", t.AUXILIARY_CONTROLLER_LEVEL),
                El("InputFromControlledLoad", t.EMPTY, min=0)),
                attributes=(Attr("auxiliaryControllerN", t.index(5).type),))),
            El("SpecialDaysApplicability", Complex(None, attributes=(
                Attr("identifier", t.index(20).type),)), min=0, max=20),
            El("DaysOfWeekApplicability", DAYS_OF_WEEK_APPLICABILITY, min=0),
            El("AuxiliaryControllerSchedulePeriodAndTime", SCHEDULE_DATES_AND_TIME))), min=0, max=120),
        El("AuxiliaryControllerSpecialDayDefinitions", Complex(Seq(El("AuxiliaryControllerSpecialDayDefinition",
                                                                     Complex(t.WILDCARD_DATE.content, attributes=(
                                                                         Attr("identifier", t.index(20).type),)),
                                                                     min=0, max=20)))))),
    BodyModel("UpdateSecurityCredentialsKRP", _credentials_update(
        El("RemotePartyRole", t.REMOTE_PARTY_ROLE),
        El("RemotePartyFloorSeqNumber", _FLOOR, min=0),
        El("RemotePartyPrepaymentTopUpFloorSeqNumber", _FLOOR, min=0),
        replacement=El("ReplacementCertificates", Complex(Choice(
            El("SupplierOrNetworkOperatorCertificates", _replacement(False))))))),
    BodyModel("UpdateSecurityCredentialsDevice", Complex(Seq(El("DeviceCertificate", t.CERTIFICATE)))),
    BodyModel("IssueSecurityCredentials", Complex(Seq(El("CredentialType", t.CREDENTIAL_TYPE)))),
    BodyModel("SetMaximumDemandConfigurableTimePeriod", t.future_dated(
        El("MaximumDemandTimePeriodSchedule", Complex(Seq(El("StartTime", t.TIME), El("EndTime", t.TIME)))))),
    BodyModel("ResetMaximumDemandRegisters", t.future_dated(
        El("MaxDemandActivePowerImportValue", _RESET, min=0),
        El("MaxDemandActivePowerExportValue", _RESET, min=0),
        El("MaxDemandConfigTimeActivePowerImportValue", _RESET, min=0))),
    BodyModel("SetDeviceConfigurationImportMPxN", t.future_dated(Choice(
        El("ImportMPANs", Complex(Seq(El("ImportMPAN", t.MPAN), El("SecondaryImportMPAN", t.MPAN, min=0)))),
        El("ImportMPRN", t.MPRN)))),
    BodyModel("SetDeviceConfigurationExportMPAN", t.future_dated(El("ExportMPAN", t.MPAN))),
    BodyModel("RequestHandoverOfDCCControlledDevice", _credentials_update(
        El("RemotePartyRole", t.REMOTE_PARTY_ROLE),
        El("RemotePartyFloorSeqNumber", _FLOOR, min=0),
        El("RemotePartyPrepaymentTopUpFloorSeqNumber", _FLOOR, min=0),
        replacement=El("ReplacementCertificates", _replacement(True)))),
    BodyModel("ConfigureAlertBehaviour", Complex(Choice(
        El("ElectricitySupplierAlerts", _ESME_SUPPLIER),
        El("ElectricitySupplierHANAlertSettings", _ESME_SUPPLIER),
        El("ElectricitySupplierAlarmSettings", _ESME_SUPPLIER),
        El("ElectricitySupplierLoggingSettings", _ESME_SUPPLIER),
        El("ElectricityNetworkOperatorAlerts", _ESME_NETWORK_OPERATOR),
        El("ElectricityNetworkOperatorLoggingSettings", _ESME_NETWORK_OPERATOR),
        El("GasSupplierAlerts", _GSME_SUPPLIER),
        El("GasSupplierAlertEventSettings", _GSME_SUPPLIER_EVENTS)))),
    BodyModel("UpdateSecurityCredentialsCoS", _credentials_update(
        El("SupplierFloorSeqNumber", _FLOOR),
        El("SupplierPrepaymentTopUpFloorSeqNumber", _FLOOR, min=0),
        replacement=El("SupplierReplacementCertificates", _replacement(True)),
        tail=(El("ImportMPxN", t.IMPORT_MPXN),))),
    BodyModel("RetrieveDeviceSecurityCredentialsKRP", Complex(Seq(
        El("RemotePartyRole", t.REMOTE_PARTY_ROLE, min=1, max=7)))),
    BodyModel("RetrieveDeviceSecurityCredentialsDevice", Complex(Seq(El("CredentialType", t.CREDENTIAL_TYPE)))),
    BodyModel("SetElectricitySupplyTamperState", Complex(Seq(
        El("SupplyTamperState", Simple("xs:string", enumeration=("Locked", "Unchanged")))))),
    BodyModel("UpdateDeviceConfigurationDailyResettingOfTariffBlockCounterMatrix", Complex(Seq(
        El("DailyTariffBlockCounterMatrixReset", t.BOOLEAN)))),
    BodyModel("UpdateDeviceConfigurationRMSVoltageCounterReset", t.future_dated()),
    BodyModel("SetCHFSubGHzConfiguration", _SUB_GHZ),
    BodyModel("RequestCHFSubGHzChannelScan", Complex(None)),
    BodyModel("ReadCHFSubGHzConfiguration", Complex(None)),
    BodyModel("ReadCHFSubGHzChannel", Complex(None)),
    BodyModel("ReadCHFSubGHzChannelLog", Complex(Seq(El("ReadLogPeriod", t.READ_LOG_PERIOD)))),
)
