"""What the meter refuses and what it raises: a part of a request it cannot read is refused alone (other
reason), and is not stored; a failure of the meter's own model is an error, not a refusal."""
from __future__ import annotations

import pytest

from devices import esme_axdr as x
from devices import esme_objects
from gbcs import DataAccessResult
from tests.devices.esme_helpers import get, new_state, serve, set_

SEASONS = (20, "00000D0000FF", 7)            # the passive season profile of the primary element's calendar


def test_a_tariff_value_the_meter_could_not_read_is_refused_when_it_is_set():
    state = new_state()
    response = serve(state, set_(*SEASONS, x.array([x.structure(x.octets(b"winter"))])),     # no start, no week
                     set_(113, "0000131403FF", 13, {"type": "long-unsigned", "value": "half"}),
                     get(3, "0100010800FF"))
    assert [r["result"] for r in response["results"]] == [DataAccessResult.OTHER_REASON] * 2 + [
        DataAccessResult.SUCCESS]
    assert "20:00000D0000FF:7" not in state.cosem and "113:0000131403FF:13" not in state.cosem


def test_a_failure_of_the_model_is_raised_not_answered(monkeypatch):
    state = new_state()

    def broken(ctx, period):
        raise KeyError("a register the model lost")
    monkeypatch.setitem(esme_objects.READS, (3, "0100010800FF", 2), broken)
    with pytest.raises(KeyError):
        serve(state, get(3, "0100010800FF"))
