"""The in-process HAN bus: routes frames to devices through their Communications Hub, with latency, loss
and offline injection, and distributes firmware images.

A frame for a device travels CHF → (GPF, for a gas meter) → device. The route comes from a ``HanDirectory``:
a device that is not on its CHF's device log cannot be reached (GBCS: the CHF does not talk to it), so
nothing comes back. Every hop's faults apply: an offline or lossy hop drops the frame.

Device state comes from a ``StateStore`` (the simulator keeps it in PostgreSQL) so that a device's
handling of a frame is atomic and survives restarts; faults come from a ``FaultSource`` a user can change at
run time. A caller that must commit its own work with the device's (the DCC finishing a device job) passes
it as ``within``: the bus hands it to the store untouched.

Devices never read a clock: the bus reads the one it was given (``clock``) when a device starts handling
a frame, and passes that time on.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol

from devices import firmware, gas_mirror
from devices.device import DeviceIdentity, DeviceReply, device_keys, receive_firmware
from devices.gas_state import GasData
from devices.state import DeviceState, GpfState, GsmeState


@dataclass(frozen=True)
class Faults:
    offline: bool = False
    latency_ms: float = 0.0
    loss: float = 0.0          # probability that a frame (or its answer) is lost


@dataclass(frozen=True)
class Route:
    """The devices a frame passes through (the target last), or why the target cannot be reached.

    ``on_log_of`` names a hub whose device log is still to be read: the target is reachable only if that
    log lists it. A directory leaves it so when asked to (``deferred_log``) and the store reads the log in the
    device's own transaction (``StateStore.with_device(on_log_of=…)``), which saves a read of its own.
    """

    hops: tuple[str, ...]
    reason: str | None = None
    on_log_of: str | None = None

    @property
    def reachable(self) -> bool:
        return self.reason is None


class FaultSource(Protocol):
    async def faults(self, device_id: str) -> Faults: ...


class HanDirectory(Protocol):
    """Who is on whose HAN: the route to a device through its CHF (and GPF); with ``deferred_log`` the
    hub's device log may be left to the store to read (``Route.on_log_of``)."""

    async def route(self, device_id: str, hub_id: str | None, *, deferred_log: bool = False) -> Route: ...


StoredWork = Callable[[DeviceIdentity, DeviceState], DeviceReply]


class StateStore(Protocol):
    """Runs ``work(identity, state)`` on a device's state under a lock and persists the result; ``within``
    is the caller's unit of work to join (what it is, the store and its callers agree on). With
    ``on_log_of`` the work runs only if that hub's device log lists the device; otherwise the reply is a
    refusal saying so, and the device's state is not touched."""

    async def with_device(self, device_id: str, work: StoredWork, *, within: object | None = None,
                          on_log_of: str | None = None) -> DeviceReply | None: ...


Clock = Callable[[], datetime]
Handler = Callable[[DeviceIdentity, DeviceState, bytes, datetime], DeviceReply]    # (identity, state, frame, now)
Work = Callable[[DeviceIdentity, DeviceState, datetime], DeviceReply]              # (identity, state, now)


class HanBus:
    def __init__(self, store: StateStore, faults: FaultSource, *, clock: Clock, rng: random.Random | None = None,
                 directory: HanDirectory | None = None):
        self.store = store
        self.fault_source = faults
        self.clock = clock
        self.rng = rng or random.Random()
        self.directory = directory

    async def route(self, device_id: str, hub_id: str | None, *, deferred_log: bool = False) -> Route:
        if self.directory is not None:
            return await self.directory.route(device_id, hub_id, deferred_log=deferred_log)
        hops = (hub_id, device_id) if hub_id and hub_id != device_id else (device_id,)
        return Route(hops)

    async def _deliverable(self, hops: tuple[str, ...]) -> Faults | None:
        """The faults along the way (latencies add up), or None if the frame is lost or a hop is offline."""
        latency, loss = 0.0, 0.0
        for hop in hops:
            faults = await self.fault_source.faults(hop)
            if faults.offline:
                return None
            latency += faults.latency_ms
            loss = max(loss, faults.loss)
        if loss and self.rng.random() < loss:
            return None
        return Faults(latency_ms=latency)

    async def _travel(self, hops: tuple[str, ...]) -> bool:
        faults = await self._deliverable(hops)
        if faults is None:
            return False
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        return True

    async def exchange(self, device_id: str, frame: bytes, *, hub_id: str | None = None, handler: Handler,
                       within: object | None = None) -> DeviceReply | None:
        """Deliver ``frame``; return the device's reply, or None if nothing comes back."""
        route = await self.route(device_id, hub_id, deferred_log=True)
        if not await self._travel(route.hops):
            return None
        if not route.reachable:
            return DeviceReply(refused=route.reason)
        return await self.store.with_device(
            device_id, lambda identity, state: handler(identity, state, frame, self.clock()), within=within,
            on_log_of=route.on_log_of)

    async def run(self, device_id: str, work: Work, *, hub_id: str | None = None,
                  within: object | None = None) -> DeviceReply | None:
        """Run a device's own action (its timers) under the same faults."""
        route = await self.route(device_id, hub_id)
        if not await self._travel(route.hops) or not route.reachable:
            return None
        return await self.store.with_device(device_id, lambda identity, state: work(identity, state, self.clock()),
                                            within=within)

    async def distribute_image(self, device_id: str, image: bytes, *, hub_id: str | None = None) \
            -> DeviceReply | None:
        """Firmware distribution (CS05a–c): the CHF takes the Upgrade Image, passes it over the HAN to the
        device, and reports the transfer (CCS08) to the Access Control Broker. Returns every alert raised."""
        hub = hub_id or device_id
        if not await self._travel((hub,)):
            return None
        parsed = firmware.parse_image(image)
        version = parsed.version if parsed else "00000000"
        frames: list[bytes] = []
        if parsed is None:
            result = firmware.DISCARDED
        else:
            route = await self.route(device_id, hub_id)
            result = firmware.TRANSFER_FAILED
            if route.reachable and await self._travel(route.hops[1:] or route.hops):
                reply = await self.store.with_device(device_id, lambda identity, state:
                                                     receive_firmware(identity, state, image, self.clock()))
                if reply is not None:
                    frames.extend(reply.alerts)
                    if reply.refused is None:
                        result = firmware.TRANSFERRED
        if device_id != hub or parsed is None:
            def report(identity: DeviceIdentity, state: DeviceState) -> DeviceReply:
                now = self.clock()
                return DeviceReply(alerts=[firmware.transfer_alert(identity.device_id, device_keys(identity, state),
                                                                   state, device_id, version, result, now)])
            reply = await self.store.with_device(hub, report)
            if reply is not None:
                frames.extend(reply.alerts)
        return DeviceReply(alerts=frames)

    async def push_gas_mirror(self, gsme_id: str, gpf_id: str, *, hub_id: str | None = None) -> bool:
        """Copy a GSME's data to its GPF over the HAN (``devices.gas_mirror``); False when either could not be
        reached, or the GSME has no data yet."""
        taken: list[GasData] = []

        def read(identity: DeviceIdentity, state: DeviceState, now: datetime) -> DeviceReply:
            data = gas_mirror.image(state) if isinstance(state, GsmeState) else None
            if data is not None:
                taken.append(data)
            return DeviceReply()

        def write(identity: DeviceIdentity, state: DeviceState, now: datetime) -> DeviceReply:
            if isinstance(state, GpfState):
                gas_mirror.apply(state, taken[0], now)
            return DeviceReply()

        if await self.run(gsme_id, read, hub_id=hub_id) is None or not taken:
            return False
        return await self.run(gpf_id, write, hub_id=hub_id) is not None
