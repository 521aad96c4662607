"""A device as it is installed: its first state, from what the inventory says of it, and its trust-anchor
cells, filled from the inventory's responsible parties and the SMKI repository (a meter's Supplier cells
include its prepayment cell, with the Supplier's prepayment key).

The same mapping tells the DCC side which Users a device knows as Remote Parties: a command from one of
them goes to the device under the User's own id; any other User's command is originated by the Access
Control Broker on the User's behalf (GBCS: the device holds no cell for that User).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from devices import CellSpec, Cell, DeviceState, Role, installation, kind_of, state_codec
from dccsim.han.identities import device_credentials
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import InTransaction, InventoryView
from dccsim.inventory.models import Device

if TYPE_CHECKING:
    from dccsim.han.identities import Identities

# The inventory roles whose holder sits in a device's Supplier / Network Operator cells, by device type.
SUPPLIER_PARTY = {"ESME": ("IS",), "GSME": ("GS",), "GPF": ("GS",)}
NETWORK_OPERATOR_PARTY = {"ESME": ("ED",), "GSME": ("GT",), "GPF": ("GT",)}
# DCC-internal users (estate roles) that fill the cells of the DCC's own Remote Parties.
_INTERNAL_ROLE = {Role.RECOVERY: "Recovery", Role.WAN_PROVIDER: "WANProvider", Role.TRANSITIONAL_COS: "TCoS"}


async def remote_parties(inventory: InventoryView, device: Device, acb: str) -> dict[Role, str]:
    """The entity each of the device's trust-anchor roles names: {role: entity id}, as ``inventory`` (a
    transaction's, or a process's cache) tells them."""
    wanted = {cell_role for cell_role, _ in kind_of(device.device_type).cells}
    internal = {role: estate_role for role, estate_role in _INTERNAL_ROLE.items() if role in wanted}
    parties, holders = await inventory.parties_and_role_holders(device.device_id, frozenset(internal.values()))
    found: dict[Role, str] = {Role.ACB: acb}
    supplier = next((parties[r] for r in SUPPLIER_PARTY.get(device.device_type, ()) if r in parties), None)
    if supplier is None and device.device_type not in SUPPLIER_PARTY:
        supplier = await _premises_party(inventory, device, ("IS",)) \
            or await _premises_party(inventory, device, ("GS",))
    if supplier:
        found[Role.SUPPLIER] = supplier
    operator = next((parties[r] for r in NETWORK_OPERATOR_PARTY.get(device.device_type, ()) if r in parties), None)
    if operator:
        found[Role.NETWORK_OPERATOR] = operator
    for role, estate_role in internal.items():
        if estate_role in holders:
            found.setdefault(role, holders[estate_role])
    return {role: entity for role, entity in found.items() if role in wanted}


async def knows(inventory: InventoryView, device: Device, entity: str) -> bool:
    """Whether the device holds a cell for ``entity`` as its Supplier or Network Operator, as ``inventory``
    (a transaction's, or a process's cache) tells its parties."""
    parties = await inventory.parties(device.device_id)
    if any(parties.get(r) == entity for r in SUPPLIER_PARTY.get(device.device_type, ())
           + NETWORK_OPERATOR_PARTY.get(device.device_type, ())):
        return True
    if device.device_type in SUPPLIER_PARTY or not any(role == Role.SUPPLIER
                                                       for role, _ in kind_of(device.device_type).cells):
        return False
    return entity in {await _premises_party(inventory, device, ("IS",)),
                      await _premises_party(inventory, device, ("GS",))}


async def _premises_party(inventory: InventoryView, device: Device, roles: tuple[str, ...]) -> str | None:
    """A HAN device without a Supplier of its own (PPMID, HCALCS, APC) trusts its premises' meter Supplier."""
    for candidate in await inventory.premises_devices(device):
        if candidate.device_type not in ("ESME", "GSME"):
            continue
        parties = await inventory.parties(candidate.device_id)
        for role in SUPPLIER_PARTY[candidate.device_type]:
            if role in parties and role in roles:
                return parties[role]
    return None


def cells_for(identities: "Identities", entities: dict[Role, str], device_type: str,
              only: list[CellSpec] | None = None) -> list[Cell]:
    """The device's cells: each (role, usage) of its type (or of ``only``) whose Remote Party has such a
    certificate — the Supplier's prepayment cell holds its prepayment key-agreement certificate."""
    found = []
    for role, usage in kind_of(device_type).cells:
        if only is not None and (role, usage) not in only:
            continue
        entity = entities.get(role)
        made = identities.cell(role, usage, entity) if entity or role == Role.ROOT else None
        if made is not None:
            found.append(made)
    return found


def add_prepayment_cell(identities: "Identities", state: DeviceState, device_type: str) -> None:
    """A meter installed before the simulator gave meters a prepayment cell gets one: its Supplier's
    prepayment key, as a new meter gets it at installation."""
    missing = installation.missing_cells(state)
    supplier = installation.cell_holder(state, Role.SUPPLIER)
    if missing and supplier is not None:
        installation.add_cells(state, cells_for(identities, {Role.SUPPLIER: supplier}, device_type, only=missing))


async def initial_chf_log(conn, chf_id: str) -> list[dict]:
    """A CHF's device log before the simulator ever talked to it: the HAN devices the inventory puts there."""
    members = await repo.find_devices(conn, chf_id=chf_id)
    return [{"device_id": d.device_id, "added": "estate", "link_key_hash": ""} for d in members
            if kind_of(d.device_type).on_chf_log]


# The GBCS device types (GBCS 13.8, the GPF device log) of the devices a GPF serves.
_GPF_LOG_TYPES = {"GSME": 0, "HCALCS": 4, "PPMID": 5}


async def initial_gpf_log(conn, gpf: Device) -> list[tuple[str, int]]:
    """A GPF's device log before the simulator ever talked to it: its GSME and the PPMIDs on its hub."""
    members = await repo.find_devices(conn, chf_id=gpf.chf_id) if gpf.chf_id else []
    return [(d.device_id, _GPF_LOG_TYPES[d.device_type]) for d in members
            if (d.device_type == "GSME" and d.gpf_id == gpf.device_id) or d.device_type == "PPMID"]


async def first_contact_state(conn, device: Device) -> DeviceState:
    """A device's state on first contact, from what the inventory says of it."""
    log = [e["device_id"] for e in await initial_chf_log(conn, device.device_id)] \
        if device.device_type == "CHF" else []
    gpf_log = await initial_gpf_log(conn, device) if device.device_type == "GPF" else []
    return installation.first_contact(device.device_type, device.device_id, firmware_version=device.firmware_version,
                                      esme_variant=device.esme_variant, device_log=log, gpf_log=gpf_log)


async def provisioned_state(conn, device: Device, stored: str | None, identities: "Identities", *,
                            inventory: InventoryView | None = None) -> DeviceState:
    """The device's state for a frame: as stored, or as installed on first contact; with its trust-anchor
    cells filled if it has none yet (from the parties ``inventory`` tells, else those ``conn``'s transaction
    sees), and its own credentials loaded if another worker issued them."""
    state = state_codec.decode(stored, kind=device.device_type) if stored else await first_contact_state(conn, device)
    if installation.needs_cells(state):
        entities = await remote_parties(inventory or InTransaction(conn), device, identities.acb)
        installation.install_cells(state, cells_for(identities, entities, device.device_type))
    else:
        add_prepayment_cell(identities, state, device.device_type)
    if await device_credentials(conn, identities.smki, device):
        identities.forget(device.device_id)
    return state
