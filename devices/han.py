"""The in-process HAN bus: routes frames to devices, with latency, loss and offline injection.

Device state comes from a ``StateStore`` (the simulator keeps it in PostgreSQL) so that a device's
handling of a frame is atomic and survives restarts; faults come from a ``FaultSource`` a user can change at
run time.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Callable, Protocol

from devices.device import DeviceIdentity, DeviceReply


@dataclass(frozen=True)
class Faults:
    offline: bool = False
    latency_ms: float = 0.0
    loss: float = 0.0          # probability that a frame (or its answer) is lost


class FaultSource(Protocol):
    async def faults(self, device_id: str) -> Faults: ...


class StateStore(Protocol):
    """Runs ``work(identity, state)`` on a device's state under a lock and persists the result."""

    async def with_device(self, device_id: str, work: Callable[[DeviceIdentity, dict], DeviceReply]) \
            -> DeviceReply | None: ...


class HanBus:
    def __init__(self, store: StateStore, faults: FaultSource, *, rng: random.Random | None = None):
        self.store = store
        self.fault_source = faults
        self.rng = rng or random.Random()

    async def _deliverable(self, device_id: str, hub_id: str | None) -> Faults | None:
        faults = await self.fault_source.faults(device_id)
        hub = await self.fault_source.faults(hub_id) if hub_id and hub_id != device_id else Faults()
        if faults.offline or hub.offline:
            return None
        if self.rng.random() < max(faults.loss, hub.loss):
            return None
        return faults

    async def exchange(self, device_id: str, frame: bytes, *, hub_id: str | None = None,
                       handler: Callable[[DeviceIdentity, dict, bytes], DeviceReply]) -> DeviceReply | None:
        """Deliver ``frame``; return the device's reply, or None if nothing comes back."""
        faults = await self._deliverable(device_id, hub_id)
        if faults is None:
            return None
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        return await self.store.with_device(device_id, lambda identity, state: handler(identity, state, frame))

    async def run(self, device_id: str, work: Callable[[DeviceIdentity, dict], DeviceReply], *,
                  hub_id: str | None = None) -> DeviceReply | None:
        """Run a non-frame action on a device (firmware image delivery) under the same faults."""
        faults = await self._deliverable(device_id, hub_id)
        if faults is None:
            return None
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        return await self.store.with_device(device_id, work)


Handler = Callable[[DeviceIdentity, dict, bytes], DeviceReply]
