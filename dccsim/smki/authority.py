"""The simulator's own SMKI test PKI: certificate authorities and the certificates they issue.

Profile (GBCS / SMKI): P-256 keys, ECDSA-SHA256 signatures; organisation certificates carry the
remote-party role code in the subject OU and the entity id (EUI-64) as x500UniqueIdentifier; device
certificates have an empty subject and name the device in a critical subjectAltName
hardwareModuleName; key usage is critical and single-purpose.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dccsim.smki.credentials import (
    OID_HARDWARE_MODULE_NAME,
    OID_X500_UNIQUE_IDENTIFIER,
    Credential,
    Usage,
)

NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
NOT_AFTER = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)

# The hardware module type OID used in device certificates' hardwareModuleName.
_BIT_STRING = x509.name._ASN1Type.BitString
_DEVICE_HW_TYPE = x509.ObjectIdentifier("1.2.826.0.1.8641679.1.2.1.1")


@dataclass
class Authority:
    """A CA certificate with its key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def name(self) -> x509.Name:
        return self.certificate.subject


def _name(cn: str, ou: str | None = None) -> x509.Name:
    attrs = []
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _key_usage(*, signing: bool = False, agreement: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=agreement, key_cert_sign=ca, crl_sign=False, encipher_only=False, decipher_only=False,
    )


def _builder(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_AFTER))


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def create_root(cn: str = "dccsim Root") -> Authority:
    key = new_key()
    name = _name(cn, "07")
    cert = (_builder(name, name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Authority(cert, key)


def create_issuing(root: Authority, cn: str) -> Authority:
    key = new_key()
    cert = (_builder(_name(cn, "07"), root.name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()),
                           critical=False)
            .sign(root.key, hashes.SHA256()))
    return Authority(cert, key)


def _unique_identifier(entity_id: str) -> x509.NameAttribute:
    """x500UniqueIdentifier as a BIT STRING: no unused bits, then the 8 bytes of the EUI-64."""
    return x509.NameAttribute(OID_X500_UNIQUE_IDENTIFIER, b"\x00" + bytes.fromhex(entity_id),
                              _type=_BIT_STRING)


def issue_organisation(ca: Authority, entity_id: str, role_code: str, usage: Usage,
                       name: str | None = None) -> Credential:
    """An organisation certificate: GBCS ds/ka (OU = role), XML signing (OU 87) or DSP signing (OU 89)."""
    key = new_key()
    attrs = []
    if name and usage is Usage.GBCS_SIGNING:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, name))
    ou = {Usage.XML_SIGNING: "87", Usage.DSP_XML_SIGNING: "89"}.get(usage, role_code)
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(_unique_identifier(entity_id))
    agreement = usage is Usage.GBCS_KEY_AGREEMENT
    cert = (_builder(x509.Name(attrs), ca.name, key.public_key())
            .add_extension(_key_usage(signing=not agreement, agreement=agreement), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                           critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Credential(certificate=cert, entity_id=entity_id, usage=usage, role_code=ou, private_key=key,
                      source="generated")


def _hardware_module_name(device_id: str) -> bytes:
    oid = _DEVICE_HW_TYPE.dotted_string
    parts = [int(p) for p in oid.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for value in parts[2:]:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        body += bytes(reversed(chunk))
    oid_der = bytes([0x06, len(body)]) + body
    serial = bytes([0x04, 0x08]) + bytes.fromhex(device_id)
    inner = oid_der + serial
    return bytes([0x30, len(inner)]) + inner


def issue_device(ca: Authority, device_id: str, usage: Usage) -> Credential:
    """A device certificate: empty subject, hardwareModuleName naming the device."""
    key = new_key()
    agreement = usage is Usage.GBCS_KEY_AGREEMENT
    san = x509.SubjectAlternativeName([x509.OtherName(OID_HARDWARE_MODULE_NAME, _hardware_module_name(device_id))])
    cert = (_builder(x509.Name([]), ca.name, key.public_key())
            .add_extension(san, critical=True)
            .add_extension(_key_usage(signing=not agreement, agreement=agreement), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                           critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Credential(certificate=cert, entity_id=device_id, usage=usage, role_code=None, private_key=key,
                      source="generated", is_device=True)
