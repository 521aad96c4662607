"""Who the S1SP is (its entity id in the test PKI) and what each SMETS1 Service Provider supports.

A real estate has several S1SPs; a SMETS1 device's inventory record names the one that serves it (estate
``s1sp:``). The simulator's S1SPs share one signing credential; they differ in what they support."""
from __future__ import annotations

from dataclasses import dataclass

from dccsim.inventory.models import Device
from dccsim.smki.repository import S1SP_ROLE, UserIdentity

# The S1SP's identity in the test PKI (its XML-signing certificate is exported as
# ``xml-sign-90B3D51F30000051-ds.pem``): the project's choice, not an industry value.
S1SP_ENTITY_ID = "90B3D51F30000051"
S1SP_NAME = "DCC S1SP"
# The device attribute naming the S1SP that serves a SMETS1 device.
S1SP_ATTRIBUTE = "s1sp"
SMETS1 = "SMETS1"


@dataclass(frozen=True)
class S1spProfile:
    """What one SMETS1 Service Provider supports."""

    name: str
    gas_flow_rate_decimal: bool        # CR1290: takes UncontrolledGasFlowRateDecimal in 6.7


S1SP_PROFILES = {profile.name: profile for profile in (
    S1spProfile("S1SP-1", gas_flow_rate_decimal=True),
    S1spProfile("S1SP-2", gas_flow_rate_decimal=False),
)}
DEFAULT_S1SP = "S1SP-1"


def s1sp_identity() -> UserIdentity:
    """The S1SP as the test PKI issues it credentials (an XML-signing key, ``keys export`` writes it)."""
    return UserIdentity(S1SP_ENTITY_ID, S1SP_NAME, (S1SP_ROLE,))


def is_smets1(device: Device | None) -> bool:
    return device is not None and device.smets_generation == SMETS1


def profile_of(device: Device) -> S1spProfile:
    """The S1SP that serves a SMETS1 device."""
    return S1SP_PROFILES.get(str(device.attributes.get(S1SP_ATTRIBUTE, DEFAULT_S1SP)), S1SP_PROFILES[DEFAULT_S1SP])
