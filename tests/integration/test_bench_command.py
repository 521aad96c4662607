"""``dccsim bench`` runs and reports (its figures are measured by running it, not asserted here)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("workload", ["non-device", "device"])
def test_bench_reports_json(workload):
    result = subprocess.run([sys.executable, "-m", "dccsim", "bench", "--duration", "1", "--concurrency", "2",
                             "--workers", "1", "--workload", workload, "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors"} <= set(summary)
    assert summary["requests"] > 0 and summary["errors"] == 0
