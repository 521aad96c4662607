"""GBCS frames: the General Signing grouping header (0xDF) and the General Ciphering wrapper (0xDD).

Layout of the grouping header APDU::

    DF  09 CRA counter(8)  08 originator(8)  08 recipient(8)  date-time(00 | 0C + 12)
        other-information(length + message code(2) + …)  content(length + payload)
        [signature(length + 64 bytes r‖s) | 00 | nothing]

General ciphering wraps it: ``DD 00 00 00 00 00 00`` (empty transaction id, system titles, date-time,
other-info, no key-info), the ciphered-content length, a 5-byte security header (0x11 and a zero
invocation counter: authentication only), the grouping header APDU, and a 12-byte GCM tag (the MAC).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from gbcs._reader import Reader
from gbcs.catalogue import lookup
from gbcs.errors import MalformedMessage, UsageError
from gbcs.lengths import encode_length, read_length
from gbcs.payload import Payload, decode_payload, encode_payload

GENERAL_CIPHERING = 0xDD
GENERAL_SIGNING = 0xDF
GENERAL_BLOCK_TRANSFER = 0xE0
CRA = {1: "command", 2: "response", 3: "alert"}
CRA_FLAGS = {v: k for k, v in CRA.items()}
_CIPHERING_HEADER = bytes([GENERAL_CIPHERING, 0, 0, 0, 0, 0, 0])
DEFAULT_SECURITY_HEADER = bytes.fromhex("1100000000")


@dataclass(frozen=True)
class Verification:
    """What could be checked: "verified", "failed", "unchecked" (no keys) or "absent" (nothing to check)."""

    mac: str = "absent"
    signature: str = "absent"


@dataclass(frozen=True)
class Message:
    """One GBCS message, decoded; ``encode`` turns it back into the same bytes."""

    cra: str
    counter: int
    originator: str
    recipient: str
    message_code: int
    payload: Payload
    date_time: bytes | None = None
    other_info_extra: bytes = b""
    signature: bytes | None = None
    signature_field: str = "absent"          # absent | empty (a 00 length) | present
    ciphered: bool = False
    security_header: bytes = DEFAULT_SECURITY_HEADER
    mac: bytes | None = None
    length_widths: tuple[tuple[str, int], ...] = ()
    verification: Verification = field(default=Verification(), compare=False)
    decrypted: tuple[str, ...] = field(default=(), compare=False)

    @property
    def use_case(self) -> str | None:
        info = lookup(self.message_code)
        return info.use_case if info else None

    @property
    def counter_bytes(self) -> bytes:
        return self.counter.to_bytes(8, "big")

    def to_json(self) -> dict[str, Any]:
        info = lookup(self.message_code)
        value: dict[str, Any] = {
            "frame": "general-ciphering" if self.ciphered else "general-signing",
            "cra": self.cra,
            "counter": self.counter,
            "originator": self.originator,
            "recipient": self.recipient,
            "date_time": self.date_time.hex() if self.date_time is not None else None,
            "message_code": f"{self.message_code:04X}",
            "use_case": info.use_case if info else None,
            "other_info_extra": self.other_info_extra.hex(),
            "payload": self.payload.to_json(message_code=self.message_code, cra=self.cra),
            "signature_field": self.signature_field,
            "signature": self.signature.hex() if self.signature else None,
        }
        if self.ciphered:
            value["security_header"] = self.security_header.hex()
            value["mac"] = self.mac.hex() if self.mac is not None else None
        if self.length_widths:
            value["length_widths"] = dict(self.length_widths)
        value["verification"] = {"mac": self.verification.mac, "signature": self.verification.signature}
        if self.decrypted:
            value["decrypted"] = list(self.decrypted)
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Message":
        try:
            cra = value["cra"]
            if cra not in CRA_FLAGS:
                raise MalformedMessage(f"unknown CRA {cra!r}")
            ciphered = value.get("frame") == "general-ciphering"
            date_time = value.get("date_time")
            return cls(
                cra=cra, counter=int(value["counter"]), originator=_eui(value["originator"]),
                recipient=_eui(value["recipient"]), message_code=int(str(value["message_code"]), 16),
                payload=Payload.from_json(value["payload"]),
                date_time=bytes.fromhex(date_time) if date_time else None,
                other_info_extra=bytes.fromhex(value.get("other_info_extra") or ""),
                signature=bytes.fromhex(value["signature"]) if value.get("signature") else None,
                signature_field=value.get("signature_field", "absent"),
                ciphered=ciphered,
                security_header=bytes.fromhex(value.get("security_header") or DEFAULT_SECURITY_HEADER.hex()),
                mac=bytes.fromhex(value["mac"]) if value.get("mac") else None,
                length_widths=tuple(sorted((value.get("length_widths") or {}).items())),
            )
        except MalformedMessage:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedMessage(f"not a decoded GBCS message: {exc}") from None


def _eui(value: str) -> str:
    text = str(value).replace("-", "").upper()
    if len(text) != 16:
        raise MalformedMessage(f"not an EUI-64: {value!r}")
    bytes.fromhex(text)
    return text


# --- parsing -------------------------------------------------------------------------------------

@dataclass
class Parsed:
    """A parsed frame plus the byte ranges security needs."""

    message: Message
    signed_data: bytes          # after the 0xDF tag, to the end of the content
    mac_data: bytes | None      # the whole grouping-header APDU (MAC'd)


def parse(data: bytes) -> Parsed:
    if not data:
        raise MalformedMessage("empty message")
    reader = Reader(data)
    widths: dict[str, int] = {}
    first = reader.peek()
    if first == GENERAL_BLOCK_TRANSFER:
        raise UsageError("a general block transfer block: reassemble the blocks with gbcs.gbt_join first")
    if first == GENERAL_CIPHERING:
        if reader.take(7) != _CIPHERING_HEADER:
            raise MalformedMessage("unsupported general-ciphering header (transaction id, titles or key info)")
        length, width = read_length(reader)
        if width is not None:
            widths["ciphered"] = width
        body = reader.sub(length)
        if not reader.at_end():
            raise MalformedMessage("bytes after the general-ciphering content")
        security_header = body.take(5)
        if security_header != DEFAULT_SECURITY_HEADER:
            raise MalformedMessage(f"unsupported security header {security_header.hex()} (GBCS uses 1100000000)")
        if body.remaining < 12:
            raise MalformedMessage("general-ciphering content too short for its MAC")
        inner = Reader(body.take(body.remaining - 12))
        mac_value = body.take(12)
        apdu_start = inner.pos
        message, signed = _parse_signing(inner, widths)
        apdu = inner.data[apdu_start:inner.end]
        message = replace(message, ciphered=True, security_header=security_header, mac=mac_value,
                          length_widths=tuple(sorted(widths.items())))
        return Parsed(message, signed, apdu)
    if first != GENERAL_SIGNING:
        raise MalformedMessage(f"unknown frame tag 0x{first:02X} (expected 0xDD or 0xDF)")
    message, signed = _parse_signing(reader, widths)
    return Parsed(replace(message, length_widths=tuple(sorted(widths.items()))), signed, None)


def _parse_signing(reader: Reader, widths: dict[str, int]) -> tuple[Message, bytes]:
    start = reader.pos
    if reader.byte() != GENERAL_SIGNING:
        raise MalformedMessage("the general-ciphering content is not a general-signing APDU")
    if reader.byte() != 9:
        raise MalformedMessage("transaction id is not 9 bytes")
    flag = reader.byte()
    if flag not in CRA:
        raise MalformedMessage(f"invalid CRA flag {flag}")
    counter = reader.uint(8)
    if reader.byte() != 8:
        raise MalformedMessage("originator system title is not 8 bytes")
    originator = reader.take(8).hex().upper()
    if reader.byte() != 8:
        raise MalformedMessage("recipient system title is not 8 bytes")
    recipient = reader.take(8).hex().upper()
    dt_length = reader.byte()
    if dt_length not in (0, 12):
        raise MalformedMessage(f"date-time of {dt_length} bytes")
    date_time = reader.take(12) if dt_length else None
    other_length, width = read_length(reader)
    if width is not None:
        widths["other_info"] = width
    if other_length < 2:
        raise MalformedMessage("other-information without a message code")
    other = reader.take(other_length)
    content_length, width = read_length(reader)
    if width is not None:
        widths["content"] = width
    content = reader.take(content_length)
    signed_end = reader.pos
    signature, field_state = None, "absent"
    if not reader.at_end():
        signature_length, width = read_length(reader)
        if width is not None:
            widths["signature"] = width
        if signature_length == 0:
            field_state = "empty"
        else:
            signature = reader.take(signature_length)
            field_state = "present"
        if not reader.at_end():
            raise MalformedMessage("bytes after the signature")
    cra = CRA[flag]
    payload = decode_payload(content, cra=cra)
    message = Message(cra=cra, counter=counter, originator=originator, recipient=recipient,
                      message_code=int.from_bytes(other[:2], "big"), payload=payload, date_time=date_time,
                      other_info_extra=other[2:], signature=signature, signature_field=field_state)
    return message, reader.data[start + 1:signed_end]


# --- serialising ---------------------------------------------------------------------------------

def grouping_header(message: Message, *, include_signature: bool = True) -> bytes:
    widths = dict(message.length_widths)
    if len(message.originator) != 16 or len(message.recipient) != 16:
        raise UsageError("system titles are 8 bytes")
    other = message.message_code.to_bytes(2, "big") + message.other_info_extra
    content = encode_payload(message.payload)
    out = bytearray([GENERAL_SIGNING, 9, CRA_FLAGS[message.cra]])
    out += message.counter.to_bytes(8, "big")
    out += b"\x08" + bytes.fromhex(message.originator) + b"\x08" + bytes.fromhex(message.recipient)
    out += (bytes([12]) + message.date_time) if message.date_time else b"\x00"
    out += encode_length(len(other), widths.get("other_info")) + other
    out += encode_length(len(content), widths.get("content")) + content
    if include_signature:
        if message.signature_field == "present":
            if not message.signature:
                raise UsageError("signature_field is present but there is no signature")
            out += encode_length(len(message.signature), widths.get("signature")) + message.signature
        elif message.signature_field == "empty":
            out += b"\x00"
    return bytes(out)


def wrap_ciphering(message: Message, apdu: bytes, mac_value: bytes) -> bytes:
    widths = dict(message.length_widths)
    body = message.security_header + apdu + mac_value
    return _CIPHERING_HEADER + encode_length(len(body), widths.get("ciphered")) + body
