"""GBCS payloads (the content of the general-signing APDU): one lossless codec per payload format.

``decode_payload`` picks the format from the bytes and the CRA flag: DLMS access-request (0xD9),
access-response (0xDA) and data-notification (0x0F) for ESME, GBZ (profile id 0x0109) for gas devices,
ASN.1 DER for the CS/CCS/GCS use cases; anything else stays raw. ``encode_payload`` is its exact inverse.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gbcs._reader import Reader
from gbcs.errors import MalformedMessage
from gbcs.payload import asn1, dlms, gbz

KINDS = ("dlms-access-request", "dlms-access-response", "dlms-data-notification", "gbz", "gbz-alert",
         "asn1", "raw")


@dataclass(frozen=True)
class Payload:
    """A decoded payload: its format and its lossless tree (JSON-serialisable)."""

    kind: str
    tree: Any

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "tree": self.tree}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Payload":
        kind = value.get("kind")
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
    if first in (0x30, 0x02, 0x04, 0x05, 0x31, 0x03, 0x0A, 0x01) or first & 0xC0 == 0x80:
        try:
            return Payload("asn1", asn1.decode(data))
        except MalformedMessage:
            pass
    return Payload("raw", data.hex())


def _whole(data: bytes, kind: str, decoder) -> Payload:
    reader = Reader(data)
    tree = decoder(reader)
    if not reader.at_end():
        raise MalformedMessage(f"{kind} followed by {reader.remaining} unexpected bytes")
    return Payload(kind, tree)


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
