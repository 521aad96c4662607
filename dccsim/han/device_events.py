"""Physical events on a running simulator's devices (``dccsim devices event``, ``POST /admin/devices/{id}/events``):
the device's state changes as ``devices.events`` says, in a transaction with the DCC's handling of what follows —
its alerts routed to the Users entitled to them (throttled in a storm), and a Communications Hub's loss of power
noted so that the DCC raises AD1 once it has lasted three minutes (``notify_power_outages``, on the clock).

A power event on an ESME happens to its Communications Hub too: the hub is powered from the meter's supply. A
device without power is silent on the HAN until its power comes back (commands to it, or through its hub, get
E21 / E20). A device the HAN cannot reach (offline, or its hub without power) still undergoes an event, but its
alerts do not reach the DCC.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from devices import DeviceIdentity, DeviceReply, DeviceState, events
from dccsim.db.cache import DEVICE_FAULTS
from dccsim.duis.ids import dashed
from dccsim.han.alerts import route_device_alert
from dccsim.han.context import HanContext
from dccsim.han.dcc_alerts import power_outage, raise_dcc_alert
from dccsim.han.documents import Outgoing
from dccsim.han.store import DccTransaction, save
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceType

# AD1 (DUIS V4.0 release note 5.9.4): the loss of power at a Communications Hub for three minutes or more.
AD1_AFTER = timedelta(minutes=3)
POWER_EVENTS = frozenset({"power-outage", "power-restored"})
# The DCC alerts an event leads to besides the device's own (on an ESME or a Communications Hub).
DCC_ALERTS_OF_EVENTS: dict[str, tuple[str, ...]] = {"power-outage": ("AD1",)}
_DUE_OUTAGES = """SELECT chf_id, lost_at FROM hub_power_outage WHERE notified_at IS NULL AND lost_at <= $1
                  ORDER BY lost_at FOR UPDATE SKIP LOCKED"""


class NoSuchDevice(LookupError):
    """The caller named a device the inventory does not hold."""


@dataclass
class EventOutcome:
    """What an event did: on which devices it happened and how many alerts they raised."""

    device_id: str
    event: str
    count: int
    devices: list[str] = field(default_factory=list)
    alerts_raised: int = 0

    def view(self) -> dict:
        return {"device_id": dashed(self.device_id), "event": self.event, "count": self.count,
                "devices": [dashed(d) for d in self.devices], "alerts_raised": self.alerts_raised}


def catalogue_of(device_type: str) -> list[dict]:
    """The events a device of this type supports, with the alert codes each may lead to (JSON-ready)."""
    return [{"event": spec.name, "description": spec.description,
             "alert_codes": [f"{code:04X}" for code in spec.alert_codes],
             "dcc_alerts": list(DCC_ALERTS_OF_EVENTS.get(spec.name, ()))}
            for spec in events.supported(device_type)]


async def cause_event(han: HanContext, device_id: str, event: str, count: int = 1) -> EventOutcome:
    """Make ``event`` happen ``count`` times to a device (and, for a power event on an ESME, to its hub)."""
    if count < 1:
        raise ValueError(f"count is at least 1, not {count}")
    device = await han.inventory.device(device_id)
    if device is None:
        raise NoSuchDevice(f"no device {dashed(device_id)} in the inventory")
    events.spec_for(device.device_type, event)          # UnknownEvent (a ValueError) names what is known
    targets = [device]
    if event in POWER_EVENTS and device.device_type == DeviceType.ESME and device.chf_id:
        hub = await han.inventory.device(device.chf_id)
        if hub is not None:     # the hub comes back first, so that the meter's alerts can reach the DCC
            targets = [hub, device] if event == "power-restored" else [device, hub]
    outcome = EventOutcome(device.device_id, event, count)
    for target in targets:
        reply = await _happen(han, target, event, count)
        if event in POWER_EVENTS:
            han.caches.changed(DEVICE_FAULTS)        # this process sees the device's power at once
        outcome.devices.append(target.device_id)
        outcome.alerts_raised += len(reply.alerts)
    return outcome


async def _happen(han: HanContext, device: Device, event: str, count: int) -> DeviceReply:
    now = han.clock.now()
    heard = await _reaches_the_dcc(han, device, event)

    def work(identity: DeviceIdentity, state: DeviceState) -> DeviceReply:
        return events.happen(identity, state, event, now, count)

    async def finish(conn, stored: Device | None, reply: DeviceReply | None) -> list[Outgoing]:
        if stored is None or reply is None:
            return []
        messages: list[Outgoing] = []
        if event in POWER_EVENTS:
            await _note_power(conn, device, now, lost=event == "power-outage")
        if heard:
            for frame in reply.alerts:
                messages.extend(await route_device_alert(han, conn, stored, frame, None))
        return messages

    transaction = DccTransaction(finish, now=now, delivers_here=han.delivers_here)
    return await han.bus.store.with_device(device.device_id, work, within=transaction) or DeviceReply()


async def _reaches_the_dcc(han: HanContext, device: Device, event: str) -> bool:
    """Whether the device's alerts can cross the HAN and the WAN: it (unless its power is just back) and its hub
    online and powered."""
    hops = [hop for hop in (device.device_id, device.chf_id) if hop]
    if event == "power-restored":
        hops = hops[1:]
    for hop in hops:
        if (await han.faults.faults(hop)).offline:
            return False
    return True


async def _note_power(conn, device: Device, now: datetime, *, lost: bool) -> None:
    """A device without power is silent on the HAN (``device_fault.unpowered``); a hub's outage is timed for
    AD1."""
    await conn.execute("INSERT INTO device_fault (device_id, unpowered) VALUES ($1, $2) "
                       "ON CONFLICT (device_id) DO UPDATE SET unpowered = EXCLUDED.unpowered", device.device_id, lost)
    if device.device_type != DeviceType.CHF:
        return
    if lost:
        await conn.execute("INSERT INTO hub_power_outage (chf_id, lost_at) VALUES ($1, $2) "
                           "ON CONFLICT (chf_id) DO NOTHING", device.device_id, now)
    else:
        await conn.execute("DELETE FROM hub_power_outage WHERE chf_id = $1", device.device_id)


async def notify_power_outages(han: HanContext) -> int:
    """AD1 for each hub without power for three minutes or more that the DCC has not yet notified."""
    notified = 0
    async with han.db.pool.acquire() as conn:
        async with conn.transaction():
            for row in await conn.fetch(_DUE_OUTAGES, han.clock.now() - AD1_AFTER):
                chf = await repo.get_device(conn, row["chf_id"])
                await conn.execute("UPDATE hub_power_outage SET notified_at = $2 WHERE chf_id = $1",
                                   row["chf_id"], han.clock.now())
                if chf is None:
                    continue
                premises = await repo.premises_devices(conn, chf)
                meter = next((d for d in premises if d.device_type == DeviceType.ESME and d.import_mpxn), None)
                if meter is None:
                    continue
                messages = await raise_dcc_alert(han, conn, "AD1", meter,
                                                 power_outage(chf.device_id, row["lost_at"], meter.import_mpxn))
                await save(conn, chf.device_id, None, messages, delivers_here=han.delivers_here)
                notified += 1
    return notified
