"""ESME variants (DUIS sr:ESMEVariant): what an electricity meter has, letter by letter.

The variant is a base letter and optional features (SMETS2, DUIS Table 229 and the V4.0 release note):

* A — single element (single phase) meter
* B — twin element meter: a secondary element with its own registers, TOU tariff (4 rates) and
  half-hour profile column
* C — polyphase meter: per-phase network data (voltage profiles on phases 2 and 3; GBCS ECS23b)
* D — one or more Auxiliary Load Control Switches (ALCS), with their own event log (ECS15c clears it)
* E — Boost function (needs ALCS)
* F — one or more Auxiliary Proportional Controllers (APC), whose events share the auxiliary
  controller event log
* G — the meter is a Standalone Auxiliary Proportional Controller (SMETS2 section 9, "SAPC"), so it has
  the APC functions too

``capabilities`` turns the letters into the flags the object model consults.
"""
from __future__ import annotations

from dataclasses import dataclass

VARIANTS = ("A", "B", "C", "AD", "BD", "CD", "ADE", "BDE", "CDE", "ADF", "BDF", "CDF", "ADEF", "BDEF", "CDEF",
            "ADG", "ADEG", "AF", "BF", "CF", "AEF", "BEF", "CEF", "AG", "AEG")
DEFAULT = "A"


@dataclass(frozen=True)
class Capabilities:
    variant: str
    twin: bool              # B: secondary element
    polyphase: bool         # C: three phases
    alcs: bool              # D: auxiliary load control switches
    boost: bool             # E: boost function
    apc: bool               # F / G: auxiliary proportional controller(s)
    sapc: bool              # G: standalone auxiliary proportional controller

    @property
    def auxiliary_controller(self) -> bool:
        """An auxiliary controller (ALCS or APC) and so an auxiliary controller event log."""
        return self.alcs or self.apc

    @property
    def phases(self) -> int:
        return 3 if self.polyphase else 1

    @property
    def elements(self) -> int:
        return 2 if self.twin else 1


def capabilities(variant: str | None) -> Capabilities:
    """The capabilities of a variant; an unknown or missing variant is a single element meter."""
    letters = (variant or DEFAULT).strip().upper()
    if letters not in VARIANTS:
        letters = DEFAULT
    return Capabilities(variant=letters, twin=letters[0] == "B", polyphase=letters[0] == "C",
                        alcs="D" in letters, boost="E" in letters, apc="F" in letters or "G" in letters,
                        sapc="G" in letters)
