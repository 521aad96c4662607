"""The named view of a payload tree, chosen by its kind: ``describe_tree`` names it, ``build_tree`` inverts that.

``gbcs.Payload`` and ``gbcs.semantic`` hand their kind and tree to these two; see ``gbcs.semantic`` for what
the fields hold. A tree or fields that do not read are the caller's: every tree the library decodes has a
view, and every view it gives builds back. So both raise ``UsageError`` (``IllFormedTree`` for a tree).
"""
from __future__ import annotations

from typing import Any, Sequence

from gbcs.errors import SHAPE_ERRORS, UsageError
from gbcs.payload.kinds import KINDS
from gbcs.semantic import asn1, dlms, gbz, widths
from gbcs.semantic.common import Mismatch, field
from gbcs.states import Cra

GENERIC = "tree"


class IllFormedTree(UsageError):
    """A payload tree that does not have the shape of its kind (one built by hand: a decoded tree always has)."""


def describe_tree(kind: str, tree: Any, *, message_code: int | None = None, cra: Cra | str | None = None,
                  decrypted: Sequence[str] | None = None) -> dict[str, Any]:
    """The named fields of a payload tree of this kind (its generic view when no named view fits)."""
    tree, lengths = widths.split(tree)
    try:
        fields = {"view": kind, **_describe(kind, tree, message_code, cra, decrypted)}
    except Mismatch:
        fields = {"view": kind, GENERIC: tree}
    except SHAPE_ERRORS as exc:
        raise IllFormedTree(f"not a well-formed {kind} tree: {exc}") from exc
    if lengths:
        fields["length_widths"] = lengths
    return fields


def _describe(kind: str, tree: Any, message_code: int | None, cra: Cra | str | None,
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


def build_tree(fields: dict[str, Any]) -> tuple[str, Any]:
    """The kind and tree of the payload whose named fields these are (the inverse of ``describe_tree``)."""
    try:
        kind = field(fields, "view")
        if kind not in KINDS:
            raise UsageError(f"unknown payload view {kind!r}")
        tree = fields[GENERIC] if GENERIC in fields else _build(kind, fields)
        return kind, widths.restore(tree, fields.get("length_widths") or {})
    except UsageError:
        raise
    except SHAPE_ERRORS as exc:
        raise UsageError(f"cannot build a payload from these fields: {exc}") from exc


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
            raise UsageError(f"unknown ASN.1 layout {layout!r}")
        named = {k: v for k, v in fields.items() if k not in ("view", "layout", "length_widths")}
        return asn1.build(layout, named)
    raise UsageError(f"no named view of {kind} payloads: give its tree")


def is_named(fields: dict[str, Any]) -> bool:
    """Whether a description names the payload's contents (rather than falling back to the generic tree)."""
    return GENERIC not in fields
