"""What a device needs to know about each GBCS use case it receives: is it critical, and who may sign it.

Criticality is the message-code catalogue's (``gbcs.lookup(code).critical``, from the use case's GBCS message
type: SME.C.C commands are critical — signed by the Remote Party and answered with a signed Response). The
"variant" use cases (CS02a, CS02e, CS02f) are critical when they arrive signed: the catalogue leaves them
undecided (None) and a device judges them by the signature they carry.
"""
from __future__ import annotations

import gbcs
from devices.state import Role

# The trust-anchor roles whose signature a device accepts on a critical command; default: the Supplier.
# CS03A2 / CS03C / CS04AC are signed by the Supplier (DUIS 8.7.1 / 8.8.1) or by the Access Control Broker
# (DUIS 8.7.2 / 8.8.2, sent by the DCC on the User's behalf).
SIGNERS: dict[str, tuple[Role, ...]] = {
    "CS03A2": (Role.SUPPLIER, Role.ACB), "CS03C": (Role.SUPPLIER, Role.ACB), "CS04AC": (Role.SUPPLIER, Role.ACB),
    "CS02a": (Role.TRANSITIONAL_COS, Role.SUPPLIER), "CS02f": (Role.TRANSITIONAL_COS, Role.SUPPLIER),
    "ECS47e": (Role.SUPPLIER, Role.LOAD_CONTROLLER),
    # Update Security Credentials: whoever the replacement mode names (``devices.credential_updates`` checks it).
    "CS02b": (Role.SUPPLIER, Role.NETWORK_OPERATOR, Role.TRANSITIONAL_COS, Role.ACB),
    "CS02g": (Role.SUPPLIER, Role.LOAD_CONTROLLER),
}
DEFAULT_SIGNERS = (Role.SUPPLIER,)


def is_critical(message_code: int) -> bool:
    """Whether GBCS makes a command with this message code critical (signed, answered signed); a variant
    use case is not critical by its code alone."""
    info = gbcs.lookup(message_code)
    return bool(info is not None and info.critical)


def signers(use_case: str) -> tuple[Role, ...]:
    return SIGNERS.get(use_case, DEFAULT_SIGNERS)
