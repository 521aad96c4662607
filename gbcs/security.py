"""GBCS security primitives: ECDH P-256, the single-step SHA-256 KDF with the GBCS other-info, AES-128-GCM
(MACs, encryption of sensitive data, the UTRN tag) and ECDSA P-256 signatures in r‖s form.

Every GCM operation uses the 12-byte IV ``originator system title ‖ invocation counter`` (GBCS always
sends a zero invocation counter). Shared secrets are cached per pair of public points: ECDH gives both ends
the same secret, so where one process holds both ends' private keys it computes each secret once.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gbcs.errors import UsageError
from gbcs.states import Cra

ALGORITHM_ID = bytes.fromhex("60857406080300")
# The transaction kinds of the KDF other-info; the first three are also the CRA flag of a grouping header.
CRA_FLAGS = {Cra.COMMAND: 0x01, Cra.RESPONSE: 0x02, Cra.ALERT: 0x03}
ENCRYPTION = "encryption"          # the kind of transaction that encrypts sensitive data
MODES: dict[str, int] = {**CRA_FLAGS, ENCRYPTION: 0x04}
TRANSACTION_ID_LENGTH = 9          # kind (1) ‖ originator counter (8)
SYSTEM_TITLE_LENGTH = 8
TAG_LENGTH = 12                    # GBCS MACs and encrypted data carry 12 of the 16 GCM tag bytes
FULL_TAG_LENGTH = 16
SIGNATURE_LENGTH = 64              # r ‖ s
KEY_LENGTH = 16                    # AES-128
# Security control bytes: 0x11 authentication only (the general-ciphering MAC), 0x31 authenticated
# encryption (protected DLMS data, encrypted GBZ components).
AUTHENTICATED = 0x11
AUTHENTICATED_ENCRYPTED = 0x31
SECURITY_HEADER_LENGTH = 5         # security control byte ‖ 4-byte invocation counter
# The GCM additional data of a MAC (and of a UTRN tag) starts with 0x11 and five zero bytes.
MAC_AAD_PREFIX = bytes([AUTHENTICATED]) + bytes(5)
KDF_COUNTER = b"\x00\x00\x00\x01"
_ENCRYPTION_AAD = bytes([AUTHENTICATED_ENCRYPTED])


def transaction_id(mode: Cra | str, counter: bytes) -> bytes:
    """The 9-byte transaction id: the kind (command, response, alert or encryption) and the counter."""
    if mode not in MODES:
        raise UsageError(f"unknown transaction kind {mode!r}")
    if len(counter) != 8:
        raise UsageError("an originator counter is 8 bytes")
    return bytes([MODES[mode]]) + counter


def other_info(originator: bytes, mode: Cra | str, counter: bytes, recipient: bytes) -> bytes:
    """The KDF other-info: algorithm id, originator system title, transaction id (0x09, mode, counter),
    recipient system title."""
    return other_info_for(originator, transaction_id(mode, counter), recipient)


def other_info_for(originator: bytes, transaction: bytes, recipient: bytes) -> bytes:
    """The KDF other-info from a ready transaction id (as DLMS protection parameters carry it)."""
    if len(transaction) != TRANSACTION_ID_LENGTH:
        raise UsageError("a transaction id is 9 bytes")
    if len(originator) != SYSTEM_TITLE_LENGTH or len(recipient) != SYSTEM_TITLE_LENGTH:
        raise UsageError("system titles are 8 bytes")
    return ALGORITHM_ID + originator + bytes([TRANSACTION_ID_LENGTH]) + transaction + recipient


_SECRETS_KEPT = 4096
_secrets: OrderedDict[tuple[bytes, bytes], bytes] = OrderedDict()


@lru_cache(maxsize=_SECRETS_KEPT)
def _own_point(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _shared_secret(private_key: ec.EllipticCurvePrivateKey, public_key: ec.EllipticCurvePublicKey,
                   public_bytes: bytes) -> bytes:
    """Z of the pair, computed once for both of its sides (``public_bytes`` is ``public_key``'s point)."""
    own = _own_point(private_key)
    pair = (own, public_bytes) if own <= public_bytes else (public_bytes, own)
    secret = _secrets.get(pair)
    if secret is not None:
        _secrets.move_to_end(pair)
        return secret
    secret = _secrets[pair] = private_key.exchange(ec.ECDH(), public_key)
    if len(_secrets) > _SECRETS_KEPT:
        _secrets.popitem(last=False)
    return secret


# Public keys are not hashable: their encoded points are kept by identity, each with its key (so that an id
# is not reused while its entry lives).
_POINTS: dict[int, tuple[ec.EllipticCurvePublicKey, bytes]] = {}
_POINTS_LIMIT = 4096


def _point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    known = _POINTS.get(id(public_key))
    if known is not None and known[0] is public_key:
        return known[1]
    point = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    if len(_POINTS) >= _POINTS_LIMIT:
        _POINTS.clear()
    _POINTS[id(public_key)] = (public_key, point)
    return point


def clear_caches() -> None:
    """Forget cached ECDH shared secrets (benchmarks measure the cold path with this)."""
    _secrets.clear()
    _own_point.cache_clear()
    _POINTS.clear()


def derive_key(private_key: ec.EllipticCurvePrivateKey, public_key: ec.EllipticCurvePublicKey,
               info: bytes) -> bytes:
    """AES-128 key = first 16 bytes of SHA-256(0x00000001 ‖ Z ‖ other-info)."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(public_key,
                                                                                ec.EllipticCurvePublicKey):
        raise UsageError("key agreement needs an EC private key and an EC public key")
    secret = _shared_secret(private_key, public_key, _point(public_key))
    return hashlib.sha256(KDF_COUNTER + secret + info).digest()[:KEY_LENGTH]


def _iv(originator: bytes, invocation_counter: int = 0) -> bytes:
    return originator + invocation_counter.to_bytes(4, "big")


def _gcm(key: bytes, originator: bytes, invocation_counter: int = 0, tag: bytes | None = None):
    """A GCM encryptor (no tag) or decryptor (tag given) with the GBCS IV."""
    mode = modes.GCM(_iv(originator, invocation_counter), tag, min_tag_length=TAG_LENGTH)
    cipher = Cipher(algorithms.AES(key), mode)
    return cipher.encryptor() if tag is None else cipher.decryptor()


def gmac(key: bytes, originator: bytes, aad: bytes) -> bytes:
    """The full 16-byte GCM tag over ``aad`` alone (no ciphertext)."""
    encryptor = _gcm(key, originator)
    encryptor.authenticate_additional_data(aad)
    encryptor.finalize()
    return encryptor.tag


def mac(key: bytes, originator: bytes, data: bytes) -> bytes:
    """The 12-byte MAC of a general-ciphering APDU: GCM tag over the security header and ``data``."""
    # AES-GCM of nothing is the tag alone: the one-shot AEAD does it with less work than a Cipher context.
    return AESGCM(key).encrypt(_iv(originator), b"", MAC_AAD_PREFIX + data)[:TAG_LENGTH]


def check_mac(key: bytes, originator: bytes, data: bytes, tag: bytes) -> bool:
    if len(tag) != TAG_LENGTH:
        return False
    return hmac.compare_digest(mac(key, originator, data), tag)


def encrypt(key: bytes, originator: bytes, plaintext: bytes, invocation_counter: int = 0) -> bytes:
    """Ciphertext ‖ 12-byte tag, as sensitive payload data carries it (AAD: the security control byte)."""
    sealed = AESGCM(key).encrypt(_iv(originator, invocation_counter), plaintext, _ENCRYPTION_AAD)
    return sealed[:TAG_LENGTH - FULL_TAG_LENGTH]


def decrypt(key: bytes, originator: bytes, ciphertext_and_tag: bytes, invocation_counter: int = 0) -> bytes | None:
    """The plaintext, or None if the tag does not authenticate."""
    if len(ciphertext_and_tag) < TAG_LENGTH:
        return None
    body, tag = ciphertext_and_tag[:-TAG_LENGTH], ciphertext_and_tag[-TAG_LENGTH:]
    decryptor = _gcm(key, originator, invocation_counter, tag=tag)
    decryptor.authenticate_additional_data(bytes([AUTHENTICATED_ENCRYPTED]))
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        return None


def sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA P-256 / SHA-256 as 64 bytes r‖s."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise UsageError("signing needs an EC private key")
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
    half = SIGNATURE_LENGTH // 2
    return r.to_bytes(half, "big") + s.to_bytes(half, "big")


def verify(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise UsageError("verifying needs an EC public key")
    if len(signature) != SIGNATURE_LENGTH:
        return False
    half = SIGNATURE_LENGTH // 2
    der = encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
    try:
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False
