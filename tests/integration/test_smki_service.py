"""The SMKI repository service on its own port, over real HTTP and a real PostgreSQL.

What a search and a retrieval find and with which status, a device pre-notified on one worker found at once on
another, the keys as one zip, and hostile input answered as at the DUIS front door — never with a 5xx."""
from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings

from dccsim.duis import client
from dccsim.runtime.server import start_sites
from dccsim.runtime.settings import Settings
from dccsim.runtime.simulator import start_simulator
from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.integration import smki_client
from tests.integration.checks import assert_duis_answer
from tests.integration.harness import SUPPLIER, RunningSimulator, free_port, start_running_simulator
from tests.integration.test_hostile_input import _mutate, mutations
from tests.paths import KEYS_RTDS, KEYS_ZAZ1

ORGANISATION, DEVICE = "CertificateSubjectName", "CertificateSubjectAltName"
ESME = "00DB1234567890A0"
# A simulated time after the RTDS and ZAZ1 GBCS certificates ran out (2025, January 2026).
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
async def smki(pg_base_url, tmp_path_factory):
    url = await create_fresh_database(pg_base_url)
    running = await start_running_simulator(url, tmp_path_factory.mktemp("dccsim"), deliver=False,
                                            clock=ClockMode.SIMULATED, clock_start=NOW)
    yield running
    await running.close()


def _serial(certificate: x509.Certificate) -> str:
    return f"{certificate.serial_number:X}"


def _file(folder: Path, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / name).read_bytes())


def _file_serial(folder: Path, name: str) -> str:
    return _serial(_file(folder, name))


async def test_an_organisation_is_found_by_entity_id_with_every_certificate_and_its_status(smki):
    status, found = await smki_client.search(smki, ORGANISATION, "90-B3-D5-1F-30-01-00-00")
    assert status == 200
    assert {(f.subject, f.entity, f.der) for f in found} == {(ORGANISATION, "90-B3-D5-1F-30-01-00-00", None)}
    by_serial = {f.serial.lstrip("0"): f for f in found}
    in_use = {(f.usage, f.role, f.serial.lstrip("0")) for f in found if f.status == "I"}
    # The imported RTDS / ZAZ1 certificates are the ones in use, though their period ran out in 2025 (by
    # default test credentials outlive their dates): GBCS signing, key agreement, prepayment, XML signing.
    assert in_use == {("DS", "2", _file_serial(KEYS_RTDS, "90b3d51f30010000-ds.pem")),
                      ("KA", "2", _file_serial(KEYS_RTDS, "90b3d51f30010000-ka.pem")),
                      ("KA", "2", _file_serial(KEYS_RTDS, "90b3d51f30010000-pp-ka.pem")),
                      ("DS", "135", _file_serial(KEYS_ZAZ1, "xml-sign-90B3D51F30010000-ds.pem"))}
    assert by_serial[_file_serial(KEYS_ZAZ1, "Z1b-supplier-ds.pem")].status == "E"     # ran out in January 2026
    generated = [c for c in smki.sim.smki.all() if c.entity_id == SUPPLIER and c.source == "generated"]
    assert len(generated) == 4 and {by_serial[_serial(c.certificate)].status for c in generated} == {"N"}


async def test_a_device_is_found_by_its_eui_and_each_certificate_retrieved_byte_for_byte(smki):
    status, found = await smki_client.search(smki, DEVICE, "00-db-12-34-56-78-90-a0")
    assert status == 200
    assert sorted((f.usage, f.status, f.role) for f in found) == [("DS", "I", None), ("KA", "I", None)]
    for result in found:
        held = smki.sim.smki.gbcs(ESME, result.usage.lower()).certificate
        assert result.serial.lstrip("0") == _serial(held)
        for serial in (result.serial, result.serial.lower().lstrip("0")):      # as the client's BigInt.toString(16)
            status, certificate = await smki_client.retrieve(smki, serial)
            assert status == 200 and certificate.subject == DEVICE and certificate.entity == "00-DB-12-34-56-78-90-A0"
            assert certificate.der == held.public_bytes(serialization.Encoding.DER)
            assert (certificate.usage, certificate.status) == (result.usage, "I")


async def test_an_organisation_certificate_is_retrieved_with_its_subject_name_and_role(smki):
    serial = _file_serial(KEYS_RTDS, "90b3d51f30010000-ka.pem")
    status, certificate = await smki_client.retrieve(smki, serial)
    assert status == 200
    assert (certificate.subject, certificate.entity, certificate.role, certificate.usage, certificate.status) == \
        (ORGANISATION, "90-B3-D5-1F-30-01-00-00", "2", "KA", "I")
    assert certificate.der == _file(KEYS_RTDS, "90b3d51f30010000-ka.pem").public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize("subject, eui", [(DEVICE, "00-DB-12-34-56-78-99-99"),
                                          (ORGANISATION, "90-B3-D5-1F-3F-00-00-00"),
                                          (DEVICE, "90-B3-D5-1F-30-01-00-00"),
                                          (ORGANISATION, "00-DB-12-34-56-78-90-A0")],
                         ids=["unknown device", "unknown organisation", "an organisation as a device",
                              "a device as an organisation"])
async def test_a_search_that_finds_nothing_is_answered_402(smki, subject, eui):
    assert await smki_client.search(smki, subject, eui) == (402, [])


async def test_retrievals_that_find_nothing_or_name_no_serial_number(smki):
    assert await smki_client.retrieve(smki, "1234567890ABCDEF") == (402, None)
    assert await smki_client.retrieve(smki, "not-hex") == (401, None)
    status, content_type, body = await smki_client.post(smki, smki_client.SEARCH, b"<CertificateSearchRequest/>")
    assert (status, content_type) == (401, "application/xml") and b"Invalid search parameters" in body


async def test_a_device_pre_notified_on_one_worker_is_found_at_once_on_another(smki, tmp_path):
    other = await _second_worker(smki, tmp_path)
    try:
        assert await smki_client.search(other, DEVICE, "00-DB-12-34-56-78-92-01") == (402, [])
        answer = await smki.send_template("12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML", edit=_device_id(
            "00-DB-12-34-56-78-92-01"))
        assert_duis_answer(answer, code="I99")
        for running in (other, smki):
            status, found = await smki_client.search(running, DEVICE, "00-DB-12-34-56-78-92-01")
            assert status == 200 and sorted((f.usage, f.status) for f in found) == [("DS", "I"), ("KA", "I")]
    finally:
        await other.close()


def _device_id(value: str):
    def edit(root):
        client.set_body_text(root, "DeviceID", value)
    return edit


async def _second_worker(first: RunningSimulator, tmp_path) -> RunningSimulator:
    """Another process's simulator on the same database, as ``serve --workers 2`` starts one."""
    settings = Settings(data_dir=tmp_path, database_url=first.sim.settings.database_url, port=free_port(),
                        admin_port=free_port(), smki_port=free_port(), clock=ClockMode.SIMULATED)
    sim = await start_simulator(settings, prepared=True, deliver=False)
    return RunningSimulator(sim, f"http://127.0.0.1:{settings.port}", aiohttp.ClientSession(),
                            await start_sites(sim, admin=False), smki_url=f"http://127.0.0.1:{settings.smki_port}")


async def test_the_keys_zip_holds_what_keys_export_writes(smki, tmp_path):
    env = {**os.environ, "DCCSIM_DATABASE_URL": smki.sim.settings.database_url}
    exported = subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), "keys", "export",
                               str(tmp_path / "keys")], capture_output=True, text=True, timeout=120, env=env)
    assert exported.returncode == 0, exported.stderr
    async with smki.session.get(f"{smki.admin_url}/admin/keys.zip") as response:
        assert response.status == 200 and response.content_type == "application/zip"
        assert "dccsim-keys.zip" in response.headers["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    written = {path.name: path.read_bytes() for path in (tmp_path / "keys").iterdir()}
    assert {name: archive.read(name) for name in archive.namelist()} == written
    assert {"xml-sign-90B3D51F30010000-ds.key", "90b3d51f30010000-ds.key", "00db1234567890a0-ka.pem",
            "README.txt"} <= set(written)
    assert archive.getinfo("README.txt").date_time[:3] == (2026, 6, 1)       # the simulator's clock


# --- hostile input: the DUIS front door's rules -----------------------------------------------------------

VALID = b'<?xml version="1.0" encoding="utf-8"?><CertificateSearchRequest><CertificateSubjectAltName>' \
        b"00-DB-12-34-56-78-90-A0</CertificateSubjectAltName></CertificateSearchRequest>"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;&lol;&lol;">]>'
          b"<CertificateSearchRequest><CertificateSubjectAltName>&lol9;</CertificateSubjectAltName>"
          b"</CertificateSearchRequest>")
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
            b"<CertificateDataRequest><CertificateSerial>&x;</CertificateSerial></CertificateDataRequest>")


@pytest.mark.parametrize("path", [smki_client.SEARCH, smki_client.RETRIEVE])
@pytest.mark.parametrize("body, status, says", [
    (LAUGHS, 400, b"DTDs"),
    (EXTERNAL, 400, b"DTDs"),
    (VALID.decode().encode("utf-16"), 400, b"UTF-8"),
    (VALID.replace(b"utf-8", b"ISO-8859-1"), 400, b"UTF-8"),
    (VALID[:-5], 400, b"not well-formed"),
    (b"", 400, b"empty"),
    (b"<a>" * 2000, 400, b"not well-formed"),
    (VALID.replace(b"00-DB", b"<x>" + b" " * 17_000 + b"</x>00-DB"), 413, b"exceeds"),
], ids=["entity expansion", "external entity", "UTF-16", "Latin-1", "truncated", "empty", "deep", "too large"])
async def test_hostile_bodies_are_refused_with_a_plain_reason(smki, path, body, status, says):
    answer = await smki_client.post(smki, path, body)
    assert answer[:2] == (status, "text/plain") and says in answer[2], answer


async def test_a_body_over_the_limit_without_a_length_is_refused_too(smki):
    async def chunks():
        for _ in range(40):
            yield b" " * 1024
        yield VALID

    async with smki.session.post(f"{smki.smki_url}{smki_client.SEARCH}", data=chunks()) as response:
        assert response.status == 413 and b"exceeds" in await response.read()


@pytest.mark.parametrize("method, path, status", [("GET", smki_client.SEARCH, 405), ("PUT", smki_client.RETRIEVE, 405),
                                                  ("POST", "/services/other", 404), ("GET", "/", 404)])
async def test_other_paths_and_methods(smki, method, path, status):
    async with smki.session.request(method, f"{smki.smki_url}{path}", data=VALID) as response:
        assert (response.status, response.content_type) == (status, "text/plain")
        assert b"Traceback" not in await response.read()


async def test_mutated_requests_never_get_a_5xx(smki):
    answers: list[int] = []
    originals = [VALID, VALID.replace(b"CertificateSubjectAltName", b"CertificateSubjectName").replace(
        b"00-DB-12-34-56-78-90-A0", b"90-B3-D5-1F-30-01-00-00"), b'<?xml version="1.0" encoding="utf-8"?>'
        b"<CertificateDataRequest><CertificateSerial>4FBC525201A1D7586C1BC1C4734DEB9F</CertificateSerial>"
        b"</CertificateDataRequest>"]

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(mutation=mutations())
    def explore(mutation):
        kind, position, *_ = mutation
        original = originals[position % len(originals)]
        path = smki_client.RETRIEVE if b"CertificateDataRequest" in original else smki_client.SEARCH
        status, content_type, body = asyncio.run_coroutine_threadsafe(
            smki_client.post(smki, path, _mutate(original, mutation)), loop).result(timeout=30)
        assert status in (200, 400, 401, 402), (mutation, status, body[:200])
        assert content_type == ("text/plain" if status == 400 else "application/xml")
        answers.append(status)

    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, explore)
    assert len(answers) >= 150 and {400, 401} <= set(answers)
    assert (await smki_client.search(smki, DEVICE, "00-DB-12-34-56-78-90-A0"))[0] == 200     # and it still answers
