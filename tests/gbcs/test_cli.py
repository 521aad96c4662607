"""``dccsim gbcs decode / encode``: JSON out, the same bytes back, one clear line on bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.paths import GBCS_RTDS, KEYS_RTDS

VECTOR = GBCS_RTDS / "4.1.1_ECS17b" / "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"


def _run(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dccsim", "gbcs", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.skipif(not VECTOR.exists(), reason="RTDS vectors not available")
def test_decode_then_encode_gives_the_same_bytes():
    hex_text = VECTOR.read_text().strip()
    decoded = _run("decode", "--keys", str(KEYS_RTDS), stdin=hex_text)
    assert decoded.returncode == 0, decoded.stderr
    value = json.loads(decoded.stdout)
    assert value["use_case"] == "ECS17b" and value["verification"]["mac"] == "verified"
    encoded = _run("encode", stdin=decoded.stdout)
    assert encoded.returncode == 0 and encoded.stdout.strip() == hex_text.upper()
    import base64

    as_base64 = _run("decode", stdin=base64.b64encode(bytes.fromhex(hex_text)).decode())
    assert json.loads(as_base64.stdout)["counter"] == value["counter"]


@pytest.mark.parametrize("bad", ["", "not hex at all!", "DF0901", "DD0000"])
def test_malformed_input_gives_one_line_and_no_traceback(bad):
    result = _run("decode", stdin=bad)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_encode_rejects_bad_json():
    result = _run("encode", stdin="{not json")
    assert result.returncode == 2 and "not JSON" in result.stderr
