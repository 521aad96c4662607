"""The standalone Auxiliary Proportional Controller's calendar (6.14.3 ECS46d, read by 7.14 ECS61d): the RTDS
commands sent to the RTDS APC are answered with the RTDS results; the calendar written is the one in force at
once, at its execution time, or never (a cancellation), and the read returns the one in force."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import gbcs
from devices import apc
from devices.state import ApcState
from tests.paths import GBCS_RTDS

pytestmark = pytest.mark.skipif(not GBCS_RTDS.exists(), reason="../shared not available")
FOLDER = GBCS_RTDS / "6.14.3_ECS46d"
APC = "00DB1234567890A6"
NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
READ = {"invoke_id": "00000001", "date_time": None, "data": [],
        "specs": [{"choice": "get", "class": 11, "obis": "00000B0003FF", "attribute": 2},
                  {"choice": "get", "class": 10, "obis": "00000C0002FF", "attribute": 2},
                  {"choice": "get", "class": 1, "obis": "00005E2C000B", "attribute": 2}]}


def _vector(name: str) -> gbcs.Message:
    return gbcs.decode(bytes.fromhex("".join((FOLDER / name).read_text().split())))


def _apc_vectors() -> list[str]:
    return sorted(p.name for p in FOLDER.glob("*SUCCESS_COMMAND_GBCS.HEX") if _vector(p.name).recipient == APC)


def _in_force(state: ApcState, now: datetime) -> dict:
    answer, _ = apc.serve(state, READ, now)
    assert [r["result"] for r in answer["results"]] == [0, 0, 0]
    return answer["data"][1]


def test_the_rtds_apc_vectors_are_the_future_dated_and_cancelled_ones():
    assert _apc_vectors() == ["ECS46d_6.14.3_CANCELLATION_APC_OUTPUT_SUCCESS_COMMAND_GBCS.HEX",
                              "ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_COMMAND_GBCS.HEX"]


@pytest.mark.parametrize("name", _apc_vectors())
def test_the_apc_answers_the_rtds_command_as_the_rtds_apc(name):
    command, expected = _vector(name), _vector(name.replace("_COMMAND_", "_RESPONSE_"))
    answer, _ = apc.serve(ApcState(), command.payload.tree, NOW)
    assert [r["result"] for r in answer["results"]] == [r["result"] for r in expected.payload.tree["results"]]


def test_the_calendar_takes_effect_at_its_time_and_a_cancellation_keeps_the_one_in_force():
    state = ApcState()
    factory = _in_force(state, NOW)
    future = _vector("ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_COMMAND_GBCS.HEX").payload.tree   # 2030-04-01
    apc.serve(state, future, NOW)
    assert _in_force(state, NOW) == factory
    at = datetime(2030, 4, 1, 9, tzinfo=timezone.utc)
    assert _in_force(state, at - timedelta(minutes=1)) == factory
    written = future["data"][1]
    assert _in_force(state, at) == written and len(written["items"]) == 10
    cancelled = ApcState()
    apc.serve(cancelled, future, NOW)
    apc.serve(cancelled, _vector("ECS46d_6.14.3_CANCELLATION_APC_OUTPUT_SUCCESS_COMMAND_GBCS.HEX").payload.tree, NOW)
    assert _in_force(cancelled, at + timedelta(days=1)) == factory


def test_what_the_apc_does_not_hold_is_undefined():
    request = {"invoke_id": "00000002", "date_time": None, "data": [{"type": "null"}],
               "specs": [{"choice": "set", "class": 3, "obis": "0100010800FF", "attribute": 2}]}
    answer, _ = apc.serve(ApcState(), request, NOW)
    assert answer["results"] == [{"choice": "set", "result": gbcs.DataAccessResult.OBJECT_UNDEFINED}]
