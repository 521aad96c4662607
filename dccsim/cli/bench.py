"""``dccsim bench``: drive signed Service Requests through real HTTP and report throughput and latency.

Without ``--target`` it starts its own simulator (``dccsim serve`` in worker processes, on its own
embedded database in a scratch data directory) with one bench user per concurrent client — RequestID
counters must increase per originator, so each client is its own originator. With ``--target`` it drives
a running simulator: the signing keys come from ``--keys`` or the data directory's ``keys`` folder, and
the originators are the users of that simulator's inventory (read from the data directory's database)
eligible for the workload's Service Request — suppliers for 8.2, the devices' import supplier for the
device workload. ``--target`` may be given once per host of a simulator that runs on several hosts (one
database): the clients are dealt out over them in turn. With ``--spread N`` the requests address N different meters (each request a meter drawn at
random from its client's share, so that no cache sees the same meter twice in a row): the scratch
simulator's estate then has N premises (a hub and a meter each), and against a running simulator N
commissioned meters of its inventory are drawn. Requests are signed before the clock starts, so the
figures measure the simulator, not the client's signing; the client speaks plain HTTP/1.1 keep-alive to stay
light on a shared machine.
"""
from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from dccsim.cli import floor
from dccsim.cli.cpu_usage import CpuMeter
from dccsim.delivery.http_client import HttpClient
from dccsim.db import open_database
from dccsim.duis import client
from dccsim.duis.ids import normalise_eui
from dccsim.duis.outcomes import I99
from dccsim.duis.xmldsig import DuisSigner
from dccsim.inventory import repository as repo
from dccsim.runtime.server import run_event_loop
from dccsim.runtime.settings import REPO_ROOT, Settings

WORKLOADS = {
    # name: (what it is, Service Reference Variant, web service)
    "non-device": ("8.2 Read Inventory of a 7-device premises, answered synchronously", "8.2", "D"),
    "device": ("4.1.1 Read Instantaneous Import Registers on many ESMEs, measured until the Response is "
               "delivered to the user's endpoint", "4.1.1", "S"),
    "floor": ("what any correct server must do per non-device request (parse, c14n, hash and verify one "
              "ECDSA-P256 signature; c14n, hash and sign one response), one process per --workers, in process",
              "8.2", "D"),
}
METERS_PER_CLIENT = 4
DEFAULT_WORKLOAD = "non-device"
SUPPLIER_ROLES = {"IS", "ES", "GS"}
DEMO_DEVICE = "00DB1234567890A2"
RATE_BUDGET = 4000          # requests/s the pre-signed requests must last for (over all clients)
SPREAD_SEED = 1             # which meters --spread draws, and in which order they are addressed

_TEMPLATE_82 = (
    '<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"'
    ' schemaVersion="5.4"><sr:Header><sr:RequestID>{originator}:90-B3-D5-1F-30-00-00-02:1</sr:RequestID>'
    "<sr:CommandVariant>8</sr:CommandVariant><sr:ServiceReference>8.2</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant></sr:Header><sr:Body><sr:ReadInventory>"
    "<sr:DeviceID>{device}</sr:DeviceID></sr:ReadInventory></sr:Body></sr:Request>")

_TEMPLATE_411 = (
    '<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"'
    ' schemaVersion="5.4"><sr:Header><sr:RequestID>{originator}:{target}:1</sr:RequestID>'
    "<sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>4.1</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant></sr:Header><sr:Body>"
    "<sr:ReadInstantaneousImportRegisters/></sr:Body></sr:Request>")


def _dashed(entity: str) -> str:
    return "-".join(entity[i:i + 2] for i in range(0, 16, 2))


@dataclass
class Result:
    workload: str
    duration_s: float
    concurrency: int
    workers: int | None
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    exhausted: int = 0          # clients that ran out of pre-signed requests before the end
    by_host: Counter = field(default_factory=Counter)     # requests sent to each URL
    devices: int = 0            # how many different devices the requests address
    cpu_ms_per_request: dict[str, float] | None = None   # by the simulator, its PostgreSQL, the client

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
            "outcomes": dict(self.outcomes), "clients_out_of_requests": self.exhausted, "devices": self.devices,
            "cpu_ms_per_request": self.cpu_ms_per_request,
            "hosts": dict(self.by_host),
        }


@dataclass(frozen=True)
class Originator:
    """One client: the user it signs as, with its key, and the devices it addresses."""

    entity_id: str
    key: Path
    cert: Path
    targets: tuple[str, ...]


def bench_meters(originator: str, count: int = METERS_PER_CLIENT) -> list[str]:
    """The ESMEs of one bench user: on its one hub (the first id), or with ``--spread`` one premises each."""
    base = int(originator[-6:], 16)
    return [f"00DBBE{base:06X}{n:04X}"[:16] for n in range(1, count + 1)]


def bench_hub(originator: str) -> str:
    return f"00DBBE{int(originator[-6:], 16):06X}0000"[:16]


def spread_hub(meter: str) -> str:
    """With ``--spread``, each bench meter's own hub."""
    return "00DBBF" + meter[6:]


def _spread_targets(targets: dict[str, list[str]], spread: int, seed: int) -> dict[str, list[str]]:
    """``spread`` of the meters (drawn at random), each still with the originator responsible for it."""
    pairs = [(entity, meter) for entity, meters in sorted(targets.items()) for meter in meters]
    if len(pairs) < spread:
        _warn(f"only {len(pairs)} meters eligible; --spread {spread} addresses them all")
    chosen: dict[str, list[str]] = {}
    for entity, meter in random.Random(seed).sample(pairs, min(spread, len(pairs))):
        chosen.setdefault(entity, []).append(meter)
    return chosen


def _sign_batch(args: tuple) -> list[bytes]:
    """Sign ``count`` requests for one originator with counters from ``first`` (runs in a pool)."""
    key_path, cert_path, originator, targets, first, count, workload, seed = args
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), None)
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    signer = DuisSigner(key, cert)
    # In turn; with --spread (a seed), at random.
    rng = random.Random(f"{seed}:{originator}") if seed is not None else None
    chosen = [rng.choice(targets) if rng else targets[i % len(targets)] for i in range(count)]
    if workload == "device":
        return [client.sign(client.prepare(_TEMPLATE_411.format(originator=_dashed(originator),
                                                                 target=_dashed(target)).encode(),
                                           counter=first + i), signer) for i, target in enumerate(chosen)]
    return [client.sign(client.prepare(_TEMPLATE_82.format(originator=_dashed(originator),
                                                            device=_dashed(target)).encode(),
                                       counter=first + i), signer) for i, target in enumerate(chosen)]


def _keys_of(keys_dir: Path) -> dict[str, tuple[Path, Path]]:
    """entity id → (private key, certificate) of every XML-signing key in the folder."""
    found = {}
    for cert in sorted(Path(keys_dir).glob("xml-sign-*-ds.pem")):
        entity = cert.name[len("xml-sign-"):-len("-ds.pem")].upper()
        key = cert.with_suffix(".key")
        if key.exists():
            found[entity] = (key, cert)
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
_REQUEST_TIMEOUT = 120.0     # seconds for one synchronous answer: a bench request that takes longer is an error


async def _drive(urls: list[str], batches: list[list[bytes]], duration: float, result: Result,
                 delivery_port: int | None = None, meter: CpuMeter | None = None) -> None:
    """Each client sends its requests one after another, client i to ``urls[i % len(urls)]``; with
    ``delivery_port`` a request counts as done when its asynchronous Response reaches the bench's own
    endpoint."""
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
    if meter is not None:
        meter.start()
    start = time.perf_counter()
    deadline = start + duration

    http = HttpClient(timeout=_REQUEST_TIMEOUT, keep_per_origin=len(batches))

    async def one_client(bodies: list[bytes], url: str) -> None:
        for body in bodies:
            if time.perf_counter() >= deadline:
                return
            sent = time.perf_counter()
            request_id = future = None
            if delivery_port is not None:
                request_id = _REQUEST_ID.search(body).group(1)
                future = waiting[request_id] = asyncio.get_running_loop().create_future()
            try:
                answer = await http.post(url, body)
                status, payload = answer.status, answer.body
                code = _code(payload) if status == 200 else ""
                if delivery_port is not None and status == 200 and code == I99:
                    code = await asyncio.wait_for(future, 30)
                result.outcomes[f"{status} {code}".strip()] += 1
            except (OSError, ValueError, asyncio.TimeoutError) as exc:
                result.outcomes[type(exc).__name__] += 1
                waiting.pop(request_id, None)
            result.latencies_ms.append((time.perf_counter() - sent) * 1000)
            result.sent += 1
            result.by_host[url] += 1
        if time.perf_counter() < deadline:
            result.exhausted += 1

    async def ticker() -> None:
        while time.perf_counter() < deadline:
            progress.show(time.perf_counter() - start, result.sent)
            await asyncio.sleep(0.25)

    tick = asyncio.create_task(ticker())
    await asyncio.gather(*(one_client(b, urls[i % len(urls)]) for i, b in enumerate(batches)))
    result.duration_s = time.perf_counter() - start
    if meter is not None:
        result.cpu_ms_per_request = meter.per_request_ms(result.sent)
    tick.cancel()
    await http.close()
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


def _bench_estate(path: Path, users: list[str], endpoint: str | None = None, per_user: int | None = None) -> None:
    """The scratch simulator's estate: a user per client; for the device workload its meters on one hub, or
    (``per_user``, with ``--spread``) that many premises of a hub and a meter each, for either workload."""
    with open(path, "w") as out:
        out.write("users:\n")
        for entity in users:
            target = f", endpoint: {endpoint}" if endpoint else ""
            out.write(f"  - {{entity_id: {_dashed(entity)}, name: BENCH{entity[-4:]}, roles: [IS, GS]{target}}}\n")
        if endpoint is None and per_user is None:
            return
        out.write("devices:\n")
        for entity in users:
            meters = bench_meters(entity, per_user or METERS_PER_CLIENT)
            for meter in meters:
                hub = spread_hub(meter) if per_user else bench_hub(entity)
                if per_user or meter == meters[0]:
                    out.write(f"  - {{device_id: {_dashed(hub)}, type: CHF, status: Commissioned, "
                              f"gbcs_version: '4.0', parties: {{IS: {_dashed(entity)}}}}}\n")
                out.write(f"  - {{device_id: {_dashed(meter)}, type: ESME, status: Commissioned, "
                          f"chf: {_dashed(hub)}, gbcs_version: '4.0', esme_variant: A, "
                          f"parties: {{IS: {_dashed(entity)}}}}}\n")


def _dccsim(data_dir: Path, *args: str) -> list[str]:
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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scratch_environment() -> dict[str, str]:
    """The bench's own simulator runs on its own embedded database in its scratch directory, whatever
    database the caller's environment points at."""
    return {k: v for k, v in os.environ.items() if k not in ("DCCSIM_DATABASE_URL", "DCCSIM_DATA_DIR")}


async def _target_plan(settings: Settings, workload: str, device: str | None, keys: dict[str, tuple[Path, Path]],
                       spread: int | None = None) -> tuple[list[Originator], dict[str, str | None]]:
    """The originators for a running simulator, from its inventory: eligible users with keys, and for the
    device workload the devices each one addresses. Returns them and the users' current endpoints."""
    db = await open_database(settings, min_size=1, max_size=2)
    try:
        async with db.pool.acquire() as conn:
            users = {u.entity_id: u for u in await repo.list_users(conn)}
            chosen = normalise_eui(device) if device else None
            if workload == "device" or spread:
                rows = await conn.fetch(
                    "SELECT d.device_id, p.entity_id FROM device d JOIN device_party p ON p.device_id = d.device_id "
                    "AND p.role = CASE d.device_type WHEN 'ESME' THEN 'IS' ELSE 'GS' END "
                    "WHERE d.device_type IN ('ESME', 'GSME') AND d.status = 'Commissioned' "
                    "AND ($1::text IS NULL OR d.device_id = $1) ORDER BY d.device_id", chosen)
                if chosen and not rows:
                    raise RuntimeError(f"device {device} is not a commissioned ESME/GSME with an import supplier")
                targets: dict[str, list[str]] = {}
                for row in rows:
                    if row["entity_id"] in keys:
                        targets.setdefault(row["entity_id"], []).append(row["device_id"])
                if spread:
                    targets = _spread_targets(targets, spread, SPREAD_SEED)
            else:
                if chosen is None:
                    demo = await repo.get_device(conn, DEMO_DEVICE)
                    chosen = DEMO_DEVICE if demo else await conn.fetchval(
                        "SELECT device_id FROM device ORDER BY device_id LIMIT 1")
                if chosen is None:
                    raise RuntimeError("the inventory has no device to read")
                targets = {entity: [chosen] for entity, user in users.items()
                           if SUPPLIER_ROLES & set(user.roles) and entity in keys}
        originators = [Originator(entity, *keys[entity], tuple(devices)) for entity, devices in sorted(targets.items())]
        return originators, {o.entity_id: users[o.entity_id].response_endpoint for o in originators}
    finally:
        await db.close()


async def _set_endpoints(settings: Settings, endpoints: dict[str, str | None]) -> None:
    db = await open_database(settings, min_size=1, max_size=2)
    try:
        for entity, url in endpoints.items():
            await repo.set_endpoint(db.pool, entity, url)
    finally:
        await db.close()


def _warn(message: str) -> None:
    print(f"dccsim bench: {message}", file=sys.stderr)


def run(*, duration: float, concurrency: int, workload: str, target: str | list[str] | None, keys: Path | None,
        workers: int, as_json: bool, requests_per_client: int | None = None, data_dir: Path | None = None,
        device: str | None = None, spread: int | None = None) -> dict:
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; known: {', '.join(WORKLOADS)}")
    if workload == "floor":
        return floor.measure(duration, workers)
    if spread is not None and (spread < 1 or device is not None):
        raise ValueError("--spread takes a number of meters (at least 1), and not with --device")
    targets = [target] if isinstance(target, str) else list(target or ())
    scratch = None
    server = None
    restore: dict[str, str | None] = {}
    settings = Settings(**({"data_dir": data_dir} if data_dir is not None else {}))
    delivery_port = _free_port() if workload == "device" else None
    try:
        if not targets:
            scratch = Path(tempfile.mkdtemp(prefix="dccsim-bench-"))
            env = _scratch_environment()
            users = [f"90B3D51F3F{n:06X}" for n in range(1, concurrency + 1)]
            per_user = math.ceil(spread / concurrency) if spread else None
            if per_user and per_user > 0xFFFF:
                raise ValueError(f"--spread {spread} is more than {0xFFFF} meters per client; raise --concurrency")
            _bench_estate(scratch / "bench-estate.yaml", users,
                          f"http://127.0.0.1:{delivery_port}/duis" if delivery_port else None, per_user)
            subprocess.run(_dccsim(scratch, "estate", "load", str(scratch / "bench-estate.yaml")),
                           env=env, check=True, capture_output=True, cwd=REPO_ROOT)
            port, admin = _free_port(), _free_port()
            server = subprocess.Popen(
                _dccsim(scratch, "serve", "--port", str(port), "--admin-port", str(admin), "--smki-port",
                        str(_free_port()), "--workers", str(workers)),
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            asyncio.run(_wait_ready(f"http://127.0.0.1:{admin}", server))
            bases = [f"http://127.0.0.1:{port}"]
            available = _keys_of(scratch / "keys")
            originators = [Originator(u, *available[u], tuple(
                bench_meters(u, per_user) if per_user else bench_meters(u) if workload == "device"
                else [device or DEMO_DEVICE])) for u in users if u in available]
        else:
            bases = [t.rstrip("/") for t in targets]
            keys = Path(keys) if keys is not None else settings.keys_dir
            available = _keys_of(keys)
            if not available:
                raise RuntimeError(f"no XML-signing keys (xml-sign-*-ds.pem/.key) in {keys}")
            originators, endpoints = asyncio.run(_target_plan(settings, workload, device, available, spread))
            workers = None
            if workload == "device":
                # The Responses come to the bench for the run; the users' own endpoints are put back after.
                restore = endpoints
                asyncio.run(_set_endpoints(settings, {o.entity_id: f"http://127.0.0.1:{delivery_port}/duis"
                                                      for o in originators}))
        if not originators:
            raise RuntimeError("no user eligible for this workload has an XML-signing key")
        clients = min(concurrency, len(originators))
        if clients < concurrency:
            _warn(f"concurrency capped at {clients}: only {len(originators)} eligible originator(s) with keys "
                  f"(RequestID counters must increase per originator, so each client signs as its own user)")
        per_client = requests_per_client or max(200, int(duration * RATE_BUDGET / clients) + 1)
        first = time.time_ns() // 1000
        jobs = [(str(o.key), str(o.cert), o.entity_id, o.targets, first, per_client, workload,
                 SPREAD_SEED if spread else None) for o in originators[:clients]]
        if sys.stderr.isatty() and not as_json:
            sys.stderr.write(f"signing {clients * per_client} requests ...\n")
        with multiprocessing.get_context("spawn").Pool(min(clients, os.cpu_count() or 1)) as pool:
            batches = pool.map(_sign_batch, jobs)
        _, _, service = WORKLOADS[workload]
        result = Result(workload, duration, clients, workers,
                        devices=len({t for o in originators[:clients] for t in o.targets}))
        meter = CpuMeter(server.pid, scratch) if server is not None else None
        run_event_loop(_drive([f"{base}/api/v1/service{service}" for base in bases], batches, duration, result,
                              delivery_port, meter))
        if result.exhausted:
            _warn(f"{result.exhausted} client(s) ran out of pre-signed requests before the end; the throughput "
                  f"is over the time they ran")
        return result.summary()
    finally:
        if restore:
            asyncio.run(_set_endpoints(settings, restore))
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def print_summary(summary: dict, as_json: bool) -> None:
    if not as_json and summary["workload"] == "floor":
        print(f"floor         {summary['throughput_rps']} requests/s on {summary['workers']} cores "
              f"({summary['per_core_rps']} per core; {summary['cpu_us_per_request']} us of CPU a request)")
    elif not as_json:
        print(f"workload      {summary['workload']} ({summary['concurrency']} clients, "
              f"{summary['workers'] or '?'} workers)")
        print(f"requests      {summary['requests']} in {summary['duration_s']} s")
        if len(summary["hosts"]) > 1:
            print("hosts         " + "   ".join(f"{url} {n}" for url, n in summary["hosts"].items()))
        print(f"throughput    {summary['throughput_rps']} requests/s")
        print(f"latency       p50 {summary['p50_ms']} ms   p95 {summary['p95_ms']} ms   p99 {summary['p99_ms']} ms")
        print(f"errors        {summary['errors']}   outcomes {summary['outcomes']}")
        if summary["cpu_ms_per_request"]:
            print("CPU/request   " + "   ".join(f"{who} {ms} ms" for who, ms in summary["cpu_ms_per_request"].items()))
    print(json.dumps(summary))
