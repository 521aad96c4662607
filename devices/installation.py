"""A device as it is installed and managed out of band: its state at first contact (from what the inventory
says of it), its trust-anchor cells, and a re-keyed device's own credentials."""
from __future__ import annotations

from typing import Iterable

from devices.device_types import SUPPLIER_PREPAYMENT, CellSpec, kind
from devices.esme_variant import capabilities
from devices.state import (Cell, ChfState, DeviceLogEntry, DeviceState, EsmeState, Firmware, GpfState, JoinedDevice,
                           OwnCredential, Role, state_class)
from devices.trust_anchors import cell, entity_for, make_cell
from gbcs import KeyUsage

__all__ = ["add_cells", "cell_holder", "first_contact", "install_cells", "make_cell", "missing_cells", "needs_cells",
           "replace_own_credential"]


def first_contact(device_type: str, device_id: str, *, firmware_version: str | None = None,
                  esme_variant: str | None = None, device_log: Iterable[str] = (),
                  gpf_log: Iterable[tuple[str, int]] = ()) -> DeviceState:
    """A device's state the first time the simulator meets it: of the kind its inventory type names (a type
    that speaks no GBCS: ``Type2``), running ``firmware_version``; a meter of its ESME variant, a hub with the
    devices the inventory puts on its HAN, a GPF with the devices (id, GBCS device type) it serves."""
    cls = state_class(device_type)
    firmware = Firmware(firmware_version or Firmware().version)
    if cls is EsmeState:
        return EsmeState(firmware=firmware, device_id=device_id, variant=capabilities(esme_variant).variant)
    if cls is ChfState:
        return ChfState(firmware=firmware, device_log=[DeviceLogEntry(d) for d in device_log])
    if cls is GpfState:
        return GpfState(firmware=firmware, joined=[JoinedDevice(d, device_type) for d, device_type in gpf_log])
    return cls(firmware=firmware)


def needs_cells(state: DeviceState) -> bool:
    """Whether the device has had no trust-anchor cells installed yet."""
    return state.trust_anchors is None


def install_cells(state: DeviceState, cells: Iterable[Cell]) -> None:
    """Fill the device's trust-anchor cells (at installation)."""
    state.trust_anchors = list(cells)


def missing_cells(state: DeviceState, wanted: Iterable[CellSpec] = (SUPPLIER_PREPAYMENT,)) -> list[CellSpec]:
    """The cells of ``wanted`` the device's kind holds but this device lacks (a meter installed before meters
    had a prepayment cell lacks it)."""
    return [spec for spec in wanted if spec in kind(state).cells and cell(state, *spec) is None]


def add_cells(state: DeviceState, cells: Iterable[Cell]) -> None:
    state.trust_anchors = state.cells + list(cells)


def cell_holder(state: DeviceState, role: Role) -> str | None:
    """The entity whose key the device holds in its cell for ``role`` (None: no such cell)."""
    return entity_for(state, role)


def replace_own_credential(state: DeviceState, usage: KeyUsage | str, certificate: bytes, key_pem: str) -> None:
    """The device keeps a new key pair of its own (the test PKI re-keyed it): it answers with it from now on."""
    state.own_credentials[KeyUsage(usage)] = OwnCredential(certificate, key_pem)
