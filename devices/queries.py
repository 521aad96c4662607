"""What the DCC may ask about a device's state, by name: the few reads it needs besides the device's answers
over the HAN."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from devices import views
from devices.state import ChfState, DeviceState

__all__ = ["device_log", "firmware_version", "kind", "next_held_command_due", "view"]


def kind(state: DeviceState) -> str:
    """The device's kind (``ESME``, ``GSME``, ``GPF``, ``CHF``, ``PPMID``, ``HCALCS``, ``APC``, ``Type2``)."""
    return state.KIND


def next_held_command_due(state: DeviceState) -> datetime | None:
    """When the earliest future-dated command the device holds is due (None: it holds none)."""
    return min((item.at for item in state.future), default=None)


def device_log(state: DeviceState) -> list[str] | None:
    """The devices on a Communications Hub's device log, which alone may talk to it over the HAN (None for a
    device that is not a hub)."""
    return [entry.device_id for entry in state.device_log] if isinstance(state, ChfState) else None


def firmware_version(state: DeviceState) -> str:
    """The firmware version the device runs."""
    return state.firmware.version


def view(state: DeviceState) -> dict[str, Any]:
    """The device's state as plain JSON for display (the console's device panels), per kind: firmware,
    trust-anchor cells, held commands and security log, and a meter's clock, registers, credit and debt, supply
    and tariff, or a hub's device log."""
    return views.view(state)
