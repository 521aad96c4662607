"""The SR-specific outcomes of the supply, prepayment, tariff, price, display and auxiliary controller Service
Requests (1.x, 2.x, 3.1–3.5, 7.x, 9.1, 14.1): which the simulator answers, where a test shows it, and which it
never answers and why.

The DUIS XML schema's ``ResponseCode`` enumeration lists the SR-specific codes (E<ref><variant><n>); for these
Service References it has E010101, E010102 (1.1) and E010201 (1.2), and none for 1.5–1.7, 2.x, 3.1–3.5
(3.3's are not these), 7.x, 9.1 or 14.1. The generic codes these Service Requests meet in ways of their own
are listed too. What a device refuses (a supply it cannot enable, credit it cannot take) is not a DUIS code:
the device answers the command with a failure, as the RTDS error vectors show, and the DCC passes it on in the
Response (I0 with the device's answer).
"""
from __future__ import annotations

from dataclasses import dataclass

from dccsim.duis.outcomes import E2, E11

_NOT_IN_REFERENCE = (
    "the DUIS schema V5.4 enumerates the code, but the DUIS section that says when the DCC answers it (the "
    "Service Request's own validation, DUIS 3.8) is neither in the reference material nor in the public material "
    "searched (SmartDCCInnovation repositories, DCC Boxed documentation): the simulator cannot state the "
    "condition, so it never answers the code rather than guess it")


@dataclass(frozen=True)
class SrOutcome:
    code: str
    variants: tuple[str, ...]
    produced: bool
    why: str                    # the condition (produced) or why it cannot arise
    shown_by: str = ""          # the test that produces it


SR_OUTCOMES: tuple[SrOutcome, ...] = (
    SrOutcome("E010101", ("1.1.1", "1.1.2"), False, _NOT_IN_REFERENCE),
    SrOutcome("E010102", ("1.1.1", "1.1.2"), False, _NOT_IN_REFERENCE),
    SrOutcome("E010201", ("1.2.1", "1.2.2"), False, _NOT_IN_REFERENCE),
    SrOutcome(E11.value, ("7.5", "7.6", "7.7", "7.8"), True,
              "GBCS v4.0 deprecates ECS47 and ECS61a (release note V4.0 §5.4): DUIS V4.0 does not send them to a "
              "device of GBCS v4.0 or later; 7.13–7.15 take their place",
              "tests/integration/test_supply_journeys.py::test_duis_refuses_the_deprecated_switch_requests_and_the_apc_limit"),
    SrOutcome(E2.value, ("7.16",), True,
              "the DUIS matrix of this release names no eligible User Role for 7.16 Limit APC Level: no User may send "
              "it over DUIS (the meter takes ECS47e from the Load Controller, whose cell it holds)",
              "tests/integration/test_supply_journeys.py::test_duis_refuses_the_deprecated_switch_requests_and_the_apc_limit"),
    SrOutcome(E2.value, ("9.1",), True, "9.1 is an Other User Service Request: a supplier sending it is refused",
              "tests/conformance/test_templates_front_door.py (ECS50_9.1, GCS36_9.1)"),
    SrOutcome(E2.value, ("14.1",), True, "14.1 is the Gas Transporter's (GT) alone",
              "tests/integration/test_supply_journeys.py::test_duis_refuses_the_deprecated_switch_requests_and_the_apc_limit"),
)

# Who can trigger 7.16 Limit APC Level: nobody over DUIS in this release (see SR_OUTCOMES).
LIMIT_APC_LEVEL_SENDERS: tuple[str, ...] = ()
