"""The command line on one data directory, as a user runs it: estate load, users, keys import and export,
serve, sign — each command its own process, requests sent with a real HTTP client."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import pytest
import yaml

import gbcs
from dccsim.smki import authority as ca
from dccsim.smki.credentials import Usage
from tests.conftest import create_fresh_database
from tests.integration.checks import assert_duis_answer, assert_rejected
from tests.integration.harness import Answer, free_port
from tests.paths import DUIS_TEMPLATES, KEYS_RTDS, KEYS_ZAZ1


def _dccsim(data_dir: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=120, env=env)


async def test_cli_commands_share_one_state(pg_base_url, tmp_path):
    env = {**os.environ, "DCCSIM_DATABASE_URL": await create_fresh_database(pg_base_url)}
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        "users:\n"
        "  - {entity_id: 90-B3-D5-1F-30-05-00-00, name: NEWSUPPLIER, roles: [IS], endpoint: http://127.0.0.1:9/x}\n"
        "devices:\n"
        "  - {device_id: 00-DB-12-34-56-78-AA-01, type: ESME, status: Pending, esme_variant: AG,\n"
        "     parties: {IS: 90-B3-D5-1F-30-05-00-00}}\n")
    loaded = _dccsim(tmp_path, "estate", "load", str(estate), env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 1 users, 1 devices" in loaded.stdout

    moved = _dccsim(tmp_path, "users", "set-endpoint", "90-B3-D5-1F-30-05-00-00", "http://127.0.0.1:9999/duis", env=env)
    assert moved.returncode == 0, moved.stderr
    listing = _dccsim(tmp_path, "users", "list", env=env)
    assert "NEWSUPPLIER" in listing.stdout and "http://127.0.0.1:9999/duis" in listing.stdout

    exported = _dccsim(tmp_path, "keys", "export", str(tmp_path / "keys"), env=env)
    assert exported.returncode == 0, exported.stderr
    names = {p.name for p in (tmp_path / "keys").iterdir()}
    assert {"xml-sign-90B3D51F30050000-ds.pem", "xml-sign-90B3D51F30050000-ds.key",
            "00db12345678aa01-ka.pem", "00db12345678aa01-ka.key", "90b3d51f30050000-ds.pem",
            "90b3d51f30050000-pp-ka.pem", "90b3d51f30050000-pp-ka.key"} <= names
    # the new supplier issues a UTRN for its meter from what was exported
    issued = _dccsim(tmp_path, "gbcs", "utrn", "--keys", str(tmp_path / "keys"), "--supplier",
                     "90-B3-D5-1F-30-05-00-00", "--meter", "00-DB-12-34-56-78-AA-01", "--utrn-counter", "1",
                     "--value", "500", env=env)
    assert issued.returncode == 0, issued.stderr
    assert gbcs.utrn.parse(issued.stdout.strip()).pennies == 500

    unknown = _dccsim(tmp_path, "users", "set-endpoint", "90-B3-D5-1F-30-09-09-09", "http://x", env=env)
    assert unknown.returncode == 1 and "no user" in unknown.stderr and "Traceback" not in unknown.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("devices:\n  - {device_id: nonsense, type: ESME}\n")
    failed = _dccsim(tmp_path, "estate", "load", str(bad), env=env)
    assert failed.returncode == 1 and "not an EUI-64" in failed.stderr and "Traceback" not in failed.stderr


def test_every_subcommand_has_help():
    for args in (["--help"], ["serve", "--help"], ["keys", "export", "--help"], ["keys", "import", "--help"],
                 ["estate", "load", "--help"], ["estate", "generate", "--help"], ["users", "set-endpoint", "--help"]):
        result = subprocess.run([sys.executable, "-m", "dccsim", *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "usage:" in result.stdout


# --- serve, sign and keys import as separate processes, with a real HTTP client -------------------
INVENTORY = DUIS_TEMPLATES / "8.2_READ_INVENTORY_REQUEST_DUIS.XML"
SUPPLIER = "90B3D51F30010000"


def _run(*args: str, env: dict, data_dir: Path | None = None) -> subprocess.CompletedProcess:
    head = [sys.executable, "-m", "dccsim"] + (["--data-dir", str(data_dir)] if data_dir else [])
    return subprocess.run([*head, *args], capture_output=True, timeout=180, env=env)


@contextlib.asynccontextmanager
async def _serving(env: dict, *flags: str, data_dir: Path | None = None):
    """``dccsim serve`` in its own process until the block ends; yields its base URL and, afterwards, its
    log (stderr) in ``logs``."""
    port, admin = free_port(), free_port()
    head = [sys.executable, "-m", "dccsim"] + (["--data-dir", str(data_dir)] if data_dir else [])
    process = subprocess.Popen([*head, "serve", "--port", str(port), "--admin-port", str(admin),
                                "--smki-port", str(free_port()), *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    logs: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise AssertionError(f"serve exited: {process.communicate()[1].decode()[-2000:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "serve did not start listening"
            await asyncio.sleep(0.2)
        yield f"http://127.0.0.1:{port}", logs
    finally:
        process.terminate()
        try:
            _out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate()
        logs.append(err.decode(errors="replace"))


async def _post(base: str, path: str, body: bytes) -> Answer:
    async with aiohttp.ClientSession() as session:
        async with session.post(base + path, data=body, headers={"Content-Type": "application/xml"}) as response:
            return Answer(response.status, await response.read(), response.content_type)


def _without_database_url() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DCCSIM_DATABASE_URL", "XDG_RUNTIME_DIR")}
    return env


@pytest.fixture
def own_data_dir():
    """A data directory outside pytest's shared temporary root, whose clean-up of old runs must not reach
    the embedded PostgreSQL of a test still running."""
    path = Path(tempfile.mkdtemp(prefix="dccsim-cli-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
async def test_fresh_data_dir_keys_import_serve_sign_and_read_inventory(own_data_dir):
    """A new user's path: DCCSIM_DATA_DIR only (embedded PostgreSQL), import the public ZAZ1 and RTDS keys,
    serve, sign the 8.2 template with `dccsim sign` and send it with an HTTP client."""
    state = own_data_dir / "state"
    env = {**_without_database_url(), "DCCSIM_DATA_DIR": str(state)}
    imported = _run("keys", "import", str(KEYS_ZAZ1), str(KEYS_RTDS), env=env)
    assert imported.returncode == 0, imported.stderr.decode()
    report = imported.stdout.decode()
    assert "imported" in report and "90b3d51f30010000-ds.pem: expired" in report
    assert (state / "pgdata").is_dir()

    async with _serving(env) as (base, _logs):
        signed = _run("sign", str(INVENTORY), env=env)      # keys: the ones serve exported to the data dir
        assert signed.returncode == 0, signed.stderr
        assert signed.stderr.decode().strip() == "POST to /api/v1/serviceD"
        answer = await _post(base, "/api/v1/serviceD", signed.stdout)
    root = assert_duis_answer(answer, code="I0")    # official XSD, signed with the ZAZ1 DSP key, compact
    hub = next(d for d in root.iter("{*}Device") if d.findtext("{*}DeviceID") == "00-DB-12-34-56-78-90-A2")
    assert hub.findtext("{*}DeviceType") == "CHF" and hub.findtext("{*}DeviceStatus") == "Commissioned"


def _write_xml_key(folder: Path, credential) -> Path:
    folder.mkdir(parents=True)
    stem = f"xml-sign-{credential.entity_id}-ds"
    (folder / f"{stem}.pem").write_bytes(credential.cert_pem())
    (folder / f"{stem}.key").write_bytes(credential.key_pem())
    return folder


@pytest.mark.slow
async def test_serve_strict_validity_refuses_a_request_signed_outside_the_key_validity(pg_base_url, tmp_path):
    env = {**os.environ, "DCCSIM_DATABASE_URL": await create_fresh_database(pg_base_url)}
    now = dt.datetime.now(dt.timezone.utc)
    issuing = ca.create_issuing(ca.create_root("test root"), "test organisations")
    expired = _write_xml_key(tmp_path / "expired", ca.issue_organisation(
        issuing, SUPPLIER, "02", Usage.XML_SIGNING, not_before=now - dt.timedelta(days=30),
        not_after=now - dt.timedelta(days=1)))
    valid = _write_xml_key(tmp_path / "valid", ca.issue_organisation(
        issuing, SUPPLIER, "02", Usage.XML_SIGNING, not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=30)))
    imported = _run("keys", "import", str(expired), str(valid), env=env, data_dir=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "xml-sign-90B3D51F30010000-ds.pem: expired" in imported.stdout.decode()

    def signed_with(folder: Path) -> bytes:
        result = _run("sign", str(INVENTORY), "--keys", str(folder), env=env, data_dir=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    async with _serving(env, "--strict-validity", data_dir=tmp_path) as (base, logs):
        refused = await _post(base, "/api/v1/serviceD", signed_with(expired))
        accepted = await _post(base, "/api/v1/serviceD", signed_with(valid))
    assert_rejected(refused, 401, "outside its validity period")
    assert accepted.status == 200 and accepted.code == "I0"

    async with _serving(env, data_dir=tmp_path) as (base, logs):
        lenient = await _post(base, "/api/v1/serviceD", signed_with(expired))
    assert lenient.status == 200 and lenient.code == "I0"
    assert logs[0].count("outside its validity period") == 1 and "accepted" in logs[0]


async def test_estate_generate_writes_the_same_file_twice_and_loads_a_large_estate_with_derived_keys(pg_base_url,
                                                                                                   tmp_path):
    env = {**os.environ, "DCCSIM_DATABASE_URL": await create_fresh_database(pg_base_url)}
    files = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for path in files:
        written = _dccsim(tmp_path, "estate", "generate", "--premises", "250", "--seed", "9", "--smets1-share",
                          "0.1", "--out", str(path), env=env)
        assert written.returncode == 0 and "wrote 250 premises" in written.stdout, written.stderr
    assert files[0].read_bytes() == files[1].read_bytes()
    assert yaml.safe_load(files[0].read_text())["premises"][0]["devices"][0]["type"] == "CHF"

    loaded = _dccsim(tmp_path, "estate", "generate", "--premises", "250", "--seed", "9", env=env)
    assert loaded.returncode == 0 and "loaded 19 users" in loaded.stdout, loaded.stderr
    meter = "0C-3D-4E-03-00-00-00-01" if "0C-3D-4E-03-00-00-00-01" in files[0].read_text() else \
        "0D-4E-5F-03-00-00-00-01"
    plain = meter.replace("-", "").lower()
    exported = _dccsim(tmp_path, "keys", "export", str(tmp_path / "keys"), env=env)
    assert exported.returncode == 0 and not (tmp_path / "keys" / f"{plain}-ka.pem").exists()
    exported = _dccsim(tmp_path, "keys", "export", str(tmp_path / "keys"), "--device", meter, env=env)
    assert exported.returncode == 0, exported.stderr
    again = _dccsim(tmp_path, "keys", "export", str(tmp_path / "again"), "--device", meter, env=env)
    assert again.returncode == 0, again.stderr
    for name in (f"{plain}-ka.pem", f"{plain}-ka.key", f"{plain}-ds.pem"):
        assert (tmp_path / "keys" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    unknown = _dccsim(tmp_path, "keys", "export", str(tmp_path / "none"), "--device", "0C-3D-4E-03-FF-FF-FF-FF",
                      env=env)
    assert unknown.returncode == 1 and "not in the inventory" in unknown.stderr and "Traceback" not in unknown.stderr
    bad = _dccsim(tmp_path, "estate", "generate", "--premises", "-3", env=env)
    assert bad.returncode == 1 and "negative" in bad.stderr and "Traceback" not in bad.stderr
