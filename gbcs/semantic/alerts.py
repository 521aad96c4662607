"""GBCS alert codes and their names (the alerts of the RTDS vectors and the common device alerts).

A code not listed here still reads, as its four hex digits, without a name.
"""
from __future__ import annotations

from gbcs.errors import MalformedMessage

ALERT_NAMES: dict[int, str] = {
    0x8071: "GPF Device Log Changed",
    0x810D: "Combined Credit Below Low Credit Threshold (prepayment mode)",
    0x810E: "Credit Added Locally",
    0x8119: "Emergency Credit Has Become Available (prepayment mode)",
    0x8145: "Clock adjusted (within tolerance)",
    0x8154: "Immediate HAN Interface Command Received and Successfully Actioned",
    0x8155: "Immediate HAN Interface Command Received but not Successfully Actioned",
    0x8161: "User Interface Command Input and Successfully Actioned",
    0x8162: "User Interface Command Input but not Successfully Actioned",
    0x8183: "Device joined SMHAN",
    0x819D: "GSME Command Not Retrieved",
    0x81A0: "Smart Meter Integrity Issue - Warning",
    0x81A1: "Battery Cover Closed",
    0x81A2: "CH Connected to ESME",
    0x81A3: "CH Disconnected from ESME",
    0x81AA: "Emergency Credit Exhausted",
    0x81AB: "Emergency Credit Activated",
    0x81B9: "Meter Cover Closed",
    0x81BD: "Supply Connect Failure (Valve or Load Switch)",
    0x81C0: "Supply Disconnect Failure (Valve or Load Switch)",
    0x81C1: "Terminal Cover Closed",
    0x81C6: "Clock not adjusted (outside tolerance)",
    0x8F01: "Active Power Import above Load Limit Threshold",
    0x8F0A: "Billing Data Log Updated",
    0x8F0C: "Clock not adjusted (adjustment greater than 10 seconds)",
    0x8F0F: "Credit Below Disablement Threshold (prepayment mode)",
    0x8F12: "CHF Device Log Changed",
    0x8F1B: "Firmware Verification Failed At Power On",
    0x8F1C: "Firmware Verification Failed",
    0x8F1D: "GSME Power Supply Loss",
    0x8F1E: "Integrity check of content or format of command failed",
    0x8F1F: "Low Battery Capacity",
    0x8F20: "Limited Duty Cycle Action Taken",
    0x8F21: "Duty Cycle fallen below Normal-Limited Duty Cycle Threshold",
    0x8F22: "Critical Duty Cycle Action Taken",
    0x8F23: "Duty Cycle fallen below Limited-Critical Duty Cycle Threshold",
    0x8F24: "Regulated Duty Cycle Action Taken",
    0x8F25: "Duty Cycle fallen below Critical-Regulated Duty Cycle Threshold",
    0x8F26: "Sub GHz Channel Changed",
    0x8F27: "Sub GHz Channel Scan initiated",
    0x8F28: "Sub GHz Channel Scan Request Assessment Outcome",
    0x8F29: "Three Lost GSME Searches Failed",
    0x8F2A: "Sub GHz Configuration Changed",
    0x8F2B: "Sub GHz Channel not changed due to Frequency Agility Parameters",
    0x8F2C: "Message Discarded Due to Duty Cycle Management",
    0x8F2D: "No More Sub GHz Device Capacity",
    0x8F30: "Source Does not have Authority for Command",
    0x8F32: "Supply Armed",
    0x8F33: "Supply Disabled then Armed - Load Limit triggered",
    0x8F34: "Supply Enabled after Load Limit Restoration Period (Load Limit triggered)",
    0x8F35: "Supply Outage Restored",
    0x8F36: "Supply Outage Restored - Outage >= 3 minutes",
    0x8F37: "Supply Outage Restored on Phase 1",
    0x8F38: "Supply Outage Restored on Phase 1 - Outage >= 3 minutes",
    0x8F39: "Supply Outage Restored on Phase 2",
    0x8F3A: "Supply Outage Restored on Phase 2 - Outage >= 3 minutes",
    0x8F3B: "Supply Outage Restored on Phase 3",
    0x8F3C: "Supply Outage Restored on Phase 3 - Outage >= 3 minutes",
    0x8F3D: "Trusted Source Authentication Failure",
    0x8F3E: "Unauthorised Communication Access attempted",
    0x8F3F: "Unauthorised Physical Access - Tamper Detect",
    0x8F43: "Change in the executing Firmware version",
    0x8F47: "Credit would cause Meter Balance to exceed Maximum Meter Balance Threshold",
    0x8F48: "Device joining failed",
    0x8F49: "Device joining succeeded",
    0x8F4A: "Device Unjoining failed",
    0x8F4B: "Device Unjoining succeeded",
    0x8F4C: "Device's own Digital Signing Certificate replacement failed",
    0x8F4D: "Device's own Digital Signing Certificate replacement succeeded",
    0x8F4E: "Device's own Key Agreement Certificate replacement failed",
    0x8F4F: "Device's own Key Agreement Certificate replacement succeeded",
    0x8F51: "Duplicate UTRN entered",
    0x8F52: "Event Log Cleared",
    0x8F53: "Failed Authentication or Authorisation not covered by other codes",
    0x8F57: "Supply interrupted",
    0x8F5B: "UTRN exceeds Maximum Credit Threshold",
    0x8F60: "Unusual numbers of malformed, out-of-order or unexpected Commands received",
    0x8F63: "UTRN not Authentic",
    0x8F64: "UTRN not for this Device",
    0x8F66: "Future-date HAN Interface Command Successfully Actioned",
    0x8F67: "Future-date HAN Interface Command not Successfully Actioned",
    0x8F69: "Device commissioned",
    0x8F70: "Update Security Credentials",
    0x8F72: "Firmware Verification Successful",
    0x8F73: "Unauthorised Physical Access - Battery Cover Removed",
    0x8F74: "Unauthorised Physical Access - Meter Cover Removed",
    0x8F75: "Unauthorised Physical Access - Strong Magnetic field",
    0x8F76: "Unauthorised Physical Access - Terminal Cover Removed",
    0x8F78: "Unauthorised Physical Access - Other",
    0x8F84: "Failure to Deliver Remote Party Message to ESME",
    0x8F85: "Command not supported by Device",
    0x8F86: "Limit APC Level Command processed",
    0x8F87: "Limit APC Level ended or cancelled",
    0x8F88: "Operational Update",
    0x8F89: "Firmware Transfer Alert: failure",
    0x8F8A: "Firmware Transfer Alert: success",
    0x8F8B: "Read Firmware Version Alert",
}

# The 2-octet code of a Smart Meter Integrity Issue Warning (0x81A0) alert's payload.
INTEGRITY_ISSUES: dict[int, str] = {
    0x0000: "Other", 0x0001: "Error Non Volatile Memory", 0x0002: "Error Program Execution",
    0x0003: "Error Program Storage", 0x0004: "Error RAM", 0x0005: "Error Unexpected Hardware Reset",
    0x0006: "Error Watchdog", 0x0007: "Error Metrology Firmware Verification Failure",
    0x0008: "Error Measurement Fault", 0x0009: "Unspecified Smart Meter Operational Integrity Error",
}


def alert_fields(code: int) -> dict[str, object]:
    """The alert code as four hex digits and, when known, its name."""
    fields: dict[str, object] = {"alert_code": f"{code:04X}"}
    if code in ALERT_NAMES:
        fields["alert"] = ALERT_NAMES[code]
    return fields


def alert_code(text: object) -> int:
    """The alert code given as four hex digits."""
    try:
        value = int(str(text), 16)
    except ValueError as exc:
        raise MalformedMessage(f"an alert code is four hex digits, not {text!r}") from exc
    if not 0 <= value <= 0xFFFF or len(str(text)) != 4:
        raise MalformedMessage(f"an alert code is four hex digits, not {text!r}")
    return value
