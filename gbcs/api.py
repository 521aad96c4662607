"""decode / encode / build: the library's entry points, with MAC, signature and decryption handled."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from gbcs import security
from gbcs.errors import UsageError
from gbcs.keys import KEY_AGREEMENT, SIGNING, KeyStore
from gbcs.message import (
    CRA_FLAGS,
    DEFAULT_SECURITY_HEADER,
    Message,
    Verification,
    grouping_header,
    parse,
    wrap_ciphering,
)
from gbcs.payload import Payload, decode_payload


def _acb(keys: KeyStore | None, acb: str | None) -> str | None:
    return acb or getattr(keys, "acb", None)


def _mac_parties(message: Message, acb: str | None) -> tuple[str, str] | None:
    """Whose key-agreement keys MAC the message: the ACB for commands from remote parties, else the
    originator (responses, alerts, and the HAN-only PPMID commands PCS01/PCS02); and the recipient."""
    use_case = message.use_case or ""
    from_remote_party = message.cra == "command" and not use_case.startswith("PCS")
    sender = acb if from_remote_party else message.originator
    if sender is None:
        return None
    return sender, message.recipient


def _agreed_key(keys: KeyStore | None, a: str, b: str, info: bytes) -> bytes | None:
    if keys is None:
        return None
    for mine, theirs in ((a, b), (b, a)):
        private = keys.private_key(mine, KEY_AGREEMENT)
        public = keys.public_key(theirs, KEY_AGREEMENT)
        if private is not None and public is not None:
            return security.derive_key(private, public, info)
    return None


def _mac_key(message: Message, keys: KeyStore | None, acb: str | None) -> bytes | None:
    parties = _mac_parties(message, acb)
    if parties is None:
        return None
    info = security.other_info(bytes.fromhex(message.originator), message.cra, message.counter_bytes,
                               bytes.fromhex(message.recipient))
    return _agreed_key(keys, parties[0], parties[1], info)


def _encryption_key(message: Message, keys: KeyStore | None) -> bytes | None:
    extra = message.other_info_extra
    recipient = extra[:8].hex().upper() if len(extra) >= 8 else message.recipient
    counter = extra[16:24] if len(extra) == 24 else message.counter_bytes
    info = security.other_info(bytes.fromhex(message.originator), "encryption", counter, bytes.fromhex(recipient))
    return _agreed_key(keys, message.originator, recipient, info)


def decode(data: bytes, keys: KeyStore | None = None, *, acb: str | None = None) -> Message:
    """Decode a message, checking its MAC and signature and decrypting sensitive data where keys allow."""
    parsed = parse(data)
    message = parsed.message
    acb = _acb(keys, acb)
    mac_state = "absent"
    if message.ciphered:
        key = _mac_key(message, keys, acb)
        if key is None:
            mac_state = "unchecked"
        else:
            ok = security.check_mac(key, bytes.fromhex(message.originator), parsed.mac_data, message.mac)
            mac_state = "verified" if ok else "failed"
    signature_state = "absent"
    if message.signature_field == "present":
        public = keys.public_key(message.originator, SIGNING) if keys is not None else None
        if public is None:
            signature_state = "unchecked"
        else:
            ok = security.verify(public, parsed.signed_data, message.signature)
            signature_state = "verified" if ok else "failed"
    decrypted: tuple[str, ...] = ()
    blobs = list(encrypted_blobs(message.payload))
    if blobs:
        key = _encryption_key(message, keys)
        if key is not None:
            originator = bytes.fromhex(message.originator)
            decrypted = tuple((security.decrypt(key, originator, blob) or b"").hex() for blob in blobs)
    return replace(message, verification=Verification(mac_state, signature_state), decrypted=decrypted)


def encrypted_blobs(payload: Payload) -> Iterator[bytes]:
    """Ciphertext‖tag of every encrypted part of a payload (DLMS protected data, GBZ encrypted components)."""
    if payload.kind in ("gbz", "gbz-alert"):
        for component in payload.tree.get("components", []):
            if component["control"] & 0x02:
                raw = bytes.fromhex(component["payload"])
                length = int.from_bytes(raw[:2], "big")
                if len(raw) >= 2 + length and length > 5:
                    yield raw[7:2 + length]
    elif payload.kind.startswith("dlms"):
        yield from _dlms_protected(payload.tree)


def _dlms_protected(node) -> Iterator[bytes]:
    if isinstance(node, dict):
        if node.get("type") == "structure" and len(node.get("items", [])) == 2:
            first, second = node["items"]
            if first.get("type") == "structure" and second.get("type") == "octet-string":
                raw = bytes.fromhex(second["hex"])
                if len(raw) > 17 and raw[0] == 0x31:
                    yield raw[5:]
                    return
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from _dlms_protected(value)
    elif isinstance(node, list):
        for item in node:
            yield from _dlms_protected(item)


def encode(message: Message, keys: KeyStore | None = None, *, acb: str | None = None) -> bytes:
    """Encode a message. A message with its MAC and signature re-encodes byte for byte; one whose
    signature (``signature_field`` "present") or MAC (``ciphered``) is missing gets them from ``keys``."""
    if message.signature_field == "present" and not message.signature:
        private = keys.private_key(message.originator, SIGNING) if keys is not None else None
        if private is None:
            raise UsageError(f"no signing key for {message.originator}")
        unsigned = grouping_header(replace(message, signature_field="absent"))
        message = replace(message, signature=security.sign(private, unsigned[1:]))
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


def build(*, cra: str, counter: int, originator: str, recipient: str, message_code: int,
          payload: Payload | bytes, keys: KeyStore | None = None, acb: str | None = None,
          date_time: bytes | None = None, sign: bool = False, ciphered: bool = True,
          empty_signature_field: bool = False, other_info_extra: bytes = b"") -> bytes:
    """Build a new message: payload in, MAC'd (and signed if asked) bytes out."""
    if cra not in CRA_FLAGS:
        raise UsageError(f"cra must be one of {', '.join(CRA_FLAGS)}")
    if isinstance(payload, (bytes, bytearray)):
        payload = decode_payload(bytes(payload), cra=cra)
    field_state = "present" if sign else ("empty" if empty_signature_field else "absent")
    message = Message(cra=cra, counter=counter, originator=originator.upper(), recipient=recipient.upper(),
                      message_code=message_code, payload=payload, date_time=date_time,
                      other_info_extra=other_info_extra, signature_field=field_state, ciphered=ciphered,
                      security_header=DEFAULT_SECURITY_HEADER)
    return encode(message, keys, acb=acb)


def sign_precommand(precommand: bytes, private_key) -> bytes:
    """Sign a Pre-Command as a DCC user does: ECDSA over every byte after the 0xDF tag, appended as 0x40 and
    r‖s. A Pre-Command ending in an empty signature-length byte 0x00 has that byte replaced."""
    if not precommand or precommand[0] != 0xDF:
        raise UsageError("a Pre-Command is a general-signing APDU starting 0xDF")
    parsed = parse(precommand).message
    body = grouping_header(replace(parsed, signature_field="absent", signature=None))
    signature = security.sign(private_key, body[1:])
    return body + b"\x40" + signature


def verify_signed_precommand(command: bytes, public_key) -> Message:
    """Check a signed Pre-Command's signature; return the message (its signature verified) or raise."""
    from gbcs.errors import VerificationError

    parsed = parse(command)
    message = parsed.message
    if message.signature_field != "present" or not security.verify(public_key, parsed.signed_data,
                                                                     message.signature):
        raise VerificationError("the Pre-Command signature does not verify")
    return replace(message, verification=Verification("absent", "verified"))
