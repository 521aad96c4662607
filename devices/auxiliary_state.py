"""What an electricity meter's auxiliary controllers hold, typed: its Auxiliary Load Control Switches (ALCS),
Auxiliary Proportional Controllers (APC), the boost button and the randomised offset limit.

One place for it: the Supplier's commands (DUIS 7.5–7.16, ``devices.esme_auxiliary_objects``) and the
configuration Service Requests (6.14.x) change it, the reads (7.7, 7.11, 7.14, 7.15) report it. Times are
UTC seconds since 2000-01-01; levels are percentages (an ALCS is 0 or 100).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

CONTROLLERS = 5                     # GBCS: up to five auxiliary controllers per meter


class Source(StrEnum):
    """Who commanded a controller's level: the Supplier (7.13), or the Load Controller's limit (7.16)."""

    SUPPLIER = "Supplier"
    LOAD_CONTROLLER = "LoadController"


@dataclass(slots=True)
class CommandedLevel:
    """A level a controller is commanded to for a period (7.13, 7.16), on its output or on its input from the
    controlled load."""

    level: int
    start: int
    end: int
    source: Source = Source.SUPPLIER
    on_input: bool = False


@dataclass(slots=True)
class AuxiliaryController:
    """One auxiliary controller (switch or proportional controller) of the meter."""

    description: str = ""
    configuration: bytes = bytes(8)     # as 6.14.x writes it
    active: bool = False                # an ALCS's output: on (activated) or off
    override_until: int | None = None   # the end of a timed activation / deactivation (7.5, 7.6)
    on_boost_button: bool = False       # 7.9 / 7.10
    commanded: list[CommandedLevel] = field(default_factory=list)


@dataclass(slots=True)
class AuxiliaryControllers:
    """The meter's auxiliary controllers (index 0 is controller 1), boost presses and randomised offset."""

    controllers: list[AuxiliaryController] = field(
        default_factory=lambda: [AuxiliaryController(description=f"Auxiliary controller {n}")
                                 for n in range(1, CONTROLLERS + 1)])
    boost_presses: list[tuple[int, int]] = field(default_factory=list)    # (start, end) of each boost period
    randomised_offset_limit: int = 0    # seconds (7.12)
