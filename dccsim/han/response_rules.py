"""What a device's Response means for the DCC (DUIS 'Additional DCC System Processing'), decided from the
GBCS message alone: did the command succeed, which firmware version does the device report, which device
did a device-log command name, which devices does a hub's log show, and how a reported firmware version
stands against the inventory and the CPL (N49 / N50 / N51). ``dccsim.han.processing`` acts on it."""
from __future__ import annotations

import enum

from cryptography import x509

import gbcs
from gbcs import zcl
from dccsim.inventory.models import CplEntry, Device, DeviceType


def succeeded(message: gbcs.Message) -> bool:
    """Whether every part of the command ran, as the response says."""
    tree = message.payload.tree
    if message.payload.kind == "dlms-access-response":
        return all(r["result"] == 0 for r in tree.get("results", []))
    if message.payload.kind == "asn1":
        first = tree[0] if tree else {}
        if first.get("tag") == "02":
            return first.get("hex") in ("00", "")
        for child in first.get("children") or []:
            if child.get("tag") == "02":
                return child.get("hex") in ("00", "")
        return True
    return True


# Update Security Credentials (CS02b / CS02g): the inventory role a replaced signing cell's new holder takes,
# by the device's type and the cell's remote-party role (6.23: the gaining supplier; 6.15.1: the new key holder).
RESPONSIBLE_FOR_CELL: dict[tuple[str, str], str] = {
    ("ESME", "supplier"): "IS", ("GSME", "supplier"): "GS",
    ("ESME", "networkOperator"): "ED", ("GSME", "networkOperator"): "GT",
}


def new_cell_holders(message: gbcs.Message) -> dict[str, str]:
    """The remote-party roles whose digital-signing cell an Update Security Credentials response says it
    replaced, with the entity that now holds each."""
    try:
        fields = message.payload.fields(message_code=message.message_code, cra=message.cra)
    except gbcs.GbcsError:
        return {}
    outcome = fields.get("execution_outcome") or {}
    found = {}
    for replaced in outcome.get("replacement_outcomes", []):
        cell = replaced.get("affected_trust_anchor_cell", {})
        if replaced.get("status") == "success" and "digitalSignature" in cell.get("key_usage", []):
            found[cell.get("remote_party_role")] = replaced["replacing_subject_unique_id"].upper()
    return found


def acb_cells_replaced(message: gbcs.Message) -> bool:
    """8.5 Service Opt Out: whether the device now holds the supplier's certificates in its Access Control Broker
    cells (every replacement the response reports succeeded)."""
    try:
        fields = message.payload.fields(message_code=message.message_code, cra=message.cra)
    except gbcs.GbcsError:
        return False
    outcomes = (fields.get("execution_outcome") or {}).get("replacement_outcomes", [])
    return bool(outcomes) and all(o.get("status") == "success" and o.get("affected_trust_anchor_cell", {})
                                  .get("remote_party_role") == "accessControlBroker" for o in outcomes)


def device_certificate_taken(message: gbcs.Message) -> bool:
    """Whether an Update Device Certificate response (CS02d, 6.15.2) says the device took the certificate."""
    try:
        fields = message.payload.fields(message_code=message.message_code, cra=message.cra)
    except gbcs.GbcsError:
        return False
    return fields.get("response_code") == "success"


def certificate_sent(command: bytes | None) -> x509.Certificate | None:
    """The certificate an Update Device Certificate command (CS02d) carried."""
    if command is None:
        return None
    try:
        decoded = gbcs.decode(command)
        der = decoded.payload.fields(message_code=decoded.message_code, cra=decoded.cra).get("certificate", "")
        return x509.load_der_x509_certificate(bytes.fromhex(der))
    except (gbcs.GbcsError, ValueError):
        return None


def reported_firmware_version(message: gbcs.Message) -> str | None:
    """The firmware version a read-firmware response (ECS52 / GCS38 / CS08), an activation (CS06) or an
    activation alert reports."""
    kind, tree = message.payload.kind, message.payload.tree
    if kind == "dlms-access-response":
        for value in tree.get("data", []):
            if value.get("type") == "octet-string":
                return value["hex"].upper()
    if kind == "gbz":
        for component in tree.get("components", []):
            if component["command"] != zcl.READ_ATTRIBUTES_RESPONSE \
                    or component["frame_control"] & zcl.FRAME_TYPE_CLUSTER_SPECIFIC:
                continue
            for record in zcl.decode_read_attributes_response(bytes.fromhex(component["payload"])):
                if record.value is not None and isinstance(record.value.value, bytes):
                    return record.value.value.hex().upper()
    if kind == "asn1":
        return _version_octets(tree)
    return None


def _version_octets(nodes: list) -> str | None:
    """The first 4-octet OCTET STRING of an ASN.1 tree: the firmware version of the CS use cases."""
    for node in nodes:
        if "children" in node:
            found = _version_octets(node["children"])
            if found:
                return found
        elif node.get("tag") == "04" and len(node.get("hex", "")) == 8:
            return node["hex"].upper()
    return None


def _first_device_id(node) -> str | None:
    """The first 8-octet octet string in a DLMS value tree (a device id)."""
    if isinstance(node, dict):
        if node.get("type") == "octet-string" and len(node.get("hex", "")) == 16:
            return node["hex"].upper()
        node = node.get("items", [])
    if isinstance(node, list):
        for item in node:
            found = _first_device_id(item)
            if found:
                return found
    return None


def command_target(command: bytes | None) -> str | None:
    """The device a CCS01 / CCS02 command named (its first 8-byte octet string)."""
    if command is None:
        return None
    try:
        decoded = gbcs.decode(command)
    except gbcs.GbcsError:
        return None
    return _first_device_id(decoded.payload.tree.get("data", []))


def devices_on_han(message: gbcs.Message) -> list[str]:
    """The devices a CCS05 / CCS06 response lists on the hub's device log."""
    entries = (message.payload.tree.get("data") or [{}])[0].get("items", [])
    found = []
    for entry in entries:
        items = entry.get("items") or []
        if items and items[0].get("type") == "octet-string":
            found.append(items[0]["hex"].upper())
    return found


class FirmwareVerdict(enum.StrEnum):
    """A reported firmware version against the CPL (the DCC alert it raises)."""

    CURRENT = "N49"        # on the CPL: the inventory follows the device
    REMOVED = "N50"        # on the CPL as Removed: the inventory follows the device
    UNKNOWN = "N51"        # not on the CPL: the inventory is left alone


# N58 (release note 5.5): the successful Response to these changes an ESME's ALCS / HCALCS configuration.
CONFIGURATION_VARIANTS = frozenset({"6.14.1", "6.14.2", "6.14.3"})


def configuration_changed(variant: str) -> bool:
    """Whether a successful Response to this request changed an ESME's ALCS / HCALCS configuration (N58)."""
    return variant in CONFIGURATION_VARIANTS


# N58's other trigger: a future-dated execution alert (0x8F66, DLMS COSEM) for the auxiliary controllers' calendar
# (ECS46c for 6.14.2, ECS46d for 6.14.3) taking effect; the meter raises one for the calendar's activation time.
AUXILIARY_CALENDAR_COMMANDS = frozenset({0x0054, 0x011A})
AUXILIARY_CALENDAR_ACTIVATION = (9000, "00005E2C801A")
FUTURE_DATED_ACTIONED = 0x8F66


def auxiliary_calendar_activated(message: gbcs.Message) -> bool:
    """Whether a future-dated execution alert reports that the auxiliary controllers' calendar took effect: its
    actioned command is ECS46c / ECS46d and the object it names the calendar's activation time."""
    if message.payload.kind != "dlms-data-notification":
        return False
    body = message.payload.tree.get("body") or []
    items = body[0].get("items", []) if body and body[0].get("type") == "structure" else []
    if len(items) < 3 or items[0].get("value") != FUTURE_DATED_ACTIONED or items[2].get("type") != "octet-string":
        return False
    actioned = bytes.fromhex(items[2]["hex"])      # message code, originator counter, class, OBIS, attribute
    if len(actioned) < 18:
        return False
    return int.from_bytes(actioned[:2], "big") in AUXILIARY_CALENDAR_COMMANDS and \
        (int.from_bytes(actioned[10:12], "big"), actioned[12:18].hex().upper()) == AUXILIARY_CALENDAR_ACTIVATION


# The change of supplier (6.23 Update Security Credentials (CoS)): its successful Response tells the supplier the
# device is leaving (N12, DeviceChangeOfSupplier).
CHANGE_OF_SUPPLIER_VARIANTS = frozenset({"6.23"})


def supplier_changed(variant: str) -> bool:
    """Whether a successful Response to this request moved a device to another supplier (N12)."""
    return variant in CHANGE_OF_SUPPLIER_VARIANTS


def cpl_check_applies(device: Device, cr1045: bool) -> bool:
    """Whether the DCC checks the firmware version a device reports against the CPL: for every SMETS2+ device,
    and since V4.0 (CR1045, the release switch ``firmware_cpl_alerts``) for SMETS1 PPMIDs too."""
    return cr1045 or not (device.smets_generation == "SMETS1" and device.device_type == DeviceType.PPMID)


def firmware_verdict(reported: str, cpl_entry: CplEntry | None) -> FirmwareVerdict:
    if cpl_entry is None:
        return FirmwareVerdict.UNKNOWN
    return FirmwareVerdict.REMOVED if cpl_entry.status == "Removed" else FirmwareVerdict.CURRENT


def firmware_alert_recipients(verdict: FirmwareVerdict, parties: dict[str, str], *, requester: str | None,
                              trigger: str) -> list[str]:
    """Who hears of a firmware version (the premises' IS and GS): N49 only after 11.2, and not to the User
    that asked; N50 and N51 to both."""
    if verdict is FirmwareVerdict.CURRENT and trigger != "11.2":
        return []
    recipients: list[str] = []
    for role in ("IS", "GS"):
        user = parties.get(role)
        if user and user not in recipients and not (verdict is FirmwareVerdict.CURRENT and user == requester):
            recipients.append(user)
    return recipients


# The requests whose successful Response the DCC processes besides delivering it (``dccsim.han.processing``), by
# the request's variant or by the GBCS use case that answered it. A Response to any other request is only passed
# on to the User, so the DCC need not decode it.
PROCESSED_VARIANTS = frozenset({"6.15.2", "6.24.2", "8.1.1", "8.5", "11.2", "11.3"}) \
    | CHANGE_OF_SUPPLIER_VARIANTS | CONFIGURATION_VARIANTS
PROCESSED_USE_CASES = frozenset({"CCS01", "CCS02", "CCS05", "CCS06", "CS02b", "CS02g"})


def processed(variant: str, use_cases: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether the DCC does anything with a successful Response to ``variant`` (answered by one of
    ``use_cases``) besides delivering it."""
    return variant in PROCESSED_VARIANTS or not PROCESSED_USE_CASES.isdisjoint(use_cases)
