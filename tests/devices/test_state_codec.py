"""Device state as stored: the codec gives back the state it was given, for every kind; it says which format
version and kind it wrote; states of the unversioned format are migrated when read."""
from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import state_codec
from devices.esme_state import EsmeLog
from devices.state import STATE_CLASSES, ChfState, DeviceState, EsmeState, GpfState, GsmeState, HeldCommand

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "device-state-v0.json"
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_INTEGERS = st.integers(-(2 ** 63), 2 ** 64 - 1)
_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
_JSON = st.recursive(st.none() | st.booleans() | _INTEGERS | _FLOATS | _TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                     max_leaves=8)
_MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc))


@lru_cache(maxsize=None)
def strategy(tp) -> st.SearchStrategy:
    """Values of a type of the state model (dataclasses, containers, enums, JSON values), from its hints."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is typing.Any:
        return _JSON
    if origin in (typing.Union, types.UnionType):
        return st.one_of([strategy(a) for a in args])
    if origin is list:
        return st.lists(strategy(args[0]), max_size=3)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy(args[0]), max_size=3).map(tuple)
        return st.tuples(*[strategy(a) for a in args])
    if origin is dict:
        return st.dictionaries(strategy(args[0]), strategy(args[1]), max_size=3)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = {f.name: strategy(hints[f.name]) for f in dataclasses.fields(tp)}
        return st.builds(tp, **fields)
    return {bool: st.booleans(), int: _INTEGERS, float: _FLOATS, str: _TEXT, bytes: st.binary(max_size=8),
            datetime: _MOMENTS, type(None): st.none()}[tp]


@pytest.mark.parametrize("kind", sorted(STATE_CLASSES))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_state_of_every_kind_comes_back_as_it_went(kind, data):
    state = data.draw(strategy(STATE_CLASSES[kind]))
    raw = state_codec.encode(state)
    assert state_codec.decode(raw) == state
    assert state_codec.encode(state_codec.decode(raw)) == raw


def test_the_stored_form_names_its_version_and_kind_first():
    stored = json.loads(state_codec.encode(ChfState()))
    assert list(stored)[:2] == ["version", "kind"]
    assert (stored["version"], stored["kind"]) == (state_codec.VERSION, "CHF")
    assert state_codec.version_of(state_codec.encode(ChfState())) == state_codec.VERSION


@pytest.mark.parametrize("raw, problem", [
    ('{"version": 99, "kind": "ESME"}', "newer"),
    ('{"version": 1, "kind": "Toaster"}', "unknown kind"),
    ('{"version": 1, "kind": "CHF", "counters": {"90B3D51F30010000": "many"}}', "does not fit"),
    ('[1, 2]', "not a stored device state"),
])
def test_what_cannot_be_read_says_why(raw, problem):
    with pytest.raises(state_codec.StateFormatError, match=problem):
        state_codec.decode(raw)


def _v0_rows() -> dict[str, dict]:
    return {row["device_id"]: row["state"] for row in json.loads(FIXTURE.read_text())["rows"]}


def test_unversioned_states_are_migrated_field_by_field():
    rows = _v0_rows()
    states = {device_id: state_codec.decode(json.dumps(old)) for device_id, old in rows.items()}
    assert {type(s).__name__ for s in states.values()} == {
        "EsmeState", "GsmeState", "ChfState", "GpfState", "PpmidState", "HcalcsState", "ApcState"}
    for device_id, state in states.items():
        old = rows[device_id]
        assert state.counters == old["counters"] and state.alert_counter == old.get("alert_counter", 0x4000)
        assert [(c.role, c.usage, c.entity, c.key.hex(), c.ski.hex()) for c in state.cells] == \
            [(c["role"], c["usage"], c["entity"], c["key"], c["ski"]) for c in old["trust_anchors"]]
        assert [(h.at, h.use_case, h.watch) for h in state.future] == \
            [(datetime.fromisoformat(h["at"]), h["use_case"], bool(h.get("watch"))) for h in old.get("future", [])]
        assert state_codec.decode(state_codec.encode(state)) == state
    esme, old = states["00DB1234567890A0"], rows["00DB1234567890A0"]["esme"]
    assert isinstance(esme, EsmeState) and esme.meter.registers.active_import == old["reg"]["import"]
    assert esme.meter.prepay.balance == old["prepay"]["balance"] and esme.meter.offset == old["offset"]
    assert [(e.code, e.at) for e in esme.meter.logs.security] == [(e["code"], e["at"]) for e in old["logs"]["security"]]
    assert esme.utrn_counters == rows["00DB1234567890A0"]["utrn_counters"]["cache"]
    assert esme.cosem == rows["00DB1234567890A0"]["cosem"] and esme.firmware.pending is not None
    assert [h.firmware is not None for h in esme.future] == [False, True]
    assert all(len(getattr(esme.meter.logs, log.value)) == len(old["logs"].get(log.value, [])) for log in EsmeLog)
    gsme, old = states["00DB1234567890A1"], rows["00DB1234567890A1"]["gas"]
    assert isinstance(gsme, GsmeState) and gsme.gas.prepayment.credit == old["prepayment"]["credit"]
    assert gsme.gas.pending.start_time == old["pending"]["start_time"]
    assert [e.event_id for e in gsme.gas.logs.security_log] == [e["event_id"] for e in old["security_log"]]
    assert [d.start for d in gsme.gas.tariff.calendar.days[1]] == [d[0] for d in old["tariff"]["calendar"]["days"]["1"]]
    gpf = states["00DB1234567890A3"]
    assert isinstance(gpf, GpfState) and gpf.mirror is not None and gpf.mirror_synced_at is not None
    chf, old = states["00DB1234567890A2"], rows["00DB1234567890A2"]
    assert isinstance(chf, ChfState) and [e.device_id for e in chf.device_log] == \
        [e["device_id"] for e in old["device_log"]]
    assert all(e.added is None for e in chf.device_log)                 # put there by the inventory
    assert [h.device_id for h in chf.historic_device_log] == ["00DB1234567890A6"]
    assert chf.consumption.wh == old["consumption_wh"]


def test_an_unversioned_state_that_does_not_name_its_kind_takes_the_inventory_s():
    state = state_codec.decode('{"counters": {"90B3D51F30010000": 5}}', kind="ESME")
    assert isinstance(state, EsmeState) and state.counters == {"90B3D51F30010000": 5} and state.trust_anchors is None
    assert state_codec.decode('{}', kind="IHD").KIND == "Type2"


def test_upgrading_rewrites_in_the_current_version_and_leaves_current_states_alone():
    old = json.dumps(_v0_rows()["00DB1234567890A2"])
    upgraded = state_codec.upgrade(old)
    assert state_codec.version_of(old) == 0 and state_codec.version_of(upgraded) == state_codec.VERSION
    assert state_codec.upgrade(upgraded) == upgraded


def test_every_kind_has_a_class_and_held_commands_keep_their_request_verbatim():
    assert all(issubclass(cls, DeviceState) and cls.KIND == kind for kind, cls in STATE_CLASSES.items())
    held = HeldCommand(at=datetime(2030, 1, 1, tzinfo=timezone.utc), originator="90B3D51F30010000", counter=7,
                       message_code=0x19, payload_kind="asn1", request=[{"tag": "04", "hex": "00"}])
    state = EsmeState(future=[held])
    assert state_codec.decode(state_codec.encode(state)).future[0].request == [{"tag": "04", "hex": "00"}]
