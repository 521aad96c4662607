"""A device's own credentials (DUIS 6.17 / 6.15.2): it generates a new key pair on request and answers with a
certification request for it (CS02c); given the certificate the SMKI issued for that key (CS02d), it takes the
new key pair in place of the one it had, answering with it from then on.

The certificate must name this device (its hardwareModuleName), be for the key usage of a key pair the device
generated, and carry that key pair's public key; otherwise the device keeps what it has and says why (the
GBCS response codes)."""
from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from devices.errors import MalformedRequest
from devices.installation import replace_own_credential
from devices.state import DeviceState
from gbcs import KeyUsage

# GBCS device identity in a certificate: the SAN hardwareModuleName (OID 1.3.6.1.5.5.7.8.4) of the SMKI's
# device-identifier type, with the 8-octet device id.
HARDWARE_MODULE_NAME = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4")
_DEVICE_ID_TYPE = bytes.fromhex("060d2a863a0001848fb90f01020201")
USAGES = {"digitalSignature": KeyUsage.SIGNING, "keyAgreement": KeyUsage.KEY_AGREEMENT}
SUCCESS, INVALID_CERTIFICATE, WRONG_DEVICE_IDENTITY, INVALID_KEY_USAGE, NO_KEY_PAIR, WRONG_PUBLIC_KEY = (
    "success", "invalidCertificate", "wrongDeviceIdentity", "invalidKeyUsage", "noCorrespondingKeyPairGenerated",
    "wrongPublicKey")


def _fields(message: gbcs.Message) -> dict:
    try:
        return message.payload.fields(message_code=message.message_code, cra=message.cra)
    except gbcs.GbcsError as exc:
        raise MalformedRequest(f"a credentials command the device cannot read: {exc}") from exc


def _tree(layout: str, **fields) -> list:
    return gbcs.Payload.from_json({"kind": "asn1", "fields": {"view": "asn1", "layout": layout, **fields}}).tree


def hardware_module_name(device_id: str) -> bytes:
    """The DER value of the hardwareModuleName naming ``device_id``."""
    inner = _DEVICE_ID_TYPE + bytes([0x04, 8]) + bytes.fromhex(device_id)
    return bytes([0x30, len(inner)]) + inner


def issue(state: DeviceState, device_id: str, message: gbcs.Message) -> list:
    """CS02c: a new key pair for the usage asked for, kept pending; its certification request."""
    usages = [USAGES[u] for u in _fields(message).get("key_usage", []) if u in USAGES]
    if len(usages) != 1:
        return _tree("issue-security-credentials-response", response_code="invalidKeyUsage")
    usage = usages[0]
    key = ec.generate_private_key(ec.SECP256R1())
    state.pending_keys[usage] = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()).decode()
    key_usage = x509.KeyUsage(digital_signature=usage is KeyUsage.SIGNING, key_agreement=usage is not KeyUsage.SIGNING,
                              content_commitment=False, key_encipherment=False, data_encipherment=False,
                              key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    request = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
               .add_extension(key_usage, critical=True)
               .add_extension(x509.SubjectAlternativeName([x509.OtherName(HARDWARE_MODULE_NAME,
                                                                          hardware_module_name(device_id))]),
                              critical=True)
               .sign(key, hashes.SHA256()))
    return _tree("issue-security-credentials-response",
                 certification_request=request.public_bytes(serialization.Encoding.DER).hex())


def _names_device(certificate: x509.Certificate, device_id: str) -> bool:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return any(isinstance(n, x509.OtherName) and n.type_id == HARDWARE_MODULE_NAME
               and n.value.endswith(bytes.fromhex(device_id)) for n in names)


def _usage_of(certificate: x509.Certificate) -> KeyUsage | None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    return KeyUsage.SIGNING if usage.digital_signature else KeyUsage.KEY_AGREEMENT if usage.key_agreement else None


def update(state: DeviceState, device_id: str, message: gbcs.Message) -> list:
    """CS02d: take the certificate for a pending key pair (and the key pair with it)."""
    try:
        der = bytes.fromhex(_fields(message).get("certificate", ""))
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return _tree("update-device-certificate-response", response_code=INVALID_CERTIFICATE)
    usage = _usage_of(certificate)
    if not _names_device(certificate, device_id):
        code = WRONG_DEVICE_IDENTITY
    elif usage is None:
        code = INVALID_KEY_USAGE
    elif usage not in state.pending_keys:
        code = NO_KEY_PAIR
    else:
        key_pem = state.pending_keys[usage]
        pending = serialization.load_pem_private_key(key_pem.encode(), None).public_key()
        same = pending.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint) == \
            certificate.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
        code = SUCCESS if same else WRONG_PUBLIC_KEY
        if same:
            replace_own_credential(state, usage, der, key_pem)
            del state.pending_keys[usage]
    return _tree("update-device-certificate-response", response_code=code)
