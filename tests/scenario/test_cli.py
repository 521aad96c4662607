"""``dccsim scenario run`` as CI runs it: the shipped pack passes under both releases with a JUnit report valid
under the common schema; a failing, broken or missing scenario gives exit status 1 and a clear message, never a
traceback."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree

from dccsim.scenario import find_files, load_file
from tests.paths import REPO

JUNIT_SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit-common.xsd"))))


def _dccsim(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dccsim", "scenario", "run", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env)


def _processes_naming(text: str) -> list[str]:
    """The command lines of running processes that name ``text``."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = entry.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


def _shipped_scenarios() -> int:
    files, _others = find_files([REPO / "scenarios"])
    return sum(len(load_file(path).scenarios) for path in files)


def test_the_shipped_pack_passes_and_reports_as_junit(tmp_path):
    report = tmp_path / "report.xml"
    done = _dccsim("scenarios/", "--junit", str(report))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    document = etree.parse(str(report))
    assert JUNIT_SCHEMA.validate(document), JUNIT_SCHEMA.error_log
    root = document.getroot()
    assert int(root.get("tests")) == _shipped_scenarios() >= 15
    assert root.get("failures") == "0" and root.get("errors") == "0"
    names = {s.get("name") for s in root.findall("testsuite")}
    assert "scenarios/journeys/thirty-days.yaml" in names and "scenarios/release-4.0/cr1277-install-code-length.yaml" \
        in names
    assert "Traceback" not in done.stdout + done.stderr


def test_the_pack_shows_the_previous_release_where_it_differs():
    done = _dccsim("scenarios/", "--release", "duis-3.1")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "PASS  scenarios/release-4.0/secmp0067-traffic-management.yaml" in done.stdout
    assert "PASS  scenarios/release-4.0/secmp0093-read-device-log.yaml" in done.stdout
    assert "SKIP  scenarios/release-4.0/crp612-esme-variants.yaml" in done.stdout
    assert "PASS  scenarios/journeys/install-and-commission.yaml" in done.stdout


def test_failures_and_broken_files_exit_1_with_a_clear_message(tmp_path):
    (tmp_path / "wrong.yaml").write_text(
        "scenarios:\n  - name: wrong code\n    steps:\n"
        "      - send: {variant: '4.1.1', device: 00-DB-12-34-56-78-90-A0}\n        expect: {code: I0}\n")
    (tmp_path / "malformed.yaml").write_text("scenarios:\n  - name: bad\n    steps:\n      - send: [\n")
    (tmp_path / "missing.yaml").write_text("scenarios:\n  - name: no template\n    steps:\n"
                                           "      - send: requests/does-not-exist.xml\n")
    report = tmp_path / "report.xml"
    # A short temporary folder of its own (the embedded server's socket lives in it), to see it left empty.
    scratch = Path(tempfile.mkdtemp(prefix="dccsim-t-"))
    try:
        done = _dccsim(str(tmp_path), "--junit", str(report), env={**os.environ, "TMPDIR": str(scratch)})
        # The run's folder and its PostgreSQL server are gone with it.
        assert list(scratch.iterdir()) == []
        if Path("/proc").is_dir():
            assert _processes_naming(str(scratch)) == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert "step 1 (line 4) send 4.1.1 to 00-DB-12-34-56-78-90-A0: expected code I0, got I99" in output
    assert f"{tmp_path}/malformed.yaml:5: not valid YAML" in output
    assert f"{tmp_path}/missing.yaml:4: step 1: the request file {tmp_path}/requests/does-not-exist.xml does not " \
           f"exist" in output
    root = etree.parse(str(report)).getroot()
    assert JUNIT_SCHEMA.validate(root), JUNIT_SCHEMA.error_log
    assert (root.get("failures"), root.get("errors")) == ("1", "2")


def test_nothing_to_run_is_a_usage_error(tmp_path):
    done = _dccsim(str(tmp_path))
    assert done.returncode == 2 and "no scenario files in" in done.stdout


def test_a_temporary_folder_the_database_cannot_use_is_said_in_one_line(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    # Without a runtime folder of its own the server's socket goes beside its data, in the temporary folder.
    environment = {name: value for name, value in os.environ.items() if name != "XDG_RUNTIME_DIR"}
    done = _dccsim("scenarios/journeys/top-up.yaml", env={**environment, "TMPDIR": str(deep)})
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert "the embedded PostgreSQL server could not start" in done.stdout and "shorter TMPDIR" in done.stdout
