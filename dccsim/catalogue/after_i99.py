"""What follows each routed Service Request's I99 acknowledgement at the sender's endpoint, as DUIS promises it.

A device Service Request acknowledged I99 is always followed by its Response carrying the RequestID: the device's
answer (I0 with its GBCS payload), or E20 / E21 when the device or its hub cannot be reached — at once, or at the
execution time of a DSP future-dated one. A non-device Service Request's I99 is, in DUIS, its successful Response
with no data (DUIS 2.8, ``dccsim.duis.outcome_table``) — except where the DCC carries the request out after
acknowledging it, and the sender hears of the outcome later: those are listed here with what reaches them.
``tests/conformance/test_i99_followed.py`` sends every I99-answered template and checks it at the sender's
endpoint.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from dccsim.catalogue.spec import CATALOGUE


class FollowUp(enum.StrEnum):
    RESPONSE = "response"       # a Response carrying the RequestID
    ALERTS = "alerts"           # the alerts DUIS defines in place of a Response, logged under the RequestID
    NOTHING = "nothing"         # the I99 is the complete answer


@dataclass(frozen=True)
class AfterI99:
    follow_up: FollowUp
    what: str                   # what reaches the sender (RESPONSE, ALERTS) or why nothing does (NOTHING)


_DEVICE = AfterI99(FollowUp.RESPONSE, "the device's Response: I0 with its GBCS answer, or E20 / E21 when it cannot "
                                      "be reached (a DSP future-dated one at its ExecutionDateTime)")
_NO_DATA = ("a non-device Service Request whose I99 is its successful Response with no data (DUIS 2.8): the DCC "
            "has made the change before it answers")

NON_DEVICE: dict[str, AfterI99] = {
    "8.3": AfterI99(FollowUp.RESPONSE,
                    "the DCC's Response (I0, ServiceReference 8.3) once the device is Decommissioned in the inventory, "
                    "queued with the N43 to its Network Operator and the N4s of its DCC schedules; the project's "
                    "reading of DUIS 3.8 (not in the reference material)"),
    **{variant: AfterI99(FollowUp.RESPONSE,
                         f"the DCC's Response (I0, ServiceReference {variant}) once the hub and its GPF are Withdrawn "
                         f"in the inventory; the project's reading of DUIS 3.8 (not in the reference material)")
       for variant in ("8.14.3", "8.14.4")},
    **{variant: AfterI99(FollowUp.ALERTS,
                         "per device the image reaches: its receipt alert (0x8F72 firmware verification from a meter "
                         "or hub; a PPMID activates it: 0x8F8B) and the hub's transfer alert 0x8F8A; an image too "
                         "large: N20 carrying the UpdateFirmwareRequestID; a device that cannot be reached: an E20 / "
                         "E21 Response carrying the RequestID; a SMETS1 device: the S1SP's Response and its 0x8F72")
       for variant in ("11.1", "11.4")},
    **{variant: AfterI99(FollowUp.NOTHING, _NO_DATA) for variant in ("5.3", "8.4", "8.13", "8.14.1", "8.14.2",
                                                                      "12.2")},
}


def after_i99(variant: str) -> AfterI99:
    """What follows an I99 for ``variant`` (every device Service Request: its Response)."""
    spec = CATALOGUE.get(variant)
    if spec is None:
        raise KeyError(variant)
    if not spec.non_device:
        return _DEVICE
    return NON_DEVICE.get(variant, AfterI99(FollowUp.NOTHING, "its success answer is I0 with data, never I99"))
