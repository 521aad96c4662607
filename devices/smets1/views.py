"""A SMETS1 device's state as plain JSON for display (``devices.views`` shows every kind): the meter's tariff
(thresholds in kWh), supply, UTRNs taken and gas flow rate, the hub's device log."""
from __future__ import annotations

from typing import Any, Callable

from devices.smets1.state import S1ChState, S1EsmeState, S1GsmeState, S1MeterState

View = dict[str, Any]


def _meter(state: S1MeterState) -> View:
    tariff = state.tariff
    return {
        "register_from": state.origin.isoformat() if state.origin is not None else None,
        "tariff": None if tariff is None else {
            "block_prices": list(tariff.prices), "thresholds_kwh": list(tariff.thresholds_kwh),
            "standing_charge": tariff.standing_charge,
            "block_period_from": tariff.since.isoformat() if tariff.since is not None else None},
        "supply": state.supply.value,
        "utrns_taken": len(state.utrns),
    }


def _gas_meter(state: S1GsmeState) -> View:
    rate = state.uncontrolled_flow_rate
    return {**_meter(state), "uncontrolled_flow_rate_m3_per_h": str(rate) if rate is not None else None}


def _hub(state: S1ChState) -> View:
    return {"device_log": list(state.device_log)}


SMETS1_VIEWS: dict[type, Callable[[Any], View]] = {S1EsmeState: _meter, S1GsmeState: _gas_meter, S1ChState: _hub}
