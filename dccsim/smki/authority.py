"""The simulator's own SMKI test PKI: certificate authorities and the certificates they issue.

Profile (GBCS / SMKI): P-256 keys, ECDSA-SHA256 signatures; organisation certificates carry the
remote-party role code in the subject OU and the entity id (EUI-64) as x500UniqueIdentifier; device
certificates have an empty subject and name the device in a critical subjectAltName
hardwareModuleName; key usage is critical and single-purpose. A supplier's prepayment key (the key of its
UTRNs) has an organisation key-agreement certificate with the supplier role (OU 02), as the RTDS one does;
only its name in a keystore (``-pp-ka``) and its usage in the repository tell it apart.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
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
_DEVICE_HW_TYPE = x509.ObjectIdentifier("1.2.826.0.1.8641679.1.2.1.1")


@dataclass
class Authority:
    """A CA certificate with its key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def name(self) -> x509.Name:
        return self.certificate.subject

    @functools.cached_property
    def key_identifier(self) -> x509.AuthorityKeyIdentifier:
        """The AuthorityKeyIdentifier of what this CA issues (worked out once: every derived device certificate
        carries it)."""
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key())


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


def _builder(subject: x509.Name, issuer: x509.Name, public_key, *, not_before: dt.datetime = NOT_BEFORE,
             not_after: dt.datetime = NOT_AFTER, serial: int | None = None) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after))


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
            .add_extension(root.key_identifier,
                           critical=False)
            .sign(root.key, hashes.SHA256()))
    return Authority(cert, key)


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


_OID_X500_UNIQUE_IDENTIFIER_DER = _der(0x06, bytes([0x55, 0x04, 0x2D]))                # 2.5.4.45
_ECDSA_WITH_SHA256_DER = _der(0x30, _der(0x06, bytes.fromhex("2a8648ce3d040302")))    # 1.2.840.10045.4.3.2


@functools.cache
def _placeholder_key_info() -> bytes:
    return new_key().public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)


def _unique_identifier(entity_id: str) -> x509.NameAttribute:
    """x500UniqueIdentifier as a BIT STRING: no unused bits, then the 8 bytes of the EUI-64.

    The cryptography package writes BIT STRING name values only for attributes it has parsed, so the
    attribute is read (public API) from a minimal DER certification request that carries it; the
    request's placeholder signature is never checked.
    """
    attribute = _der(0x30, _OID_X500_UNIQUE_IDENTIFIER_DER + _der(0x03, b"\x00" + bytes.fromhex(entity_id)))
    subject = _der(0x30, _der(0x31, attribute))
    request_info = _der(0x30, _der(0x02, b"\x00") + subject + _placeholder_key_info() + _der(0xA0, b""))
    placeholder_signature = _der(0x03, b"\x00" + _der(0x30, _der(0x02, b"\x01") * 2))
    request = x509.load_der_x509_csr(_der(0x30, request_info + _ECDSA_WITH_SHA256_DER + placeholder_signature))
    return request.subject.get_attributes_for_oid(OID_X500_UNIQUE_IDENTIFIER)[0]


def issue_organisation(ca: Authority, entity_id: str, role_code: str, usage: Usage,
                       name: str | None = None, *, not_before: dt.datetime = NOT_BEFORE,
                       not_after: dt.datetime = NOT_AFTER) -> Credential:
    """An organisation certificate: GBCS ds/ka (OU = role), a supplier's prepayment key agreement (OU = role,
    02), XML signing (OU 87) or DSP signing (OU 89).

    The validity period defaults to the simulator's (2020 to the end of 9999); tests of validity checks
    issue shorter ones."""
    key = new_key()
    attrs = []
    if name and usage is Usage.GBCS_SIGNING:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, name))
    ou = {Usage.XML_SIGNING: "87", Usage.DSP_XML_SIGNING: "89"}.get(usage, role_code)
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(_unique_identifier(entity_id))
    agreement = usage in (Usage.GBCS_KEY_AGREEMENT, Usage.PREPAYMENT)
    cert = (_builder(x509.Name(attrs), ca.name, key.public_key(), not_before=not_before, not_after=not_after)
            .add_extension(_key_usage(signing=not agreement, agreement=agreement), critical=True)
            .add_extension(ca.key_identifier,
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


def issue_device(ca: Authority, device_id: str, usage: Usage, *, key: ec.EllipticCurvePrivateKey | None = None,
                 serial: int | None = None, public_key: ec.EllipticCurvePublicKey | None = None) -> Credential:
    """A device certificate: empty subject, hardwareModuleName naming the device. For a new key pair; for
    ``key``; or for the ``public_key`` a device's certification request (6.17) carries (the device keeps the
    private key). Given its ``key`` and ``serial``, the certificate is the same, byte for byte, every time
    (deterministic ECDSA)."""
    deterministic = key is not None and serial is not None
    if public_key is None:
        key = key or new_key()
        public_key = key.public_key()
    agreement = usage is Usage.GBCS_KEY_AGREEMENT
    san = x509.SubjectAlternativeName([x509.OtherName(OID_HARDWARE_MODULE_NAME, _hardware_module_name(device_id))])
    cert = (_builder(x509.Name([]), ca.name, public_key, serial=serial)
            .add_extension(san, critical=True)
            .add_extension(_key_usage(signing=not agreement, agreement=agreement), critical=True)
            .add_extension(ca.key_identifier,
                           critical=False)
            .sign(ca.key, hashes.SHA256(), ecdsa_deterministic=deterministic or None))
    return Credential(certificate=cert, entity_id=device_id, usage=usage, role_code=None, private_key=key,
                      source="generated", is_device=True)
