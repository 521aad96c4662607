"""Access control against the SR catalogue and the inventory: E1, E2, E19, E11, E5, E4.

A device opted out of DCC services (8.5 Service Opt Out) takes no device Service Request until 8.6 Service Opt In:
E5 (the project's reading of DUIS: the DCC no longer holds the device's Access Control Broker cells, so it cannot
command it; non-device requests such as 8.2 and 8.6 still apply).

Who may address a device (E4), by the eligible role the user acts in:

* IS / ES / GS / ED / GT / RSA: the user holds that role for the device in the
  inventory, or for a meter on the same Communications Hub when the device is a
  CHF, GPF or a HAN device (PPMID, HCALCS, APC, IHD, CAD) that serves the meter;
* OU: any Other User may send the Service Requests whose eligible roles include
  OU, to any device. DUIS ties no device relationship to the Other User role: the
  consumer's consent that an Other User needs is the User's obligation under the
  SEC (Section I), not a check the DCC makes, so the DCC gives no E4 to an Other
  User. (8.6 Service Opt In is not an Other User's consent either: it is the
  supplier of a non-domestic premises handing the device back to the DCC.)

6.23 Update Security Credentials (CoS) is sent by the *gaining* supplier, not yet responsible for the
device: the DCC checks it against Registration Data (the supplier registered for the MPxN from the change
date), which the simulator does not hold; a User acting as the supplier of the device's fuel may send it.
"""
from __future__ import annotations

from dccsim.duis.outcomes import E1, E2, E4, E5, E11, E19, Code, DuisRejection
from dccsim.catalogue.spec import SRSpec
from dccsim.inventory.cached import InventoryView
from dccsim.inventory.models import Device, User, UserRole

# A Service Request whose catalogue row names no user role (7.16 Limit APC Level in this release) may be
# sent only by the DCC itself, as Access Control Broker.
DCC_ONLY_ROLES = frozenset({UserRole.ACCESS_CONTROL_BROKER})

# The meter types whose responsible parties a role names.
_METER_FOR_ROLE = {
    "IS": ("ESME",), "ES": ("ESME",), "ED": ("ESME",), "RSA": ("ESME", "GSME"),
    "GS": ("GSME",), "GT": ("GSME",),
}
# Devices that have no responsible parties of their own but serve meters on their Communications Hub:
# the parties of those meters act for them. The GPF is the gas meter's proxy; the auxiliary load switch
# and proportional controller are driven by the electricity meter.
_SERVES = {
    "CHF": ("ESME", "GSME"), "PPMID": ("ESME", "GSME"), "IHD": ("ESME", "GSME"), "CAD": ("ESME", "GSME"),
    "GPF": ("GSME",), "HCALCS": ("ESME",), "APC": ("ESME",),
}


def eligible_roles(user: User | None, spec_roles: frozenset[UserRole]) -> tuple[UserRole, ...]:
    """The user's roles that may send the SR, or raise E1 / E2."""
    if user is None or not user.roles:
        raise DuisRejection(E1, "the originator is not a known DCC User with a User Role")
    allowed = spec_roles or DCC_ONLY_ROLES
    acting = tuple(role for role in user.roles if role in allowed)
    if not acting:
        raise DuisRejection(
            E2, f"User Roles {', '.join(user.roles)} may not send this Service Reference "
                  f"(eligible: {', '.join(sorted(allowed))})")
    return acting


def check_device(device: Device | None, device_id: str, spec: SRSpec, *, type_error: Code = E11) -> Device:
    """E19 (unknown), E11 (type), E5 (status) for the target device."""
    if device is None:
        raise DuisRejection(E19, f"device {device_id} is not in the Smart Metering Inventory")
    types = spec.device_types
    if types and device.device_type not in types:
        raise DuisRejection(
            type_error, f"device {device_id} is a {device.device_type}; this Service Request applies to "
                   f"{', '.join(sorted(types))}")
    statuses = spec.device_statuses
    if statuses and device.status not in statuses:
        raise DuisRejection(
            E5, f"device {device_id} has SMI status {device.status}; this Service Request needs "
                  f"{', '.join(sorted(statuses))}")
    if device.opted_out and not spec.non_device:
        raise DuisRejection(
            E5, f"device {device_id} was opted out of DCC services on {device.opted_out.get('date')} (8.5): its "
                  f"Access Control Broker is its supplier's, not the DCC; 8.6 Service Opt In brings it back")
    return device


# Service Requests a supplier sends for a device it is about to be responsible for (see module docstring).
GAINING_SUPPLIER_VARIANTS = frozenset({"6.23"})
_SUPPLIER_ROLES = {"ESME": UserRole.IMPORT_SUPPLIER, "GSME": UserRole.GAS_SUPPLIER}


async def check_authorised(inventory: InventoryView, user: User, acting_roles: tuple[UserRole, ...],
                           device: Device, *, variant: str | None = None) -> None:
    """E4 unless one of the acting roles is responsible for the device (see module docstring); the inventory
    is read through ``inventory`` (a cache, or a transaction's connection)."""
    if UserRole.ACCESS_CONTROL_BROKER in acting_roles or UserRole.OTHER_USER in acting_roles:
        return
    if variant in GAINING_SUPPLIER_VARIANTS and _SUPPLIER_ROLES.get(device.device_type) in acting_roles:
        return
    own = await inventory.parties(device.device_id)
    if any(own.get(role) == user.entity_id for role in acting_roles):
        return
    served = _SERVES.get(device.device_type, ())
    if served:
        for meter in await inventory.premises_devices(device):
            if meter.device_type not in served:
                continue
            parties = await inventory.parties(meter.device_id)
            if any(meter.device_type in _METER_FOR_ROLE.get(role, ()) and parties.get(role) == user.entity_id
                   for role in acting_roles):
                return
    raise DuisRejection(
        E4, f"User {user.entity_id} acting as {', '.join(acting_roles)} is not responsible for "
              f"device {device.device_id}")
