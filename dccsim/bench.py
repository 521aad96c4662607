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

import re

import aiohttp
from aiohttp import web

from dccsim.config import REPO_ROOT

WORKLOADS = {
    # name: (what it is, Service Reference Variant, web service)
    "non-device": ("8.2 Read Inventory of a 7-device premises, answered synchronously", "8.2", "D"),
    "device": ("4.1.1 Read Instantaneous Import Registers on many ESMEs, measured until the Response is "
               "delivered to the user's endpoint", "4.1.1", "S"),
}
METERS_PER_CLIENT = 4
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


_TEMPLATE_411 = (
    '<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"'
    ' schemaVersion="5.4"><sr:Header><sr:RequestID>{originator}:{target}:1</sr:RequestID>'
    "<sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>4.1</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant></sr:Header><sr:Body>"
    "<sr:ReadInstantaneousImportRegisters/></sr:Body></sr:Request>")


def bench_meters(originator: str) -> list[str]:
    """The ESMEs of one bench user's premises (the hub is the first id)."""
    base = int(originator[-6:], 16)
    return [f"00DBBE{base:06X}{n:04X}"[:16] for n in range(1, METERS_PER_CLIENT + 1)]


def bench_hub(originator: str) -> str:
    return f"00DBBE{int(originator[-6:], 16):06X}0000"[:16]


def _sign_batch(args: tuple) -> list[bytes]:
    """Sign ``count`` requests for one originator with counters from ``first`` (runs in a pool)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from dccsim.duis import client
    from dccsim.duis.ids import dashed
    from dccsim.duis.xmldsig import DuisSigner

    key_path, cert_path, originator, first, count, workload = args
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), None)
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    signer = DuisSigner(key, cert)
    if workload == "device":
        meters = bench_meters(originator)
        return [client.sign(client.prepare(_TEMPLATE_411.format(originator=dashed(originator),
                                                                 target=dashed(meters[i % len(meters)])).encode(),
                                           counter=first + i), signer) for i in range(count)]
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


_REQUEST_ID = re.compile(rb"<sr:RequestID>([^<]+)</sr:RequestID>")


async def _drive(url: str, batches: list[list[bytes]], duration: float, result: Result,
                 delivery_port: int | None = None) -> None:
    """Each client sends its requests one after another; with ``delivery_port`` a request counts as done
    when its asynchronous Response reaches the bench's own endpoint."""
    connector = aiohttp.TCPConnector(limit=0)
    progress = _Progress(duration)
    waiting: dict[bytes, asyncio.Future] = {}
    runner = None
    if delivery_port is not None:
        async def receive(request: web.Request) -> web.Response:
            body = await request.read()
            match = _REQUEST_ID.search(body)
            future = waiting.pop(match.group(1), None) if match else None
            if future is not None and not future.done():
                future.set_result(_code(body))
            return web.Response(status=200)

        app = web.Application()
        app.router.add_post("/duis", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", delivery_port).start()
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        deadline = start + duration

        async def one_client(bodies: list[bytes]) -> None:
            for body in bodies:
                if time.perf_counter() >= deadline:
                    return
                sent = time.perf_counter()
                request_id = _REQUEST_ID.search(body).group(1)
                future = asyncio.get_running_loop().create_future()
                if delivery_port is not None:
                    waiting[request_id] = future
                try:
                    async with session.post(url, data=body, headers={"Content-Type": "application/xml"}) as rsp:
                        payload = await rsp.read()
                        code = _code(payload) if rsp.status == 200 else ""
                    if delivery_port is not None and rsp.status == 200 and code == "I99":
                        code = await asyncio.wait_for(future, 30)
                    result.outcomes[f"{rsp.status} {code}".strip()] += 1
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    result.outcomes[type(exc).__name__] += 1
                    waiting.pop(request_id, None)
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
    if runner is not None:
        await runner.cleanup()


def _code(payload: bytes) -> str:
    start = payload.find(b"<sr:ResponseCode>")
    if start < 0:
        return "?"
    end = payload.find(b"<", start + 17)
    return payload[start + 17:end].decode()


def _bench_estate(path: Path, users: list[str], endpoint: str | None = None) -> None:
    def dashed(entity: str) -> str:
        return "-".join(entity[i:i + 2] for i in range(0, 16, 2))

    lines = ["users:"]
    for entity in users:
        target = f", endpoint: {endpoint}" if endpoint else ""
        lines.append(f"  - {{entity_id: {dashed(entity)}, name: BENCH{entity[-4:]}, roles: [IS, GS]{target}}}")
    if endpoint:
        lines.append("devices:")
        for entity in users:
            hub = bench_hub(entity)
            lines.append(f"  - {{device_id: {dashed(hub)}, type: CHF, status: Commissioned, gbcs_version: '4.0',"
                         f" parties: {{IS: {dashed(entity)}}}}}")
            for meter in bench_meters(entity):
                lines.append(f"  - {{device_id: {dashed(meter)}, type: ESME, status: Commissioned, chf: {dashed(hub)},"
                             f" gbcs_version: '4.0', esme_variant: A, parties: {{IS: {dashed(entity)}}}}}")
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
            delivery_port = _free_port() if workload == "device" else None
            _bench_estate(scratch / "bench-estate.yaml", users,
                          f"http://127.0.0.1:{delivery_port}/duis" if delivery_port else None)
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
            delivery_port = None
            if workload == "device":
                raise ValueError("the device workload needs its own simulator (no --target): it sets up the "
                                 "meters and the endpoint the Responses are delivered to")
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
        jobs = [(str(key), str(cert), entity, first, per_client, workload)
                for entity, key, cert in identities[:clients]]
        if sys.stderr.isatty() and not as_json:
            sys.stderr.write(f"signing {clients * per_client} requests ...\n")
        with multiprocessing.get_context("spawn").Pool(min(clients, os.cpu_count() or 1)) as pool:
            batches = pool.map(_sign_batch, jobs)
        _, _, service = WORKLOADS[workload]
        result = Result(workload, duration, clients, workers)
        from dccsim.server import run_event_loop

        run_event_loop(_drive(f"{base}/api/v1/service{service}", batches, duration, result, delivery_port))
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
