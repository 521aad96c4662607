"""The SMETS1 branch of the front door's dispatch: a device Service Request whose target the inventory says
is SMETS1 goes to the S1SP's handler (``dccsim.s1sp.service``), checked against the S1SP's device types and
command variants, whatever handles the variant for SMETS2 devices."""
from __future__ import annotations

from dataclasses import replace

from dccsim.catalogue.spec import SRSpec
from dccsim.duis.outcomes import E12, HTTP_501_NOT_IMPLEMENTED, DuisRejection
from dccsim.handlers.registry import HandlerEntry, Target
from dccsim.inventory.models import Device
from dccsim.s1sp.profiles import is_smets1
from dccsim.s1sp.routes import S1_COMMAND_VARIANTS, S1_ROUTES
from dccsim.s1sp.service import smets1_request

# 11.1 names its devices in its body: its SMETS2 handler sends the SMETS1 ones to the S1SP.
_BY_TARGET = frozenset(variant for variant in S1_ROUTES if variant != "11.1")
# Non-device Service Requests about a device that the simulator does not serve for a SMETS1 one, and why.
_NOT_FOR_SMETS1 = {"5.1": "DSP schedules for SMETS1 devices (CR1291) are not simulated"}
S1SP_ENTRY = HandlerEntry("smets1", smets1_request, Target.REQUEST_ID, device_must_exist=True)


def routable(spec: SRSpec) -> bool:
    """Whether the S1SP serves this variant for a SMETS1 target device."""
    return spec.variant in _BY_TARGET


def may_be_smets1(spec: SRSpec, command_variant: int) -> bool:
    """A command variant the S1SP takes for this variant, though SMETS2 devices do not (decided once the
    target device is known)."""
    return routable(spec) and command_variant in S1_COMMAND_VARIANTS


def choose(spec: SRSpec, entry: HandlerEntry | None, device: Device | None,
           command_variant: int) -> tuple[HandlerEntry, SRSpec]:
    """The handler for a request about ``device``, and the catalogue entry to check the device against:
    the S1SP's for a SMETS1 device; a variant nobody serves for it is HTTP 501, naming what is missing."""
    if device is not None and is_smets1(device) and spec.variant in _NOT_FOR_SMETS1:
        raise DuisRejection(HTTP_501_NOT_IMPLEMENTED, f"Service Request {spec.variant} ({spec.name}): "
                                                        f"{_NOT_FOR_SMETS1[spec.variant]}")
    if device is not None and is_smets1(device) and (entry is None or entry.target is Target.REQUEST_ID):
        route = S1_ROUTES.get(spec.variant) if routable(spec) else None
        if route is None:
            raise DuisRejection(HTTP_501_NOT_IMPLEMENTED, f"Service Request {spec.variant} ({spec.name}) is not "
                                                            f"simulated for SMETS1 devices")
        if command_variant not in S1_COMMAND_VARIANTS:
            raise DuisRejection(E12, f"CommandVariant {command_variant} is not applicable to a SMETS1 device: "
                                       f"the S1SP takes Service Request {spec.variant} with CommandVariant 1")
        return S1SP_ENTRY, replace(spec, device_types=route.device_types)
    if entry is None:
        raise DuisRejection(HTTP_501_NOT_IMPLEMENTED, f"Service Request {spec.variant} ({spec.name}) is not "
                                                        f"simulated yet")
    if command_variant not in spec.command_variants:
        raise DuisRejection(E12, f"CommandVariant {command_variant} is not applicable to "
                                   f"Service Reference Variant {spec.variant}")
    return entry, spec
