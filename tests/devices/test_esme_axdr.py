"""Compact arrays and GBCS time stamps: packing is the inverse of unpacking, and survives the DLMS codec."""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from gbcs import dlms as x
from gbcs import dlms

_KINDS = {
    "double-long-unsigned": st.integers(0, 2**32 - 1), "double-long": st.integers(-2**31, 2**31 - 1),
    "long-unsigned": st.integers(0, 2**16 - 1), "long": st.integers(-2**15, 2**15 - 1),
    "unsigned": st.integers(0, 255), "integer": st.integers(-128, 127), "enum": st.integers(0, 255),
    "long64": st.integers(-2**63, 2**63 - 1), "octet-string": st.binary(max_size=20).map(bytes.hex),
}


@st.composite
def described_rows(draw):
    kinds = draw(st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=5))
    width = draw(st.integers(1, 4))
    fields = [x.t(k) for k in kinds] + [x.t_array(width, x.t("double-long-unsigned"))]
    strategies = [_KINDS[k] for k in kinds] + [st.lists(_KINDS["double-long-unsigned"], min_size=width,
                                                         max_size=width)]
    rows = draw(st.lists(st.tuples(*strategies), max_size=8))
    return x.t_structure(*fields), rows


@given(described_rows())
def test_compact_arrays_round_trip_through_the_dlms_codec(described):
    description, rows = described
    node = x.compact(description, rows)
    again = dlms.decode_data(dlms.encode_data(node))
    assert x.compact_rows(again) == [tuple(r) for r in rows]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_time_stamps_and_date_times_round_trip(moment):
    moment = moment.replace(microsecond=0, tzinfo=timezone.utc)
    assert x.from_utc_seconds(x.utc_seconds(moment)) == moment
    assert x.parse_date_time(x.date_time(moment)) == moment
    assert x.date_time(moment)[4] == 0xFF and x.date_time(moment)[9:] == bytes.fromhex("8000ff")
