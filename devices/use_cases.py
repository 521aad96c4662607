"""What a device needs to know about each GBCS use case it receives: is it critical, and who may sign it.

Criticality comes from the use case's message type in GBCS (SME.C.C commands are critical: signed by the
Remote Party and answered with a signed Response). The "variant" use cases (CS02a, CS02e, the CS02b / CS02f /
CS02g families) are critical when they arrive signed. ``is_critical`` is the one place a device asks; when the
message-code catalogue carries a ``critical`` flag it is used, else this table.
"""
from __future__ import annotations

import gbcs

# GBCS use cases of message type SME.C.C (critical commands).
CRITICAL_USE_CASES = frozenset({
    "CS02c", "CS02d", "CS03A1", "CS03A2", "CS03C", "CS04AC", "CS06",
    "ECS01a", "ECS01b", "ECS01c", "ECS01d", "ECS02", "ECS03", "ECS04a", "ECS04b", "ECS05", "ECS07", "ECS08",
    "ECS08a", "ECS09", "ECS28a", "ECS30", "ECS30a", "ECS38", "ECS42", "ECS43", "ECS44", "ECS46a", "ECS46c",
    "ECS46d", "ECS47", "ECS47a", "ECS47e", "ECS48", "ECS70", "ECS81",
    "GCS01a", "GCS01b", "GCS02", "GCS03", "GCS04", "GCS05", "GCS06", "GCS23", "GCS24", "GCS24a", "GCS25",
    "GCS25a", "GCS28", "GCS32", "GCS39", "GCS40a", "GCS40b", "GCS40c", "GCS40d",
})

# Use cases GBCS defines in a MAC'd and a signed variant: critical exactly when signed.
VARIANT_USE_CASES = frozenset({"CS02a", "CS02b", "CS02e", "CS02f", "CS02g"})

# The trust-anchor roles whose signature a device accepts on a critical command; default: the Supplier.
# CS03A2 / CS03C / CS04AC are signed by the Supplier (DUIS 8.7.1 / 8.8.1) or by the Access Control Broker
# (DUIS 8.7.2 / 8.8.2, sent by the DCC on the User's behalf).
SIGNERS: dict[str, tuple[str, ...]] = {
    "CS03A2": ("supplier", "acb"), "CS03C": ("supplier", "acb"), "CS04AC": ("supplier", "acb"),
    "CS02a": ("transitional-cos", "supplier"), "CS02f": ("transitional-cos", "supplier"),
    "ECS47e": ("supplier", "load-controller"),
}
DEFAULT_SIGNERS = ("supplier",)


def use_case_of(message_code: int) -> str | None:
    info = gbcs.lookup(message_code)
    return info.use_case if info else None


def is_critical(message_code: int) -> bool:
    """Whether GBCS makes a command with this message code critical (signed, answered signed)."""
    info = gbcs.lookup(message_code)
    if info is None:
        return False
    flag = getattr(info, "critical", None)
    if isinstance(flag, bool):
        return flag
    return info.use_case in CRITICAL_USE_CASES


def signers(use_case: str) -> tuple[str, ...]:
    return SIGNERS.get(use_case, DEFAULT_SIGNERS)
