"""Emulated smart-metering devices and the in-process HAN bus that connects them.

This module is the whole public API: the names in ``__all__``, among them the public modules ``alerts`` (the
alert codes devices raise and whom each goes to), ``installation`` (a device's state at first contact, its
trust-anchor cells, its re-keying), ``queries`` (the few reads of a device's state the DCC may make) and
``state_codec`` (the versioned form a device's state is stored in) and ``events`` (the physical events a device
can undergo, and the alerts each makes it raise). Every other module of the package is the
emulators' own and may change.

Devices
    ``handle_command(identity, state, frame, now)`` is a device receiving a GBCS frame; ``run_due`` runs its
    held future-dated commands, ``raise_event`` makes it alert on something that happened to it. A device's
    kind is its state's class (``DeviceState``); ``kind_of`` says what a device type serves and which cells
    (``CellSpec``: a ``Role`` and a key usage) it holds; ``esme_capabilities`` what an ESME variant has.
SMETS1 devices
    ``smets1`` (a public package): SMETS1 hubs, meters and PPMIDs behind an S1SP, their typed state and what
    they do with an S1SP's instruction; no GBCS.
The HAN
    ``HanBus`` carries frames through a hub to a device, over a ``Route``, with ``Faults`` injected.
"""
from devices import alerts, events, installation, queries, smets1, state_codec
from devices.device import DeviceIdentity, DeviceReply, handle_command, raise_event, run_due
from devices.device_types import CellSpec, kind_of
from devices.esme_variant import Capabilities, capabilities as esme_capabilities
from devices.han import Faults, HanBus, Route
from devices.state import Cell, DeviceState, Role

__all__ = [
    "Capabilities", "Cell", "CellSpec", "DeviceIdentity", "DeviceReply", "DeviceState", "Faults", "HanBus", "Role",
    "Route", "alerts", "esme_capabilities", "events", "handle_command", "installation", "kind_of", "queries",
    "raise_event", "run_due", "smets1", "state_codec",
]
