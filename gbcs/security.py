"""GBCS security: ECDH, the single-step SHA-256 KDF with GBCS other-info, AES-128-GCM MACs and
encryption, ECDSA P-256 signatures in r‖s form. Derived keys are cached."""
from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gbcs.errors import UsageError

ALGORITHM_ID = bytes.fromhex("60857406080300")
MODES = {"command": 0x01, "response": 0x02, "alert": 0x03, "encryption": 0x04}
TAG_LENGTH = 12
MAC_AAD_PREFIX = bytes.fromhex("110000000000")
ENCRYPTION_AAD = b"\x31"


def other_info(originator: bytes, mode: str, counter: bytes, recipient: bytes) -> bytes:
    """The KDF other-info: algorithm id, originator system title, transaction id (0x09, mode, counter),
    recipient system title."""
    return ALGORITHM_ID + originator + bytes([0x09, MODES[mode]]) + counter + recipient


@lru_cache(maxsize=4096)
def _shared_secret(private_key: ec.EllipticCurvePrivateKey, public_bytes: bytes) -> bytes:
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_bytes)
    return private_key.exchange(ec.ECDH(), public)


def derive_key(private_key: ec.EllipticCurvePrivateKey, public_key: ec.EllipticCurvePublicKey,
               info: bytes) -> bytes:
    """AES-128 key = first 16 bytes of SHA-256(0x00000001 ‖ Z ‖ other-info)."""
    point = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    secret = _shared_secret(private_key, point)
    return hashlib.sha256(b"\x00\x00\x00\x01" + secret + info).digest()[:16]


def _iv(originator: bytes) -> bytes:
    return originator + b"\x00\x00\x00\x00"


def mac(key: bytes, originator: bytes, data: bytes) -> bytes:
    """The 12-byte GCM tag authenticating ``data`` (no ciphertext)."""
    return _gmac(key, originator, MAC_AAD_PREFIX + data)


def _gmac(key: bytes, originator: bytes, aad: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.GCM(_iv(originator), min_tag_length=TAG_LENGTH)).encryptor()
    encryptor.authenticate_additional_data(aad)
    encryptor.finalize()
    return encryptor.tag[:TAG_LENGTH]


def check_mac(key: bytes, originator: bytes, data: bytes, tag: bytes) -> bool:
    decryptor = Cipher(algorithms.AES(key), modes.GCM(_iv(originator), tag, min_tag_length=TAG_LENGTH)).decryptor()
    decryptor.authenticate_additional_data(MAC_AAD_PREFIX + data)
    try:
        decryptor.finalize()
        return True
    except InvalidTag:
        return False


def encrypt(key: bytes, originator: bytes, plaintext: bytes) -> bytes:
    """Ciphertext ‖ 12-byte tag, as sensitive payload data carries it."""
    encryptor = Cipher(algorithms.AES(key), modes.GCM(_iv(originator), min_tag_length=TAG_LENGTH)).encryptor()
    encryptor.authenticate_additional_data(ENCRYPTION_AAD)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext + encryptor.tag[:TAG_LENGTH]


def decrypt(key: bytes, originator: bytes, ciphertext_and_tag: bytes) -> bytes | None:
    if len(ciphertext_and_tag) < TAG_LENGTH:
        return None
    body, tag = ciphertext_and_tag[:-TAG_LENGTH], ciphertext_and_tag[-TAG_LENGTH:]
    decryptor = Cipher(algorithms.AES(key), modes.GCM(_iv(originator), tag, min_tag_length=TAG_LENGTH)).decryptor()
    decryptor.authenticate_additional_data(ENCRYPTION_AAD)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        return None


def sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA P-256 / SHA-256 as 64 bytes r‖s."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise UsageError("signing needs an EC private key")
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    if len(signature) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False
