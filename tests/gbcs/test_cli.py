"""``dccsim gbcs decode / encode / bench``: JSON out, the same bytes back, one clear line on bad input."""
from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys

import pytest

from dccsim.cli import gbcs_cmd
from tests.paths import GBCS_RTDS, KEYS_RTDS

VECTOR = GBCS_RTDS / "4.1.1_ECS17b" / "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"
EVEN_VECTOR = GBCS_RTDS / "4.1.1_ECS17b" / "ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE_GBCS.HEX"    # 188 bytes
needs_vectors = pytest.mark.skipif(not VECTOR.exists(), reason="RTDS vectors not available")


def _run(*args: str, stdin: str | bytes) -> subprocess.CompletedProcess:
    """The real command in its own process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "dccsim", "gbcs", *args], input=stdin, capture_output=True,
                          text=isinstance(stdin, str), timeout=120)


def _call(monkeypatch, capsys, *args: str, stdin: str) -> tuple[int, str, str]:
    """The command's entry point in this process: exit status, stdout, stderr."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = gbcs_cmd.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _one_line_error(status: int, err: str) -> bool:
    return status == gbcs_cmd.BAD_INPUT and err.count("\n") == 1 and "Traceback" not in err


@needs_vectors
def test_decode_then_encode_gives_the_same_bytes():
    hex_text = VECTOR.read_text().strip()
    decoded = _run("decode", "--keys", str(KEYS_RTDS), stdin=hex_text)
    assert decoded.returncode == 0, decoded.stderr
    value = json.loads(decoded.stdout)
    assert value["use_case"] == "ECS17b"
    assert value["verification"] == {"mac": "verified", "signature": "absent", "decryption": "decrypted"}
    assert value["decrypted"] and all(isinstance(h, str) for h in value["decrypted"])
    encoded = _run("encode", stdin=decoded.stdout)
    assert encoded.returncode == 0 and encoded.stdout.strip() == hex_text.upper()


@needs_vectors
def test_input_is_hex_or_base64_and_the_options_say_which(monkeypatch, capsys):
    raw = bytes.fromhex(VECTOR.read_text().strip())
    as_base64 = base64.b64encode(raw).decode()
    status, out, _ = _call(monkeypatch, capsys, "decode", stdin=as_base64)
    assert status == 0 and json.loads(out)["counter"] == 1000
    status, out, _ = _call(monkeypatch, capsys, "decode", "--base64", stdin=as_base64)
    assert status == 0 and json.loads(out)["counter"] == 1000
    status, _, err = _call(monkeypatch, capsys, "decode", "--hex", stdin=as_base64)
    assert _one_line_error(status, err) and "not hex" in err
    # Hex text is also valid base64 when its length is a multiple of four: read as hex unless told.
    hex_text = EVEN_VECTOR.read_text().strip()
    assert len(hex_text) % 4 == 0
    status, out, _ = _call(monkeypatch, capsys, "decode", stdin=hex_text)
    assert status == 0 and json.loads(out)["use_case"] == "ECS17b"
    status, _, err = _call(monkeypatch, capsys, "decode", "--base64", stdin=hex_text)
    assert _one_line_error(status, err)


BAD_MESSAGES = {
    "empty": "",
    "only whitespace": " \n\t ",
    "odd hex": "DF0",
    "neither hex nor base64": "not hex at all!",
    "general signing cut short": "DF0901",
    "general ciphering cut short": "DD0000",
    "unknown frame tag": "0102030405",
    "base64 of junk": base64.b64encode(b"\x00junk junk junk\xff" * 5).decode(),
    "base64 of nothing": "====",
    "a lone block": "DD09" + "00" * 20,
}


@pytest.mark.parametrize("name", sorted(BAD_MESSAGES))
def test_malformed_input_gives_one_line_and_no_traceback(monkeypatch, capsys, name):
    status, out, err = _call(monkeypatch, capsys, "decode", stdin=BAD_MESSAGES[name])
    assert _one_line_error(status, err), err
    assert err.startswith("dccsim gbcs decode: ") and out == ""


@needs_vectors
@pytest.mark.parametrize("cut", [1, 7, 30, 100, -13, -1])
def test_a_truncated_message_gives_one_line(monkeypatch, capsys, cut):
    hex_text = VECTOR.read_text().strip()
    status, _, err = _call(monkeypatch, capsys, "decode", stdin=hex_text[:2 * cut] if cut > 0 else hex_text[:2 * cut])
    assert _one_line_error(status, err), err


def test_random_bytes_on_stdin_give_one_line():
    result = _run("decode", stdin=os.urandom(300) + b"\xff\xfe")
    assert result.returncode == gbcs_cmd.BAD_INPUT
    assert result.stderr.count(b"\n") == 1 and b"Traceback" not in result.stderr


@needs_vectors
def test_encode_rejects_json_of_the_wrong_shape(monkeypatch, capsys):
    _status, out, _ = _call(monkeypatch, capsys, "decode", stdin=VECTOR.read_text())
    good = json.loads(out)
    cases = {
        "not JSON": "{not json",
        "a list": "[]",
        "null": "null",
        "an empty object": "{}",
        "too deep": "[" * 100000 + "]" * 100000,
    }
    for field, value in [("counter", -1), ("counter", 2**64), ("counter", "1000"), ("message_code", "10000"),
                         ("message_code", "zz"), ("payload", 5), ("payload", {"kind": "dlms-access-response",
                                                                               "tree": {"data": 1}}),
                         ("date_time", "07df"), ("mac", "00"), ("security_header", "11"),
                         ("signature_field", "bogus"), ("originator", "00DB"), ("cra", "reply"),
                         ("length_widths", {"content": 9}), ("frame", "general-whatever")]:
        cases[f"{field}={value!r}"[:60]] = json.dumps({**good, field: value})
    for name, text in cases.items():
        status, out, err = _call(monkeypatch, capsys, "encode", stdin=text)
        assert _one_line_error(status, err) and out == "", f"{name}: {err}"


def test_encode_without_keys_for_a_missing_mac_says_so(monkeypatch, capsys):
    message = {"frame": "general-ciphering", "cra": "command", "counter": 1, "originator": "90B3D51F30010000",
               "recipient": "00DB1234567890A0", "message_code": "0027", "payload": {"kind": "raw", "tree": ""},
               "mac": None}
    status, _, err = _call(monkeypatch, capsys, "encode", stdin=json.dumps(message))
    assert _one_line_error(status, err) and "no key-agreement keys" in err


@needs_vectors
def test_bench_runs_every_figure_and_ends_with_json(monkeypatch, capsys):
    status, out, _ = _call(monkeypatch, capsys, "bench", "--seconds", "0.01", stdin="")
    assert status == 0
    lines = out.strip().splitlines()
    result = json.loads(lines[-1])
    figures = ["decode_verify_per_s", "decode_verify_cold_per_s", "build_mac_per_s", "build_sign_mac_per_s",
               "decrypt_per_s"]
    assert all(result[name] > 0 for name in figures) and len(lines) == len(figures) + 1
    assert result["messages"] == 1275 and result["decrypt_items"] >= 48 and result["build_sign_mac_items"] > 100
    status, out, _ = _call(monkeypatch, capsys, "bench", "--seconds", "0.01", "--json", stdin="")
    assert status == 0 and len(out.strip().splitlines()) == 1
