"""The ESME against the RTDS vectors: each RTDS command of the issue's ESME use cases, served by a meter of
the variant the vector was made for, is answered with the results, data types and shapes (protected data
included) of the RTDS response."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from devices import cosem
from tests.devices.esme_rtds import load, pairs, plaintexts, protected_blobs, same_shape, variant_for
from tests.devices.esme_helpers import new_state
from tests.paths import GBCS_RTDS

pytestmark = pytest.mark.skipif(not GBCS_RTDS.exists(), reason="../shared/conformance/gbcs-rtds not available")
RTDS_NOW = datetime(2015, 1, 1, 0, 0, 30, tzinfo=timezone.utc)     # the RTDS meters' clock


def _decode_plain(tree):
    from devices import esme_protection
    from gbcs._reader import Reader
    from gbcs.payload import dlms
    return [dlms.decode_data(Reader(esme_protection.unseal(blob))) for blob in protected_blobs(tree)]


@pytest.mark.parametrize("folder,command,response", pairs(), ids=[p[1].name for p in pairs()])
def test_the_meter_answers_an_rtds_command_like_the_rtds_meter(folder, command, response):
    sent, expected = load(command), load(response)
    state = new_state(variant_for(command.name))
    answer, _alerts = cosem.serve_access_request(state, sent.payload.tree, RTDS_NOW)
    wanted = expected.payload.tree
    assert [r["result"] for r in answer["results"]] == [r["result"] for r in wanted["results"]]
    assert len(answer["data"]) == len(wanted["data"])
    for mine, theirs in zip(answer["data"], wanted["data"]):
        assert same_shape(mine, theirs), (mine, theirs)
    rtds_plain = [p for p in plaintexts(expected)]
    mine_plain = _decode_plain(answer)
    assert len(mine_plain) == len(rtds_plain)
    for mine, theirs in zip(mine_plain, rtds_plain):
        if theirs is None:          # sent to the DCC on an unknown remote party's behalf: not decryptable here
            continue
        assert same_shape(mine, theirs), (mine, theirs)


def test_the_vectors_in_scope_are_found():
    folders = {p[0] for p in pairs()}
    assert len(pairs()) >= 40
    assert {"4.1.1_ECS17b", "4.4.2_ECS20b", "1.1.1_ECS01a", "2.2_CS01a", "8.1.1_ECS70Commission"} <= folders
