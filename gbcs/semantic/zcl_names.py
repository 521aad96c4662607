"""Names of the ZCL clusters, commands, attributes, enumerations and text fields that GBCS uses.

Attribute names are those of the ZigBee Cluster Library and the ZigBee Smart Energy 1.4 profile (Basic, Time,
OTA Upgrade, Price, Metering, Prepayment, Device Management), written as the specification writes them
(``CurrentSummationDelivered``). The tables cover every attribute the RTDS 4.5.0 GBZ vectors read or write,
and the rest of each attribute set they belong to; an attribute not listed reads without a name. Enumerations
(calendar types, log ids, originating devices, event configuration controls) follow SE 1.4 and GBCS.
"""
from __future__ import annotations

from gbcs import zcl
from gbcs.semantic.common import Names


def _numbered(first: int, template: str, count: int, step: int = 1, start: int = 1) -> dict[int, str]:
    return {first + i * step: template.format(start + i) for i in range(count)}


_BASIC = {0x0000: "ZCLVersion", 0x0001: "ApplicationVersion", 0x0002: "StackVersion", 0x0003: "HWVersion",
          0x0004: "ManufacturerName", 0x0005: "ModelIdentifier", 0x0006: "DateCode", 0x0007: "PowerSource"}
_TIME = {0x0000: "Time", 0x0001: "TimeStatus", 0x0002: "TimeZone", 0x0003: "DstStart", 0x0004: "DstEnd",
         0x0005: "DstShift", 0x0006: "StandardTime", 0x0007: "LocalTime", 0x0008: "LastSetTime",
         0x0009: "ValidUntilTime"}
_OTA = {0x0000: "UpgradeServerID", 0x0001: "FileOffset", 0x0002: "CurrentFileVersion",
        0x0003: "CurrentZigBeeStackVersion", 0x0004: "DownloadedFileVersion",
        0x0005: "DownloadedZigBeeStackVersion", 0x0006: "ImageUpgradeStatus", 0x0007: "ManufacturerID",
        0x0008: "ImageTypeID", 0x0009: "MinimumBlockPeriod"}
_PRICE = {
    **_numbered(0x0000, "Tier{}PriceLabel", 48),
    **_numbered(0x0100, "Block{}Threshold", 15),
    0x0200: "StartOfBlockPeriod", 0x0201: "BlockPeriodDuration", 0x0202: "ThresholdMultiplier",
    0x0203: "ThresholdDivisor", 0x0204: "BlockPeriodDurationType",
    0x0300: "CommodityType", 0x0301: "StandingCharge", 0x0302: "ConversionFactor",
    0x0303: "ConversionFactorTrailingDigit", 0x0304: "CalorificValue", 0x0305: "CalorificValueUnit",
    0x0306: "CalorificValueTrailingDigit",
    **_numbered(0x0400, "NoTierBlock{}Price", 16),
    **{0x0400 + 0x10 * tier + block: f"Tier{tier}Block{block + 1}Price"
       for tier in range(1, 16) for block in range(16)},
    0x0615: "UnitOfMeasure", 0x0616: "Currency", 0x0617: "PriceTrailingDigit",
}
_METERING = {
    0x0000: "CurrentSummationDelivered", 0x0001: "CurrentSummationReceived", 0x0002: "CurrentMaxDemandDelivered",
    0x0003: "CurrentMaxDemandReceived", 0x0004: "DFTSummation", 0x0005: "DailyFreezeTime", 0x0006: "PowerFactor",
    0x0007: "ReadingSnapShotTime", 0x0008: "CurrentMaxDemandDeliveredTime", 0x0009: "CurrentMaxDemandReceivedTime",
    0x000A: "DefaultUpdatePeriod", 0x000B: "FastPollUpdatePeriod", 0x000C: "CurrentBlockPeriodConsumptionDelivered",
    0x000D: "DailyConsumptionTarget", 0x000E: "CurrentBlock", 0x000F: "ProfileIntervalPeriod",
    0x0010: "IntervalReadReportingPeriod", 0x0011: "PresetReadingTime", 0x0012: "VolumePerReport",
    0x0013: "FlowRestriction", 0x0014: "SupplyStatus",
    **_numbered(0x0100, "CurrentTier{}SummationDelivered", 48, step=2),
    **_numbered(0x0101, "CurrentTier{}SummationReceived", 48, step=2),
    0x0200: "Status", 0x0201: "RemainingBatteryLife", 0x0202: "HoursInOperation", 0x0203: "HoursInFault",
    0x0204: "ExtendedStatus", 0x0205: "RemainingBatteryLifeInDays", 0x0206: "CurrentMeterID",
    0x0207: "AmbientConsumptionIndicator",
    0x0300: "UnitOfMeasure", 0x0301: "Multiplier", 0x0302: "Divisor", 0x0303: "SummationFormatting",
    0x0304: "DemandFormatting", 0x0305: "HistoricalConsumptionFormatting", 0x0306: "MeteringDeviceType",
    0x0307: "SiteID", 0x0308: "MeterSerialNumber",
    0x0400: "InstantaneousDemand", 0x0401: "CurrentDayConsumptionDelivered", 0x0402: "CurrentDayConsumptionReceived",
    0x0403: "PreviousDayConsumptionDelivered", 0x0404: "PreviousDayConsumptionReceived",
    0x0600: "CurrentDemandDelivered", 0x0601: "DemandLimit", 0x0602: "DemandIntegrationPeriod",
    0x0603: "NumberOfDemandSubintervals", 0x0604: "DemandLimitArmDuration", 0x0605: "LoadLimitSupplyState",
    0x0606: "LoadLimitCounter", 0x0607: "SupplyTamperState", 0x0608: "SupplyDepletionState",
    0x0609: "SupplyUncontrolledFlowState",
    **_numbered(0x0700, "CurrentNoTierBlock{}SummationDelivered", 16),
    **{0x0700 + 0x10 * tier + block: f"CurrentTier{tier}Block{block + 1}SummationDelivered"
       for tier in range(1, 16) for block in range(16)},
    0x0A00: "BillToDateDelivered", 0x0A01: "BillToDateTimeStampDelivered", 0x0A02: "ProjectedBillDelivered",
    0x0A03: "ProjectedBillTimeStampDelivered", 0x0A04: "BillDeliveredTrailingDigit",
    0x0B00: "ProposedChangeSupplyImplementationTime", 0x0B01: "ProposedChangeSupplyStatus",
    0x0B10: "UncontrolledFlowThreshold", 0x0B11: "UncontrolledFlowThresholdUnitOfMeasure",
    0x0B12: "UncontrolledFlowMultiplier", 0x0B13: "UncontrolledFlowDivisor", 0x0B14: "FlowStabilisationPeriod",
    0x0B15: "FlowMeasurementPeriod",
}
_PREPAYMENT = {
    0x0000: "PaymentControlConfiguration", 0x0001: "CreditRemaining", 0x0002: "EmergencyCreditRemaining",
    0x0003: "CreditStatus", 0x0004: "CreditRemainingTimeStamp", 0x0005: "AccumulatedDebt", 0x0006: "OverallDebtCap",
    0x0010: "EmergencyCreditLimitAllowance", 0x0011: "EmergencyCreditThreshold", 0x0020: "TotalCreditAdded",
    0x0021: "MaxCreditLimit", 0x0022: "MaxCreditPerTopUp", 0x0030: "FriendlyCreditWarning",
    0x0031: "LowCreditWarningLevel", 0x0032: "IHDLowCreditWarningLevel", 0x0033: "InterruptSuspendTime",
    0x0034: "RemainingFriendlyCreditTime", 0x0035: "NextFriendlyCreditPeriod", 0x0040: "CutOffValue",
    0x0080: "TokenCarrierID",
    **{0x0100 + 0x10 * entry + offset: f"{name}{entry + 1}" for entry in range(5)
       for offset, name in enumerate(("TopUpDateTime", "TopUpAmount", "OriginatingDevice", "TopUpCode"))},
    **{0x0200 + 0x10 * debt + offset: f"{name}{debt}" for debt in range(1, 4)
       for offset, name in ((0x0, "DebtLabel"), (0x1, "DebtAmount"), (0x2, "DebtRecoveryMethod"),
                            (0x3, "DebtRecoveryStartTime"), (0x4, "DebtRecoveryCollectionTime"),
                            (0x6, "DebtRecoveryFrequency"), (0x7, "DebtRecoveryAmount"),
                            (0x9, "DebtRecoveryTopUpPercentage"))},
}
_DEVICE_MANAGEMENT = {0x0100: "ProviderID", 0x0101: "ProviderName", 0x0102: "ProviderContactDetails",
                      0x0110: "ProposedProviderID", 0x0111: "ProposedProviderName",
                      0x0112: "ProposedProviderChangeDateTime", 0x0113: "ProposedProviderChangeControl"}

ATTRIBUTES: dict[int, Names] = {
    zcl.BASIC: Names(_BASIC), zcl.TIME: Names(_TIME), zcl.OTA_UPGRADE: Names(_OTA), zcl.PRICE: Names(_PRICE),
    zcl.METERING: Names(_METERING), zcl.PREPAYMENT: Names(_PREPAYMENT),
    zcl.DEVICE_MANAGEMENT: Names(_DEVICE_MANAGEMENT),
}

STATUSES = Names(zcl.STATUS_NAMES)
TYPES = Names(zcl.TYPE_NAMES)

# Clusters, and the profile-wide commands every cluster shares.
CLUSTERS = Names({0x0000: "Basic", 0x000A: "Time", 0x0019: "OTA Upgrade", 0x0700: "Price", 0x0702: "Metering",
                  0x0703: "Messaging", 0x0704: "Tunneling", 0x0705: "Prepayment", 0x0706: "Energy Management",
                  0x0707: "Calendar", 0x0708: "Device Management", 0x0709: "Events"})
GENERAL_COMMANDS = Names({
    0x00: "Read Attributes", 0x01: "Read Attributes Response", 0x02: "Write Attributes",
    0x03: "Write Attributes Undivided", 0x04: "Write Attributes Response", 0x05: "Write Attributes No Response",
    0x06: "Configure Reporting", 0x07: "Configure Reporting Response", 0x08: "Read Reporting Configuration",
    0x09: "Read Reporting Configuration Response", 0x0A: "Report Attributes", 0x0B: "Default Response",
    0x0C: "Discover Attributes", 0x0D: "Discover Attributes Response"})
# Cluster-specific commands: (cluster, generated by the server) → names.
CLUSTER_COMMANDS: dict[tuple[int, bool], Names] = {
    (0x0700, False): Names({0x00: "Get Current Price", 0x0B: "Get Billing Period"}),
    (0x0700, True): Names({0x00: "Publish Price", 0x01: "Publish Block Period", 0x02: "Publish Conversion Factor",
                           0x03: "Publish Calorific Value", 0x04: "Publish Tariff Information",
                           0x05: "Publish Price Matrix", 0x06: "Publish Block Thresholds",
                           0x09: "Publish Billing Period"}),
    (0x0702, False): Names({0x06: "Get Snapshot", 0x07: "Start Sampling", 0x08: "Get Sampled Data",
                            0x0B: "Change Supply", 0x0D: "Set Supply Status",
                            0x0E: "Set Uncontrolled Flow Threshold"}),
    (0x0702, True): Names({0x06: "Publish Snapshot", 0x07: "Get Sampled Data Response",
                           0x0C: "Supply Status Response", 0x0D: "Start Sampling Response"}),
    (0x0703, True): Names({0x00: "Display Message"}),
    (0x0705, False): Names({0x00: "Select Available Emergency Credit", 0x02: "Change Debt",
                            0x03: "Emergency Credit Setup", 0x04: "Consumer Top Up", 0x05: "Credit Adjustment",
                            0x06: "Change Payment Mode", 0x07: "Get Prepay Snapshot", 0x08: "Get Top Up Log",
                            0x09: "Set Low Credit Warning Level", 0x0A: "Get Debt Repayment Log",
                            0x0B: "Set Maximum Credit Limit", 0x0C: "Set Overall Debt Cap"}),
    (0x0705, True): Names({0x01: "Publish Prepay Snapshot", 0x02: "Change Payment Mode Response",
                           0x03: "Consumer Top Up Response", 0x05: "Publish Top Up Log", 0x06: "Publish Debt Log"}),
    (0x0707, False): Names({0x00: "Get Calendar", 0x01: "Get Day Profiles", 0x02: "Get Week Profiles",
                            0x03: "Get Seasons", 0x04: "Get Special Days"}),
    (0x0707, True): Names({0x00: "Publish Calendar", 0x01: "Publish Day Profile", 0x02: "Publish Week Profile",
                           0x03: "Publish Seasons", 0x04: "Publish Special Days"}),
    (0x0708, False): Names({0x04: "Report Event Configuration"}),
    (0x0708, True): Names({0x00: "Publish Change of Tenancy", 0x01: "Publish Change of Supplier",
                           0x02: "Request New Password Response", 0x03: "Update Site ID",
                           0x04: "Set Event Configuration", 0x05: "Get Event Configuration", 0x06: "Update CIN"}),
    (0x0709, False): Names({0x00: "Get Event Log", 0x01: "Clear Event Log Request"}),
    (0x0709, True): Names({0x01: "Publish Event Log", 0x02: "Clear Event Log Response"}),
}

# Enumerated fields of the cluster commands: field name → names of its values.
FIELD_NAMES: dict[str, Names] = {
    "calendar_type": Names({0x00: "Delivered Calendar", 0x01: "Received Calendar",
                            0x02: "Delivered and Received Calendar", 0x03: "Friendly Credit Calendar",
                            0x04: "Auxiliary Load Switch Calendar"}),
    "log_id": Names({0x00: "All logs", 0x01: "Tamper Log", 0x02: "Fault Log", 0x03: "General Event Log",
                     0x04: "Security Event Log", 0x05: "Network Event Log"}),
    "originating_device": Names({0x00: "Energy Service Interface", 0x01: "Meter", 0x02: "In-Home Display Device"}),
    "configuration_control": Names({0x00: "Apply by List", 0x01: "Apply by Event Group", 0x02: "Apply by Log Type",
                                    0x03: "Apply by Configuration Match"}),
}

# 16-bit fields that carry a GBCS event / alert code: shown as four hex digits, with the code's name beside
# them under the second name.
CODE_FIELDS = {"event_id": "event"}

# Octet-string fields that carry text (labels, names, identifiers typed by people, UTRNs): shown as text when
# they are printable ASCII.
TEXT_FIELDS = frozenset((
    "rate_label", "tariff_label", "calendar_name", "debt_label", "top_up_code", "message", "site_id",
    "customer_id_number", "proposed_provider_name", "proposed_provider_contact_details", "password",
))


def attribute_name(cluster: int, attribute: int) -> str | None:
    names = ATTRIBUTES.get(cluster)
    name = names.name(attribute) if names else attribute
    return name if isinstance(name, str) else None
