"""The auxiliary controllers' calendar drives them: after the RTDS 6.14.2 calendar (switch 1 on at 06:00 and off
at 10:00 every day; switch 2 on weekday evenings and weekend afternoons from 21 June to 21 September) is in force,
the meter's switch outputs (ECS61a's objects) follow it, a timed switching of the Supplier's overrides it while it
lasts, and 6.14.3's levels (an APC's) are what the operational data reports."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

import gbcs
from devices import cosem
from devices.auxiliary_calendar import scheduled_level
from gbcs import dlms
from tests.devices.esme_helpers import action, get, new_state, request, set_
from tests.paths import GBCS_RTDS

pytestmark = pytest.mark.skipif(not GBCS_RTDS.exists(), reason="../shared not available")
ALCS_CALENDAR = GBCS_RTDS / "6.14.2_ECS46c" / "ECS46c_6.14.2_IMMEDIATE_SOME_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX"
APC_CALENDAR = GBCS_RTDS / "6.14.3_ECS46d" / "ECS46d_6.14.3_IMMEDIATE_APC_OUTPUT_SUCCESS_COMMAND_GBCS.HEX"


def _tree(path) -> dict:
    return gbcs.decode(bytes.fromhex("".join(path.read_text().split()))).payload.tree


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _outputs(state, now: datetime) -> list[bool]:
    answer, _ = cosem.serve_access_request(state, request(*(get(70, f"000{n}60030AFF") for n in (1, 2))), now)
    return [bool(node["value"]) for node in answer["data"]]


def test_the_switches_follow_the_calendar_in_force():
    state = new_state("AD")
    installed = _at("2026-06-15T05:00:00")                 # a Monday
    answer, _ = cosem.serve_access_request(state, _tree(ALCS_CALENDAR), installed)
    assert {r["result"] for r in answer["results"]} == {0}
    assert _outputs(state, _at("2026-06-15T05:30:00")) == [False, False]     # yesterday's 10:00 switched it off
    assert _outputs(state, _at("2026-06-15T06:00:00")) == [True, False]
    assert _outputs(state, _at("2026-06-15T10:00:00")) == [False, False]
    assert _outputs(state, _at("2026-06-22T17:30:00")) == [False, True]      # a weekday evening in the period
    assert _outputs(state, _at("2026-06-22T21:00:00")) == [False, False]
    assert _outputs(state, _at("2026-06-27T13:30:00")) == [False, True]      # a Saturday afternoon
    assert _outputs(state, _at("2026-10-05T18:00:00")) == [False, False]     # after 21 September


def test_a_timed_switching_overrides_the_calendar_while_it_lasts():
    state = new_state("AD")
    morning = _at("2026-06-15T07:00:00")
    cosem.serve_access_request(state, _tree(ALCS_CALENDAR), morning)
    deactivate = request(set_(1, dlms.AUXILIARY_DURATIONS["deactivate"], 2, dlms.long_unsigned(30)),
                         action(9, dlms.AUXILIARY_CONTROLLER_SCRIPTS, 1,
                                dlms.long_unsigned(dlms.auxiliary_switch_script(1, "deactivate"))))
    answer, _ = cosem.serve_access_request(state, deactivate, morning)
    assert [r["result"] for r in answer["results"]] == [0, 0]
    assert _outputs(state, _at("2026-06-15T07:10:00"))[0] is False            # 30 minutes off
    assert _outputs(state, _at("2026-06-15T07:40:00"))[0] is True             # the calendar again


def test_an_apc_calendar_sets_levels():
    schedule, special_days = _tree(APC_CALENDAR)["data"][1], _tree(APC_CALENDAR)["data"][0]
    # controller 1 at 0 % from 09:00 and 50 % from 09:30 on weekdays of 21 June – 21 December 2015
    assert scheduled_level(schedule, special_days, 1, _at("2015-06-22T09:10:00")) == 0
    assert scheduled_level(schedule, special_days, 1, _at("2015-06-22T09:45:00")) == 50
    assert scheduled_level(schedule, special_days, 1, _at("2015-06-20T09:45:00")) is None   # before its period
    assert scheduled_level(schedule, special_days, 1, _at("2015-06-22T09:45:00"), on_input=True) is None
    state = new_state("ADF")
    cosem.serve_access_request(state, _tree(APC_CALENDAR), _at("2015-06-22T08:00:00"))
    answer, _ = cosem.serve_access_request(state, request(get(1, "00005E2C001F")), _at("2015-06-22T09:45:00"))
    assert json.loads(bytes.fromhex(answer["data"][0]["hex"]))["outputState"] == 50
