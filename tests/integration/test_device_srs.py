"""Device Service Requests end to end: every shared template of the SRs the simulator runs on devices goes
over HTTP (critical ones through transform and the ZAZ1 supplier GBCS key), is answered synchronously, and
its Response's GBCSPayload decodes to the use case of the matching RTDS folder with a MAC that verifies
against the device certificate."""
from __future__ import annotations

import base64
import re

import pytest
from lxml import etree

import gbcs
from dccsim.device_requests import DEVICE_VARIANTS
from dccsim.duis.client import request_id_of
from dccsim.duis.ids import RequestId
from dccsim.duis.xmldsig import DuisSigner
from dccsim.inventory import repository as repo
from dccsim.smki.credentials import read_folders
from tests.conftest import create_fresh_database
from tests.integration.device_flows import prepared, run_request, wait_for_response
from tests.integration.harness import start_running_simulator, zaz1_signer
from tests.integration.receiver import Receiver
from tests.paths import DUIS_TEMPLATES, KEYS_RTDS

USERS = ("90B3D51F30010000", "90B3D51F30020000", "90B3D51F30030000", "90B3D51F30010008", "90B3D51F30000002")
TEMPLATE = re.compile(r"^([A-Za-z0-9]+?)(Critical|NonCritical|Commission|SupplierBySupplier|MAC|Add|Activate)?_"
                      r"([0-9.]+)_")


def device_templates() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(DUIS_TEMPLATES.glob("*.XML")):
        match = TEMPLATE.match(path.name)
        if match and match.group(3) in DEVICE_VARIANTS:
            found.append((path.name, match.group(1), match.group(3)))
    return found


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    running = await start_running_simulator(await create_fresh_database(pg_base_url),
                                            tmp_path_factory.mktemp("devices"), device_timeout=1.0)
    receiver = await Receiver().start()
    for user in USERS:
        await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
    yield running, receiver
    await receiver.stop()
    await running.close()


def signer_for(running, root) -> DuisSigner:
    originator = RequestId.parse(request_id_of(root)).originator
    try:
        return zaz1_signer(originator)
    except LookupError:
        own = running.sim.smki.xml_signing(originator)
        return DuisSigner(own.private_key, own.certificate)


def verifier_keys(running) -> gbcs.StaticKeyStore:
    """What a user holds: the device certificates the DCC exports and its own (RTDS) private keys."""
    keys = gbcs.StaticKeyStore()
    for credential in running.sim.smki.devices():
        keys.add(credential.entity_id, credential.usage.value, public=credential.certificate)
    for credential in read_folders([KEYS_RTDS]).credentials:
        if credential.private_key is not None and not credential.is_device and not credential.preparatory:
            keys.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                     private=credential.private_key)
    return keys


# Templates whose synchronous answer is an access-control outcome in the demo estate, as DUIS prescribes.
EXPECTED_REFUSALS = {
    "CS08_11.2_SUCCESS_REQUEST_DUIS.XML": "E2",          # sent by the DCC itself, not an eligible role
    "GCS16b_4.14_URP_SUCCESS_REQUEST_DUIS.XML": "E4",    # not responsible for that gas meter
}


@pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="../shared/conformance/duis-templates not available")
async def test_every_device_template_runs_end_to_end(estate, capsys):
    running, receiver = estate
    keys = verifier_keys(running)
    checked, local = 0, 0
    problems = []
    for name, use_case, variant in device_templates():
        # The CCS05/CCS04 pair is what a GBCS v1.0 Communications Hub answers 8.9 with (CCS06 from v2.0).
        chf_version = "1.0" if name.startswith("CCS05CCS04") else "4.0"
        await repo.update_device(running.sim.db.pool, "00DB1234567890A2", gbcs_version=chf_version)
        root = prepared(name)
        cv = int(root.findtext("{*}Header/{*}CommandVariant"))
        answer, request_id = await run_request(running, root, signer=signer_for(running, root))
        if name in EXPECTED_REFUSALS:
            if answer.code != EXPECTED_REFUSALS[name]:
                problems.append(f"{name}: expected {EXPECTED_REFUSALS[name]}, got {answer.status} {answer.code}")
            continue
        if answer.status != 200 or answer.code not in ("I99", "I0"):
            problems.append(f"{name}: synchronous {answer.status} {answer.code} {answer.body[:120]!r}")
            continue
        if cv == 2:
            frame = base64.b64decode(answer.root.findtext(".//{*}LocalCommand/{*}GBCSPayload"))
            assert gbcs.decode(frame).message_code, name
            local += 1
            continue
        response = await wait_for_response(receiver, request_id)
        payload = response.findtext(".//{*}GBCSPayload")
        if response.findtext(".//{*}ResponseCode") != "I0" or not payload:
            problems.append(f"{name}: asynchronous {response.findtext('.//{*}ResponseCode')}")
            continue
        message = gbcs.decode(base64.b64decode(payload), keys)
        if message.use_case is None or message.use_case not in name:
            problems.append(f"{name}: response decodes to {message.use_case}")
        if message.verification.mac != "verified":
            problems.append(f"{name}: MAC {message.verification.mac}")
        checked += 1
    with capsys.disabled():
        print(f"\ndevice templates: {checked} answered with verified Responses, {local} local commands, "
              f"{len(EXPECTED_REFUSALS)} refused as DUIS prescribes")
    assert problems == []
    assert checked + local + len(EXPECTED_REFUSALS) == len(device_templates()) >= 85
