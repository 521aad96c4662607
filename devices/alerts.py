"""Device alerts: which Remote Party each alert code goes to, and the GBCS frame a device sends.

``ALERT_CODES`` is the table of the alert codes the emulated devices raise or the DCC routes: whether the
alert is critical (sent signed with the device's digital-signing key) or not (MAC'd for its recipient), and
the Remote Party roles it is addressed to — the entity in the device's trust-anchor cell for that role, the
originator of the command that caused it, or the Access Control Broker (the DCC) for devices without the
role's cell. The DCC routes each delivered alert to the Users holding the matching role (``dccsim.han.alerts``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import gbcs
from devices import trust_anchors
from gbcs.times import generalized_time, zigbee_time
from devices.state import DeviceState, Role
from gbcs import Payload

ORIGINATOR = "originator"           # whoever sent the command an alert answers
Addressee = Role | Literal["originator"]


@dataclass(frozen=True)
class AlertCode:
    code: int
    name: str
    critical: bool
    to: tuple[Addressee, ...]    # remote-party roles, or the originator of the command it answers


def _table(*entries: tuple[int, str, bool, tuple[Addressee, ...]]) -> dict[int, AlertCode]:
    return {code: AlertCode(code, name, critical, to) for code, name, critical, to in entries}


SUPPLIER, NETWORK_OPERATOR, ACB = Role.SUPPLIER, Role.NETWORK_OPERATOR, Role.ACB

ALERT_CODES: dict[int, AlertCode] = _table(
    # Voltage quality and load: the Network Operator's.
    *[(code, "voltage quality", False, (NETWORK_OPERATOR,)) for code in
      (*range(0x8002, 0x800A), 0x8010, 0x8011, 0x8013, 0x8014, 0x8015, 0x8016, *range(0x8020, 0x8030),
       *range(0x8085, 0x809D))],
    (0x8F34, "Supply Enabled after Load Limit", True, (SUPPLIER, NETWORK_OPERATOR)),
    (0x8F35, "Supply Outage Restored", True, (NETWORK_OPERATOR,)),
    (0x8F36, "Supply Outage Restored - Outage >= 3 minutes", True, (NETWORK_OPERATOR,)),
    (0x8F74, "Unauthorised Physical Access - Meter Cover Removed", True, (SUPPLIER, NETWORK_OPERATOR)),
    (0x8F75, "Unauthorised Physical Access - Strong Magnetic field", True, (SUPPLIER, NETWORK_OPERATOR)),
    (0x8F76, "Unauthorised Physical Access - Terminal Cover Removed", True, (SUPPLIER, NETWORK_OPERATOR)),
    (0x8F57, "Supply interrupted", True, (SUPPLIER, NETWORK_OPERATOR)),
    # The Supplier's.
    (0x8F0A, "Billing Data Log Updated", True, (SUPPLIER,)),
    (0x8F0C, "Clock not adjusted (adjustment greater than 10 seconds)", True, (SUPPLIER,)),
    (0x810D, "Combined Credit Below Low Credit Threshold", False, (SUPPLIER,)),
    (0x810E, "Credit Added Locally", False, (SUPPLIER,)),
    (0x8145, "Clock adjusted (within tolerance)", False, (SUPPLIER,)),
    (0x81A1, "Battery Cover Closed", False, (SUPPLIER,)),
    (0x81A2, "CH Connected to ESME", False, (SUPPLIER,)),
    (0x81A3, "CH Disconnected from ESME", False, (SUPPLIER,)),
    (0x81B9, "Meter Cover Closed", False, (SUPPLIER,)),
    (0x81BD, "Supply Connect Failure (Valve or Load Switch)", False, (SUPPLIER,)),
    (0x81C0, "Supply Disconnect Failure (Valve or Load Switch)", False, (SUPPLIER,)),
    (0x81C1, "Terminal Cover Closed", False, (SUPPLIER,)),
    (0x81AA, "Emergency Credit Exhausted", False, (SUPPLIER,)),
    (0x81AB, "Emergency Credit Activated", False, (SUPPLIER,)),
    (0x8F1D, "GSME Power Supply Loss", True, (SUPPLIER,)),
    (0x8F1F, "Low Battery Capacity", True, (SUPPLIER,)),
    (0x8F3E, "Unauthorised Communication Access attempted", True, (SUPPLIER,)),
    (0x8F73, "Unauthorised Physical Access - Battery Cover Removed", True, (SUPPLIER,)),
    (0x8F0F, "Credit Below Disablement Threshold", True, (SUPPLIER,)),
    (0x8119, "Emergency Credit Has Become Available", False, (SUPPLIER,)),
    (0x8F1B, "Firmware Verification Failed At Power On", True, (SUPPLIER,)),
    (0x8F1C, "Firmware Verification Failed", True, (SUPPLIER,)),
    (0x8F30, "Generic critical alert", True, (SUPPLIER,)),
    (0x8F69, "Device commissioned", True, (SUPPLIER,)),
    (0x8F70, "Update Security Credentials", True, (SUPPLIER,)),
    (0x8F72, "Firmware Verification Successful", True, (SUPPLIER,)),
    (0x8F83, "Disablement of supply due to insufficient credit has been suspended", True, (SUPPLIER,)),
    (0x8F32, "Supply Armed", True, (SUPPLIER,)),
    (0x81AA, "Emergency Credit Exhausted", False, (SUPPLIER,)),
    (0x81AB, "Emergency Credit Activated", False, (SUPPLIER,)),
    (0x8183, "Device joined SMHAN", False, (SUPPLIER,)),
    (0x81A0, "Smart Meter Integrity Issue - Warning", False, (SUPPLIER,)),
    # Answers to a command: whoever sent it.
    (0x8F1E, "Integrity check of content or format of command failed", True, (ORIGINATOR,)),
    (0x8F3D, "Trusted Source Authentication Failure", True, (ORIGINATOR,)),
    (0x8F66, "Future-dated command successfully actioned", True, (ORIGINATOR,)),
    (0x8F67, "Future-dated command not successfully actioned", True, (ORIGINATOR,)),
    (0x8F85, "Command not supported by Device", True, (ORIGINATOR,)),
    # The Access Control Broker's (the DCC processes them and tells the Users concerned).
    (0x8F12, "Device addition to / removal from HAN whitelist (CHF device log backup)", False, (ACB,)),
    (0x8071, "GPF Device Log Changed (backup)", False, (ACB,)),
    (0x8F8A, "Firmware Transfer to Device (Communications Hub)", True, (ACB,)),
    (0x8F8B, "PPMID Firmware Activated", True, (ACB,)),
)

# Alert message codes (GBCS "message code" of the alert frame).
CS14 = 0x0018
GCS62 = 0x00B2            # GPF device log backup
FD_FIRMWARE = 0x00CA      # future-dated firmware activation (CS06)
FDA_DLMS = 0x00CC         # future-dated execution of instruction (DLMS COSEM)
FDA_ZIGBEE = 0x00CD       # future-dated execution of instruction (GBZ)
FDRA_DLMS = 0x00CE        # firmware distribution receipt (ESME / Communications Hub)
FDRA_ZIGBEE = 0x00CF      # firmware distribution receipt (GSME)
NOT_SUPPORTED = 0x0120    # ECS100, command not supported
CCS08 = 0x0128
CS09 = 0x012B
GENERIC_CRITICAL = 0x1000
GENERIC_NON_CRITICAL = 0x1001


def info(code: int) -> AlertCode:
    return ALERT_CODES.get(code) or AlertCode(code, "alert", True, (SUPPLIER,))


def recipients(state: DeviceState, code: int, originator: str | None = None) -> list[str]:
    """The entities an alert goes to: the cells of its roles (the ACB's where the device has no such cell)."""
    found: list[str] = []
    for role in info(code).to:
        entity = originator if role == ORIGINATOR else trust_anchors.entity_for(state, role)
        if entity is None:
            entity = trust_anchors.entity_for(state, ACB)
        if entity and entity.upper() not in found:
            found.append(entity.upper())
    return found


def _next_counter(state: DeviceState) -> int:
    state.alert_counter += 1
    return state.alert_counter


def frame(device_id: str, keys: gbcs.KeyStore, state: DeviceState, *, code: int, message_code: int,
          payload: Payload, recipient: str, other_info_extra: bytes = b"") -> bytes:
    """The alert as the device sends it: signed if critical, else MAC'd for ``recipient``."""
    critical = info(code).critical
    return gbcs.build(cra=gbcs.Cra.ALERT, counter=_next_counter(state), originator=device_id, recipient=recipient,
                      message_code=message_code, payload=payload, keys=keys, sign=critical, ciphered=not critical,
                      empty_signature_field=not critical, other_info_extra=other_info_extra)


def dlms_payload(state: DeviceState, code: int, now: datetime, *items: dict) -> Payload:
    """A DLMS data-notification alert: alert code, date-time, then what the alert carries."""
    body = {"type": "structure", "items": [{"type": "long-unsigned", "value": code},
                                           {"type": "octet-string", "hex": gbcs.encode_dlms_date_time(now).hex()},
                                           *items]}
    invoke = 0x20000000 | (state.alert_counter + 1) & 0xFFFFFF
    return Payload("dlms-data-notification", {"invoke_id": f"{invoke:08x}", "date_time": None, "body": [body]})


def gbz_payload(code: int, now: datetime, tail: bytes = b"", count: int = 1) -> Payload:
    return Payload("gbz-alert", {"count": count, "alert_code": code, "timestamp": zigbee_time(now),
                                 "tail": tail.hex()})


def integer(value: int) -> dict:
    """An ASN.1 INTEGER node (DER, the fewest octets)."""
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return {"tag": "02", "hex": raw.hex()}


def asn1_payload(code: int, now: datetime, *children: dict) -> Payload:
    return Payload("asn1", [{"tag": "30", "children": [integer(code), {"tag": "18", "hex": generalized_time(now).hex()},
                                                       *children]}])


def octets(raw: bytes) -> dict:
    """An ASN.1 OCTET STRING node."""
    return {"tag": "04", "hex": raw.hex()}


def command_reference(message_code: int, counter: int) -> bytes:
    """How an alert names the command it reports on: its message code and originator counter."""
    return message_code.to_bytes(2, "big") + counter.to_bytes(8, "big")
