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
a message code, a malformed structure) is described generically as ``{"view": kind, "tree": ...}``. Fields
that do not build, and a hand-built tree that is not of its kind's shape, are the caller's ``UsageError``.
"""
from __future__ import annotations

from typing import Any, Sequence

# Bound as a module, not ``from gbcs.payload import Payload``: gbcs.payload imports this package's ``views``
# while it is itself being imported, before it has defined ``Payload``.
from gbcs import payload as payloads
from gbcs.semantic.views import GENERIC, build_tree, describe_tree, is_named
from gbcs.states import Cra

__all__ = ["GENERIC", "build", "describe", "is_named"]


def describe(payload: payloads.Payload, *, message_code: int | None = None, cra: Cra | str | None = None,
             decrypted: Sequence[str] | None = None) -> dict[str, Any]:
    """The named fields of a payload (``message_code`` and ``cra`` pick the layout of ASN.1 payloads and the
    names of use-case values and alert payloads; ``decrypted``, the plaintexts of the payload's encrypted
    parts in payload order as ``gbcs.decode`` gives them, shows what they hold)."""
    return describe_tree(payload.kind, payload.tree, message_code=message_code, cra=cra, decrypted=decrypted)


def build(fields: dict[str, Any]) -> payloads.Payload:
    """The payload whose named fields these are (the inverse of ``describe``)."""
    return payloads.Payload(*build_tree(fields))
