"""GBCS wire format as a pure library: bytes in, typed messages out, and back.

No I/O, no DUIS, no database. This module is the whole public API: the names in ``__all__``, among them the
public modules ``protection``, ``utrn``, ``zcl``, ``asn1`` and ``dlms``. Every other module of the package is
internal and may change.

Messages
    ``decode(data, keys)`` gives a ``Message`` from its bytes (or the list of its general-block-transfer
    blocks), its MAC and signature checked and its encrypted parts decrypted where ``keys`` allow
    (``Message.verification``: ``Check`` and ``Decryption`` states); ``encode(message, keys)`` gives the bytes
    back, computing a missing MAC or signature; ``build(...)`` makes a new message from its fields.
    ``Cra`` and ``SignatureField`` are a message's kind and signature element. ``verify_signature`` checks a
    message's signature against a key the caller holds; ``sign_precommand`` / ``verify_signed_precommand``
    are what a DCC user and the DCC do with a Pre-Command. ``gbt_split`` / ``gbt_join`` cut a message into
    general-block-transfer blocks of at most ``HAN_LIMIT`` bytes and join them again.
Payloads
    ``Payload(kind, tree)``: a lossless JSON tree per payload format (``decode_payload`` / ``encode_payload``),
    with its named fields (``Payload.fields``, ``Payload.to_json``); ``encrypted_blobs`` lists the ciphertexts
    a payload carries. ``protection`` finds, decrypts and builds sensitive data; ``utrn`` builds and checks
    prepayment top-up UTRNs. The codecs for what payloads carry: ``zcl`` (ZCL frames of GBZ components),
    ``asn1`` (DER trees) and ``dlms`` (A-XDR data values); the DLMS date-time (``encode_dlms_date_time``,
    ``decode_dlms_date_time``, ``DlmsDateTime``, ``DLMS_NOW``, ``DLMS_NEVER``), GBCS compact arrays
    (``compact_array_entries``, ``compact_array_contents``) and the DLMS data-access results
    (``DataAccessResult``).
Keys
    ``KeyStore`` is where the library looks keys up, by entity and ``KeyUsage`` (``SIGNING``,
    ``KEY_AGREEMENT``, ``PREPAYMENT``); ``StaticKeyStore`` holds them in memory. ``clear_caches`` forgets the
    ECDH secrets the library caches (a benchmark measures the cold path with it).
Message codes
    ``MESSAGE_CODES``, ``lookup(code)`` → ``MessageCodeInfo``: the use case, payload format, criticality …
Errors
    ``GbcsError`` is the base of all. ``MalformedMessage``: the bytes are at fault. ``UsageError``: the caller
    is (a message, tree or JSON it built that cannot be encoded, a missing key). ``VerificationError``: a MAC,
    signature or tag that was checked does not verify.
"""
from gbcs import asn1, dlms, protection, utrn, zcl
from gbcs.api import (
    build,
    decode,
    encode,
    encrypted_blobs,
    sign_precommand,
    verify_signature,
    verify_signed_precommand,
)
from gbcs.catalogue import MESSAGE_CODES, MessageCodeInfo, lookup
from gbcs.compact_array import contents_of as compact_array_contents, entries as compact_array_entries
from gbcs.dlms_datetime import NEVER as DLMS_NEVER, NOW as DLMS_NOW, DlmsDateTime
from gbcs.dlms_datetime import decode_date_time as decode_dlms_date_time, encode_date_time as encode_dlms_date_time
from gbcs.errors import GbcsError, MalformedMessage, UsageError, VerificationError
from gbcs.gbt import HAN_LIMIT, gbt_join, gbt_split
from gbcs.keys import KEY_AGREEMENT, PREPAYMENT, SIGNING, KeyStore, KeyUsage, StaticKeyStore
from gbcs.message import Message, Verification
from gbcs.payload import Payload, decode_payload, encode_payload
from gbcs.payload.dlms import DataAccessResult
from gbcs.security import clear_caches
from gbcs.states import Check, Cra, Decryption, SignatureField

__all__ = [
    # messages
    "Check", "Cra", "Decryption", "HAN_LIMIT", "Message", "SignatureField", "Verification", "build", "decode",
    "encode", "gbt_join", "gbt_split", "sign_precommand", "verify_signature", "verify_signed_precommand",
    # payloads and what they carry
    "Payload", "asn1", "decode_payload", "dlms", "encode_payload", "encrypted_blobs", "protection", "utrn", "zcl",
    "DataAccessResult", "DLMS_NEVER", "DLMS_NOW", "DlmsDateTime", "decode_dlms_date_time", "encode_dlms_date_time",
    "compact_array_contents", "compact_array_entries",
    # keys
    "KEY_AGREEMENT", "KeyStore", "KeyUsage", "PREPAYMENT", "SIGNING", "StaticKeyStore", "clear_caches",
    # message codes
    "MESSAGE_CODES", "MessageCodeInfo", "lookup",
    # errors
    "GbcsError", "MalformedMessage", "UsageError", "VerificationError",
]
