"""``dccsim bench`` runs and reports (its figures are measured by running it, not asserted here): on its own
scratch simulator, and against a running one with ``--target``."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import asyncpg
import pytest
from cryptography.exceptions import InvalidSignature
from lxml import etree

from dccsim.cli import floor
from dccsim.duis import client
from dccsim.duis.xmldsig import DuisSigner
from dccsim.runtime import profiling

from dccsim.inventory import repository as repo
from tests.conftest import create_fresh_database
from tests.integration.harness import SUPPLIER, free_port
from tests.integration.serve_process import ready as _ready, start_serve as _start, stop as _stop

pytestmark = pytest.mark.slow


def _summary(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("workload", ["non-device", "device"])
def test_bench_reports_json(workload):
    # The bench's own simulator uses its own embedded database even where the caller points elsewhere.
    env = {**os.environ, "DCCSIM_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = subprocess.run([sys.executable, "-m", "dccsim", "bench", "--duration", "1", "--concurrency", "2",
                             "--workers", "1", "--workload", workload, "--json"],
                            capture_output=True, text=True, timeout=300, env=env)
    summary = _summary(result)
    assert {"throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors"} <= set(summary)
    assert summary["requests"] > 0 and summary["errors"] == 0
    assert summary["concurrency"] == 2
    cpu = summary["cpu_ms_per_request"]
    assert cpu["simulator"] > 0 and cpu["postgres"] > 0 and cpu["client"] > 0
    assert cpu["all"] == pytest.approx(cpu["simulator"] + cpu["postgres"] + cpu["client"], abs=0.01)


def test_the_floor_is_measured_in_one_process_a_core():
    result = subprocess.run([sys.executable, "-m", "dccsim", "bench", "--workload", "floor", "--duration", "1",
                             "--workers", "2", "--json"], capture_output=True, text=True, timeout=300)
    summary = _summary(result)
    assert summary["workload"] == "floor" and summary["workers"] == 2 and summary["requests"] > 0
    assert summary["per_core_rps"] == pytest.approx(summary["throughput_rps"] / 2, rel=0.01)


def test_the_floor_verifies_what_it_is_given():
    key, cert = floor._credentials()
    signed = client.sign(client.prepare(floor._REQUEST.encode(), counter=1), DuisSigner(key, cert))
    response = etree.fromstring(floor._RESPONSE.encode())
    assert floor.one_request(signed, cert.public_key(), response, key).startswith(b"<sr:Response")
    with pytest.raises(ValueError):
        floor.one_request(signed.replace(b"8.2</sr:ServiceReferenceVariant>", b"8.3</sr:ServiceReferenceVariant>"),
                          cert.public_key(), response, key)
    with pytest.raises(InvalidSignature):
        floor.one_request(signed, floor._credentials()[1].public_key(), response, key)


def test_serving_processes_profile_themselves_by_stage(tmp_path):
    env = {**os.environ, profiling.ENVIRONMENT: str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "dccsim", "bench", "--duration", "2", "--concurrency", "2",
                             "--workers", "2", "--json"], capture_output=True, text=True, timeout=300, env=env)
    summary = _summary(result)
    assert len(list(tmp_path.glob("serve-*.prof"))) == 2          # one a worker
    split, total = profiling.stage_split(tmp_path)
    for stage in ("parse (safe parser)", "XSD validation", "request signature (c14n, hash, ECDSA verify)",
                  "response sign (c14n, hash, ECDSA sign)", "HTTP, less the front door"):
        assert split[stage] > 0, stage
    assert sum(split.values()) == pytest.approx(total) and summary["requests"] > 0


@pytest.mark.parametrize("workload", ["non-device", "device"])
def test_bench_spreads_its_requests_over_many_meters(workload):
    result = subprocess.run([sys.executable, "-m", "dccsim", "bench", "--duration", "1", "--concurrency", "2",
                             "--workers", "1", "--workload", workload, "--spread", "40", "--json"],
                            capture_output=True, text=True, timeout=300)
    summary = _summary(result)
    assert summary["requests"] > 0 and summary["errors"] == 0
    assert set(summary["outcomes"]) == {"200 I0"} and summary["devices"] == 40


async def test_bench_targets_a_running_simulator(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    server = _start(tmp_path, url, port, admin)
    env = {**os.environ, "DCCSIM_DATABASE_URL": url}

    def bench(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), "bench", "--target",
                               f"http://127.0.0.1:{port}", "--duration", "1", "--json", *args],
                              capture_output=True, text=True, timeout=300, env=env)

    try:
        await _ready(admin)
        # 8.2: the demo estate's two suppliers sign (the keys come from the data directory, where serve
        # exported them); the network operator and the other user are not used.
        result = bench("--concurrency", "4")
        summary = _summary(result)
        assert summary["concurrency"] == 2 and summary["errors"] == 0 and summary["requests"] > 0
        assert summary["outcomes"] == {"200 I0": summary["requests"]}
        assert "concurrency capped at 2" in result.stderr

        # The device workload on one chosen meter: its import supplier signs, the Responses are measured
        # at the bench's endpoint, and the supplier's own endpoint is put back afterwards.
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            await repo.set_endpoint(pool, SUPPLIER, "http://127.0.0.1:9/supplier")
            result = bench("--workload", "device", "--device", "00-DB-12-34-56-78-90-A0", "--concurrency", "3")
            summary = _summary(result)
            assert summary["concurrency"] == 1 and summary["errors"] == 0 and summary["requests"] > 0
            assert summary["outcomes"] == {"200 I0": summary["requests"]}
            assert (await repo.get_user(pool, SUPPLIER)).response_endpoint == "http://127.0.0.1:9/supplier"
        finally:
            await pool.close()
    finally:
        _stop(server)
