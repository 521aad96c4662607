"""The Service-Request-specific response codes of the device-configuration and security-credential Service
Requests (DUIS 6.x, 8.5, 8.12), one row each: produced by the simulator (the condition it checks), or not, and
why not.

The official DUIS XML schema enumerates these codes; the conditions behind most of them are defined in DUIS
section 3.8, which the project's reference material does not include. A code is produced only where its
condition is known from the release note or the schema (E061509: where the release note ties the new code to one
new condition, marked as the project's reading); the others wait for that text rather than guess it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dccsim.duis import codes


class Status(StrEnum):
    PRODUCED = "produced"
    NOT_PRODUCED = "not produced"


@dataclass(frozen=True)
class SrCode:
    variant: str
    status: Status
    why: str


_NO_TEXT = "its condition is defined in DUIS 3.8 for this Service Request, which the reference material lacks"

SR_CODES: dict[str, SrCode] = {
    "E060501": SrCode("6.5", Status.NOT_PRODUCED, _NO_TEXT),
    "E060502": SrCode("6.5", Status.NOT_PRODUCED, _NO_TEXT),
    codes.E060701: SrCode("6.7", Status.PRODUCED,
                      "UncontrolledGasFlowRateDecimal for a gas meter below GBCS v3.2 (release note V4.0: 'GBCS v3.2 "
                      "or later'); tests/integration/test_device_configuration.py"),
    "E060801": SrCode("6.8", Status.NOT_PRODUCED, _NO_TEXT),
    "E060802": SrCode("6.8", Status.NOT_PRODUCED, _NO_TEXT),
    "E060803": SrCode("6.8", Status.NOT_PRODUCED, _NO_TEXT),
    "E061301": SrCode("6.13", Status.NOT_PRODUCED,
                      _NO_TEXT + "; a LogToRead the device does not keep is answered E11"),
    "E061304": SrCode("6.13", Status.NOT_PRODUCED, _NO_TEXT),
    "E061305": SrCode("6.13", Status.NOT_PRODUCED, _NO_TEXT),
    **{code: SrCode("6.15.1", Status.NOT_PRODUCED, _NO_TEXT)
       for code in ("E061501", "E061504", "E061505", "E061506", "E061507", "E061508")},
    codes.E061509: SrCode("6.15.1", Status.PRODUCED,
                          "RemotePartyRole LoadController (CS02g) for a device before GBCS v4.0, which holds no Load "
                          "Controller cell: the release note adds the code with the role and states the Load "
                          "Controller as a GBCS v4.0 function (5.6, 5.8); the condition is the project's reading. "
                          "tests/integration/test_device_configuration.py"),
    **{code: SrCode("6.18.x", Status.NOT_PRODUCED, _NO_TEXT) for code in ("E061801", "E061802", "E061803")},
    **{code: SrCode("6.21", Status.NOT_PRODUCED, _NO_TEXT) for code in ("E062101", "E062102", "E062103",
                                                                          "E062105")},
    **{code: SrCode("6.22", Status.NOT_PRODUCED, _NO_TEXT + "; an alert code outside the settings the schema "
                                                                 "allows is refused by the schema (HTTP 400)")
       for code in ("E062201", "E062202", "E062203")},
    **{code: SrCode("6.23", Status.NOT_PRODUCED, _NO_TEXT)
       for code in ("E062301", "E062302", "E062303", "E062304", "E062305", "E062306")},
    "E062401": SrCode("6.24.1", Status.NOT_PRODUCED, _NO_TEXT),
    **{code: SrCode("6.24.1", Status.NOT_PRODUCED,
                    "the release note adds E062402 and E062403 together for CS02f (a Load Controller's cells "
                    "reported) without their conditions; the two the simulator could meet (a device before GBCS "
                    "v4.0, a device type without a Load Controller cell) cannot be told apart, so neither is "
                    "guessed: the first gets CS02f, the second CS02a without the Load Controller's cells")
       for code in ("E062402", "E062403")},
    **{code: SrCode("6.28", Status.NOT_PRODUCED, _NO_TEXT) for code in ("E062801", "E062802", "E062803")},
    **{code: SrCode("8.5", Status.NOT_PRODUCED,
                    _NO_TEXT + "; a device already opted out is answered E5, as every device Service Request for it "
                               "is until 8.6 (dccsim.frontdoor.access)")
       for code in ("E080501", "E080502", "E080503")},
    **{code: SrCode("8.12.1", Status.NOT_PRODUCED, _NO_TEXT) for code in ("E081202", "E081205")},
    codes.E081204: SrCode("8.12.1", Status.PRODUCED,
                          "the project's reading: the DCC holds no backup (no CS14 alert) of the device log of the hub "
                          "OldCHFID names, so nothing is restored and the new hub's log is left as it is; "
                          "tests/integration/test_device_log_restore.py"),
    **{code: SrCode("8.12.2", Status.NOT_PRODUCED, _NO_TEXT) for code in ("E081221", "E081223")},
    codes.E081222: SrCode("8.12.2", Status.PRODUCED,
                          "the project's reading: the DCC holds no backup (no GCS62 alert) of the device log of the GPF "
                          "OldGPFID names, so nothing is restored and the new GPF's log is left as it is; "
                          "tests/integration/test_device_log_restore.py"),
}
