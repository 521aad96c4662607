"""The supply state machine (``devices.supply``) and the auxiliary controllers' levels
(``devices.esme_auxiliary_objects.level_now``)."""
from __future__ import annotations

import pytest

from devices import supply
from devices.auxiliary_state import AuxiliaryController, CommandedLevel, Source
from devices.esme_auxiliary_objects import level_now
from devices.supply import SupplyRefused, SupplyState

ENABLED, DISABLED, ARMED = SupplyState.ENABLED, SupplyState.DISABLED, SupplyState.ARMED


@pytest.mark.parametrize("transition, current, expected", [
    (supply.disable, ENABLED, DISABLED), (supply.disable, ARMED, DISABLED),
    (supply.arm, DISABLED, ARMED), (supply.arm, ARMED, ARMED),
    (supply.consumer_enable, ARMED, ENABLED),
    (supply.credit_exhausted, ENABLED, DISABLED),
    (supply.credit_restored, DISABLED, ARMED), (supply.credit_restored, ENABLED, ENABLED),
    (supply.enable, DISABLED, ENABLED), (supply.enable, ARMED, ENABLED),
])
def test_transitions(transition, current, expected):
    assert transition(current) is expected


@pytest.mark.parametrize("transition, current", [
    (supply.arm, ENABLED), (supply.consumer_enable, DISABLED), (supply.consumer_enable, ENABLED),
])
def test_refused_transitions(transition, current):
    with pytest.raises(SupplyRefused):
        transition(current)


def test_no_enabling_while_credit_is_exhausted():
    with pytest.raises(SupplyRefused):
        supply.enable(DISABLED, credit_available=False)


def test_the_load_controller_limit_caps_the_commanded_level_for_its_period():
    controller = AuxiliaryController(commanded=[CommandedLevel(80, 100, 200),
                                                CommandedLevel(50, 150, 300, Source.LOAD_CONTROLLER)])
    assert [level_now(controller, t) for t in (120, 160, 250, 400)] == [80, 50, 0, 0]


def test_a_timed_activation_ends_and_the_switch_goes_back():
    switch = AuxiliaryController(active=True, override_until=500)
    assert (level_now(switch, 499), level_now(switch, 500)) == (100, 0)
