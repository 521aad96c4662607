"""The ESME against the RTDS vectors: each RTDS command of the issue's ESME use cases, served by a meter of
the variant the vector was made for and built into a response with the RTDS keys, is answered with the
results, data types and shapes of the RTDS response — protected data included, encrypted for the same
party and decrypting to a value of the RTDS shape."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from devices import cosem
from tests.devices.esme_helpers import new_state
from tests.devices.esme_rtds import load, pairs, plaintexts, respond, same_shape, variant_for
from tests.devices.top_up_helpers import rtds_meter
from tests.gbcs.corpus import rtds_keys
from tests.paths import GBCS_RTDS, KEYS_RTDS

pytestmark = pytest.mark.skipif(not (GBCS_RTDS.exists() and KEYS_RTDS.exists()), reason="../shared not available")
RTDS_NOW = datetime(2015, 1, 1, 0, 0, 30, tzinfo=timezone.utc)     # the RTDS meters' clock


@pytest.mark.parametrize("folder,command,response", pairs(), ids=[p[1].name for p in pairs()])
def test_the_meter_answers_an_rtds_command_like_the_rtds_meter(folder, command, response):
    sent, expected = load(command), load(response)
    state = new_state(variant_for(command.name))
    answer, _alerts = cosem.serve_access_request(state, sent.payload.tree, RTDS_NOW, rtds_meter(state, sent))
    mine = respond(sent, answer, rtds_keys())
    assert mine.verification.mac == "verified"
    wanted = expected.payload.tree
    tree = mine.payload.tree
    assert [r["result"] for r in tree["results"]] == [r["result"] for r in wanted["results"]]
    assert len(tree["data"]) == len(wanted["data"])
    for a, b in zip(tree["data"], wanted["data"]):
        assert same_shape(a, b), (a, b)
    assert mine.verification.decryption == expected.verification.decryption
    for a, b in zip(plaintexts(mine), plaintexts(expected)):
        assert a is not None and b is not None and same_shape(a, b), (a, b)


def test_the_vectors_in_scope_are_found():
    folders = {p[0] for p in pairs()}
    assert len(pairs()) >= 40
    assert {"4.1.1_ECS17b", "4.4.2_ECS20b", "1.1.1_ECS01a", "2.2_CS01a", "8.1.1_ECS70Commission"} <= folders
