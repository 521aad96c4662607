"""A device's state as plain JSON for display, per kind: what a person watching a device wants to see (registers,
credit and debt, supply, tariff, clock, firmware, the hub's device log, trust-anchor cells), not how it is stored."""
from __future__ import annotations

from typing import Any, Callable

from devices import esme_tariff
from devices.esme_state import EsmeMeter
from devices.esme_variant import capabilities
from devices.gas_meter import volume
from devices.gas_state import GasData, GasEventLogs
from devices.state import (ApcState, ChfState, DeviceState, EsmeState, GpfState, GsmeState, HcalcsState, PpmidState)
from gbcs.dlms import from_utc_seconds
from gbcs.times import from_zigbee_time

View = dict[str, Any]
LOG_TAIL = 10          # the last entries of a log a view shows


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _common(state: DeviceState) -> View:
    firmware = state.firmware
    return {
        "kind": state.KIND,
        "firmware": {"version": firmware.version, "previous": firmware.previous,
                     "pending": {"hash": firmware.pending.hash, "version": firmware.pending.version}
                     if firmware.pending is not None else None},
        "trust_anchors": None if state.trust_anchors is None else [
            {"role": cell.role.value, "usage": str(cell.usage), "entity": cell.entity, "ski": cell.ski.hex()}
            for cell in state.trust_anchors],
        "counters": dict(state.counters),
        "alert_counter": state.alert_counter,
        "held_commands": [{"at": _iso(item.at), "use_case": item.use_case, "originator": item.originator}
                          for item in state.future],
        "security_log": [{"at": _iso(event.at), "event": event.event} for event in state.security_log[-LOG_TAIL:]],
    }


def _esme_meter(meter: EsmeMeter) -> View:
    registers, prepay = meter.registers, meter.prepay
    return {
        "clock": _iso(from_utc_seconds(meter.at + meter.offset)),
        "registers": {"active_import_wh": round(registers.active_import),
                      "active_export_wh": round(registers.active_export),
                      "reactive_import_varh": round(registers.reactive_import),
                      "reactive_export_varh": round(registers.reactive_export),
                      "tou_wh": {str(rate + 1): round(value) for rate, value in enumerate(registers.tou) if value},
                      "secondary_wh": round(registers.secondary)},
        "prepayment": {"balance": prepay.balance, "emergency_credit": prepay.emergency,
                       "accumulated_debt": prepay.accumulated_debt, "payment_debt": prepay.payment_debt,
                       "time_debts": list(prepay.time_debts), "unit": "GBP x 10^-5"},
        "payment_mode": meter.payment_mode.value,
        "supply": meter.supply.value,
        "logs": {name: len(entries) for name, entries in
                 (("event", meter.logs.event), ("security", meter.logs.security), ("credits", meter.logs.credits),
                  ("debt_payments", meter.logs.debt_payments), ("tariff_billing", meter.logs.tariff_billing))},
    }


def _esme(state: EsmeState) -> View:
    defaults = esme_tariff.factory_defaults(capabilities(state.variant).twin)
    view = {"variant": state.variant, "tariff": esme_tariff.describe(state.cosem, defaults), "utrn_counters":
            list(state.utrn_counters[-LOG_TAIL:])}
    view["meter"] = _esme_meter(state.meter) if state.meter is not None else None
    return view


def _gas_logs(logs: GasEventLogs) -> View:
    return {"event": len(logs.event_log), "security": len(logs.security_log)}


def _gas(gas: GasData | None) -> View | None:
    if gas is None:
        return None
    tariff, prepay = gas.tariff, gas.prepayment
    return {
        "clock": _iso(from_zigbee_time(gas.updated)),
        "registers": {"volume_litres": volume(gas, gas.updated), "tou_litres": list(gas.tiers),
                      "block_litres": list(gas.blocks)},
        "prepayment": {"credit": prepay.credit, "emergency_credit": prepay.emergency_credit,
                       "accumulated_debt": prepay.accumulated_debt, "debts": list(prepay.debts),
                       "payment_mode": prepay.payment_mode, "unit": "GBP x 10^-5"},
        "tariff": {"label": tariff.label, "standing_charge": tariff.standing_charge,
                   "tou_prices": [p for p in tariff.tou_prices if p], "block_prices": [p for p in tariff.block_prices if p],
                   "thresholds_wh": list(tariff.thresholds), "pending": gas.pending is not None},
        "top_ups": len(gas.top_ups),
        "logs": _gas_logs(gas.logs),
    }


def _gsme(state: GsmeState) -> View:
    return {"meter": _gas(state.gas), "utrn_counters": list(state.utrn_counters[-LOG_TAIL:])}


def _gpf(state: GpfState) -> View:
    return {"mirror": _gas(state.mirror), "mirror_synced_at": _iso(state.mirror_synced_at),
            "logs": _gas_logs(state.logs)}


def _chf(state: ChfState) -> View:
    return {"device_log": [{"device_id": entry.device_id, "added": _iso(entry.added)} for entry in state.device_log],
            "historic_device_log": [{"device_id": entry.device_id, "removed": _iso(entry.removed)}
                                    for entry in state.historic_device_log[-LOG_TAIL:]],
            "joined": [{"device_id": joined.device_id, "join_type": joined.join_type} for joined in state.joined]}


def _han_device(state: PpmidState | HcalcsState) -> View:
    return {"logs": _gas_logs(state.logs)}


def _nothing_more(state: DeviceState) -> View:
    return {}


_BY_KIND: dict[type, Callable[[Any], View]] = {
    EsmeState: _esme, GsmeState: _gsme, GpfState: _gpf, ChfState: _chf, PpmidState: _han_device,
    HcalcsState: _han_device, ApcState: _nothing_more,
}


def view(state: DeviceState) -> View:
    """The device's state for display: what every device holds, then what its kind adds."""
    return {**_common(state), **_BY_KIND.get(type(state), _nothing_more)(state)}
