"""A device's state as the console shows it (``devices.queries.view``), per kind."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from devices import esme_meter, queries
from devices.state import ChfState, DeviceLogEntry, EsmeState, GsmeState

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_an_esme_shows_its_registers_credit_supply_and_tariff_once_it_has_run():
    state = EsmeState(device_id="00DB1234567890A0")
    assert queries.view(state)["meter"] is None
    esme_meter.ensure(state, NOW)
    view = queries.view(state)
    assert view["kind"] == "ESME"
    assert view["meter"]["registers"]["active_import_wh"] > 0
    assert view["meter"]["prepayment"]["balance"] == state.meter.prepay.balance
    assert view["meter"]["supply"] == state.meter.supply.value
    assert view["meter"]["clock"] == NOW.isoformat()
    assert view["tariff"]["standing_charge"] >= 0
    json.dumps(view)            # plain JSON


def test_a_hub_shows_its_device_log_and_every_device_its_firmware_and_cells():
    hub = ChfState(device_log=[DeviceLogEntry("00DB1234567890A0")])
    view = queries.view(hub)
    assert view["device_log"] == [{"device_id": "00DB1234567890A0", "added": None}]
    assert view["firmware"]["version"] and view["trust_anchors"] is None
    assert queries.view(GsmeState())["meter"] is None
    json.dumps(view)
