"""Generated estates: the same from the same seed, mixed as estates in the field are, every link and party
valid, every firmware version on the estate's CPL."""
from __future__ import annotations

import io
from collections import Counter

import pytest

from dccsim.estate import DeviceEntry, read_estate
from dccsim.estate.generate import EstateSpec, cpl, generated_items, users, write_estate_yaml
from dccsim.inventory.models import CplEntry, User

SPEC = EstateSpec(premises=3000, seed=11, smets1_share=0.1)


@pytest.fixture(scope="module")
def estate() -> list:
    return list(generated_items(SPEC))


def _devices(items) -> list[DeviceEntry]:
    return [i for i in items if isinstance(i, DeviceEntry)]


def _yaml(spec: EstateSpec) -> str:
    out = io.StringIO()
    write_estate_yaml(out, spec)
    return out.getvalue()


def test_the_same_premises_and_seed_give_the_same_estate_and_another_seed_another():
    small = EstateSpec(premises=200, seed=5)
    assert _yaml(small) == _yaml(EstateSpec(premises=200, seed=5))
    assert list(generated_items(small)) == list(generated_items(EstateSpec(premises=200, seed=5)))
    assert _yaml(small) != _yaml(EstateSpec(premises=200, seed=6))


def test_the_written_file_reads_back_as_the_estate_loaded_directly(tmp_path):
    path = tmp_path / "generated.yaml"
    spec = EstateSpec(premises=150, seed=3, smets1_share=0.5)
    path.write_text(_yaml(spec))
    assert list(read_estate(path)) == list(generated_items(spec))


def test_device_types_variants_and_statuses_are_mixed_as_in_the_field(estate):
    devices = [e.device for e in _devices(estate)]
    types = Counter(d.device_type.value for d in devices)
    assert types["CHF"] == types["ESME"] == SPEC.premises
    assert 0.8 * SPEC.premises < types["GSME"] == types["GPF"] < 0.9 * SPEC.premises
    assert types["PPMID"] > 0.85 * SPEC.premises and types["HCALCS"] > 0.05 * SPEC.premises
    assert types["APC"] > 0.01 * SPEC.premises
    assert 4.5 < len(devices) / SPEC.premises < 5.0          # 200,000 premises: about a million devices
    variants = Counter(d.esme_variant for d in devices if d.device_type == "ESME")
    assert variants.most_common(1)[0][0] == "A" and 0.8 < variants["A"] / SPEC.premises < 0.92
    assert variants["B"] and variants["C"] and sum(n for v, n in variants.items() if "D" in v or "F" in v)
    assert all(d.secondary_import_mpan for d in devices if (d.esme_variant or "").startswith("B"))
    statuses = Counter(d.status.value for d in devices)
    assert statuses["Commissioned"] > 0.9 * len(devices)
    assert {"InstalledNotCommissioned", "Whitelisted", "Suspended", "Decommissioned"} <= set(statuses)
    smets1 = {d.chf_id or d.device_id for d in devices if d.smets_generation == "SMETS1"}
    assert 0.07 < len(smets1) / SPEC.premises < 0.13
    assert len({d.device_id for d in devices}) == len(devices)


def test_every_link_party_and_firmware_version_is_valid(estate):
    entries = _devices(estate)
    by_id = {e.device.device_id: e.device for e in entries}
    for device in by_id.values():
        if device.device_type != "CHF":
            assert by_id[device.chf_id].device_type == "CHF"
        if device.device_type == "GSME":
            gpf = by_id[device.gpf_id]
            assert gpf.device_type == "GPF" and gpf.chf_id == device.chf_id
            assert gpf.manufacturer == by_id[device.chf_id].manufacturer
        assert device.smets_generation == by_id[device.chf_id or device.device_id].smets_generation
    roles = {u.entity_id: {r.value for r in u.roles} for u in estate if isinstance(u, User)}
    suppliers = Counter()
    for entry in entries:
        for device_id, role, entity in entry.parties:
            assert role in roles[entity], (device_id, role, entity)
            if role == "IS":
                suppliers[entity] += 1
    assert len(suppliers) >= 6 and max(suppliers.values()) < 0.4 * sum(suppliers.values())
    on_cpl = {(c.manufacturer, c.model, c.firmware_version) for c in estate if isinstance(c, CplEntry)}
    assert all((d.manufacturer, d.model, d.firmware_version) in on_cpl for d in by_id.values())
    esmes = [d for d in by_id.values() if d.device_type == "ESME"]
    assert len({d.firmware_version for d in esmes}) > 3
    assert all(e.parties for e in entries if e.device.device_type in ("CHF", "GPF", "ESME", "GSME"))


def test_the_estate_keeps_the_demo_users_and_the_dcc():
    entities = [u["entity_id"] for u in users()]
    assert "90-B3-D5-1F-30-01-00-00" in entities and "90-B3-D5-1F-30-00-00-02" in entities
    assert len(cpl()) == len({(c["manufacturer"], c["model"], c["firmware_version"]) for c in cpl()})


@pytest.mark.parametrize("spec", [dict(premises=-1), dict(premises=1, smets1_share=1.5)])
def test_impossible_specifications_are_refused(spec):
    with pytest.raises(ValueError):
        EstateSpec(**spec)
