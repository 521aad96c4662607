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

The GSME's data is pushed to the GPF after the GSME has been in contact (``devices.han.HanBus.push_gas_mirror``);
a GPF that has never received it serves data of its own making, flagged as never synchronised.
"""
from __future__ import annotations

import copy
from datetime import datetime

from devices import gas_meter
from devices.gas_state import GasData
from devices.state import GpfState, GsmeState

FROM_MIRROR = frozenset({"GCS13a", "GCS13b", "GCS13c", "GCS14", "GCS60a", "GCS16b", "GCS61"})


def mirror_data(state: GpfState, device_id: str, now: datetime) -> GasData:
    """The GPF's copy of the GSME data, brought to ``now``."""
    if state.mirror is None:
        state.mirror = gas_meter.new_meter(f"mirror:{device_id}", gas_meter.zt(now))
        state.mirror_synced_at = None
    gas_meter.advance(state.mirror, gas_meter.zt(now))
    return state.mirror


def image(gsme_state: GsmeState) -> GasData | None:
    """What a GSME sends its GPF: a copy of its data (None before the GSME has any)."""
    return copy.deepcopy(gsme_state.gas) if gsme_state.gas is not None else None


def apply(gpf_state: GpfState, data: GasData, now: datetime) -> None:
    gpf_state.mirror = copy.deepcopy(data)
    gpf_state.mirror_synced_at = now
