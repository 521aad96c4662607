"""Update Security Credentials commands (CS02b / CS02g: DUIS 6.15.1 by the Remote Party, 6.23 change of
supplier by the Transitional CoS party): the credentials replacement mode the request calls for, the
certificates it carries into which trust-anchor cells, and the floor sequence numbers it sets.

The command is written by its named fields (``gbcs.Payload.from_json``, the GBCS layout
"update-security-credentials-command"); its authorising sequence number is the originator counter of the
command — the User's request counter (6.15.1), or the Transitional CoS party's own counter (6.23), set when
the DCC originates it (``sequenced``).
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any, Callable

import gbcs
from dccsim.han.commands.structures_credentials import (ACB_BY_ACB, LOAD_CONTROLLER_BY_SUPPLIER, MODES,
                                                        NETWORK_OPERATOR_BY_NETWORK_OPERATOR, SUPPLIER_BY_SUPPLIER,
                                                        SUPPLIER_BY_TRANS_COS)
from dccsim.duis.outcomes import E061509, DuisRejection
from dccsim.han.commands.values import all_values, as_datetime, as_int, gbcs_version, text_of
from dccsim.inventory.models import Device

DUIS_CANCELLATION_YEAR = 3000
# Structures whose Service Request the DCC holds until its execution time (DUIS future dating 'DSP').
DSP_DATED = frozenset({ACB_BY_ACB})
GBCS_CANCELLATION = "9999-12-31T23:59:59Z"
# Who authorises each mode (the signing cell of that role signs the command).
AUTHORISING_ROLE = {"supplierByTransCoS": "transitionalCoS", "supplierBySupplier": "supplier",
                    "networkOperatorByNetworkOperator": "networkOperator", "loadControllerBySupplier": "supplier",
                    "accessControlBrokerByACB": "accessControlBroker"}
# DUIS RemotePartyRole of 6.15.1 → the structure.
BY_ROLE = {"Supplier": SUPPLIER_BY_SUPPLIER, "NetworkOperator": NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
           "LoadController": LOAD_CONTROLLER_BY_SUPPLIER}
# The certificates of a request → the key usage (and cell usage) of the cell each replaces.
_CELLS = (("DigitalSigningCertificate", ["digitalSignature"], None),
          ("KeyAgreementCertificate", ["keyAgreement"], None),
          ("KeyAgreementTopUpCertificate", ["keyAgreement"], "prePaymentTopUp"))

LOAD_CONTROLLER_FROM_GBCS = (4, 0)        # the Load Controller's trust anchor cells are a GBCS v4.0 function


def check_load_controller(variant: str, body: dict[str, Any], device: Device) -> None:
    """6.15.1 (CS02g): a Load Controller's cells exist on a device of GBCS v4.0 or later only (E061509)."""
    if variant == "6.15.1" and text_of(body.get("RemotePartyRole")) == "LoadController" \
            and gbcs_version(device) < LOAD_CONTROLLER_FROM_GBCS:
        raise DuisRejection(E061509, f"device {device.device_id} runs GBCS {device.gbcs_version}: it holds no Load "
                                     "Controller trust anchor cell (GBCS v4.0 or later)")


def choose_use_case(variant: str, body: dict[str, Any]) -> str | None:
    """6.23: the Supplier's cells by the Transitional CoS party; 6.15.1 / 6.21: the named role's cells; 8.5: the
    Access Control Broker's cells by the DCC's ACB, for the supplier's own."""
    if variant == "6.23":
        return SUPPLIER_BY_TRANS_COS
    if variant == "8.5":
        return ACB_BY_ACB
    if variant in ("6.15.1", "6.21"):
        return BY_ROLE.get(text_of(body.get("RemotePartyRole")), SUPPLIER_BY_SUPPLIER)
    return None


def _der(value: Any) -> str:
    raw = value if isinstance(value, bytes) else base64.b64decode("".join(text_of(value).split()))
    return raw.hex()


def _cell(role: str, key_usage: list[str], cell_usage: str | None) -> dict[str, Any]:
    cell: dict[str, Any] = {"remote_party_role": role, "key_usage": key_usage}
    if cell_usage:
        cell["cell_usage"] = cell_usage
    return cell


def _floors(body: dict, prefix: str) -> tuple[int, list[dict]]:
    floor = as_int(next(iter(all_values(body, f"{prefix}FloorSeqNumber")), 0), 0)
    top_up = next(iter(all_values(body, f"{prefix}PrepaymentTopUpFloorSeqNumber")), None)
    specialist = [{"seq_number_usage": "prePaymentTopUp", "seq_number": as_int(top_up, 0)}] if top_up is not None \
        else []
    return floor, specialist


def command_fields(structure: str, body: dict[str, Any]) -> dict[str, Any]:
    """The named fields of the command a request calls for (sequence number 0 until it is originated)."""
    _code, mode, role = MODES[structure]
    authorising = AUTHORISING_ROLE[mode]
    replacements = []
    for name, key_usage, cell_usage in _CELLS:
        for certificate in all_values(body, name):
            replacements.append({"certificate": _der(certificate),
                                 "target_trust_anchor_cell": _cell(role, key_usage, cell_usage)})
    path = [_der(c) for c in all_values(body.get("CertificationPathCertificates") or {}, "Certificate")]
    control: dict[str, Any] = {"credentials_replacement_mode": mode}
    if text_of(body.get("ApplyTimeBasedCPVChecks")).lower() in ("false", "0"):
        control["apply_time_based_cpv_checks"] = "disapply"     # applying them is the default
    control["authorising_remote_party_ta_cell"] = _cell(authorising, ["digitalSignature"], None)
    control["authorising_remote_party_seq_number"] = 0
    if authorising != role:                     # another party's numbers, set by the authorising one
        floor, specialist = _floors(body, "Supplier" if structure == SUPPLIER_BY_TRANS_COS else "RemoteParty")
        change: dict[str, Any] = {"remote_party_role": role, "floor_seq_number": floor}
        if specialist:
            change["specialist_floor_seq_numbers"] = specialist
        control["other_remote_party_seq_number_changes"] = [change]
    else:
        floor, specialist = _floors(body, "ACB" if structure == ACB_BY_ACB else "RemoteParty")
        control["new_remote_party_floor_seq_number"] = floor
        if specialist:
            control["new_remote_party_specialist_floor_seq_numbers"] = specialist
    return {"view": "asn1", "layout": "update-security-credentials-command",
            "authorising_remote_party_control": control, "replacements": replacements,
            "certification_path_certificates": path}


def execution_date_time(body: dict[str, Any], now: datetime) -> str | None:
    """A device-dated replacement's execution time as GBCS writes it (the DUIS cancellation date 3000-12-31
    becomes GBCS's 9999-12-31 23:59:59); None to run it now."""
    when = as_datetime(body.get("ExecutionDateTime"))
    if when is None or when <= now:
        return None
    if when.year >= DUIS_CANCELLATION_YEAR:
        return GBCS_CANCELLATION
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fill(structure: str) -> Callable[[Any, dict, Device, datetime], Any]:
    def fill(tree: Any, body: dict, device: Device, now: datetime) -> Any:
        fields = command_fields(structure, body)
        # 8.5 is DSP future dated: the DCC holds the command until its ExecutionDateTime and sends it undated.
        when = None if structure in DSP_DATED else execution_date_time(body, now)
        if when is not None:
            fields["execution_date_time"] = when
        return gbcs.Payload.from_json({"kind": "asn1", "fields": fields}).tree
    return fill


def sequenced(tree: list, counter: int) -> list:
    """The command with its authorising sequence number: the originator counter it is sent under."""
    control = tree[0]["children"][0]["children"]
    for node in control:
        if node["tag"] == "83":
            node["hex"] = counter.to_bytes(max(1, (counter.bit_length() + 8) // 8), "big").hex()
    return tree


# DUIS CredentialType → the key usage of the device's key pair.
CREDENTIAL_KEY_USAGE = {"Digital Signature": "digitalSignature", "Key Agreement": "keyAgreement"}


def _issue(tree: Any, body: dict, device: Device, now: datetime) -> Any:
    """CS02c (6.17): a new key pair of the usage asked for."""
    usage = CREDENTIAL_KEY_USAGE.get(text_of(body.get("CredentialType")), "digitalSignature")
    return gbcs.Payload.from_json({"kind": "asn1", "fields": {
        "view": "asn1", "layout": "issue-security-credentials-command", "key_usage": [usage]}}).tree


def _device_certificate(tree: Any, body: dict, device: Device, now: datetime) -> Any:
    """CS02d (6.15.2): the certificate the SMKI issued for the device's new key pair."""
    return gbcs.Payload.from_json({"kind": "asn1", "fields": {
        "view": "asn1", "layout": "update-device-certificate-command",
        "certificate": _der(body.get("DeviceCertificate"))}}).tree


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    **{name: _fill(name) for name in MODES}, "CS02c": _issue, "CS02d": _device_certificate}
FINISH: dict[str, Callable[[Any, int], Any]] = {name: sequenced for name in MODES if name != SUPPLIER_BY_TRANS_COS}
# Commands a DCC party originates itself (not the requesting User), by Service Request: the estate role of that
# party — the Transitional CoS party for a change of supplier, the Access Control Broker, which holds the cells
# of a DCC-controlled device, for its handover (6.21), and its own cells of a device the supplier opts out (8.5).
DCC_ORIGINATED = {"6.23": "TCoS", "6.21": "ACB", "8.5": "ACB"}
