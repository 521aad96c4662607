"""Named fields of the ASN.1 DER use cases: security credentials (CS02a–g), join and unjoin (CS03, CS04),
firmware (CS06, CS08, CS09, CCS08), device join details (CS07), GPF clock and device log (GCS28, GCS59, GCS62).

Member order, tags and enumerations follow the GBCS ASN.1 definitions as the public GBCS parser describes
them, checked against the RTDS 4.5.0 vectors. A payload is read with the layout of its message code and CRA
flag; the fields are the members of the top-level SEQUENCE (or the one named value of a payload that is
not a SEQUENCE). Certificates and certification requests stay DER, as hex.
"""
from __future__ import annotations

from typing import Any

from gbcs.semantic.alerts import ALERT_NAMES, alert_code
from gbcs.semantic.common import Names, expect
from gbcs.semantic.der_schema import (
    Choice,
    Der,
    Encoded,
    Eui,
    GeneralizedTime,
    Int,
    NamedBits,
    Null,
    Octets,
    Seq,
    SeqOf,
)
from gbcs.states import Cra

REMOTE_PARTY_ROLES = Names({0: "root", 1: "recovery", 2: "supplier", 3: "networkOperator",
                            4: "accessControlBroker", 5: "transitionalCoS", 6: "wanProvider",
                            7: "issuingAuthority", 8: "loadController", 127: "other"})
KEY_USAGE = Names({0: "digitalSignature", 1: "nonRepudiation", 2: "keyEncipherment", 3: "dataEncipherment",
                   4: "keyAgreement", 5: "keyCertSign", 6: "cRLSign", 7: "encipherOnly", 8: "decipherOnly"})
CELL_USAGE = Names({0: "management", 1: "prePaymentTopUp"})
STATUS_CODES = Names({0: "success", 5: "badCertificate", 10: "noTrustAnchor", 17: "insufficientMemory",
                      25: "trustAnchorNotFound", 30: "resourcesBusy", 127: "other"})
REPLACEMENT_MODES = Names({0: "rootBySupplier", 1: "rootByWanProvider", 2: "supplierBySupplier",
                           3: "networkOperatorByNetworkOperator", 4: "accessControlBrokerByACB",
                           5: "wanProviderByWanProvider", 6: "transCoSByTransCoS", 7: "supplierByTransCoS",
                           8: "anyExceptAbnormalRootByRecovery", 9: "anyByContingency",
                           10: "loadControllerByLoadController", 11: "loadControllerBySupplier"})
DEVICE_TYPES = Names({0: "GSME", 1: "ESME", 2: "CHF", 3: "GPF", 4: "HCALCS", 5: "PPMID", 6: "type2"})
JOIN_METHODS = Names({0: "methodAInitiator", 1: "methodAResponder", 2: "methodB", 3: "methodC"})
JOIN_RESPONSES = Names({0: "success", 1: "invalidMessageCodeForJoinMethodAndRole", 2: "invalidJoinMethodAndRole",
                        3: "incompatibleWithExistingEntry", 4: "deviceLogFull", 5: "writeFailure",
                        6: "keyAgreementNoResources", 7: "keyAgreementUnknownIssuer",
                        8: "keyAgreementUnsupportedSuite", 9: "keyAgreementBadMessage",
                        10: "keyAgreementBadKeyConfirm", 11: "invalidOrMissingCertificate",
                        12: "noPartnerLinkKeyReceived", 13: "noCBKEResponse"})

SEQ_NUMBER = Int()
TA_CELL = [("remote_party_role", Int(REMOTE_PARTY_ROLES)), ("key_usage", NamedBits(KEY_USAGE)),
           ("cell_usage", Int(CELL_USAGE), True)]
SPECIALIST_SEQ_NUMBER = Seq(("seq_number_usage", Int(Names({0: "prePaymentTopUp"}))), ("seq_number", SEQ_NUMBER))
SEQ_NUMBER_CHANGE = Seq(("remote_party_role", Int(REMOTE_PARTY_ROLES)), ("floor_seq_number", SEQ_NUMBER),
                        ("specialist_floor_seq_numbers", SeqOf(SPECIALIST_SEQ_NUMBER), True))
DEVICE_LOG_ENTRY = Seq(("device_id", Eui()), ("device_type", Int(DEVICE_TYPES)))
ALERT_CODE = Int(show=lambda code: f"{code:04X}", parse=alert_code)
CERTIFICATE = Encoded()

# CS02a / CS02f Provide Security Credential Details
CREDENTIAL_DETAILS_COMMAND = Seq(("authorising_remote_party_ta_cell", Seq(*TA_CELL)),
                                 ("remote_party_roles", SeqOf(Int(REMOTE_PARTY_ROLES))))
CREDENTIAL_DETAILS_RESPONSE = Choice(("remote_parties", SeqOf(Seq(
    ("remote_party_role", Int(REMOTE_PARTY_ROLES)), ("status", Int(STATUS_CODES, tag="0a")),
    ("current_seq_number", SEQ_NUMBER, True),
    ("trust_anchor_cells", SeqOf(Seq(("key_usage", NamedBits(KEY_USAGE)), ("cell_usage", Int(CELL_USAGE), True),
                                     ("subject_unique_id", Eui()), ("subject_key_id", Octets()))), True)))))

# CS02b / CS02g Update Security Credentials
EXECUTION_OUTCOME = Seq(
    ("authorising_remote_party_seq_number", SEQ_NUMBER), ("credentials_replacement_mode", Int(REPLACEMENT_MODES)),
    ("remote_party_seq_number_changes", SeqOf(SEQ_NUMBER_CHANGE)),
    ("replacement_outcomes", SeqOf(Seq(
        ("affected_trust_anchor_cell", Seq(*TA_CELL)), ("status", Int(STATUS_CODES, tag="0a")),
        ("existing_subject_unique_id", Eui()), ("existing_subject_key_id", Octets()),
        ("replacing_subject_unique_id", Eui()), ("replacing_subject_key_id", Octets())))))
UPDATE_CREDENTIALS_COMMAND = Seq(
    ("authorising_remote_party_control", Seq(
        ("credentials_replacement_mode", Int(REPLACEMENT_MODES)),
        ("plaintext_symmetric_key", Octets(tag="80"), True),
        ("apply_time_based_cpv_checks", Int(Names({0: "apply", 1: "disapply"}), tag="81"), True),
        ("authorising_remote_party_ta_cell", Seq(*TA_CELL, tag="a2"), True),
        ("authorising_remote_party_seq_number", Int(tag="83")),
        ("new_remote_party_floor_seq_number", Int(tag="84"), True),
        ("new_remote_party_specialist_floor_seq_numbers", SeqOf(SPECIALIST_SEQ_NUMBER, tag="a5"), True),
        ("other_remote_party_seq_number_changes", SeqOf(SEQ_NUMBER_CHANGE, tag="a6"), True))),
    ("replacements", SeqOf(Seq(("certificate", CERTIFICATE), ("target_trust_anchor_cell", Seq(*TA_CELL))))),
    ("certification_path_certificates", SeqOf(CERTIFICATE)),
    ("execution_date_time", GeneralizedTime(), True))
UPDATE_CREDENTIALS_RESPONSE = Seq(("command_accepted", Null()), ("execution_outcome", EXECUTION_OUTCOME, True))
UPDATE_CREDENTIALS_ALERT = Seq(("alert_code", ALERT_CODE), ("execution_date_time", GeneralizedTime()),
                               ("execution_outcome", EXECUTION_OUTCOME))

# CS06 Activate Firmware
FIRMWARE_OUTCOME = Seq(("response_code", Int(Names({0: "success", 1: "noImageHeld", 2: "hashMismatch",
                                                      3: "activationFailure"}))),
                       ("firmware_version", Octets()))

# Layouts by name. A SEQUENCE's members become the payload's fields; a CHOICE names the one value it holds.
LAYOUTS: dict[str, Der] = {
    "provide-security-credential-details-command": CREDENTIAL_DETAILS_COMMAND,
    "provide-security-credential-details-response": CREDENTIAL_DETAILS_RESPONSE,
    "update-security-credentials-command": UPDATE_CREDENTIALS_COMMAND,
    "update-security-credentials-response": UPDATE_CREDENTIALS_RESPONSE,
    "update-security-credentials-alert": UPDATE_CREDENTIALS_ALERT,
    "issue-security-credentials-command": Seq(("key_usage", NamedBits(KEY_USAGE))),
    "issue-security-credentials-response": Choice(
        ("certification_request", Encoded()),
        ("response_code", Int(Names({1: "invalidKeyUsage", 2: "keyPairGenerationFailed",
                                     3: "crProductionFailed"})))),
    "update-device-certificate-command": Choice(("certificate", CERTIFICATE)),
    "update-device-certificate-response": Choice(("response_code", Int(Names({
        0: "success", 1: "invalidCertificate", 2: "wrongDeviceIdentity", 3: "invalidKeyUsage",
        4: "noCorrespondingKeyPairGenerated", 5: "wrongPublicKey", 6: "certificateStorageFailed",
        7: "privateKeyChangeFailed"})))),
    "provide-device-certificate-command": Seq(("key_usage", NamedBits(KEY_USAGE))),
    "provide-device-certificate-response": Choice(
        ("certificate", CERTIFICATE),
        ("response_code", Int(Names({1: "invalidKeyUsage", 2: "noCertificateHeld",
                                     3: "certificateRetrievalFailure"})))),
    "join-device-command": Seq(("join_method_and_role", Int(JOIN_METHODS)), ("entity_id", Eui()),
                               ("device_type", Int(DEVICE_TYPES)), ("certificate", CERTIFICATE, True)),
    "join-device-response": Choice(("response_code", Int(JOIN_RESPONSES))),
    "unjoin-device-command": Choice(("entity_id", Eui())),
    "unjoin-device-response": Choice(("response_code", Int(Names({0: "success", 1: "notInDeviceLog",
                                                                  2: "otherFailure"})))),
    "activate-firmware-command": Seq(("manufacturer_image_hash", Octets()), ("originator_counter", Int()),
                                     ("execution_date_time", GeneralizedTime(), True)),
    "activate-firmware-response": Choice(("command_accepted", Null()), ("execution_outcome", FIRMWARE_OUTCOME)),
    "activate-firmware-alert": Seq(("alert_code", ALERT_CODE), ("execution_date_time", GeneralizedTime()),
                                   ("originator_counter", Int()), ("execution_outcome", FIRMWARE_OUTCOME)),
    "read-device-join-details-command": Choice(("read_device_join_details", Null())),
    "read-device-join-details-response": Seq(
        ("response_code", Int(Names({0: "success", 1: "readFailure"}))),
        ("device_log_entries", SeqOf(DEVICE_LOG_ENTRY), True)),
    "read-firmware-version-command": Choice(("read_firmware_version", Null())),
    "read-firmware-version-response": Seq(("firmware_version", Octets()),
                                          ("response_code", Int(Names({0: "readSuccess", 1: "readFailure"})))),
    "firmware-activation-alert": Seq(("alert_code", ALERT_CODE), ("execution_date_time", GeneralizedTime()),
                                     ("firmware_version", Octets()),
                                     ("activate_image", Int(Names({0: "success", 1: "failure"})))),
    "firmware-transfer-alert": Seq(("alert_code", ALERT_CODE), ("execution_date_time", GeneralizedTime()),
                                   ("entity_id", Eui()), ("firmware_version", Octets()),
                                   ("response_code", Int(Names({0: "success", 1: "imageDiscarded",
                                                                2: "hardwareVersionMismatch",
                                                                3: "fileTransferFailure"})))),
    "set-time-command": Seq(("validity_interval_start", GeneralizedTime()),
                            ("validity_interval_end", GeneralizedTime())),
    "set-time-response": Seq(("device_time", GeneralizedTime()),
                             ("device_time_status", Int(Names({0: "reliable", 1: "invalid", 2: "unreliable"})))),
    "gpf-device-log-restore-command": Seq(("device_log_entries", SeqOf(DEVICE_LOG_ENTRY))),
    "gpf-device-log-restore-response": Seq(("restore_outcomes", SeqOf(Seq(
        ("device_log_entry", DEVICE_LOG_ENTRY), ("join_response_code", Int(JOIN_RESPONSES)))))),
    "gpf-device-log-backup-alert": Seq(("alert_code", ALERT_CODE), ("backup_date_time", GeneralizedTime()),
                                       ("device_log_entries", SeqOf(DEVICE_LOG_ENTRY))),
}

_CREDENTIALS = {Cra.COMMAND: "update-security-credentials-command",
                Cra.RESPONSE: "update-security-credentials-response"}
# Message code → CRA flag → layout.
BY_MESSAGE_CODE: dict[int, dict[Cra, str]] = {
    0x0008: {Cra.COMMAND: "provide-security-credential-details-command",
             Cra.RESPONSE: "provide-security-credential-details-response"},
    0x000A: {Cra.COMMAND: "issue-security-credentials-command", Cra.RESPONSE: "issue-security-credentials-response"},
    0x000B: {Cra.COMMAND: "update-device-certificate-command", Cra.RESPONSE: "update-device-certificate-response"},
    0x000C: {Cra.COMMAND: "provide-device-certificate-command", Cra.RESPONSE: "provide-device-certificate-response"},
    **{code: {Cra.COMMAND: "join-device-command", Cra.RESPONSE: "join-device-response"}
       for code in (0x000D, 0x000E, 0x00AB, 0x00AF)},
    **{code: {Cra.COMMAND: "unjoin-device-command", Cra.RESPONSE: "unjoin-device-response"}
       for code in (0x000F, 0x0010)},
    0x0012: {Cra.COMMAND: "activate-firmware-command", Cra.RESPONSE: "activate-firmware-response"},
    0x0013: {Cra.COMMAND: "read-device-join-details-command", Cra.RESPONSE: "read-device-join-details-response"},
    0x007F: {Cra.COMMAND: "set-time-command", Cra.RESPONSE: "set-time-response"},
    0x008C: {Cra.COMMAND: "gpf-device-log-restore-command", Cra.RESPONSE: "gpf-device-log-restore-response"},
    0x00B2: {Cra.ALERT: "gpf-device-log-backup-alert"},
    0x00CA: {Cra.ALERT: "activate-firmware-alert"},
    0x00CB: {Cra.ALERT: "update-security-credentials-alert"},
    **{code: _CREDENTIALS for code in (*range(0x0100, 0x010A), 0x0125, 0x0126)},
    0x011B: {Cra.COMMAND: "provide-security-credential-details-command",
             Cra.RESPONSE: "provide-security-credential-details-response"},
    0x0124: {Cra.ALERT: "update-security-credentials-alert"},
    0x0128: {Cra.ALERT: "firmware-transfer-alert"},
    0x0129: {Cra.COMMAND: "read-firmware-version-command", Cra.RESPONSE: "read-firmware-version-response"},
    0x012B: {Cra.ALERT: "firmware-activation-alert"},
}


def layout_for(message_code: int | None, cra: Cra | str | None) -> str | None:
    if message_code is None or cra is None:
        return None
    return BY_MESSAGE_CODE.get(message_code, {}).get(cra)


def describe(layout: str, tree: list[dict[str, Any]]) -> dict[str, Any]:
    """The named fields of an ASN.1 payload tree with the given layout; ``Mismatch`` if it has another."""
    expect(len(tree) == 1, "one top-level value")
    fields = LAYOUTS[layout].read(tree[0])
    if "alert_code" in fields:
        name = ALERT_NAMES.get(int(fields["alert_code"], 16))
        if name:
            fields = {"alert_code": fields["alert_code"], "alert": name,
                      **{k: v for k, v in fields.items() if k != "alert_code"}}
    return fields


def build(layout: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The tree of an ASN.1 payload from its named fields (``alert``, a name shown beside the code, is ignored)."""
    return [LAYOUTS[layout].write({key: value for key, value in fields.items() if key != "alert"})]
