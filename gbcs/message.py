"""GBCS frames: the General Signing grouping header (0xDF) and the General Ciphering wrapper (0xDD).

Layout of the grouping header APDU::

    DF  09 CRA counter(8)  08 originator(8)  08 recipient(8)  date-time(00 | 0C + 12)
        other-information(length + message code(2) + …)  content(length + payload)
        [signature(length + 64 bytes r‖s) | 00 | nothing]

General ciphering wraps it: ``DD 00 00 00 00 00 00`` (empty transaction id, system titles, date-time,
other-info, no key-info), the ciphered-content length, a 5-byte security header (0x11 and a zero
invocation counter: authentication only), the grouping header APDU, and a 12-byte GCM tag (the MAC).

A ``Message`` checks its own fields when it is made, and ``Message.from_json`` its JSON input: what the
caller gives that is not a message is a ``UsageError``; bytes that are not one are a ``MalformedMessage``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from gbcs._reader import Reader
from gbcs.catalogue import lookup
from gbcs.errors import MalformedMessage, UsageError
from gbcs.lengths import MAX_WIDTH, encode_length, read_length
from gbcs.payload import KINDS, Payload, decode_payload, encode_payload
from gbcs.security import (
    AUTHENTICATED,
    CRA_FLAGS as _CRA_FLAGS,
    SECURITY_HEADER_LENGTH,
    SYSTEM_TITLE_LENGTH,
    TAG_LENGTH,
    TRANSACTION_ID_LENGTH,
)
from gbcs.states import Check, Cra, Decryption, SignatureField

GENERAL_CIPHERING = 0xDD
GENERAL_SIGNING = 0xDF
CRA_FLAGS = dict(_CRA_FLAGS)
CRA = {flag: name for name, flag in CRA_FLAGS.items()}
EMPTY_ELEMENT = 0x00                  # a zero length: an absent optional element
DATE_TIME_LENGTH = 12                 # a DLMS date-time
MESSAGE_CODE_LENGTH = 2
COUNTER_LIMIT = 1 << 64
# Tag, then empty transaction id, originator and recipient titles, date-time, other-info and key-info.
CIPHERING_HEADER = bytes([GENERAL_CIPHERING]) + bytes(6)
DEFAULT_SECURITY_HEADER = bytes([AUTHENTICATED]) + bytes(SECURITY_HEADER_LENGTH - 1)
LENGTH_FIELDS = ("ciphered", "other_info", "content", "signature")
_UPPER_HEX = "0123456789ABCDEF"


SIGNATURE_FIELDS = tuple(SignatureField)
VERIFICATION_STATES = tuple(Check)
DECRYPTION_STATES = tuple(Decryption)


def _coerce(value_object: object, name: str, kind: type[enum.StrEnum]) -> None:
    """A field given as its text becomes the enumeration member (``cra="command"`` is ``Cra.COMMAND``)."""
    value = getattr(value_object, name)
    if isinstance(value, kind):
        return
    if not isinstance(value, str) or value not in kind.__members__.values():
        raise UsageError(f"{name} must be one of {', '.join(kind)}, not {value!r}")
    object.__setattr__(value_object, name, kind(value))


@dataclass(frozen=True)
class Verification:
    """What could be checked: the ``mac`` and the ``signature`` (``Check``), and the ``decryption`` of the
    message's encrypted parts (``Decryption``)."""

    mac: Check = Check.ABSENT
    signature: Check = Check.ABSENT
    decryption: Decryption = Decryption.ABSENT

    def __post_init__(self) -> None:
        for name, kind in (("mac", Check), ("signature", Check), ("decryption", Decryption)):
            _coerce(self, name, kind)

    def to_json(self) -> dict[str, str]:
        return {"mac": self.mac.value, "signature": self.signature.value, "decryption": self.decryption.value}


@dataclass(frozen=True)
class Message:
    """One GBCS message, decoded; ``encode`` turns it back into the same bytes."""

    cra: Cra
    counter: int
    originator: str
    recipient: str
    message_code: int
    payload: Payload
    date_time: bytes | None = None
    other_info_extra: bytes = b""
    signature: bytes | None = None
    signature_field: SignatureField = SignatureField.ABSENT
    ciphered: bool = False
    security_header: bytes = DEFAULT_SECURITY_HEADER
    mac: bytes | None = None
    length_widths: tuple[tuple[str, int], ...] = ()
    verification: Verification = field(default=Verification(), compare=False)
    decrypted: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        _coerce(self, "cra", Cra)
        _coerce(self, "signature_field", SignatureField)
        if not _is_int(self.counter) or not 0 <= self.counter < COUNTER_LIMIT:
            raise UsageError(f"the originator counter must be an integer in 0 … 2^64-1, not {self.counter!r}")
        for name in ("originator", "recipient"):
            if not _is_eui(getattr(self, name)):
                raise UsageError(f"{name} must be 16 upper-case hex digits, not {getattr(self, name)!r}")
        if not _is_int(self.message_code) or not 0 <= self.message_code <= 0xFFFF:
            raise UsageError(f"the message code must be an integer in 0 … 0xFFFF, not {self.message_code!r}")
        if not isinstance(self.payload, Payload) or self.payload.kind not in KINDS:
            raise UsageError("payload must be a gbcs.Payload of a known kind")
        _check_bytes("date_time", self.date_time, DATE_TIME_LENGTH, optional=True)
        _check_bytes("other_info_extra", self.other_info_extra)
        _check_bytes("security_header", self.security_header, SECURITY_HEADER_LENGTH)
        if self.security_header != DEFAULT_SECURITY_HEADER:
            raise UsageError(f"GBCS MACs with the security header {DEFAULT_SECURITY_HEADER.hex()}, "
                             f"not {self.security_header.hex()}")
        _check_bytes("mac", self.mac, TAG_LENGTH, optional=True)
        _check_bytes("signature", self.signature, optional=True)
        if self.signature is not None and (self.signature_field != SignatureField.PRESENT or not self.signature):
            raise UsageError("a signature needs signature_field 'present'")
        if not isinstance(self.ciphered, bool):
            raise UsageError("ciphered must be True or False")
        if self.mac is not None and not self.ciphered:
            raise UsageError("a MAC belongs to a general-ciphering message (ciphered=True)")
        for item in self.length_widths:
            if not (isinstance(item, tuple) and len(item) == 2 and item[0] in LENGTH_FIELDS
                    and _is_int(item[1]) and 1 <= item[1] <= MAX_WIDTH):
                raise UsageError(f"length_widths entries are (one of {', '.join(LENGTH_FIELDS)}, 1 … "
                                 f"{MAX_WIDTH}), not {item!r}")

    def checked(self, verification: Verification, decrypted: tuple[str, ...]) -> "Message":
        """This message with what its checks found: its fields are those already checked when it was made,
        so they are not checked again (``dataclasses.replace`` would)."""
        if not isinstance(verification, Verification):
            raise UsageError("verification must be a gbcs.Verification")
        copy = object.__new__(Message)
        copy.__dict__.update(self.__dict__, verification=verification, decrypted=tuple(decrypted))
        return copy

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
            "cra": self.cra.value,
            "counter": self.counter,
            "originator": self.originator,
            "recipient": self.recipient,
            "date_time": self.date_time.hex() if self.date_time is not None else None,
            "message_code": f"{self.message_code:04X}",
            "use_case": info.use_case if info else None,
            "other_info_extra": self.other_info_extra.hex(),
            "payload": self.payload.to_json(message_code=self.message_code, cra=self.cra,
                                            decrypted=self.decrypted or None),
            "signature_field": self.signature_field.value,
            "signature": self.signature.hex() if self.signature else None,
        }
        if self.ciphered:
            value["security_header"] = self.security_header.hex()
            value["mac"] = self.mac.hex() if self.mac is not None else None
        if self.length_widths:
            value["length_widths"] = dict(self.length_widths)
        value["verification"] = self.verification.to_json()
        if self.decrypted:
            value["decrypted"] = list(self.decrypted)
        return value

    @classmethod
    def from_json(cls, value: Any) -> "Message":
        """The message a ``to_json`` value describes (``UsageError`` for a value that is not one). A ``null``
        (or missing) signature with signature_field "present", or a ``null`` MAC on a general-ciphering
        frame, is left for ``encode`` to compute from its keys."""
        if not isinstance(value, dict):
            raise UsageError("not a decoded GBCS message: a JSON object is needed")
        try:
            payload = value["payload"]
            if not isinstance(payload, dict):
                raise UsageError("payload must be an object")
            frame = value.get("frame", "general-signing")
            if frame not in ("general-ciphering", "general-signing"):
                raise UsageError(f"unknown frame {frame!r}")
            widths = value.get("length_widths") or {}
            if not isinstance(widths, dict):
                raise UsageError("length_widths must be an object")
            return cls(
                cra=value["cra"], counter=_json_int(value["counter"], "counter"),
                originator=_eui(value["originator"]), recipient=_eui(value["recipient"]),
                message_code=_json_code(value["message_code"]),
                payload=Payload.from_json(payload),
                date_time=_json_hex(value.get("date_time"), "date_time", optional=True),
                other_info_extra=_json_hex(value.get("other_info_extra"), "other_info_extra") or b"",
                signature=_json_hex(value.get("signature"), "signature", optional=True),
                signature_field=value.get("signature_field", SignatureField.ABSENT),
                ciphered=frame == "general-ciphering",
                security_header=_json_hex(value.get("security_header"), "security_header", optional=True)
                or DEFAULT_SECURITY_HEADER,
                mac=_json_hex(value.get("mac"), "mac", optional=True),
                length_widths=tuple(sorted(widths.items())),
            )
        except KeyError as exc:
            raise UsageError(f"not a decoded GBCS message: {exc.args[0]!r} is missing") from exc
        except (UsageError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"not a decoded GBCS message: {exc}") from exc


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_eui(value: object) -> bool:
    return isinstance(value, str) and len(value) == 2 * SYSTEM_TITLE_LENGTH and not value.strip(_UPPER_HEX)


def _check_bytes(name: str, value: object, length: int | None = None, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, bytes):
        raise UsageError(f"{name} must be bytes{' or None' if optional else ''}, not {type(value).__name__}")
    if length is not None and len(value) != length:
        raise UsageError(f"{name} must be {length} bytes, not {len(value)}")


def _eui(value: Any) -> str:
    if not isinstance(value, str):
        raise UsageError(f"not an EUI-64: {value!r}")
    text = value.replace("-", "").upper()
    if not _is_eui(text):
        raise UsageError(f"not an EUI-64: {value!r}")
    return text


def _json_int(value: Any, name: str) -> int:
    if not _is_int(value):
        raise UsageError(f"{name} must be an integer, not {value!r}")
    return value


def _json_code(value: Any) -> int:
    """A message code: four hex digits as ``to_json`` writes it, or an integer."""
    if _is_int(value):
        return value
    if isinstance(value, str) and 1 <= len(value) <= 4 and all(c in "0123456789abcdefABCDEF" for c in value):
        return int(value, 16)
    raise UsageError(f"a message code is up to four hex digits, not {value!r}")


def _json_hex(value: Any, name: str, *, optional: bool = False) -> bytes | None:
    if value is None or (optional and value == ""):
        return None if optional else b""
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a hex string, not {value!r}")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise UsageError(f"{name} is not hex: {value[:40]!r}") from exc


# --- parsing -------------------------------------------------------------------------------------

@dataclass
class Parsed:
    """A parsed frame plus the byte ranges security needs."""

    message: Message
    signed_data: bytes          # after the 0xDF tag, to the end of the content
    mac_data: bytes | None      # the whole grouping-header APDU (MAC'd)


@dataclass(frozen=True)
class Header:
    """The fields of a grouping header before its content (what a block-transfer routing header repeats)."""

    cra_flag: int
    counter: int
    originator: str
    recipient: str
    date_time: bytes | None
    other_info: bytes

    @property
    def message_code(self) -> int:
        return int.from_bytes(self.other_info[:MESSAGE_CODE_LENGTH], "big")


def parse(data: bytes) -> Parsed:
    if not data:
        raise MalformedMessage("empty message")
    reader = Reader(data)
    widths: dict[str, int] = {}
    first = reader.peek()
    if first == GENERAL_CIPHERING:
        if reader.take(len(CIPHERING_HEADER)) != CIPHERING_HEADER:
            raise MalformedMessage("unsupported general-ciphering header (transaction id, titles or key info); "
                                   "a block-transfer block is decoded with its other blocks")
        length, width = read_length(reader)
        if width is not None:
            widths["ciphered"] = width
        body = reader.sub(length)
        if not reader.at_end():
            raise MalformedMessage("bytes after the general-ciphering content")
        security_header = body.take(SECURITY_HEADER_LENGTH)
        if security_header != DEFAULT_SECURITY_HEADER:
            raise MalformedMessage(f"unsupported security header {security_header.hex()} "
                                   f"(GBCS uses {DEFAULT_SECURITY_HEADER.hex()})")
        if body.remaining < TAG_LENGTH:
            raise MalformedMessage("general-ciphering content too short for its MAC")
        inner = Reader(body.take(body.remaining - TAG_LENGTH))
        mac_value = body.take(TAG_LENGTH)
        apdu_start = inner.pos
        message, signed = _parse_signing(inner, widths, ciphered=True, security_header=security_header,
                                         mac=mac_value)
        apdu = inner.data[apdu_start:inner.end]
        return Parsed(message, signed, apdu)
    if first != GENERAL_SIGNING:
        raise MalformedMessage(f"unknown frame tag 0x{first:02X} (expected 0xDD or 0xDF)")
    message, signed = _parse_signing(reader, widths)
    return Parsed(message, signed, None)


def read_header(reader: Reader, widths: dict[str, int] | None = None) -> Header:
    """Read a grouping header from its 0xDF tag to the end of its other-information."""
    if reader.byte() != GENERAL_SIGNING:
        raise MalformedMessage("not a general-signing APDU (0xDF)")
    if reader.byte() != TRANSACTION_ID_LENGTH:
        raise MalformedMessage("transaction id is not 9 bytes")
    flag = reader.byte()
    if flag not in CRA:
        raise MalformedMessage(f"invalid CRA flag {flag}")
    counter = reader.uint(8)
    if reader.byte() != SYSTEM_TITLE_LENGTH:
        raise MalformedMessage("originator system title is not 8 bytes")
    originator = reader.take(SYSTEM_TITLE_LENGTH).hex().upper()
    if reader.byte() != SYSTEM_TITLE_LENGTH:
        raise MalformedMessage("recipient system title is not 8 bytes")
    recipient = reader.take(SYSTEM_TITLE_LENGTH).hex().upper()
    dt_length = reader.byte()
    if dt_length not in (EMPTY_ELEMENT, DATE_TIME_LENGTH):
        raise MalformedMessage(f"date-time of {dt_length} bytes")
    date_time = reader.take(DATE_TIME_LENGTH) if dt_length else None
    other_length, width = read_length(reader)
    if width is not None and widths is not None:
        widths["other_info"] = width
    if other_length < MESSAGE_CODE_LENGTH:
        raise MalformedMessage("other-information without a message code")
    other = reader.take(other_length)
    return Header(flag, counter, originator, recipient, date_time, other)


def _parse_signing(reader: Reader, widths: dict[str, int], **frame: Any) -> tuple[Message, bytes]:
    start = reader.pos
    header = read_header(reader, widths)
    content_length, width = read_length(reader)
    if width is not None:
        widths["content"] = width
    content = reader.take(content_length)
    signed_end = reader.pos
    signature, field_state = None, SignatureField.ABSENT
    if not reader.at_end():
        signature_length, width = read_length(reader)
        if width is not None:
            widths["signature"] = width
        if signature_length == 0:
            field_state = SignatureField.EMPTY
        else:
            signature = reader.take(signature_length)
            field_state = SignatureField.PRESENT
        if not reader.at_end():
            raise MalformedMessage("bytes after the signature")
    cra = CRA[header.cra_flag]
    payload = decode_payload(content, cra=cra)
    message = Message(cra=cra, counter=header.counter, originator=header.originator, recipient=header.recipient,
                      message_code=header.message_code, payload=payload, date_time=header.date_time,
                      other_info_extra=header.other_info[MESSAGE_CODE_LENGTH:], signature=signature,
                      signature_field=field_state, length_widths=tuple(sorted(widths.items())), **frame)
    return message, reader.data[start + 1:signed_end]


# --- serialising ---------------------------------------------------------------------------------

def grouping_header(message: Message, *, include_signature: bool = True) -> bytes:
    widths = dict(message.length_widths)
    other = message.message_code.to_bytes(MESSAGE_CODE_LENGTH, "big") + message.other_info_extra
    content = encode_payload(message.payload)
    out = bytearray([GENERAL_SIGNING, TRANSACTION_ID_LENGTH, CRA_FLAGS[message.cra]])
    out += message.counter_bytes
    out += bytes([SYSTEM_TITLE_LENGTH]) + bytes.fromhex(message.originator)
    out += bytes([SYSTEM_TITLE_LENGTH]) + bytes.fromhex(message.recipient)
    out += (bytes([DATE_TIME_LENGTH]) + message.date_time) if message.date_time else bytes([EMPTY_ELEMENT])
    out += encode_length(len(other), widths.get("other_info")) + other
    out += encode_length(len(content), widths.get("content")) + content
    if include_signature:
        if message.signature_field == SignatureField.PRESENT:
            if not message.signature:
                raise UsageError("signature_field is present but there is no signature")
            out += encode_length(len(message.signature), widths.get("signature")) + message.signature
        elif message.signature_field == SignatureField.EMPTY:
            out += bytes([EMPTY_ELEMENT])
    return bytes(out)


def wrap_ciphering(message: Message, apdu: bytes, mac_value: bytes) -> bytes:
    widths = dict(message.length_widths)
    body = message.security_header + apdu + mac_value
    return CIPHERING_HEADER + encode_length(len(body), widths.get("ciphered")) + body


def signed_part(message: Message) -> bytes:
    """What a message's signature covers: its grouping header after the 0xDF tag, without the signature."""
    return grouping_header(message, include_signature=False)[1:]

