"""Named fields per use case over the lossless payload trees: ``describe`` a payload, ``build`` one back.

``describe(payload, message_code=..., cra=..., decrypted=...)`` gives a JSON object whose ``view`` is the
payload kind and whose other members name what the payload holds: for DLMS COSEM the services, classes,
objects, attributes, methods, results and values (date-times as text; calendars, tariffs, thresholds,
profiles, data-protection parameters, the values each use case reads and the alert payloads by name);
for GBZ the component and ZCL headers, the ZCL payloads (attribute records, cluster command fields) and the
alert header; for ASN.1 the members of the use case's
``layout`` (its message code and CRA flag choose it). The tree stays the source of truth: the fields are
derived from it, and ``build(fields)`` gives back a payload whose bytes are the same. Length fields written
longer than needed travel in ``length_widths``. A tree that no named view fits (an ASN.1 payload without
a message code, a malformed structure) is described generically as ``{"view": kind, "tree": ...}``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from gbcs.errors import GbcsError, MalformedMessage
from gbcs.semantic import asn1, dlms, gbz, widths
from gbcs.semantic.common import Mismatch, field

if TYPE_CHECKING:
    from gbcs.payload import Payload

GENERIC = "tree"


def describe(payload: "Payload", *, message_code: int | None = None, cra: str | None = None,
             decrypted: Sequence[str] | None = None) -> dict[str, Any]:
    """The named fields of a payload (``message_code`` and ``cra`` pick the layout of ASN.1 payloads and the
    names of use-case values and alert payloads; ``decrypted``, the plaintexts of the payload's encrypted
    parts in payload order as ``gbcs.decode`` gives them, shows what they hold)."""
    tree, lengths = widths.split(payload.tree)
    try:
        fields = {"view": payload.kind, **_describe(payload.kind, tree, message_code, cra, decrypted)}
    except Mismatch:
        fields = {"view": payload.kind, GENERIC: tree}
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise MalformedMessage(f"not a well-formed {payload.kind} tree: {exc}") from None
    if lengths:
        fields["length_widths"] = lengths
    return fields


def _describe(kind: str, tree: Any, message_code: int | None, cra: str | None,
              decrypted: Sequence[str] | None) -> dict[str, Any]:
    if kind == "dlms-access-request":
        return dlms.describe_access_request(tree)
    if kind == "dlms-access-response":
        return dlms.describe_access_response(tree, message_code, decrypted)
    if kind == "dlms-data-notification":
        return dlms.describe_data_notification(tree, message_code, decrypted)
    if kind == "gbz":
        return gbz.describe(tree, decrypted)
    if kind == "gbz-alert":
        return gbz.describe_alert(tree, message_code, decrypted)
    if kind == "asn1":
        layout = asn1.layout_for(message_code, cra)
        if layout is None:
            raise Mismatch("no ASN.1 layout for this message code")
        return {"layout": layout, **asn1.describe(layout, tree)}
    raise Mismatch(f"no named view of {kind} payloads")


def build(fields: dict[str, Any]) -> "Payload":
    """The payload whose named fields these are (the inverse of ``describe``)."""
    from gbcs.payload import KINDS, Payload

    try:
        kind = field(fields, "view")
        if kind not in KINDS:
            raise MalformedMessage(f"unknown payload view {kind!r}")
        tree = fields[GENERIC] if GENERIC in fields else _build(kind, fields)
        return Payload(kind, widths.restore(tree, fields.get("length_widths") or {}))
    except GbcsError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise MalformedMessage(f"cannot build a payload from these fields: {exc!r}") from None


def _build(kind: str, fields: dict[str, Any]) -> Any:
    if kind == "dlms-access-request":
        return dlms.build_access_request(fields)
    if kind == "dlms-access-response":
        return dlms.build_access_response(fields)
    if kind == "dlms-data-notification":
        return dlms.build_data_notification(fields)
    if kind == "gbz":
        return gbz.build(fields)
    if kind == "gbz-alert":
        return gbz.build_alert(fields)
    if kind == "asn1":
        layout = field(fields, "layout")
        if layout not in asn1.LAYOUTS:
            raise MalformedMessage(f"unknown ASN.1 layout {layout!r}")
        named = {k: v for k, v in fields.items() if k not in ("view", "layout", "length_widths")}
        return asn1.build(layout, named)
    raise MalformedMessage(f"no named view of {kind} payloads: give its tree")


def is_named(fields: dict[str, Any]) -> bool:
    """Whether a description names the payload's contents (rather than falling back to the generic tree)."""
    return GENERIC not in fields
