"""Credential records and the reading of credential folders in the RTDS / ZAZ1 naming.

A credential is one certificate, optionally with its private key, classified by
what SMKI says about it: the entity it belongs to (``x500UniqueIdentifier`` for
organisations, the hardware-module name for devices), the remote-party role
(subject ``OU``) and its key usage (digital signature, key agreement, or a
supplier's prepayment key agreement).

File names are only hints: certificates are recognised by content and private
keys are paired with certificates by public key, so a folder may mix PEM and
DER and name its files as the RTDS keystore (``90b3d51f30010000-ds.pem``) or
the ZAZ1 set (``xml-sign-90B3D51F30010000-ds.pem``, ``Z1-supplier-ds.pem``)
does. The one thing only a name tells is a supplier's prepayment key: its
certificate is a key-agreement organisation certificate like any other, and the
RTDS keystore names it ``<entity>-pp-ka`` (ZAZ1 key sets ``Z1-<role>PP-…``).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

OID_X500_UNIQUE_IDENTIFIER = x509.ObjectIdentifier("2.5.4.45")
OID_HARDWARE_MODULE_NAME = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4")


class Usage(enum.StrEnum):
    """What a credential is for."""

    GBCS_SIGNING = "ds"          # GBCS digital signature
    GBCS_KEY_AGREEMENT = "ka"    # GBCS key agreement (MAC / encryption)
    PREPAYMENT = "pp-ka"         # a supplier's prepayment key agreement: the key of its UTRNs (gbcs.PREPAYMENT)
    XML_SIGNING = "xml-sign"     # DUIS request signing by a user (OU 87)
    DSP_XML_SIGNING = "dsp-xml-sign"  # DUIS response signing by the DCC (OU 89)
    CA = "ca"                    # a certificate authority in the chain


# The GBCS usages: what a device or the DCC uses in GBCS messages (``gbcs.SIGNING``, ``gbcs.KEY_AGREEMENT``,
# ``gbcs.PREPAYMENT`` have the same values).
GBCS_USAGES = (Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT, Usage.PREPAYMENT)
# How a prepayment key is named: RTDS "90b3d51f30010000-pp-ka.pem", ZAZ1 "Z1-supplierPP-ka.pem".
_PREPAYMENT_NAME = re.compile(r"-pp-|^z1[a-z0-9]*-[a-z0-9]+pp-", re.IGNORECASE)


def prepayment_name(name: str) -> bool:
    """Whether a file name is a prepayment credential's (RTDS ``-pp-``, ZAZ1 ``Z1-<role>PP-``)."""
    return bool(_PREPAYMENT_NAME.search(Path(name).name))


# Remote-party role codes carried in the subject OU of organisation certificates.
ROLE_CODES = {
    "01": "root",  # recovery
    "02": "supplier",
    "03": "networkOperator",
    "04": "accessControlBroker",
    "05": "transitionalCoS",
    "06": "wanProvider",
    "08": "otherUser",
    "87": "xmlSign",
    "89": "dspXmlSign",
}


@dataclass
class Credential:
    """One certificate (and its private key if known) classified by SMKI meaning."""

    certificate: x509.Certificate
    entity_id: str | None          # 16 upper-case hex digits, no separators
    usage: Usage
    role_code: str | None           # subject OU, e.g. "02"
    private_key: ec.EllipticCurvePrivateKey | None = None
    source: str = ""
    is_device: bool = False

    @property
    def serial(self) -> int:
        return self.certificate.serial_number

    @property
    def validity(self) -> tuple[datetime, datetime]:
        """The certificate's validity period (not before, not after), in UTC."""
        return self.certificate.not_valid_before_utc, self.certificate.not_valid_after_utc

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The credential's public key (what its certificate certifies)."""
        return self.certificate.public_key()

    @property
    def issuer_rfc4514(self) -> str:
        return self.certificate.issuer.rfc4514_string()

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes | None:
        if self.private_key is None:
            return None
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass
class FolderReport:
    """What reading one or more credential folders found."""

    credentials: list[Credential] = field(default_factory=list)
    orphan_keys: list[tuple[str, ec.EllipticCurvePrivateKey]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def entity_id_of(cert: x509.Certificate) -> tuple[str | None, bool]:
    """Return (entity id as 16 hex digits, is_device) for an SMKI certificate."""
    for attr in cert.subject.get_attributes_for_oid(OID_X500_UNIQUE_IDENTIFIER):
        value = attr.value
        raw = value if isinstance(value, bytes) else None
        if raw is None and isinstance(value, str):
            raw = bytes.fromhex(value.lstrip("#")) if re.fullmatch(r"#?[0-9A-Fa-f]+", value) else value.encode()
        if raw is not None:
            # A BIT STRING value arrives either as its content or as the full TLV.
            if len(raw) == 11 and raw[0] == 0x03:
                raw = raw[3:]
            elif len(raw) == 9 and raw[0] == 0x00:
                raw = raw[1:]
            return raw[-8:].hex().upper(), False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None, False
    for name in san:
        if isinstance(name, x509.OtherName) and name.type_id == OID_HARDWARE_MODULE_NAME:
            return _hardware_module_serial(name.value), True
    return None, False


def _hardware_module_serial(der: bytes) -> str | None:
    """HardwareModuleName ::= SEQUENCE { hwType OID, hwSerialNum OCTET STRING }."""
    try:
        idx = 0
        if der[idx] != 0x30:
            return None
        idx += 2
        if der[idx] != 0x06:
            return None
        idx += 2 + der[idx + 1]
        if der[idx] != 0x04:
            return None
        length = der[idx + 1]
        return der[idx + 2: idx + 2 + length].hex().upper()
    except IndexError:
        return None


def classify(cert: x509.Certificate, name_hint: str = "") -> Credential:
    """Build a Credential from a certificate, deciding entity, role and usage."""
    entity, is_device = entity_id_of(cert)
    ous = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    role = str(ous[0].value) if ous else None
    usage = _usage_of(cert, role)
    if usage is Usage.GBCS_KEY_AGREEMENT and not is_device and prepayment_name(name_hint):
        usage = Usage.PREPAYMENT
    return Credential(
        certificate=cert,
        entity_id=entity,
        usage=usage,
        role_code=role,
        source=name_hint,
        is_device=is_device,
    )


def _usage_of(cert: x509.Certificate, role: str | None) -> Usage:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if bc.ca:
            return Usage.CA
    except x509.ExtensionNotFound:
        pass
    if role == "87":
        return Usage.XML_SIGNING
    if role in ("89", "137"):
        return Usage.DSP_XML_SIGNING
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if ku.key_agreement:
            return Usage.GBCS_KEY_AGREEMENT
        if ku.key_cert_sign:
            return Usage.CA
    except x509.ExtensionNotFound:
        pass
    return Usage.GBCS_SIGNING


def load_certificate(data: bytes) -> x509.Certificate | None:
    for loader in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
        try:
            return loader(data)
        except ValueError:
            continue
    return None


def load_private_key(data: bytes) -> ec.EllipticCurvePrivateKey | None:
    for loader in (serialization.load_pem_private_key, serialization.load_der_private_key):
        try:
            key = loader(data, password=None)
        except (ValueError, TypeError):
            continue
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key
    return None


def _public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def read_folders(folders: list[Path]) -> FolderReport:
    """Read every certificate and private key in the folders and pair them."""
    report = FolderReport()
    keys: list[tuple[str, ec.EllipticCurvePrivateKey]] = []
    seen: dict[tuple[str, int], Credential] = {}
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            if not path.is_file():
                continue
            data = path.read_bytes()
            cert = load_certificate(data)
            if cert is not None:
                try:
                    cert.public_key()
                except Exception:  # noqa: BLE001 - unusable key material in a certificate
                    report.skipped.append((str(path), "certificate with an unusable public key"))
                    continue
                cred = classify(cert, path.name)
                ident = (cred.issuer_rfc4514, cred.serial)
                if ident in seen:
                    # The same certificate again: it takes the later place (the later folder wins).
                    report.credentials.remove(seen[ident])
                seen[ident] = cred
                report.credentials.append(cred)
                continue
            key = load_private_key(data)
            if key is not None:
                keys.append((str(path), key))
                continue
            report.skipped.append((str(path), "neither a certificate nor an EC private key"))
    by_public = {}
    for cred in report.credentials:
        pub = cred.certificate.public_key()
        if isinstance(pub, ec.EllipticCurvePublicKey):
            by_public.setdefault(_public_bytes(pub), []).append(cred)
    for name, key in keys:
        matches = by_public.get(_public_bytes(key.public_key()), [])
        if not matches:
            report.orphan_keys.append((name, key))
        for cred in matches:
            cred.private_key = key
    return report
