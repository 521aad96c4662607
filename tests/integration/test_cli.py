"""The command line on one data directory: estate load, users, keys export — as a user runs them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import create_fresh_database


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
            "00db12345678aa01-ka.pem", "00db12345678aa01-ka.key", "90b3d51f30050000-ds.pem"} <= names

    unknown = _dccsim(tmp_path, "users", "set-endpoint", "90-B3-D5-1F-30-09-09-09", "http://x", env=env)
    assert unknown.returncode == 1 and "no user" in unknown.stderr and "Traceback" not in unknown.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("devices:\n  - {device_id: nonsense, type: ESME}\n")
    failed = _dccsim(tmp_path, "estate", "load", str(bad), env=env)
    assert failed.returncode == 1 and "not an EUI-64" in failed.stderr and "Traceback" not in failed.stderr


def test_every_subcommand_has_help():
    for args in (["--help"], ["serve", "--help"], ["keys", "export", "--help"], ["keys", "import", "--help"],
                 ["estate", "load", "--help"], ["users", "set-endpoint", "--help"]):
        result = subprocess.run([sys.executable, "-m", "dccsim", *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "usage:" in result.stdout
