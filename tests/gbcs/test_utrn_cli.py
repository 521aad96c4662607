"""``dccsim gbcs utrn``: the UTRN a supplier issues for a meter, from a keystore folder; one line on bad input."""
from __future__ import annotations

import io
import sys

import pytest

import gbcs
from dccsim.cli import gbcs_cmd
from tests.paths import GBCS_RTDS, KEYS_RTDS

needs_rtds = pytest.mark.skipif(not (KEYS_RTDS.exists() and GBCS_RTDS.exists()), reason="RTDS not available")


def _call(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status = gbcs_cmd.main(["utrn", "--keys", str(KEYS_RTDS), *args])
    out, err = capsys.readouterr()
    return status, out, err


def _rtds_utrn(folder: str, name: str) -> str:
    tree = gbcs.decode(bytes.fromhex((GBCS_RTDS / folder / name).read_text().strip())).payload.tree
    if "data" in tree:
        return bytes.fromhex(tree["data"][0]["hex"]).decode()
    return bytes.fromhex(tree["components"][0]["payload"])[2:].decode()


@needs_rtds
@pytest.mark.parametrize("meter, counter, value, folder, name", [
    ("00-DB-12-34-56-78-90-A0", "3", ["--value", "10", "--pounds"], "2.2_CS01a", "CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX"),
    ("00DB1234567890A1", "6", ["--value", "1250"], "2.2_CS01b", "CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX")])
def test_the_rtds_top_ups_are_issued_again_from_the_rtds_keystore(monkeypatch, capsys, meter, counter, value, folder,
                                                                  name):
    status, out, err = _call(monkeypatch, capsys, "--supplier", "90-B3-D5-1F-30-01-00-00", "--meter", meter,
                             "--utrn-counter", counter, *value)
    assert (status, err) == (0, "") and out.strip() == _rtds_utrn(folder, name)


@needs_rtds
@pytest.mark.parametrize("args, says", [
    (["--supplier", "90B3D51F30020000", "--meter", "00DB1234567890A0", "--utrn-counter", "1", "--value", "1"],
     "no prepayment key of 90B3D51F30020000"),                                  # a network operator has none
    (["--supplier", "90B3D51F30010000", "--meter", "00DB1234567890A0", "--utrn-counter", "1", "--value", "9000"],
     "a top-up value is 0 … 8191"),
    (["--supplier", "90B3D51F30010000", "--meter", "00DB12", "--utrn-counter", "1", "--value", "1"],
     "must be an EUI-64")])
def test_what_cannot_be_issued_is_one_line(monkeypatch, capsys, args, says):
    status, out, err = _call(monkeypatch, capsys, *args)
    assert status == gbcs_cmd.BAD_INPUT and out == "" and err.count("\n") == 1 and says in err
