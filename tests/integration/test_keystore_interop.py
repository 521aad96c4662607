"""Interoperability with SmartDCC's own SMKI client, ``@smartdcc/dccboxed-keystore``, run by node.

Its ``search`` and ``query`` functions, pointed at a running simulator's SMKI repository service by its full
URL, find what ``dccsim keys export`` wrote.

The package (pinned to the version these tests were written against) is fetched with npm into a cache
directory the first time a test needs it — ``npm install`` rather than ``npm pack``, since the client needs
its dependencies (got, fast-xml-parser, asn1-ts) — and ``keystore_client.js`` runs it under node. Without node
or npm, or when npm cannot fetch the package, the tests are skipped with the reason.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from dccsim.duis import client
from tests.integration.checks import assert_duis_answer

PACKAGE, VERSION = "@smartdcc/dccboxed-keystore", "0.4.2"
CACHE = Path(os.environ.get("DCCSIM_TOOL_CACHE", Path(tempfile.gettempdir()) / "dccsim-tools")) / \
    f"dccboxed-keystore-{VERSION}"
SCRIPT = Path(__file__).with_name("keystore_client.js")
ESME, SUPPLIER, NEW_METER = "00-DB-12-34-56-78-90-A0", "90-B3-D5-1F-30-01-00-00", "00-DB-12-34-56-78-93-01"


def _fetch_package() -> str | None:
    """Install the package into the cache directory unless it is there; None, or why it could not be had."""
    if (CACHE / "node_modules" / "@smartdcc" / "dccboxed-keystore" / "dist" / "certificateSearch.js").exists():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        installed = subprocess.run(["npm", "install", "--prefix", str(CACHE), "--no-save", "--no-audit", "--no-fund",
                                    f"{PACKAGE}@{VERSION}"], capture_output=True, text=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as exc:
        return str(exc)
    return None if installed.returncode == 0 else (installed.stderr.strip().splitlines() or ["npm failed"])[-1]


@pytest.fixture(scope="module")
def keystore():
    """``run(address, steps)``: the client's answers to ``steps`` (see keystore_client.js)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"no {tool} on this machine: {PACKAGE} cannot be run")
    problem = _fetch_package()
    if problem is not None:
        pytest.skip(f"npm could not fetch {PACKAGE}@{VERSION}: {problem}")

    async def run(address: str, steps: list[dict]) -> list[dict]:
        # The simulator answers on this event loop: the client must not block it.
        process = await asyncio.create_subprocess_exec(
            "node", str(SCRIPT), str(CACHE), address, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(json.dumps(steps).encode()), timeout=60)
        assert process.returncode == 0, err.decode()
        return json.loads(out)

    return run


@pytest.fixture(scope="module")
async def exported(running, tmp_path_factory) -> Path:
    """What ``dccsim keys export`` writes for the running simulator."""
    folder = tmp_path_factory.mktemp("exported")
    env = {**os.environ, "DCCSIM_DATABASE_URL": running.sim.settings.database_url}
    done = subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(folder), "keys", "export",
                           str(folder / "keys")], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return folder / "keys"


def _der(path: Path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)


def _search(name: str, eui: str, usage: str, role: str | None = None) -> dict:
    request = {"q": {name: eui}, "CertificateUsage": usage, "CertificateStatus": "I"}
    return {"search": request | ({"CertificateRole": role} if role else {})}


def _found(result: dict) -> list[bytes]:
    assert result["ok"], result
    return [base64.b64decode(f["der"]) for f in result["found"]]


@pytest.mark.interop
async def test_the_client_finds_what_keys_export_wrote(running, keystore, exported):
    ka_serial = x509.load_pem_x509_certificate((exported / "00db1234567890a0-ka.pem").read_bytes()).serial_number
    ds, ka, supplier_ds, supplier_ka, xml_signing, unknown, unknown_org, by_serial = await keystore(
        running.smki_url, [
            _search("CertificateSubjectAltName", ESME, "DS"),
            _search("CertificateSubjectAltName", ESME, "KA"),
            _search("CertificateSubjectName", SUPPLIER, "DS", role="2"),
            _search("CertificateSubjectName", SUPPLIER, "KA", role="2"),
            _search("CertificateSubjectName", SUPPLIER, "DS", role="135"),
            _search("CertificateSubjectAltName", "00-DB-12-34-56-78-99-98", "DS"),
            _search("CertificateSubjectName", "90-B3-D5-1F-3F-00-00-09", "DS", role="2"),
            {"query": f"{ka_serial:x}"},
        ])
    # The ESME's certificates, found by its EUI, byte for byte the ones keys export wrote.
    assert _found(ds) == [_der(exported / "00db1234567890a0-ds.pem")]
    assert _found(ka) == [_der(exported / "00db1234567890a0-ka.pem")]
    assert ds["found"][0]["eui"] == "00db1234567890a0" and ds["found"][0]["keyUsage"] == [0]       # digitalSignature
    assert ka["found"][0]["keyUsage"] == [4]                                                        # keyAgreement
    # The supplier's organisation certificates, found by entity id and role: its GBCS signing certificate, its
    # key-agreement and prepayment key-agreement certificates, and (role 135) its XML-signing certificate.
    assert _found(supplier_ds) == [_der(exported / "90b3d51f30010000-ds.pem")]
    assert supplier_ds["found"][0]["role"] == 2 and supplier_ds["found"][0]["eui"] == "90b3d51f30010000"
    assert sorted(_found(supplier_ka)) == sorted([_der(exported / "90b3d51f30010000-ka.pem"),
                                                  _der(exported / "90b3d51f30010000-pp-ka.pem")])
    assert _found(xml_signing) == [_der(exported / "xml-sign-90B3D51F30010000-ds.pem")]
    # An EUI the repository does not know: an empty result, not an error.
    assert unknown == {"ok": True, "found": []} and unknown_org == {"ok": True, "found": []}
    # Retrieval by serial number alone, as the client's key store asks (lower-case hex).
    assert _found(by_serial) == [_der(exported / "00db1234567890a0-ka.pem")]


@pytest.mark.interop
async def test_a_device_pre_notified_during_the_test_is_found_at_once(running, keystore):
    steps = [_search("CertificateSubjectAltName", NEW_METER, usage) for usage in ("DS", "KA")]
    assert await keystore(running.smki_url, steps) == [{"ok": True, "found": []}] * 2

    def new_meter(root):
        client.set_body_text(root, "DeviceID", NEW_METER)

    assert_duis_answer(await running.send_template("12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML", edit=new_meter),
                       code="I99")
    ds, ka = await keystore(running.smki_url, steps)
    device_id = NEW_METER.replace("-", "")
    for result, usage in ((ds, "ds"), (ka, "ka")):
        issued = running.sim.smki.gbcs(device_id, usage).certificate
        assert _found(result) == [issued.public_bytes(serialization.Encoding.DER)]
        assert result["found"][0]["eui"] == device_id.lower()
