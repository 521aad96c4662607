"""A generated estate too large to have its devices' credentials issued at start, served: its meters answer
device Service Requests with credentials derived on first use, the SMKI repository finds them, and an EUI
that is no device of the inventory has none."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from dccsim.duis.ids import dashed
from dccsim.estate import write_estate
from dccsim.estate.generate import EstateSpec, generated_items
from dccsim.inventory import repository as repo
from dccsim.smki.credentials import Usage
from dccsim.smki.derived import STORED_UP_TO, derive_device_credential
from tests.conftest import create_fresh_database
from tests.integration import smki_client
from tests.integration.device_flows import prepared, run_request, wait_for_response
from tests.integration.harness import start_running_simulator
from tests.integration.receiver import Receiver

SUPPLIER = "90B3D51F30010000"
SPEC = EstateSpec(premises=260, seed=4)
DEVICE = "CertificateSubjectAltName"

_METERS = """
SELECT d.device_id FROM device d
JOIN device_party p ON p.device_id = d.device_id AND p.role = 'IS' AND p.entity_id = $1
JOIN device h ON h.device_id = d.chf_id AND h.status = 'Commissioned'
WHERE d.device_type = 'ESME' AND d.status = 'Commissioned' AND d.device_id NOT LIKE '00DB%'
ORDER BY d.device_id LIMIT 3
"""


@pytest.fixture(scope="module")
async def generated(pg_base_url, tmp_path_factory):
    running = await start_running_simulator(await create_fresh_database(pg_base_url),
                                            tmp_path_factory.mktemp("generated"), device_timeout=5.0)
    async with running.sim.db.pool.acquire() as conn:
        loaded = await write_estate(conn, generated_items(SPEC))
        meters = [r["device_id"] for r in await conn.fetch(_METERS, SUPPLIER)]
    assert loaded.devices > STORED_UP_TO
    receiver = await Receiver().start()
    await repo.set_endpoint(running.sim.db.pool, SUPPLIER, receiver.url)
    yield running, receiver, meters
    await receiver.stop()
    await running.close()


async def _stored(running, device_id: str) -> int:
    return await running.sim.db.pool.fetchval("SELECT count(*) FROM smki_credential WHERE entity_id = $1",
                                              device_id)


async def test_a_generated_meter_answers_with_credentials_derived_on_first_use(generated):
    running, receiver, meters = generated
    meter = meters[0]
    assert await _stored(running, meter) == 0
    root = prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", target=meter)
    answer, request_id = await run_request(running, root)
    assert answer.code == "I99", answer.body
    response = await wait_for_response(receiver, request_id)
    assert response.findtext(".//{*}ResponseCode") == "I0"
    assert await _stored(running, meter) == 0, "derived credentials are not stored to be used"


async def test_the_smki_repository_finds_a_generated_meter_and_retrieves_its_certificates(generated):
    running, _, meters = generated
    meter = meters[1]
    status, found = await smki_client.search(running, DEVICE, dashed(meter))
    assert status == 200 and sorted(f.usage for f in found) == ["DS", "KA"]
    assert {f.status for f in found} == {"I"}
    running.sim.smki.derived.admit(meter)
    for result in found:
        status, certificate = await smki_client.retrieve(running, result.serial)
        assert status == 200
        derived = running.sim.smki.gbcs(meter, result.usage.lower())
        assert certificate.der == derived.certificate.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize("eui", ["0C-3D-4E-03-FF-FF-FF-FF", "90-B3-D5-1F-31-01-00-01"])
async def test_an_eui_that_is_no_device_of_the_inventory_has_no_device_credentials(generated, eui):
    running, _, _ = generated
    assert await smki_client.search(running, DEVICE, eui) == (402, [])
    assert running.sim.smki.gbcs(eui.replace("-", ""), "ka") is None
    assert running.sim.smki.all_gbcs(eui.replace("-", ""), "ds") == []


async def test_a_meter_s_first_contact_issues_no_certificate_and_a_search_later_finds_the_same_ones(generated):
    """First contact derives the key pairs only; the certificates are issued when the SMKI repository is asked,
    and are those issued at once from the same seed."""
    running, receiver, meters = generated
    meter = meters[2]
    answer, request_id = await run_request(running, prepared("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML",
                                                             target=meter))
    assert answer.code == "I99", answer.body
    assert (await wait_for_response(receiver, request_id)).findtext(".//{*}ResponseCode") == "I0"
    derived = running.sim.smki.derived
    assert derived.admitted(meter)
    assert not any(derived.credential(meter, usage).issued for usage in ("ds", "ka"))
    status, found = await smki_client.search(running, DEVICE, dashed(meter))
    assert status == 200 and sorted(f.usage for f in found) == ["DS", "KA"]
    for result in found:
        status, certificate = await smki_client.retrieve(running, result.serial)
        eager = derive_device_credential(derived.seed, derived.ca, meter, Usage(result.usage.lower()))
        assert status == 200 and certificate.der == eager.certificate.public_bytes(serialization.Encoding.DER)
