"""decode / encode / build: the library's entry points, with MACs, signatures, encryption and blocks.

* ``decode(data, keys)`` takes one message (or the list of its general-block-transfer blocks) and gives
  a ``Message`` whose ``verification`` says whether its MAC and signature verify and whether its
  encrypted parts decrypted (``decrypted`` then holds their plaintexts, hex).
* ``encode(message, keys)`` gives the bytes back; a missing MAC or signature is computed from ``keys``
  and plaintext placeholders in the payload are encrypted (see ``gbcs.protection``).
* ``build(...)`` makes a new message from its fields and payload.
* ``verify_signature(message, public_key)`` checks a decoded message's signature with a key the caller holds.
* ``sign_precommand`` / ``verify_signed_precommand``: what a DCC user and the DCC do with a Pre-Command.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Sequence

from cryptography.hazmat.primitives.asymmetric import ec

from gbcs import protection, security
from gbcs.catalogue import lookup
from gbcs.errors import UsageError, VerificationError
from gbcs.gbt import gbt_join, is_block
from gbcs.keys import SIGNING, KeyStore
from gbcs.message import (
    CRA_FLAGS,
    DEFAULT_SECURITY_HEADER,
    GENERAL_SIGNING,
    Message,
    Verification,
    grouping_header,
    parse,
    signed_part,
    wrap_ciphering,
)
from gbcs.lengths import encode_length
from gbcs.payload import Payload, decode_payload
from gbcs.states import Check, Cra, SignatureField

def _acb(keys: KeyStore | None, acb: str | None) -> str | None:
    return acb or (keys.acb if keys is not None else None)


def _mac_parties(message: Message, acb: str | None) -> tuple[str, str] | None:
    """Whose key-agreement keys MAC the message: the ACB for commands from remote parties, else the
    originator (responses, alerts, and the HAN-originated PPMID commands); and the recipient."""
    info = lookup(message.message_code)
    from_remote_party = message.cra == Cra.COMMAND and (info is None or info.remote_party)
    sender = acb if from_remote_party else message.originator
    if sender is None:
        return None
    return sender, message.recipient


def _mac_key(message: Message, keys: KeyStore | None, acb: str | None) -> bytes | None:
    parties = _mac_parties(message, acb)
    if parties is None:
        return None
    info = security.other_info(bytes.fromhex(message.originator), message.cra, message.counter_bytes,
                               bytes.fromhex(message.recipient))
    return protection.agreed_key(keys, parties[0], parties[1], info)


def _as_bytes(data: object) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise UsageError(f"a GBCS message is bytes, not {type(data).__name__}")


def decode(data: bytes | Sequence[bytes], keys: KeyStore | None = None, *, acb: str | None = None) -> Message:
    """Decode a message — its bytes, or the list of general-block-transfer blocks that carry it — checking
    its MAC and signature and decrypting its encrypted parts where ``keys`` allow."""
    if isinstance(data, (list, tuple)):
        data = gbt_join([_as_bytes(block) for block in data])
    else:
        data = _as_bytes(data)
        if is_block(data):
            data = gbt_join([data])
    parsed = parse(data)
    message = parsed.message
    acb = _acb(keys, acb)
    mac_state = Check.ABSENT
    if message.ciphered:
        key = _mac_key(message, keys, acb)
        if key is None:
            mac_state = Check.UNCHECKED
        else:
            ok = security.check_mac(key, bytes.fromhex(message.originator), parsed.mac_data, message.mac)
            mac_state = Check.VERIFIED if ok else Check.FAILED
    signature_state = Check.ABSENT
    if message.signature_field == SignatureField.PRESENT:
        public = keys.public_key(message.originator, SIGNING) if keys is not None else None
        if public is None:
            signature_state = Check.UNCHECKED
        else:
            ok = security.verify(public, parsed.signed_data, message.signature)
            signature_state = Check.VERIFIED if ok else Check.FAILED
    decryption, plaintexts = protection.decrypt_parts(message, keys)
    return message.checked(Verification(mac_state, signature_state, decryption), tuple(p.hex() for p in plaintexts))


def encrypted_blobs(payload: Payload) -> Iterator[bytes]:
    """Ciphertext‖tag of every encrypted part of a payload (DLMS protected data, GBZ encrypted components)."""
    yield from protection.ciphertexts(payload)


def encode(message: Message, keys: KeyStore | None = None, *, acb: str | None = None) -> bytes:
    """Encode a message. A message with its MAC and signature re-encodes byte for byte; one whose
    signature (``signature_field`` "present") or MAC (``ciphered``) is missing gets them from ``keys``;
    plaintext placeholders in its payload are encrypted first (``gbcs.protection.seal``)."""
    if not isinstance(message, Message):
        raise UsageError(f"encode takes a gbcs.Message, not {type(message).__name__}")
    message = protection.seal(message, keys)
    if message.signature_field == SignatureField.PRESENT and not message.signature:
        private = keys.private_key(message.originator, SIGNING) if keys is not None else None
        if private is None:
            raise UsageError(f"no signing key for {message.originator}")
        message = replace(message, signature=security.sign(private, signed_part(message)))
    apdu = grouping_header(message)
    if not message.ciphered:
        return apdu
    mac_value = message.mac
    if mac_value is None:
        key = _mac_key(message, keys, _acb(keys, acb))
        if key is None:
            raise UsageError(f"no key-agreement keys to MAC a {message.cra} to {message.recipient}")
        mac_value = security.mac(key, bytes.fromhex(message.originator), apdu)
    return wrap_ciphering(message, apdu, mac_value)


def build(*, cra: Cra | str, counter: int, originator: str, recipient: str, message_code: int,
          payload: Payload | bytes, keys: KeyStore | None = None, acb: str | None = None,
          date_time: bytes | None = None, sign: bool = False, ciphered: bool = True,
          empty_signature_field: bool = False, other_info_extra: bytes = b"") -> bytes:
    """Build a new message: payload in, MAC'd (and signed if asked) bytes out. Plaintext placeholders in
    the payload (``{"type": "protected", "plaintext": …}`` DLMS values, GBZ components with
    ``"plaintext"``) are encrypted from ``originator`` to ``recipient``."""
    if cra not in CRA_FLAGS:
        raise UsageError(f"cra must be one of {', '.join(CRA_FLAGS)}")
    if isinstance(payload, (bytes, bytearray)):
        payload = decode_payload(bytes(payload), cra=cra)
    if not isinstance(originator, str) or not isinstance(recipient, str):
        raise UsageError("originator and recipient are EUI-64 strings")
    field_state = SignatureField.PRESENT if sign else (
        SignatureField.EMPTY if empty_signature_field else SignatureField.ABSENT)
    message = Message(cra=cra, counter=counter, originator=originator.replace("-", "").upper(),
                      recipient=recipient.replace("-", "").upper(), message_code=message_code, payload=payload,
                      date_time=date_time, other_info_extra=other_info_extra, signature_field=field_state,
                      ciphered=ciphered, security_header=DEFAULT_SECURITY_HEADER)
    return encode(message, keys, acb=acb)


def verify_signature(message: Message, public_key: ec.EllipticCurvePublicKey) -> bool:
    """Whether a message's signature verifies with ``public_key`` (False for a message without a signature):
    what ``decode`` checks with the originator's key from its key store, here with a key the caller holds,
    such as that of a certificate the message itself reports."""
    if not isinstance(message, Message):
        raise UsageError(f"verify_signature takes a gbcs.Message, not {type(message).__name__}")
    if message.signature_field != SignatureField.PRESENT or not message.signature:
        return False
    return security.verify(public_key, signed_part(message), message.signature)


def sign_precommand(precommand: bytes, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """Sign a Pre-Command as a DCC user does: ECDSA over every byte after the 0xDF tag, appended as its
    length (0x40) and r‖s. A Pre-Command ending in an empty signature-length byte 0x00 has that byte replaced."""
    precommand = _as_bytes(precommand)
    if not precommand or precommand[0] != GENERAL_SIGNING:
        raise UsageError("a Pre-Command is a general-signing APDU starting 0xDF")
    message = parse(precommand).message
    signature = security.sign(private_key, signed_part(message))
    return grouping_header(message, include_signature=False) + encode_length(len(signature)) + signature


def verify_signed_precommand(command: bytes, public_key: ec.EllipticCurvePublicKey) -> Message:
    """Check a signed Pre-Command's signature; return the message (its signature verified) or raise
    ``VerificationError``."""
    parsed = parse(_as_bytes(command))
    message = parsed.message
    if message.signature_field != SignatureField.PRESENT or not security.verify(public_key, parsed.signed_data,
                                                                                message.signature):
        raise VerificationError("the Pre-Command signature does not verify")
    decryption, _plaintexts = protection.decrypt_parts(message, None)
    return replace(message, verification=Verification(Check.ABSENT, Check.VERIFIED, decryption))
