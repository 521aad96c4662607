"""8.12.1 Restore HAN Device Log and 8.12.2 Restore Gas Proxy Function Device Log over HTTP, with and without a
backup the DCC holds: a restore puts back the log the old device's last backup alert (CS14 / GCS62) carried; a
restore from a device that left no backup is refused (E081204 / E081222) and the new device's log is left as it
was, so the devices on it stay reachable."""
from __future__ import annotations

import base64

import pytest
from lxml import etree

import gbcs
from dccsim.duis import client
from dccsim.duis.ids import dashed
from dccsim.duis.namespaces import sr
from tests.conftest import create_fresh_database
from tests.integration.device_flows import han_log_add, prepared, run_request, wait_for_response
from tests.integration.receiver import simulator_with_receivers

SUPPLIER, DCC = "90B3D51F30010000", "90B3D51F30000002"
A0, A1, A2, A3, A4 = (f"00DB1234567890A{n}" for n in range(5))
NO_BACKUP = "00DB123456789095"       # a hub / GPF the DCC never heard from


@pytest.fixture(scope="module")
async def estate(pg_base_url, tmp_path_factory):
    async with simulator_with_receivers(await create_fresh_database(pg_base_url), tmp_path_factory.mktemp("restore"),
                                        (SUPPLIER, DCC), device_timeout=2.0) as estate:
        yield estate


def _retarget(root: etree._Element, device: str) -> etree._Element:
    request_id = root.find(sr("Header")).find(sr("RequestID"))
    originator, _target, counter = request_id.text.split(":")
    request_id.text = f"{originator}:{dashed(device)}:{counter}"
    return root


async def _response(running, receivers, root) -> tuple[str, gbcs.Message | None]:
    answer, request_id = await run_request(running, root)
    assert answer.status == 200 and answer.code == "I99", (answer.status, answer.body[:300])
    response = await wait_for_response(receivers[SUPPLIER], request_id)
    assert response.findtext(".//{*}ResponseCode") == "I0", etree.tostring(response)[:400]
    payload = response.findtext(".//{*}GBCSPayload")
    return request_id, gbcs.decode(base64.b64decode(payload), running.sim.han.keys.store())


def _gpf_restore(old: str) -> etree._Element:
    # The template is sent from the DCC's own id, which DUIS refuses (E2): the GPF's gas supplier sends it.
    root = prepared("GCS59_8.12.2_SUCCESS_REQUEST_DUIS.XML", originator="90-B3-D5-1F-30-01-00-00")
    client.set_body_text(root, "OldGPFID", dashed(old))
    return root


def _chf_restore(old: str) -> etree._Element:
    root = prepared("CCS03_8.12.1_SUCCESS_REQUEST_DUIS.XML")
    client.set_body_text(root, "OldCHFID", dashed(old))
    return root


async def _gpf_log(running, receivers) -> list[tuple[str, str]]:
    """The GPF's device log as 8.9 (CS07) reads it: (device id, device type)."""
    root = _retarget(prepared("CS07_8.9_SUCCESS_REQUEST_DUIS.XML"), A3)
    _request_id, message = await _response(running, receivers, root)
    fields = _fields(message)
    return sorted((_eui(e["device_id"]), e["device_type"]) for e in fields["device_log_entries"])


def _fields(message: gbcs.Message) -> dict:
    return message.payload.fields(message_code=message.message_code, cra=message.cra)


def _eui(value) -> str:
    return str(value).replace("-", "").upper()


async def _still_read(running, receivers) -> None:
    """The meters behind the hub and the GPF still answer (a restore that emptied a log would give E21)."""
    for name, device in (("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML", A0),
                         ("GCS13a_4.1.1_SUCCESS_UNRELIABLE_REQUEST_DUIS.XML", A1)):
        _request_id, message = await _response(running, receivers, prepared(name))
        assert message is not None and message.originator.replace("-", "").upper() in (device, A3)


async def test_a_hub_that_left_no_backup_is_not_restored(estate):
    running, receivers = estate
    answer, _ = await run_request(running, _chf_restore(NO_BACKUP))
    assert answer.status == 200 and answer.code == "E081204", answer.body[:300]
    await _still_read(running, receivers)


async def test_a_gpf_that_left_no_backup_is_not_restored(estate):
    running, receivers = estate
    before = await _gpf_log(running, receivers)
    assert before, "the GPF serves its GSME and the PPMID"
    answer, _ = await run_request(running, _gpf_restore(NO_BACKUP))
    assert answer.status == 200 and answer.code == "E081222", answer.body[:300]
    assert await _gpf_log(running, receivers) == before
    await _still_read(running, receivers)


async def test_the_hub_log_is_restored_from_its_cs14_backup(estate):
    running, receivers = estate
    pool = running.sim.db.pool
    await pool.execute("DELETE FROM chf_log_backup")
    answer, _ = await run_request(running, _chf_restore(A2))
    assert answer.code == "E081204", "no CS14 yet: nothing to restore"
    # the hub's log changes: CS14 to the DCC, the backup
    await _response(running, receivers, han_log_add(A4, "00112233445566778899AABBCCDDEEFF"))
    backup = await pool.fetchval("SELECT entries FROM chf_log_backup WHERE chf_id = $1", A2)
    assert backup is not None and A0 in backup
    request_id, restored = await _response(running, receivers, _chf_restore(A2))
    assert restored.use_case == "CCS03"
    await _still_read(running, receivers)


async def test_the_gpf_log_is_restored_from_its_gcs62_backup(estate):
    running, receivers = estate
    pool = running.sim.db.pool
    assert await pool.fetchval("SELECT count(*) FROM gpf_log_backup") == 0
    before = await _gpf_log(running, receivers)
    assert (A4, "PPMID") in before
    # The PPMID leaves the GPF (8.8.2, CS04AC): the GPF's log changes and it backs it up to the DCC (GCS62).
    unjoin = _retarget(prepared("CS04ACNonCritical_8.8.2_SUCCESS_REQUEST_DUIS.XML"), A3)
    client.set_body_text(unjoin, "OtherDeviceID", dashed(A4))
    await _response(running, receivers, unjoin)
    backup = await pool.fetchval("SELECT entries FROM gpf_log_backup WHERE gpf_id = $1", A3)
    assert backup is not None and A1 in backup and A4 not in backup
    after_unjoin = await _gpf_log(running, receivers)
    assert (A4, "PPMID") not in after_unjoin and (A1, "GSME") in after_unjoin
    # 8.12.2 restores that backup: the GPF's log is what it says, each entry answered with its outcome.
    forwarded = len(_backups_for(receivers[SUPPLIER]))
    _request_id, restored = await _response(running, receivers, _gpf_restore(A3))
    assert restored.use_case == "GCS59" and _eui(restored.originator) == A3
    outcomes = _fields(restored)["restore_outcomes"]
    assert [(_eui(o["device_log_entry"]["device_id"]), o["join_response_code"]) for o in outcomes] == \
        [(e["device_id"], "success") for e in backup_entries(backup)]
    assert await _gpf_log(running, receivers) == after_unjoin
    # The restored log is backed up again, and the gas supplier hears of it (0x8071 through the DCC).
    await running.delivered()
    assert len(_backups_for(receivers[SUPPLIER])) > forwarded
    await _still_read(running, receivers)


def backup_entries(backup) -> list[dict]:
    import json

    return json.loads(backup) if isinstance(backup, str) else backup


def _backups_for(receiver) -> list[etree._Element]:
    roots = [etree.fromstring(b) for b in receiver.received]
    return [r for r in roots if r.findtext(".//{*}AlertCode") == "8071"]
