"""GBCS payloads (the content of the general-signing APDU): one lossless codec per payload format.

``decode_payload`` picks the format from the bytes and the CRA flag: DLMS access-request (0xD9),
access-response (0xDA) and data-notification (0x0F) for ESME, GBZ (profile id 0x0109) for gas devices,
ASN.1 DER for the CS/CCS/GCS use cases; anything else stays raw. ``encode_payload`` is its exact inverse.
A payload's JSON carries its tree and, derived from it, the named ``fields`` of ``gbcs.semantic``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Sequence

from gbcs._reader import Reader, read_whole
from gbcs.errors import SHAPE_ERRORS, MalformedMessage, UsageError
from gbcs.payload import asn1, dlms, gbz
from gbcs.payload.kinds import KINDS
from gbcs.semantic.views import IllFormedTree, build_tree, describe_tree
from gbcs.states import Cra

# First octets of the DER values GBCS payloads start with (SEQUENCE, INTEGER, OCTET STRING, NULL, SET,
# BIT STRING, ENUMERATED, BOOLEAN) or a context-specific tag; other payloads are not tried as ASN.1.
ASN1_FIRST_OCTETS = frozenset((0x30, 0x02, 0x04, 0x05, 0x31, 0x03, 0x0A, 0x01))
ASN1_CONTEXT_CLASS = 0x80


@dataclass(frozen=True)
class Payload:
    """A decoded payload: its format and its lossless tree (JSON-serialisable)."""

    kind: str
    tree: Any

    def fields(self, *, message_code: int | None = None, cra: Cra | str | None = None,
               decrypted: Sequence[str] | None = None) -> dict[str, Any]:
        """The named fields of this payload (see ``gbcs.semantic``)."""
        return describe_tree(self.kind, self.tree, message_code=message_code, cra=cra, decrypted=decrypted)

    def to_json(self, *, message_code: int | None = None, cra: Cra | str | None = None,
                decrypted: Sequence[str] | None = None) -> dict[str, Any]:
        """Kind, tree and named fields; the message code and CRA flag (when given) let ASN.1 payloads,
        use-case values and alert payloads be named by use case, and the plaintexts of the encrypted parts
        (when given) show what they hold. A payload built by hand whose tree is not of its kind's shape
        has ``None`` for fields (a decoded payload always has them)."""
        value: dict[str, Any] = {"kind": self.kind, "tree": self.tree}
        try:
            value["fields"] = self.fields(message_code=message_code, cra=cra, decrypted=decrypted)
        except IllFormedTree:
            value["fields"] = None
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Payload":
        """A payload from its JSON: the tree when there is one (it is the source of truth), else built from
        the named fields. ``UsageError`` for JSON that is not a payload's."""
        kind = value.get("kind")
        if "tree" not in value and isinstance(value.get("fields"), dict):
            payload = cls(*build_tree(value["fields"]))
            if kind is not None and kind != payload.kind:
                raise UsageError(f"payload kind {kind!r} but fields of a {payload.kind} payload")
            return payload
        if kind not in KINDS:
            raise UsageError(f"unknown payload kind {kind!r}")
        return cls(kind, value.get("tree"))


def decode_payload(data: bytes, *, cra: Cra | str | None = None) -> Payload:
    """The payload these bytes are (``MalformedMessage`` if they claim a format and do not follow it)."""
    if not data:
        return Payload("raw", "")
    first = data[0]
    if first == dlms.ACCESS_REQUEST:
        return _whole(data, "dlms-access-request", dlms.decode_access_request)
    if first == dlms.ACCESS_RESPONSE:
        return _whole(data, "dlms-access-response", dlms.decode_access_response)
    if first == dlms.DATA_NOTIFICATION:
        return _whole(data, "dlms-data-notification", dlms.decode_data_notification)
    if gbz.is_gbz(data):
        alert = cra == Cra.ALERT
        return Payload("gbz-alert" if alert else "gbz", gbz.decode(data, alert=alert))
    if first in ASN1_FIRST_OCTETS or first & 0xC0 == ASN1_CONTEXT_CLASS:
        try:
            return Payload("asn1", asn1.decode(data))
        except MalformedMessage:
            pass
    return Payload("raw", data.hex())


def _whole(data: bytes, kind: str, decoder: Callable[[Reader], Any]) -> Payload:
    return Payload(kind, read_whole(data, decoder, kind))


ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "dlms-access-request": dlms.encode_access_request,
    "dlms-access-response": dlms.encode_access_response,
    "dlms-data-notification": dlms.encode_data_notification,
    "gbz": partial(gbz.encode, alert=False),
    "gbz-alert": partial(gbz.encode, alert=True),
    "asn1": asn1.encode,
    "raw": bytes.fromhex,
}


def encode_payload(payload: Payload) -> bytes:
    """The bytes of a payload. A tree that does not encode was built wrongly by the caller: ``UsageError``
    (a decoded tree always encodes, to the bytes it was decoded from)."""
    encoder = ENCODERS.get(payload.kind)
    if encoder is None:
        raise UsageError(f"unknown payload kind {payload.kind!r}")
    try:
        return encoder(payload.tree)
    except UsageError:
        raise
    except SHAPE_ERRORS as exc:
        raise UsageError(f"cannot encode the {payload.kind} payload: {exc!r}") from exc
