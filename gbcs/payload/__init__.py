"""GBCS payloads (the content of the general-signing APDU): one lossless codec per payload format.

``decode_payload`` picks the format from the bytes and the CRA flag: DLMS access-request (0xD9),
access-response (0xDA) and data-notification (0x0F) for ESME, GBZ (profile id 0x0109) for gas devices,
ASN.1 DER for the CS/CCS/GCS use cases; anything else stays raw. ``encode_payload`` is its exact inverse.
A payload's JSON carries its tree and, derived from it, the named ``fields`` of ``gbcs.semantic``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from gbcs._reader import Reader, read_whole
from gbcs.errors import GbcsError, MalformedMessage
from gbcs.payload import asn1, dlms, gbz
from gbcs.payload.kinds import KINDS
from gbcs.semantic.views import build_tree, describe_tree
# First octets of the DER values GBCS payloads start with (SEQUENCE, INTEGER, OCTET STRING, NULL, SET,
# BIT STRING, ENUMERATED, BOOLEAN) or a context-specific tag; other payloads are not tried as ASN.1.
ASN1_FIRST_OCTETS = frozenset((0x30, 0x02, 0x04, 0x05, 0x31, 0x03, 0x0A, 0x01))
ASN1_CONTEXT_CLASS = 0x80


@dataclass(frozen=True)
class Payload:
    """A decoded payload: its format and its lossless tree (JSON-serialisable)."""

    kind: str
    tree: Any

    def fields(self, *, message_code: int | None = None, cra: str | None = None,
               decrypted: Sequence[str] | None = None) -> dict[str, Any]:
        """The named fields of this payload (see ``gbcs.semantic``)."""
        return describe_tree(self.kind, self.tree, message_code=message_code, cra=cra, decrypted=decrypted)

    def to_json(self, *, message_code: int | None = None, cra: str | None = None,
                decrypted: Sequence[str] | None = None) -> dict[str, Any]:
        """Kind, tree and named fields; the message code and CRA flag (when given) let ASN.1 payloads,
        use-case values and alert payloads be named by use case, and the plaintexts of the encrypted parts
        (when given) show what they hold."""
        value: dict[str, Any] = {"kind": self.kind, "tree": self.tree}
        try:
            value["fields"] = self.fields(message_code=message_code, cra=cra, decrypted=decrypted)
        except GbcsError:
            value["fields"] = None
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Payload":
        """A payload from its JSON: the tree when there is one (it is the source of truth), else built from
        the named fields."""
        kind = value.get("kind")
        if "tree" not in value and isinstance(value.get("fields"), dict):
            payload = cls(*build_tree(value["fields"]))
            if kind is not None and kind != payload.kind:
                raise MalformedMessage(f"payload kind {kind!r} but fields of a {payload.kind} payload")
            return payload
        if kind not in KINDS:
            raise MalformedMessage(f"unknown payload kind {kind!r}")
        return cls(kind, value.get("tree"))


def decode_payload(data: bytes, *, cra: str | None = None) -> Payload:
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
        alert = cra == "alert"
        return Payload("gbz-alert" if alert else "gbz", gbz.decode(data, alert=alert))
    if first in ASN1_FIRST_OCTETS or first & 0xC0 == ASN1_CONTEXT_CLASS:
        try:
            return Payload("asn1", asn1.decode(data))
        except MalformedMessage:
            pass
    return Payload("raw", data.hex())


def _whole(data: bytes, kind: str, decoder: Callable[[Reader], Any]) -> Payload:
    return Payload(kind, read_whole(data, decoder, kind))


def encode_payload(payload: Payload) -> bytes:
    kind, tree = payload.kind, payload.tree
    try:
        if kind == "dlms-access-request":
            return dlms.encode_access_request(tree)
        if kind == "dlms-access-response":
            return dlms.encode_access_response(tree)
        if kind == "dlms-data-notification":
            return dlms.encode_data_notification(tree)
        if kind in ("gbz", "gbz-alert"):
            return gbz.encode(tree, alert=kind == "gbz-alert")
        if kind == "asn1":
            return asn1.encode(tree)
        if kind == "raw":
            return bytes.fromhex(tree)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        if isinstance(exc, MalformedMessage):
            raise
        raise MalformedMessage(f"cannot encode {kind} payload: {exc}") from None
    raise MalformedMessage(f"unknown payload kind {kind!r}")
