"""GBCS wire format as a pure library: bytes in, typed messages out, and back.

No I/O, no DUIS, no database: frames (general signing / general ciphering / general block transfer),
security (KDF, AES-GCM MACs and encryption, ECDSA), sensitive data (``gbcs.protection``), UTRNs
(``gbcs.utrn``), payload codecs (DLMS COSEM, GBZ, ASN.1 DER) and the message-code catalogue.
"""
from gbcs import protection, utrn
from gbcs.api import build, decode, encode, encrypted_blobs, sign_precommand, verify_signed_precommand
from gbcs.catalogue import MESSAGE_CODES, MessageCodeInfo, lookup
from gbcs.compact_array import contents_of as compact_array_contents, entries as compact_array_entries
from gbcs.dlms_datetime import NEVER as DLMS_NEVER, NOW as DLMS_NOW, DlmsDateTime
from gbcs.dlms_datetime import decode_date_time as decode_dlms_date_time, encode_date_time as encode_dlms_date_time
from gbcs.errors import GbcsError, MalformedMessage, UsageError, VerificationError
from gbcs.gbt import HAN_LIMIT, gbt_join, gbt_split
from gbcs.keys import KEY_AGREEMENT, PREPAYMENT, SIGNING, KeyStore, KeyUsage, StaticKeyStore
from gbcs.message import Check, Cra, Decryption, Message, SignatureField, Verification
from gbcs.payload import Payload, decode_payload, encode_payload
from gbcs.payload.dlms import DataAccessResult

__all__ = [
    "DLMS_NEVER", "DLMS_NOW", "DataAccessResult", "DlmsDateTime", "compact_array_contents", "compact_array_entries",
    "decode_dlms_date_time", "encode_dlms_date_time",
    "Check", "Cra", "Decryption", "SignatureField", "GbcsError", "HAN_LIMIT", "KEY_AGREEMENT", "KeyStore", "KeyUsage", "MESSAGE_CODES", "MalformedMessage", "Message",
    "MessageCodeInfo", "PREPAYMENT", "Payload", "SIGNING", "StaticKeyStore", "UsageError", "Verification",
    "VerificationError", "build", "decode", "decode_payload", "encode", "encode_payload", "encrypted_blobs",
    "gbt_join", "gbt_split", "lookup", "protection", "sign_precommand", "utrn", "verify_signed_precommand",
]
