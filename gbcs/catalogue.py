"""The message-code catalogue: one table of every GBCS use case and its message codes.

Each row says, for one message code: the use case (as RTDS 4.5.0 names its folders: ECS17b, CS02b …), whether
it is a command (answered by a response) or an alert, the payload format it carries, whether it is critical
(signed by its originator), whether it travels between a remote party and a device or stays on the HAN, the
device types it is exchanged with, the DUIS Service References that use it and the use case's name.

Sources: the GBCS use-case list (names, message types → critical, remote party or HAN only), the RTDS 4.5.0
vectors (message codes, payload formats, signed or not, device identities) and, for the codes the RTDS does
not exercise, the public GBCS parser's message-code list. ``qualifier`` tells apart message codes that share
a use case (the CS02b/CS02g credential-replacement variants, the generic alerts). Rows without a message code
are use cases that are not GBCS messages of their own (firmware distribution); the ZSE-specified HAN-only use
cases only have a code to be recorded in a device's event log.
"""
from __future__ import annotations

from dataclasses import dataclass

from gbcs.states import Cra

COMMAND, ALERT = "command", "alert"
DLMS, GBZ, ASN1, ZSE = "dlms", "gbz", "asn1", "zse"
REMOTE, HAN = "remote party", "HAN only"
DEVICE_TYPES = ("ESME", "GSME", "GPF", "CHF", "PPMID", "HCALCS", "APC")

_PAYLOAD_KINDS = {
    (DLMS, COMMAND): ("dlms-access-request", "dlms-access-response"), (DLMS, ALERT): ("dlms-data-notification",),
    (GBZ, COMMAND): ("gbz",), (GBZ, ALERT): ("gbz-alert",), (ASN1, COMMAND): ("asn1",), (ASN1, ALERT): ("asn1",),
}


@dataclass(frozen=True)
class MessageCodeInfo:
    """One row of the catalogue."""

    code: int | None
    use_case: str
    kind: str                              # COMMAND (command and its response) or ALERT
    payload_formats: tuple[str, ...]       # DLMS, GBZ, ASN1 (GBCS payloads) or ZSE (ZigBee SE, HAN only)
    critical: bool | None                  # signed by the originator; None: depends on the variant
    party: str | None                      # REMOTE or HAN; None where GBCS leaves it open
    device_types: tuple[str, ...]
    service_references: tuple[str, ...]
    name: str
    qualifier: str = ""

    @property
    def cra(self) -> tuple[Cra, ...]:
        """The CRA flags messages with this code carry."""
        return (Cra.COMMAND, Cra.RESPONSE) if self.kind == COMMAND else (Cra.ALERT,)

    @property
    def remote_party(self) -> bool:
        return self.party == REMOTE

    @property
    def payload_format(self) -> str:
        return "/".join(self.payload_formats)

    @property
    def payload_kinds(self) -> tuple[str, ...]:
        """The ``gbcs.Payload.kind`` values a message with this code decodes to."""
        kinds: list[str] = []
        for fmt in self.payload_formats:
            kinds.extend(_PAYLOAD_KINDS.get((fmt, self.kind), ()))
        return tuple(kinds)


_row = MessageCodeInfo

#   code    use case  kind     payload  critical party  device types  SR references  name  [qualifier]
ROWS: tuple[MessageCodeInfo, ...] = (
    _row(0x0001, 'CCS01', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('8.11',), 'Add Device to CHF device log'),
    _row(0x0002, 'CCS02', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('8.11',), 'Remove device from CHF device log'),
    _row(0x0003, 'CCS03', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('8.12.1',), 'Restore CHF Device Log'),
    _row(0x0004, 'CCS05', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('8.9',), 'Read CHF Device Log'),
    _row(0x0007, 'CS01a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('2.2',), 'Apply Prepayment Top Up'),
    _row(0x0008, 'CS02a', COMMAND, (ASN1,), None, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('6.24.1',), 'Provide Security Credentials Details'),
    _row(0x000A, 'CS02c', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME'), ('6.17',), 'Issue Security Credentials'),
    _row(0x000B, 'CS02d', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('6.15.2',), 'Update Device Certificates on Device'),
    _row(0x000C, 'CS02e', COMMAND, (ASN1,), None, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('6.24.2',), 'Provide Device Certificates from Device'),
    _row(0x000D, 'CS03A1', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME'), ('8.7.1',), 'Method A Join (Meter)'),
    _row(0x000E, 'CS03B', COMMAND, (ASN1,), False, REMOTE, ('GSME', 'GPF'), ('8.7.2',), 'Method B Join'),
    _row(0x000F, 'CS04AC', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'PPMID', 'HCALCS', 'APC'), ('8.8.1', '8.8.2'), 'Method A or C Unjoin'),
    _row(0x0010, 'CS04B', COMMAND, (ASN1,), False, REMOTE, ('GSME', 'GPF'), ('8.8.2',), 'Method B Unjoin'),
    _row(0x0012, 'CS06', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'PPMID', 'HCALCS'), ('11.3',), 'Activate Firmware'),
    _row(0x0013, 'CS07', COMMAND, (ASN1,), False, REMOTE, ('ESME', 'GSME', 'GPF', 'CHF'), ('8.9',), 'Read Device Join Details'),
    _row(0x0014, 'CS10a', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('6.13',), 'Read device Event Log'),
    _row(0x0015, 'CS11', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('3.3',), 'Clear Event Log'),
    _row(0x0018, 'CS14', ALERT, (DLMS,), False, REMOTE, ('CHF',), (), 'Device Addition To / Removal From HAN Whitelist Alerts'),
    _row(0x0019, 'ECS01a', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.1.1',), 'Set Tariff and Price'),
    _row(0x001A, 'ECS02', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.6',), 'Set Payment Mode to Credit'),
    _row(0x001B, 'ECS03', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.6',), 'Set Payment Mode to Prepayment'),
    _row(0x001C, 'ECS04a', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.5',), 'Adjust Meter Balance'),
    _row(0x001D, 'ECS05', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.7',), 'Reset Tariff Block Counter Matrix'),
    _row(0x001E, 'ECS07', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('2.3',), 'Debt Management'),
    _row(0x001F, 'ECS08', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('2.1',), 'Update Prepayment Configuration'),
    _row(0x0020, 'ECS09', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('2.5',), 'Activate Emergency Credit Remotely'),
    _row(0x0021, 'ECS10', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('3.1',), 'Send Message to Meter'),
    _row(0x0022, 'ECS12', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('3.2',), 'Set Change of Tenancy date'),
    _row(0x0023, 'ECS14', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('3.5',), 'Disable Privacy PIN Protection'),
    _row(0x0024, 'ECS15a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('3.3',), 'Clear Event Log'),
    _row(0x0025, 'ECS16', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('3.4',), 'Write Supplier Contact Details'),
    _row(0x0026, 'ECS17a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.2',), 'Read ESME Energy Registers (Export Energy)'),
    _row(0x0027, 'ECS17b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.1.1',), 'Read Import Energy / Consumption Registers'),
    _row(0x0028, 'ECS17c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.16',), 'Read ESME Energy Registers (Power)'),
    _row(0x0029, 'ECS17d', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.1.2',), 'Read Energy / Consumption Register (TOU)'),
    _row(0x002A, 'ECS17e', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.1.3',), 'Read ESME Energy Register (TOU with Blocks)'),
    _row(0x002B, 'ECS18a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.12.2',), 'Read Maximum Demand Registers (export)'),
    _row(0x002C, 'ECS18b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.12.1',), 'Read Maximum Demand Registers (import)'),
    _row(0x002D, 'ECS19', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.3',), 'Read Prepayment Registers'),
    _row(0x002E, 'ECS20a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.4.4',), 'Read Billing Data Log (payment-based debt payments)'),
    _row(0x002F, 'ECS20b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.4.2',), 'Read Billing Data Log (change of mode / tariff triggered exc export)'),
    _row(0x0030, 'ECS20c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.4.3',), 'Read Billing Data Log (billing calendar triggered exc export)'),
    _row(0x0033, 'ECS21a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.6.1',), 'Read Daily Read Log (exc export)'),
    _row(0x0034, 'ECS21b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.14',), 'Read (Prepayment) Daily Read Log'),
    _row(0x0035, 'ECS21c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.6.2',), 'Read Electricity Daily Read Log (export only)'),
    _row(0x0036, 'ECS22a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.8.3',), 'Read Half Hour Profile Data (export)'),
    _row(0x0037, 'ECS22b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.8.1',), 'Read Half Hour Profile Data (consumption)'),
    _row(0x0038, 'ECS22c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.8.2',), 'Read Half Hour Profile Data (reactive import)'),
    _row(0x0039, 'ECS23', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.10',), 'Read Voltage Operational Data'),
    _row(0x003A, 'ECS24', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.11.1',), 'Read Tariff Data'),
    _row(0x003B, 'ECS26a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.13',), 'Read Configuration Data Prepayment'),
    _row(0x003C, 'ECS26b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.1',), 'Read Configuration Voltage Data'),
    _row(0x003D, 'ECS26c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.2',), 'Read Configuration Data Device Information (randomisation)'),
    _row(0x003E, 'ECS26d', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.3',), 'Read Configuration Data Device Information (Billing Calendar)'),
    _row(0x003F, 'ECS26e', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.4',), 'Read Configuration Data Device Information (device identity exc MPAN)'),
    _row(0x0040, 'ECS26f', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.5',), 'Read Configuration Data Device Information (instantaneous power thresholds)'),
    _row(0x0042, 'ECS27', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.15',), 'Read Load Limit Data'),
    _row(0x0043, 'ECS28a', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.4.1',), 'Set Load Limit Configurations - General Settings'),
    _row(0x0044, 'ECS28b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.4.2',), 'Set Load Limit Configuration Counter Reset'),
    _row(0x0045, 'ECS29a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.5',), 'Set Voltage Configurations on ESME with counter resets'),
    _row(0x0046, 'ECS30', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.8',), 'Set Billing Calendar'),
    _row(0x0047, 'ECS34', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.12',), 'Set Instantaneous Power Threshold Configuration'),
    _row(0x0048, 'ECS35a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.13',), 'Read device Event Log'),
    _row(0x0049, 'ECS35b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.13',), 'Read device Security Log'),
    _row(0x004A, 'ECS37', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.18.1',), 'Set Maximum Demand Configurable Time Period'),
    _row(0x004B, 'ECS38', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('7.12',), 'Update Randomised Offset Limit'),
    _row(0x004C, 'ECS39a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.20.1',), 'Set MPAN / MPRN Value'),
    _row(0x004D, 'ECS39b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.20.2',), 'Set Export MPAN Value on the ESME'),
    _row(0x004E, 'ECS40', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.7',), 'Read MPAN / MPRN Value'),
    _row(0x004F, 'ECS42', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('7.1',), 'Remotely Close the Load Switch on the ESME'),
    _row(0x0050, 'ECS43', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('7.2',), 'Remotely Open the Load Switch / close Valve'),
    _row(0x0051, 'ECS44', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('7.3',), 'Arm Load Switch / Valve'),
    _row(0x0052, 'ECS45', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('7.4',), 'Read Status of Load Switch / Valve'),
    _row(0x0053, 'ECS46a', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.14.1',), 'Set Auxiliary Controller Descriptions'),
    _row(0x0054, 'ECS46c', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.14.2',), 'Set Auxiliary Controller Configuration (excluding labels)'),
    _row(0x0055, 'ECS47', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('7.5', '7.6', '7.8'), 'Set or Reset HC ALCS or ALCS State'),
    _row(0x0058, 'ECS50', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('9.1',), 'Send CIN to meter'),
    _row(0x0059, 'ECS52', COMMAND, (DLMS,), False, REMOTE, ('ESME', 'CHF'), ('11.2',), 'Read ESME/SAPC/GSME/Comms Hub Firmware Version'),
    _row(0x005A, 'ECS57', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.18.2',), 'Reset Maximum Demand Registers'),
    _row(0x005E, 'ECS61c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('7.11',), 'Read Boost Function Data'),
    _row(0x005F, 'ECS62', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('7.10', '7.9'), 'Set ALCS/APC and Boost Function Association'),
    _row(0x0060, 'ECS66', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.17',), 'Read Daily Consumption Log'),
    _row(0x0061, 'ECS68', ALERT, (DLMS,), True, REMOTE, ('ESME',), (), 'Critical Sensitive Alert (Billing Data Log)'),
    _row(0x0062, 'ECS70', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.11', '8.1.1'), 'Set Clock'),
    _row(0x0067, 'ECS80', ALERT, (DLMS,), True, REMOTE, ('ESME',), (), 'Supply Outage Restore Alert from ESME'),
    _row(0x0068, 'ECS81', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.25',), 'Set Supply Tamper State on ESME'),
    _row(0x0069, 'ECS82', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.18',), 'Read Meter Balance for Smart Meter'),
    _row(0x006B, 'GCS01a', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.1.1',), 'Set Tariff and Price'),
    _row(0x006C, 'GCS02', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.6',), 'Set Payment Mode to Credit'),
    _row(0x006D, 'GCS03', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.6',), 'Set Payment Mode to Prepayment'),
    _row(0x006E, 'GCS04', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('2.3',), 'Debt Management'),
    _row(0x006F, 'GCS05', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('2.1',), 'Update Prepayment Configuration'),
    _row(0x0070, 'GCS06', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('2.5',), 'Activate Emergency Credit Remotely'),
    _row(0x0071, 'GCS07', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('3.1',), 'Send Message to Meter'),
    _row(0x0072, 'GCS09', COMMAND, (GBZ,), False, REMOTE, ('GPF',), ('3.2',), 'Set Change of Tenancy date'),
    _row(0x0073, 'GCS11', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('3.5',), 'Disable Privacy PIN Protection'),
    _row(0x0074, 'GCS13a', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('4.1.1',), 'Read Import Energy / Consumption Registers'),
    _row(0x0075, 'GCS14', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('4.3',), 'Read Prepayment Registers'),
    _row(0x0076, 'GCS15c', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.4.3',), 'Read Billing Data Log (billing calendar triggered exc export)'),
    _row(0x0077, 'GCS16a', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.6.1',), 'Read Daily Read Log (exc export)'),
    _row(0x0078, 'GCS17', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.8.1',), 'Read Half Hour Profile Data (consumption)'),
    _row(0x0079, 'GCS18', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.10',), 'Read Gas Network Data Log'),
    _row(0x007B, 'GCS21a', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.2.8',), 'Read Configuration Data Device Information (gas)'),
    _row(0x007C, 'GCS23', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('6.6',), 'Set CV and Conversion Factor Value(s) on the GSME'),
    _row(0x007D, 'GCS24', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('6.7',), 'Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME'),
    _row(0x007E, 'GCS25', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('6.8',), 'Set Billing Calendar'),
    _row(0x007F, 'GCS28', COMMAND, (ASN1,), True, REMOTE, ('GSME',), ('6.11', '8.1.1'), 'Set Clock'),
    _row(0x0080, 'GCS31', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('14.1',), 'Start Network Data Log on GSME'),
    _row(0x0081, 'GCS32', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('7.2',), 'Remotely Open the Load Switch / close Valve'),
    _row(0x0082, 'GCS33', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('7.4',), 'Read Status of Load Switch / Valve'),
    _row(0x0083, 'GCS36', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('9.1',), 'Send CIN to meter'),
    _row(0x0084, 'GCS38', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('11.2',), 'Read ESME/SAPC/GSME/Comms Hub Firmware Version'),
    _row(0x0085, 'GCS39', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('7.3',), 'Arm Load Switch / Valve'),
    _row(0x0086, 'GCS40a', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.5',), 'Adjust Prepayment Mode Meter Balance'),
    _row(0x0087, 'GCS41', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.20.1',), 'Set MPAN / MPRN Value'),
    _row(0x0088, 'GCS44', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('3.4',), 'Write Supplier Contact Details'),
    _row(0x0089, 'GCS46', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.2.7',), 'Read MPAN / MPRN Value'),
    _row(0x008B, 'GCS53', ALERT, (GBZ,), True, REMOTE, ('GSME',), (), 'Critical Sensitive Alert (Billing Data Log)'),
    _row(0x008C, 'GCS59', COMMAND, (ASN1,), False, REMOTE, ('GPF',), ('8.12.2',), 'Restore GPF Device Log'),
    _row(0x008D, 'GCS60', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.18',), 'Read Meter Balance for Smart Meter'),
    _row(0x0090, 'PCS02', COMMAND, (GBZ,), False, HAN, ('GSME',), (), 'Activate Emergency Credit on GSME from PPMID'),
    _row(0x0092, 'ECS26i', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.2.4',), 'Read Configuration Data Device Information (CHF identity)'),
    _row(0x0093, 'ECS35c', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.13',), 'Read CHF Event Log'),
    _row(0x0094, 'ECS35d', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.13',), 'Read CHF Security Log'),
    _row(0x0096, 'GCS16b', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('4.14',), 'Read (Prepayment) Daily Read Log'),
    _row(0x0097, 'CS01b', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('2.2',), 'Apply Prepayment Top Up'),
    _row(0x009B, 'PCS01', COMMAND, (GBZ,), False, HAN, ('GSME',), (), 'Apply Prepayment Top Up to GSME (using PPMID)'),
    _row(0x009D, 'GCS21d', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.2.3',), 'Read Configuration Data Device Information (Billing Calendar)'),
    _row(0x009E, 'GCS21e', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('6.2.4',), 'Read Configuration Data Device Information (device identity)'),
    _row(0x009F, 'GCS21f', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.11.1',), 'Read Tariff Data'),
    _row(0x00A0, 'GCS61', COMMAND, (GBZ,), False, REMOTE, ('GPF',), ('4.17',), 'Read Daily Consumption Log'),
    _row(0x00A1, 'CS10b', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('6.13',), 'Read device Security Log'),
    _row(0x00A2, 'ECS01b', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.2.1',), 'Set Price'),
    _row(0x00A3, 'GCS01b', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.2.1',), 'Set Price'),
    _row(0x00AB, 'CS03A2', COMMAND, (ASN1,), True, REMOTE, ('PPMID', 'HCALCS', 'APC'), ('8.7.1', '8.7.2'), 'Method A Join (non-Meter)'),
    _row(0x00AC, 'ECS25a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.22',), 'Set Alert Behaviours - Supplier'),
    _row(0x00AD, 'GCS20', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.22',), 'Set Alert Behaviours - Supplier'),
    _row(0x00AE, 'ECS29b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.5',), 'Set Voltage Configurations on ESME - 3 ph with counter resets'),
    _row(0x00AF, 'CS03C', COMMAND, (ASN1,), True, REMOTE, ('GSME', 'PPMID'), ('8.7.1', '8.7.2'), 'Method C Join'),
    _row(0x00B0, 'ECS25b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.22',), 'Set Alert Behaviours - Network Operator'),
    _row(0x00B2, 'GCS62', ALERT, (ASN1,), False, REMOTE, ('GPF',), (), 'Backup GPF Device Log'),
    _row(0x00B3, 'ECS04b', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.5',), 'Adjust Meter Balance: Reset'),
    _row(0x00B4, 'GCS40b', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.5',), 'Adjust Prepayment Mode Meter Balance: Reset'),
    _row(0x00B5, 'GCS21b', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.13',), 'Read Configuration Data Prepayment'),
    _row(0x00B6, 'GCS13c', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('4.1.2',), 'Read Energy / Consumption Register (TOU)'),
    _row(0x00B7, 'ECS01c', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.1.2',), 'Set Tariff and Price - Second Element'),
    _row(0x00B8, 'GCS13b', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('4.1.4',), 'Read GSME Energy Register (Block Counters)'),
    _row(0x00B9, 'ECS35e', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.13',), 'Read ESME Power Event Log'),
    _row(0x00BA, 'ECS35f', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.13',), 'Read ALCS Event Log'),
    _row(0x00BB, 'ECS61a', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('7.7',), 'Read HC ALCS and ALCS Data'),
    _row(0x00BC, 'ECS23b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.10',), 'Read Voltage Operational Data - 3 phase'),
    _row(0x00BD, 'ECS24b', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.11.2',), 'Read Tariff Data - second element'),
    _row(0x00BE, 'ECS26j', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.9',), 'Read Configuration Data Device Information (Payment Mode)'),
    _row(0x00BF, 'GCS21j', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.2.9',), 'Read Configuration Data Device Information (Payment Mode)'),
    _row(0x00C0, 'GCS40c', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.5',), 'Adjust Credit Mode Meter Balance'),
    _row(0x00C1, 'ECS15c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('3.3',), 'Clear Auxiliary Controller Event Log'),
    _row(0x00C2, 'GCS40d', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('1.5',), 'Adjust Credit Mode Meter Balance: Reset'),
    _row(0x00C3, 'GCS15b', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.4.2',), 'Read Billing Data Log (change of mode / tariff triggered exc export)'),
    _row(0x00C4, 'GCS15d', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.4.4',), 'Read Billing Data Log (payment-based debt payments)'),
    _row(0x00C5, 'GCS15e', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('4.4.5',), 'Read Billing Data Log (prepayment credits)'),
    _row(0x00C6, 'ECS26k', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.1',), 'Read Configuration Voltage Data - 3 Phase'),
    _row(0x00C7, 'ECS01d', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('1.2.2',), 'Set Price - Second Element'),
    _row(0x00C9, 'ECS20d', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('4.4.5',), 'Read Billing Data Log (prepayment credits)'),
    _row(0x00CA, 'CS06', ALERT, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'PPMID', 'HCALCS'), ('11.3',), 'Activate Firmware (future-dated outcome alert)'),
    _row(0x00CB, 'CS02b', ALERT, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('6.15.1', '6.23'), 'Update Security Credentials (future-dated outcome alert)'),
    _row(0x00CC, 'FDA-DLMS', ALERT, (DLMS,), True, REMOTE, ('ESME', 'APC'), ('1.1.1', '1.1.2', '1.2.1', '1.2.2', '1.6', '2.1', '6.14.2', '6.14.3', '6.4.1'), 'Future Dated Execution Of Instruction Alert (DLMS COSEM)', 'future-dated execution alert (DLMS)'),
    _row(0x00CD, 'FDA-ZigBee', ALERT, (GBZ,), True, REMOTE, ('GSME',), ('1.1.1', '1.2.1', '1.6', '2.1'), 'Future Dated Execution Of Instruction Alert (GBZ)', 'future-dated execution alert (GBZ)'),
    _row(0x00CE, 'FDRA-DLMS', ALERT, (DLMS,), True, REMOTE, ('ESME',), (), 'Firmware Distribution Receipt Alert (ESME)', 'firmware distribution receipt alert (DLMS)'),
    _row(0x00CF, 'FDRA-ZigBee', ALERT, (GBZ,), True, REMOTE, ('GSME',), (), 'Firmware Distribution Receipt Alert (GSME)', 'firmware distribution receipt alert (GBZ)'),
    _row(0x00D1, 'ECS29c', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.5',), 'Set Voltage Configurations on ESME without counter reset'),
    _row(0x00D2, 'ECS29d', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.5',), 'Set Voltage Configurations on polyphase ESME without counter reset'),
    _row(0x00D3, 'ECS29e', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.27',), 'Reset RMS Voltage Counters on ESME'),
    _row(0x00D4, 'ECS29f', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.27',), 'Reset RMS Voltage Counters on polyphase ESME'),
    _row(0x00D7, 'ECS30a', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.8',), 'Set Billing Calendar - all periodicities'),
    _row(0x00D8, 'GCS25a', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('6.8',), 'Set Billing Calendar - all periodicities'),
    _row(0x00D9, 'ECS26l', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.3',), 'Read Configuration Data Device Information (Billing Calendar)'),
    _row(0x00DA, 'GCS21k', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.2.3',), 'Read Configuration Data Device Information (Billing Calendar)'),
    _row(0x00DB, 'ECS48', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('6.26',), 'Configure daily resetting of Tariff Block Counter Matrix'),
    _row(0x00DE, 'ECS08a', COMMAND, (DLMS,), True, REMOTE, ('ESME',), ('2.1',), 'Update Prepayment Configuration'),
    _row(0x00EA, 'ECS25a1', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.22',), 'Set Event Behaviours to HAN Device - Supplier'),
    _row(0x00EB, 'ECS25a2', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.22',), 'Set Event Behaviours audible alarm - Supplier'),
    _row(0x00EC, 'ECS25a3', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.22',), 'Set Event Behaviours logging - Supplier'),
    _row(0x00ED, 'ECS25b3', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.22',), 'Set Event Behaviours logging - Network Operator'),
    _row(0x00EE, 'ECS25r1', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.10',), 'Read non-critical event and alert behaviours - Supplier'),
    _row(0x00EF, 'ECS25r2', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.10',), 'Read non-critical event and alert behaviours - Network Operator'),
    _row(0x00F0, 'MIIWA-DLMS', ALERT, (DLMS,), False, REMOTE, ('ESME',), (), 'Meter Integrity Issue Warning Alert (ESME)', 'meter integrity issue warning alert (DLMS)'),
    _row(0x00F1, 'GCS20r', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.2.10',), 'Read non-critical event and alert behaviours - Supplier'),
    _row(0x00F2, 'MIIWA-ZigBee', ALERT, (GBZ,), False, REMOTE, ('GSME',), (), 'Meter Integrity Issue Warning Alert (GSME)', 'meter integrity issue warning alert (GBZ)'),
    _row(0x00F9, 'ECS26m', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.2.4',), 'Read Configuration Data Device Information (Smart Meter identity and type, including supply tamper / depletion state )'),
    _row(0x00FA, 'ECS26n', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.2.4',), 'Read Configuration Data Device Information (CH identity and type)'),
    _row(0x00FB, 'GCS21m', COMMAND, (GBZ,), False, REMOTE, ('GSME',), ('6.2.4',), 'Read Configuration Data Device Information (Smart Meter identity and type, including supply tamper / depletion state )'),
    _row(0x00FC, 'GCS24a', COMMAND, (GBZ,), True, REMOTE, ('GSME',), ('6.7',), 'Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME'),
    _row(0x00FD, 'ECS35g', COMMAND, (DLMS,), False, REMOTE, ('ESME',), ('6.13',), 'Read Auxiliary Controller Event Log'),
    _row(0x00FE, 'CCS07', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('8.9',), 'Read CHF Device Logs'),
    _row(0x0100, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), (), 'Update Security Credentials', 'RootBySupplier'),
    _row(0x0101, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), (), 'Update Security Credentials', 'RootByWANProvider'),
    _row(0x0102, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('6.15.1', '6.21'), 'Update Security Credentials', 'SupplierBySupplier'),
    _row(0x0103, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('6.15.1', '6.21'), 'Update Security Credentials', 'NetworkOperatorByNetworkOperator'),
    _row(0x0104, 'CS02b', COMMAND, (ASN1,), False, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('8.5',), 'Update Security Credentials', 'ACBByACB'),
    _row(0x0105, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), (), 'Update Security Credentials', 'WANProviderByWANProvider'),
    _row(0x0106, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), (), 'Update Security Credentials', 'TransCoSByTransCoS'),
    _row(0x0107, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), ('6.23',), 'Update Security Credentials', 'SupplierByTransCoS'),
    _row(0x0108, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), (), 'Update Security Credentials', 'AnyExceptAbnormalRootByRecovery'),
    _row(0x0109, 'CS02b', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'GSME', 'CHF', 'GPF'), (), 'Update Security Credentials', 'AnyByContingency'),
    _row(0x010A, 'DBCH01', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.31',), 'Read CHF Sub GHz Channel'),
    _row(0x010B, 'DBCH02', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.32',), 'Read CHF Sub GHz Channel Log'),
    _row(0x010C, 'DBCH03', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.30',), 'Read CHF Sub GHz Configuration'),
    _row(0x010D, 'DBCH04', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.28',), 'Set CHF Sub GHz Configuration'),
    _row(0x010E, 'DBCH05', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('6.29',), 'Request CHF Sub GHz Channel Scan'),
    _row(0x010F, 'CCS06', COMMAND, (DLMS,), False, REMOTE, ('CHF',), ('8.9',), 'Read CHF device log and check HAN communications'),
    _row(0x0110, 'DBCH06', ALERT, (DLMS,), False, REMOTE, ('CHF',), (), 'Limited Duty Cycle Action Taken Sub GHz Alert'),
    _row(0x0111, 'DBCH07', ALERT, (DLMS,), False, REMOTE, ('CHF',), (), 'Sub GHz Sub GHz Channel Changed Sub GHz Alert'),
    _row(0x0112, 'DBCH08', ALERT, (DLMS,), False, REMOTE, ('CHF',), (), 'Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert'),
    _row(0x0113, 'DBCH09', ALERT, (DLMS,), False, REMOTE, ('CHF',), ('6.28',), 'Sub GHz Configuration Changed Sub GHz Alert'),
    _row(0x0114, 'DBCH10', ALERT, (DLMS,), False, REMOTE, ('CHF',), (), 'Message Discarded Due to Duty Cycle Management Sub GHz Alert'),
    _row(0x0115, 'DBCH11', ALERT, (DLMS,), False, REMOTE, ('CHF',), (), 'No More Sub GHz Device Capacity Sub GHz Alert'),
    _row(0x0116, 'PECS01', COMMAND, (ZSE,), None, HAN, ('ESME',), (), 'Apply Prepayment Top Up to ESME (using PPMID)'),
    _row(0x0117, 'PECS02', COMMAND, (ZSE,), None, HAN, ('ESME',), (), 'Activate Emergency Credit on ESME from PPMID'),
    _row(0x0118, 'PECS03', COMMAND, (ZSE,), None, HAN, ('ESME',), (), 'Request to Enable ESME Supply from PPMID'),
    _row(0x0119, 'HECS01', COMMAND, (ZSE,), None, HAN, ('HCALCS',), (), 'Request Control of HCALCS [n]'),
    _row(0x011A, 'ECS46d', COMMAND, (DLMS,), True, REMOTE, ('ESME', 'APC'), ('6.14.3',), 'Set Auxiliary Controller Calendar'),
    _row(0x011B, 'CS02f', COMMAND, (ASN1,), None, REMOTE, ('ESME', 'APC'), ('6.24.1',), 'Provide Security Credential Details (ESME and SAPC)'),
    _row(0x011C, 'ECS61d', COMMAND, (DLMS,), False, REMOTE, ('ESME', 'APC'), ('7.14',), 'Read Auxiliary Controller Configuration Data'),
    _row(0x011D, 'ECS61e', COMMAND, (DLMS,), False, REMOTE, ('ESME', 'APC'), ('7.15',), 'Read Auxiliary Controller Operational Data'),
    _row(0x011E, 'ECS47a', COMMAND, (DLMS,), True, REMOTE, ('ESME', 'APC'), ('7.13',), 'Set Auxiliary Controller [n] State'),
    _row(0x011F, 'ECS47e', COMMAND, (DLMS,), True, REMOTE, ('ESME', 'APC'), ('7.16',), 'Limit APC [n] Level'),
    _row(0x0120, 'ECS100', ALERT, (DLMS,), True, REMOTE, ('ESME', 'APC'), (), 'Command not supported by Device'),
    _row(0x0121, 'ECS101', ALERT, (DLMS,), True, REMOTE, ('ESME', 'APC'), (), 'Limit APC [n] Level Command processed'),
    _row(0x0122, 'ECS102', ALERT, (DLMS,), True, REMOTE, ('ESME', 'APC'), (), 'Limit APC [n] Level ended or cancelled'),
    _row(0x0123, 'ECS200', ALERT, (DLMS,), True, REMOTE, ('ESME',), (), 'Operational Update'),
    _row(0x0124, 'CS02g', ALERT, (ASN1,), True, REMOTE, ('ESME', 'APC'), ('6.15.1',), 'Update Load Controller Security Credentials (future-dated outcome alert)'),
    _row(0x0125, 'CS02g', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'APC'), (), 'Update Load Controller Security Credentials', 'LoadControllerByLoadController'),
    _row(0x0126, 'CS02g', COMMAND, (ASN1,), True, REMOTE, ('ESME', 'APC'), ('6.15.1',), 'Update Load Controller Security Credentials', 'LoadControllerBySupplier'),
    _row(0x0128, 'CCS08', ALERT, (ASN1,), True, REMOTE, ('CHF',), (), 'Firmware Transfer Alert'),
    _row(0x0129, 'CS08', COMMAND, (ASN1,), False, REMOTE, ('PPMID', 'HCALCS'), ('11.2',), 'Read PPMID/HCALCS Firmware Version'),
    _row(0x012A, 'GCS60a', COMMAND, (GBZ,), False, REMOTE, ('GSME', 'GPF'), ('4.18',), 'Read Meter Balance for Smart Meter'),
    _row(0x012B, 'CS09', ALERT, (ASN1,), True, REMOTE, ('PPMID',), (), 'PPMID Firmware Activation Alert'),
    _row(0x1000, 'GCA', ALERT, (DLMS, GBZ), True, REMOTE, ('ESME', 'GSME'), (), 'Generic Critical Alert', 'generic critical alert'),
    _row(0x1001, 'GNCA', ALERT, (DLMS, GBZ), False, REMOTE, ('ESME', 'GSME'), (), 'Generic Non-Critical Alert', 'generic non-critical alert'),
    _row(None, 'CS05a', COMMAND, (), None, None, ('CHF',), ('11.1',), 'Distribute Firmware to Communications Hub'),
    _row(None, 'CS05b', COMMAND, (), None, None, ('ESME', 'GSME'), ('11.1',), 'Distribute Firmware to ESME / GSME'),
    _row(None, 'CS05c', COMMAND, (), None, None, ('PPMID',), ('11.1',), 'Distribute Firmware to PPMID'),
)

MESSAGE_CODES: dict[int, MessageCodeInfo] = {row.code: row for row in ROWS if row.code is not None}
USE_CASES: tuple[str, ...] = tuple(dict.fromkeys(row.use_case for row in ROWS))


def lookup(code: int) -> MessageCodeInfo | None:
    return MESSAGE_CODES.get(code)


def rows_for(use_case: str) -> list[MessageCodeInfo]:
    """Every row of a use case (several for CS02b, CS02g, CS06 …), message codes or not."""
    return [row for row in ROWS if row.use_case == use_case]


def codes_for(use_case: str) -> list[int]:
    return [row.code for row in rows_for(use_case) if row.code is not None]
