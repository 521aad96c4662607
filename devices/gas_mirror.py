"""The GPF's mirror of its GSME's data.

A battery-powered GSME sleeps most of the time; the Gas Proxy Function on the Communications Hub holds a
copy of the GSME's data and answers the reads that GBCS lets it answer on the GSME's behalf. In the RTDS
vectors a command for GSME data may be addressed to the GPF (the GPF answers from its mirror: the
``RELIABLE_GPF`` / ``RELIABLE_GSME`` responses come from the GPF) or to the GSME itself (the ``UNRELIABLE``
responses, for when the GPF's copy cannot be trusted, come from the GSME):

* answered by the GPF from its mirror or by the GSME: GCS13a, GCS13b, GCS13c (registers), GCS14 (prepayment
  registers), GCS60a (meter balance), GCS16b (prepayment daily read log, for an unknown remote party);
* answered by the GPF only: GCS61 (daily consumption log), GCS59 / GCS62 (the GPF device log);
* answered by the GSME only: the other gas reads (GCS15b–e billing data log, GCS16a, GCS17, GCS18, GCS21b,
  GCS21f, GCS60), and every command that changes the meter (GCS01a, CS01b, CS11 ...).

The GSME's data is pushed to the GPF after the GSME has been in contact (``push``); a GPF that has never
received it serves data of its own making, flagged as never synchronised.
"""
from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from devices import gas_meter

if TYPE_CHECKING:
    from devices.han import HanBus

FROM_MIRROR = frozenset({"GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60a", "GCS16b", "GCS61"})


def mirror_data(state: dict, device_id: str, now: datetime) -> dict:
    """The GPF's copy of the GSME data, brought to ``now``."""
    mirror = state.get("mirror")
    if mirror is None:
        mirror = state["mirror"] = gas_meter.new_meter(f"mirror:{device_id}", gas_meter.zt(now))
        state["mirror_synced_at"] = None
    gas_meter.advance(mirror, gas_meter.zt(now))
    return mirror


def image(gsme_state: dict) -> dict[str, Any] | None:
    """What a GSME sends its GPF: a copy of its data (None before the GSME has any)."""
    gas = gsme_state.get("gas")
    return copy.deepcopy(gas) if gas is not None else None


def apply(gpf_state: dict, data: dict[str, Any], now: datetime) -> None:
    gpf_state["mirror"] = copy.deepcopy(data)
    gpf_state["mirror_synced_at"] = now.isoformat()


async def push(bus: "HanBus", gsme_id: str, gpf_id: str, *, hub_id: str | None = None) -> bool:
    """Copy a GSME's data to its GPF over the HAN; False when either could not be reached."""
    from devices.device import DeviceReply

    taken: dict[str, Any] = {}

    def read(identity, state, now: datetime) -> DeviceReply:
        taken["image"] = image(state)
        return DeviceReply()

    def write(identity, state, now: datetime) -> DeviceReply:
        apply(state, taken["image"], now)
        return DeviceReply()

    if await bus.run(gsme_id, read, hub_id=hub_id) is None or taken.get("image") is None:
        return False
    return await bus.run(gpf_id, write, hub_id=hub_id) is not None
