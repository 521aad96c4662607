"""The bench's CPU meter counts the processes of a group that start during the run (as PostgreSQL's backends do
when a pool opens connections under load), each from its own start."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dccsim.cli.cpu_usage import CpuMeter

# Burns about half a second of CPU, then says so and waits to be told to end (so that it is alive when read).
_BURN = """
import sys, time
end = time.process_time() + 0.5
while time.process_time() < end:
    pass
print("done", flush=True)
sys.stdin.readline()
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the meter reads /proc")
def test_a_process_started_during_the_run_is_counted_from_its_start(tmp_path):
    meter = CpuMeter(os.getpid(), tmp_path)      # this process and its descendants are the "simulator"
    meter.start()
    child = subprocess.Popen([sys.executable, "-c", _BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "done"
        spent = meter.per_request_ms(1)
    finally:
        child.communicate("\n", timeout=30)
    assert spent is not None
    assert spent["simulator"] >= 400, spent       # the child's half second, which began after start()
    assert spent["postgres"] == 0
    assert spent["all"] == pytest.approx(spent["simulator"] + spent["postgres"] + spent["client"], abs=0.01)
