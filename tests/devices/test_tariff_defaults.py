"""The factory tariff is made once and its charges read once: what a meter reads of it is what reading the
nodes afresh gives, and no reader can change what the next one reads."""
from __future__ import annotations

import pytest

from devices import esme_tariff as tariff
from devices.attribute_store import key


@pytest.mark.parametrize("twin", [False, True])
def test_the_factory_charges_are_those_of_its_nodes_read_afresh(twin):
    defaults = tariff.factory_defaults(twin)
    assert tariff.factory_defaults(twin) is defaults
    for element in (1, 2) if twin else (1,):
        node = defaults[key(113, tariff.PRICES[element], 5)]
        scale, prices = tariff._charges(node)
        assert tariff.price_table({}, defaults, element) == prices
        assert tariff.price_scale({}, defaults, element) == scale


def test_a_price_table_read_from_the_defaults_is_the_readers_own():
    defaults = tariff.factory_defaults(False)
    table = tariff.price_table({}, defaults)
    table["01"] = -1
    assert tariff.price_table({}, defaults)["01"] == 20000


def test_a_meters_own_prices_and_a_copy_of_the_defaults_are_read_as_they_are():
    defaults = tariff.factory_defaults(False)
    name = key(113, tariff.PRICES[1], 5)
    own = {name: tariff._charge(3, -4, (3, "0100010800ff", 2), [("01", 123)])}
    assert tariff.price_table(own, defaults) == {"01": 123} and tariff.price_scale(own, defaults) == -4
    copied = dict(defaults)
    assert tariff.price_table({}, copied) == tariff.price_table({}, defaults)
    assert tariff.price_scale({}, {}) == -5 and tariff.price_table({}, {}) == {}
