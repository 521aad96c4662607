"""The streaming, batched estate load against the whole-file, row-by-row one: the same inventory, the same
refusals."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dccsim.estate import EstateError, demo_estate_path, load_estate, load_estate_file, parse_estate, write_estate
from dccsim.estate.generate import EstateSpec, generated_items, write_estate_yaml
from tests.estate.inventory import inventory, migrated_database


async def _both(pg_base_url, path: Path) -> tuple[dict, dict]:
    streamed, whole = await migrated_database(pg_base_url), await migrated_database(pg_base_url)
    try:
        await load_estate_file(streamed, path)
        await load_estate(whole, parse_estate(yaml.safe_load(path.read_text())))
        return await inventory(streamed), await inventory(whole)
    finally:
        await streamed.close()
        await whole.close()


async def test_the_demo_estate_loads_as_the_whole_file_loader_loads_it(pg_base_url):
    streamed, whole = await _both(pg_base_url, demo_estate_path())
    assert streamed == whole
    assert len(streamed["device"]) == 15 and len(streamed["device_party"]) == 18


async def test_a_reload_is_idempotent_and_a_later_entry_wins(pg_base_url, tmp_path):
    estate = tmp_path / "twice.yaml"
    estate.write_text(
        "devices:\n"
        "  - {device_id: 00-DB-12-34-56-78-90-A0, type: ESME, status: Pending, chf: 00-DB-12-34-56-78-90-A2}\n"
        "  - {device_id: 00-DB-12-34-56-78-90-A2, type: CHF}\n"
        "  - {device_id: 00-DB-12-34-56-78-90-A0, type: ESME, status: Commissioned, chf: 00-DB-12-34-56-78-90-A2,\n"
        "     parties: {IS: 90-B3-D5-1F-30-01-00-00}}\n"
        "users:\n"
        "  - {entity_id: 90-B3-D5-1F-30-01-00-00, name: S, roles: [IS]}\n")
    streamed, whole = await _both(pg_base_url, estate)
    assert streamed == whole
    assert [d["status"] for d in streamed["device"]] == ["Commissioned", "Commissioned"]
    conn = await migrated_database(pg_base_url)
    try:
        await load_estate_file(conn, estate)
        first = await inventory(conn)
        await load_estate_file(conn, estate)
        assert await inventory(conn) == first
    finally:
        await conn.close()


@pytest.mark.parametrize("text, message", [
    ("devices:\n  - {device_id: nonsense, type: ESME}\n", "device nonsense: 'nonsense' is not an EUI-64"),
    ("devices:\n  - {device_id: 00-DB-00-00-00-00-00-01, type: Toaster}\n",
     "device 00-DB-00-00-00-00-00-01: unknown device type 'Toaster'"),
    ("premises:\n  - devices:\n    - {device_id: 00-DB-00-00-00-00-00-01, type: ESME, status: Broken}\n",
     "device 00-DB-00-00-00-00-00-01: unknown SMI status 'Broken'"),
    ("devices:\n  - {device_id: 00-DB-00-00-00-00-00-01, type: ESME, chf: 00-DB-00-00-00-00-00-09}\n",
     "device 00DB000000000001 refers to unknown device 00DB000000000009"),
    ("devices:\n  - {device_id: 00-DB-00-00-00-00-00-01, type: ESME, parties: {IS: 90-B3-D5-1F-30-09-09-09}}\n",
     "device 00DB000000000001: party IS 90B3D51F30090909 is not a known user"),
    ("devices:\n  - {device_id: 00-DB-00-00-00-00-00-01, type: ESME, parties: {XX: 90-B3-D5-1F-30-09-09-09}}\n",
     "device 00-DB-00-00-00-00-00-01: unknown party role 'XX'"),
    ("users:\n  - {entity_id: 90-B3-D5-1F-30-09-09-09, roles: [King]}\n", "users[0]: unknown roles ['King']"),
    ("cpl:\n  - {manufacturer: A, model: B, firmware_version: C, status: Maybe}\n",
     "cpl[0]: status must be Current or Removed"),
    ("- just a list\n", "an estate file is a mapping with users, premises, devices and cpl"),
    ("", "an estate file is a mapping with users, premises, devices and cpl"),
])
async def test_a_bad_entry_is_refused_with_the_whole_file_loaders_message_and_nothing_is_written(
        pg_base_url, tmp_path, text, message):
    estate = tmp_path / "bad.yaml"
    estate.write_text(text)
    with pytest.raises(EstateError) as whole:
        conn = await migrated_database(pg_base_url)
        try:
            await load_estate(conn, parse_estate(yaml.safe_load(text)))
        finally:
            await conn.close()
    conn = await migrated_database(pg_base_url)
    try:
        with pytest.raises(EstateError) as streamed:
            await load_estate_file(conn, estate)
        assert await conn.fetchval("SELECT count(*) FROM device") == 0
    finally:
        await conn.close()
    assert str(streamed.value) == str(whole.value) == message


async def test_yaml_that_does_not_parse_names_the_file(pg_base_url, tmp_path):
    estate = tmp_path / "broken.yaml"
    estate.write_text("premises:\n  - devices: [\n")
    conn = await migrated_database(pg_base_url)
    try:
        with pytest.raises(EstateError, match=r"broken.yaml: not valid YAML"):
            await load_estate_file(conn, estate)
    finally:
        await conn.close()


async def test_a_generated_estate_loads_as_the_whole_file_loader_loads_it_and_as_generated(pg_base_url, tmp_path):
    spec = EstateSpec(premises=300, seed=2, smets1_share=0.2)
    path = tmp_path / "generated.yaml"
    with open(path, "w") as out:
        write_estate_yaml(out, spec)
    streamed, whole = await _both(pg_base_url, path)
    assert streamed == whole
    direct = await migrated_database(pg_base_url)
    try:
        loaded = await write_estate(direct, generated_items(spec))
        assert await inventory(direct) == streamed
    finally:
        await direct.close()
    assert loaded.devices == len(streamed["device"]) > 1300


async def test_anchors_merge_keys_tags_and_block_scalars_read_as_safe_load_reads_them(pg_base_url, tmp_path):
    estate = tmp_path / "yaml-features.yaml"
    estate.write_text(
        "users:\n"
        "  - &supplier {entity_id: 90-B3-D5-1F-30-01-00-00, name: !!str 1234, roles: [IS, GS],\n"
        "               capacity: {rps: 2.5, burst: 0x10}}\n"
        "x-meter: &meter {type: ESME, status: Commissioned, manufacturer: 1234, model: '00020001',\n"
        "                 firmware_version: 00000001, gbcs_version: 4.0, parties: {IS: 90-B3-D5-1F-30-01-00-00}}\n"
        "premises:\n"
        "  - postcode: |\n"
        "      M22 0RR\n"
        "    uprn: 10001234567\n"
        "    devices:\n"
        "      - {device_id: 00-DB-12-34-56-78-90-A2, type: CHF}\n"
        "      - <<: *meter\n"
        "        device_id: 00-DB-12-34-56-78-90-A0\n"
        "        chf: 00-DB-12-34-56-78-90-A2\n"
        "      - {<<: [*meter, {esme_variant: B}], device_id: 00-DB-12-34-56-78-90-93, esme_variant: C}\n"
        "devices: []\n"
        "cpl: ~\n")
    streamed, whole = await _both(pg_base_url, estate)
    assert streamed == whole
    meters = {d["device_id"]: d for d in streamed["device"]}
    assert meters["00DB1234567890A0"]["gbcs_version"] == "4.0" and meters["00DB123456789093"]["esme_variant"] == "C"
    assert meters["00DB1234567890A0"]["postcode"] == "M22 0RR\n" and streamed["dcc_user"][0]["name"] == "1234"
