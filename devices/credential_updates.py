"""A device replacing the certificates of its trust-anchor cells (CS02b / CS02g, Update Security Credentials:
DUIS 6.15.1, 6.21, 6.23).

The command names its credentials replacement mode: who authorises it (the Remote Party whose signing cell
signed the command — the Supplier for its own cells, the Transitional CoS party for a change of supplier, the
Network Operator for its own, the Supplier for the Load Controller's) and whose cells it may replace. Each
replacement is a certificate and the cell it is for; the device takes the certificate's subject (its
``x500UniqueIdentifier``), key and key identifier into the cell. A replaced prepayment cell belongs to another
supplier: the UTRN counter cache starts afresh for it (GBCS 14). The answer is the execution outcome: per
cell, the subject and key identifier it held and now holds.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cryptography import x509

import gbcs
from devices import trust_anchors
from devices.errors import MalformedRequest, reading
from devices.state import DeviceState, PrepaymentMeter, Role
from gbcs import KeyUsage, Payload

COMMAND_LAYOUT = "update-security-credentials-command"
X500_UNIQUE_IDENTIFIER = x509.ObjectIdentifier("2.5.4.45")
ROLE_NAMES = {"root": Role.ROOT, "recovery": Role.RECOVERY, "supplier": Role.SUPPLIER,
              "networkOperator": Role.NETWORK_OPERATOR, "accessControlBroker": Role.ACB,
              "transitionalCoS": Role.TRANSITIONAL_COS, "wanProvider": Role.WAN_PROVIDER,
              "loadController": Role.LOAD_CONTROLLER}
# Credentials replacement mode → (the role that authorises it, the roles whose cells it replaces).
MODES: dict[str, tuple[Role, frozenset[Role]]] = {
    "supplierBySupplier": (Role.SUPPLIER, frozenset({Role.SUPPLIER})),
    "networkOperatorByNetworkOperator": (Role.NETWORK_OPERATOR, frozenset({Role.NETWORK_OPERATOR})),
    "accessControlBrokerByACB": (Role.ACB, frozenset({Role.ACB})),
    "transCoSByTransCoS": (Role.TRANSITIONAL_COS, frozenset({Role.TRANSITIONAL_COS})),
    "supplierByTransCoS": (Role.TRANSITIONAL_COS, frozenset({Role.SUPPLIER})),
    "loadControllerByLoadController": (Role.LOAD_CONTROLLER, frozenset({Role.LOAD_CONTROLLER})),
    "loadControllerBySupplier": (Role.SUPPLIER, frozenset({Role.LOAD_CONTROLLER})),
}
SUCCESS, BAD_CERTIFICATE, NO_TRUST_ANCHOR = "success", "badCertificate", "noTrustAnchor"
CANCELLATION_YEAR = 9999                   # GBCS: an execution date-time of 9999-12-31 23:59:59 cancels
FUTURE_ACTIONED, FUTURE_FAILED = 0x8F66, 0x8F67
# The alert message code of a held command's outcome, by the command's message code (CS02b, CS02g).
ALERT_MESSAGE_CODES = {**{code: 0x00CB for code in range(0x0100, 0x010A)}, 0x0125: 0x0124, 0x0126: 0x0124}


def _usage(cell: dict) -> KeyUsage:
    if "keyAgreement" in cell.get("key_usage", []):
        return KeyUsage.PREPAYMENT if cell.get("cell_usage") == "prePaymentTopUp" else KeyUsage.KEY_AGREEMENT
    return KeyUsage.SIGNING


def _subject(certificate: x509.Certificate) -> str:
    """The certificate's subject entity id: its x500UniqueIdentifier (the last 8 octets of the bit string)."""
    for attribute in certificate.subject.get_attributes_for_oid(X500_UNIQUE_IDENTIFIER):
        value = attribute.value
        raw = value if isinstance(value, bytes) else bytes.fromhex(str(value).lstrip("#"))
        return raw[-8:].hex().upper()
    raise MalformedRequest("a replacement certificate without an x500UniqueIdentifier")


def _key_identifier(certificate: x509.Certificate) -> bytes:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest[:8]
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest[:8]


def _held(state: DeviceState, role: Role, usage: KeyUsage) -> tuple[str, str]:
    found = trust_anchors.cell(state, role, usage)
    return (found.entity, found.ski.hex()) if found else ("0000000000000000", "")


def _replace(state: DeviceState, role: Role, usage: KeyUsage, certificate: x509.Certificate) -> None:
    new = trust_anchors.make_cell(role, usage, _subject(certificate), certificate.public_key(),
                                  _key_identifier(certificate))
    old = trust_anchors.cell(state, role, usage)
    state.trust_anchors = [c for c in state.cells if c is not old] + [new]
    another_supplier = old is None or old.entity != new.entity
    if usage is KeyUsage.PREPAYMENT and isinstance(state, PrepaymentMeter) and another_supplier:
        state.utrn_counters = []        # another supplier's UTRNs: its counters start afresh


def _outcome(cell: dict, status: str, before: tuple[str, str], after: tuple[str, str]) -> dict[str, Any]:
    return {"affected_trust_anchor_cell": cell, "status": status, "existing_subject_unique_id": before[0],
            "existing_subject_key_id": before[1], "replacing_subject_unique_id": after[0],
            "replacing_subject_key_id": after[1]}


def _seq_number_changes(control: dict, authorising: Role) -> list[dict]:
    """The sequence numbers the command sets: the other parties' it names, else the authorising party's."""
    if control.get("other_remote_party_seq_number_changes"):
        return control["other_remote_party_seq_number_changes"]
    role = next(name for name, value in ROLE_NAMES.items() if value is authorising)
    change: dict[str, Any] = {"remote_party_role": role,
                              "floor_seq_number": control.get("new_remote_party_floor_seq_number", 0)}
    if control.get("new_remote_party_specialist_floor_seq_numbers"):
        change["specialist_floor_seq_numbers"] = control["new_remote_party_specialist_floor_seq_numbers"]
    return [change]


def _fields(tree: list, message_code: int) -> dict[str, Any]:
    try:
        fields = gbcs.Payload("asn1", tree).fields(message_code=message_code, cra=gbcs.Cra.COMMAND)
    except gbcs.GbcsError as exc:
        raise MalformedRequest(f"an Update Security Credentials command the device cannot read: {exc}") from exc
    if fields.get("layout") != COMMAND_LAYOUT:
        raise MalformedRequest(f"not an Update Security Credentials command: {fields.get('layout')}")
    return fields


def execution_time(message: gbcs.Message) -> tuple[bool, datetime | None]:
    """(cancel?, when) the command is to be executed: a GBCS cancellation (9999-12-31 23:59:59), a future time,
    or now (None)."""
    fields = _fields(message.payload.tree, message.message_code)
    text = fields.get("execution_date_time")
    if not text:
        return False, None
    with reading("an execution date-time"):
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return when.year >= CANCELLATION_YEAR, when


def _execute(state: DeviceState, fields: dict[str, Any], originator: str) -> dict[str, Any]:
    """Replace what the command may replace; its execution outcome (named fields)."""
    with reading("an Update Security Credentials command"):
        control = fields["authorising_remote_party_control"]
        mode = control["credentials_replacement_mode"]
        sequence_number = control["authorising_remote_party_seq_number"]
    authorising, replaceable = MODES.get(mode, (None, frozenset()))
    signer = trust_anchors.cell(state, authorising, KeyUsage.SIGNING) if authorising else None
    allowed = signer is not None and signer.entity == originator.upper()
    outcomes = []
    for replacement in fields.get("replacements", []):
        cell = replacement["target_trust_anchor_cell"]
        role, usage = ROLE_NAMES.get(cell["remote_party_role"]), _usage(cell)
        before = _held(state, role, usage) if role else ("0000000000000000", "")
        if not allowed or role not in replaceable or trust_anchors.cell(state, role, usage) is None:
            outcomes.append(_outcome(cell, NO_TRUST_ANCHOR, before, before))
            continue
        try:
            certificate = x509.load_der_x509_certificate(bytes.fromhex(replacement["certificate"]))
            _replace(state, role, usage, certificate)
        except (ValueError, MalformedRequest):
            outcomes.append(_outcome(cell, BAD_CERTIFICATE, before, before))
            continue
        outcomes.append(_outcome(cell, SUCCESS, before, _held(state, role, usage)))
    return {"authorising_remote_party_seq_number": sequence_number, "credentials_replacement_mode": mode,
            "remote_party_seq_number_changes": _seq_number_changes(control, authorising or Role.SUPPLIER),
            "replacement_outcomes": outcomes}


def _tree(fields: dict[str, Any]) -> list:
    return gbcs.Payload.from_json({"kind": "asn1", "fields": {"view": "asn1", **fields}}).tree


def accepted() -> list:
    """The answer to a command held for later (or a cancellation): accepted, nothing run yet."""
    return _tree({"layout": "update-security-credentials-response", "command_accepted": True})


def serve(state: DeviceState, message: gbcs.Message, now: datetime) -> tuple[list, list]:
    """Execute an Update Security Credentials command the device has authenticated; its response nodes."""
    outcome = _execute(state, _fields(message.payload.tree, message.message_code), message.originator)
    return _tree({"layout": "update-security-credentials-response", "command_accepted": True,
                  "execution_outcome": outcome}), []


def run_held(state: DeviceState, tree: list, message_code: int, originator: str, at: datetime) -> tuple[int, Payload]:
    """A held command executed at its time: the alert code (0x8F66, or 0x8F67 when a cell was not replaced)
    and the Update Security Credentials alert payload carrying its execution outcome."""
    outcome = _execute(state, _fields(tree, message_code), originator)
    code = FUTURE_ACTIONED if all(o["status"] == SUCCESS for o in outcome["replacement_outcomes"]) \
        else FUTURE_FAILED
    fields = {"layout": "update-security-credentials-alert", "alert_code": f"{code:04X}",
              "execution_date_time": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "execution_outcome": outcome}
    return code, Payload("asn1", _tree(fields))
