"""``dccsim bench``: drive signed Service Requests through real HTTP and report throughput and latency.

Without ``--target`` it starts its own simulator (``dccsim serve`` in worker processes) on a scratch data
directory with one bench user per concurrent client — RequestID counters must increase per originator, so
each client is its own originator. Requests are signed before the clock starts, so the figures measure
the simulator, not the client's signing.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from dccsim.config import REPO_ROOT

WORKLOADS = {
    # name: (template body, command variant, web service, target device)
    "non-device": ("ReadInventory", "8.2", "D"),
}
DEFAULT_WORKLOAD = "non-device"

_TEMPLATE_82 = (
    '<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"'
    ' schemaVersion="5.4"><sr:Header><sr:RequestID>{originator}:90-B3-D5-1F-30-00-00-02:1</sr:RequestID>'
    "<sr:CommandVariant>8</sr:CommandVariant><sr:ServiceReference>8.2</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant></sr:Header><sr:Body><sr:ReadInventory>"
    "<sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID></sr:ReadInventory></sr:Body></sr:Request>")


@dataclass
class Result:
    workload: str
    duration_s: float
    concurrency: int
    workers: int | None
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(n for key, n in self.outcomes.items() if key not in ("200 I0", "200 I99"))

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms) or [0.0]

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 2)

        return {
            "workload": self.workload, "concurrency": self.concurrency, "workers": self.workers,
            "requests": self.sent, "duration_s": round(self.duration_s, 2),
            "throughput_rps": round(self.sent / self.duration_s, 1) if self.duration_s else 0.0,
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(lat), 2), "errors": self.errors,
            "outcomes": dict(self.outcomes),
        }


def _sign_batch(args: tuple[str, str, str, int, int]) -> list[bytes]:
    """Sign ``count`` requests for one originator with counters from ``first`` (runs in a pool)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from dccsim.duis import client
    from dccsim.duis.ids import dashed
    from dccsim.duis.xmldsig import DuisSigner

    key_path, cert_path, originator, first, count = args
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), None)
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    signer = DuisSigner(key, cert)
    template = _TEMPLATE_82.format(originator=dashed(originator)).encode()
    return [client.sign(client.prepare(template, counter=first + i), signer) for i in range(count)]


def _identities(keys_dir: Path, only: set[str] | None) -> list[tuple[str, Path, Path]]:
    found = []
    for cert in sorted(keys_dir.glob("xml-sign-*-ds.pem")):
        entity = cert.name[len("xml-sign-"):-len("-ds.pem")]
        key = cert.with_suffix(".key")
        if key.exists() and (only is None or entity in only):
            found.append((entity, key, cert))
    return found


class _Progress:
    def __init__(self, total_seconds: float):
        self.total = total_seconds
        self.enabled = sys.stderr.isatty()

    def show(self, elapsed: float, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * min(1.0, elapsed / self.total))
        rate = done / elapsed if elapsed else 0.0
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {elapsed:5.1f}s {done:7d} requests "
                         f"{rate:8.1f}/s")
        sys.stderr.flush()

    def end(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


async def _drive(url: str, batches: list[list[bytes]], duration: float, result: Result) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    progress = _Progress(duration)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        deadline = start + duration

        async def one_client(bodies: list[bytes]) -> None:
            for body in bodies:
                if time.perf_counter() >= deadline:
                    return
                sent = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers={"Content-Type": "application/xml"}) as rsp:
                        payload = await rsp.read()
                        code = _code(payload) if rsp.status == 200 else ""
                        result.outcomes[f"{rsp.status} {code}".strip()] += 1
                except aiohttp.ClientError as exc:
                    result.outcomes[type(exc).__name__] += 1
                result.latencies_ms.append((time.perf_counter() - sent) * 1000)
                result.sent += 1

        async def ticker() -> None:
            while time.perf_counter() < deadline:
                progress.show(time.perf_counter() - start, result.sent)
                await asyncio.sleep(0.25)

        tick = asyncio.create_task(ticker())
        await asyncio.gather(*(one_client(b) for b in batches))
        result.duration_s = time.perf_counter() - start
        tick.cancel()
        progress.show(result.duration_s, result.sent)
        progress.end()


def _code(payload: bytes) -> str:
    start = payload.find(b"<sr:ResponseCode>")
    if start < 0:
        return "?"
    end = payload.find(b"<", start + 17)
    return payload[start + 17:end].decode()


def _bench_estate(path: Path, users: list[str]) -> None:
    lines = ["users:"]
    for entity in users:
        dashed = "-".join(entity[i:i + 2] for i in range(0, 16, 2))
        lines.append(f"  - {{entity_id: {dashed}, name: BENCH{entity[-4:]}, roles: [IS, GS]}}")
    path.write_text("\n".join(lines) + "\n")


def _dccsim(data_dir: Path, *args: str, env: dict) -> list[str]:
    return [sys.executable, "-m", "dccsim", "--data-dir", str(data_dir), *args]


async def _wait_ready(admin_url: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    async with aiohttp.ClientSession() as session:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if process.poll() is not None:
                raise RuntimeError("the simulator under test exited during start-up")
            try:
                async with session.get(f"{admin_url}/admin/health") as rsp:
                    if rsp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("the simulator under test did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*, duration: float, concurrency: int, workload: str, target: str | None, keys: Path | None,
        workers: int, as_json: bool, requests_per_client: int | None = None) -> dict:
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; known: {', '.join(WORKLOADS)}")
    scratch = None
    server = None
    env = dict(os.environ)
    try:
        if target is None:
            scratch = Path(tempfile.mkdtemp(prefix="dccsim-bench-"))
            users = [f"90B3D51F3F{n:06X}" for n in range(1, concurrency + 1)]
            _bench_estate(scratch / "bench-estate.yaml", users)
            subprocess.run(_dccsim(scratch, "estate", "load", str(scratch / "bench-estate.yaml"), env=env),
                           env=env, check=True, capture_output=True, cwd=REPO_ROOT)
            port, admin = _free_port(), _free_port()
            server = subprocess.Popen(
                _dccsim(scratch, "serve", "--port", str(port), "--admin-port", str(admin), "--workers",
                        str(workers), env=env), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            asyncio.run(_wait_ready(f"http://127.0.0.1:{admin}", server))
            base = f"http://127.0.0.1:{port}"
            keys = scratch / "keys"
            identities = _identities(keys, set(users))
        else:
            base = target.rstrip("/")
            if keys is None:
                from dccsim.config import default_data_dir

                keys = default_data_dir() / "keys"
            identities = _identities(Path(keys), None)
            workers = None
        if not identities:
            raise RuntimeError(f"no XML-signing keys (xml-sign-*-ds.pem/.key) in {keys}")
        clients = min(concurrency, len(identities))
        per_client = requests_per_client or max(200, int(duration * 1500 / clients))
        first = time.time_ns() // 1000
        jobs = [(str(key), str(cert), entity, first, per_client) for entity, key, cert in identities[:clients]]
        if sys.stderr.isatty() and not as_json:
            sys.stderr.write(f"signing {clients * per_client} requests ...\n")
        with multiprocessing.get_context("spawn").Pool(min(clients, os.cpu_count() or 1)) as pool:
            batches = pool.map(_sign_batch, jobs)
        _, _, service = WORKLOADS[workload]
        result = Result(workload, duration, clients, workers)
        from dccsim.server import run_event_loop

        run_event_loop(_drive(f"{base}/api/v1/service{service}", batches, duration, result))
        return result.summary()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def print_summary(summary: dict, as_json: bool) -> None:
    if not as_json:
        print(f"workload      {summary['workload']} ({summary['concurrency']} clients, "
              f"{summary['workers'] or '?'} workers)")
        print(f"requests      {summary['requests']} in {summary['duration_s']} s")
        print(f"throughput    {summary['throughput_rps']} requests/s")
        print(f"latency       p50 {summary['p50_ms']} ms   p95 {summary['p95_ms']} ms   p99 {summary['p99_ms']} ms")
        print(f"errors        {summary['errors']}   outcomes {summary['outcomes']}")
    print(json.dumps(summary))
