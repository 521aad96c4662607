"""SMETS1 devices in an estate file: the demo estate's SMETS1 premises, the S1SP each SMETS1 device is served by,
and what an estate cannot say (an unknown generation or S1SP), named with the device."""
from __future__ import annotations

import pytest
import yaml

from dccsim.estate.loader import EstateError, demo_estate_path, parse_estate
from dccsim.s1sp.profiles import S1SP_ATTRIBUTE, is_smets1, profile_of


def test_the_demo_estate_has_a_smets1_dual_fuel_premises():
    estate = parse_estate(yaml.safe_load(demo_estate_path().read_text()))
    smets1 = {d.device_id: d for d in estate.devices if is_smets1(d)}
    assert {(d.device_id, d.device_type) for d in smets1.values()} == {
        ("00DB1234567891B0", "CHF"), ("00DB1234567891B1", "ESME"), ("00DB1234567891B2", "GSME"),
        ("00DB1234567891B3", "PPMID")}
    assert {profile_of(d).name for d in smets1.values()} == {"S1SP-1"}
    parties = {(device, role): entity for device, role, entity in estate.parties}
    assert parties[("00DB1234567891B0", "IS")] == parties[("00DB1234567891B1", "IS")] == "90B3D51F30010000"
    assert parties[("00DB1234567891B2", "GS")] == "90B3D51F30030000"
    assert all(S1SP_ATTRIBUTE not in d.attributes for d in estate.devices if not is_smets1(d))


def _one(device: dict) -> dict:
    return {"devices": [{"device_id": "00-DB-12-34-56-78-99-01", "type": "ESME", **device}]}


@pytest.mark.parametrize("device, problem", [
    ({"smets_generation": "SMETS3"}, "smets_generation"),
    ({"smets_generation": "SMETS1", "s1sp": "S1SP-9"}, "unknown S1SP"),
])
def test_what_an_estate_cannot_say(device, problem):
    with pytest.raises(EstateError, match=problem) as refused:
        parse_estate(_one(device))
    assert "00-DB-12-34-56-78-99-01" in str(refused.value)
