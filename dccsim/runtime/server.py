"""Run the simulator: prepare the state, serve DUIS and the admin API, stop cleanly on a signal.

With ``workers`` > 1 the first process prepares the state, then starts the others; every worker
listens on the same ports (SO_REUSEPORT) and shares the one PostgreSQL, and the DUIS connections are spread
evenly over the workers (``dccsim.frontdoor.balancer``). A worker never outlives the
process that started it: on Linux the kernel sends it SIGTERM when its parent dies (PR_SET_PDEATHSIG),
and everywhere it watches its parent's pid and stops when that changes.
"""
from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
from dataclasses import replace

from aiohttp import web

try:
    import uvloop
except ImportError:     # not on Windows (pyproject): plain asyncio
    uvloop = None

from dccsim.runtime.admin import create_admin_app
from dccsim.runtime.profiling import profiled
from dccsim.runtime.settings import Settings
from dccsim.frontdoor import balancer
from dccsim.frontdoor.app import SERVICES, FrontDoorServer
from dccsim.frontdoor.balancer import WorkerBalance
from dccsim.runtime.simulator import Simulator, prepare_state, start_simulator
from dccsim.smki.folders import export_folder
from dccsim.smki.service import RETRIEVE_PATH, SEARCH_PATH, SmkiRepository, create_smki_app

log = logging.getLogger(__name__)

_NAMES = {"S": "send command", "T": "transform", "D": "non-device"}


async def start_sites(sim: Simulator, *, admin: bool = True,
                      balance: WorkerBalance | None = None) -> list[web.AppRunner | FrontDoorServer]:
    """Start the DUIS services (sharing their connections with the other workers by ``balance``), the SMKI
    repository site (and the admin site); return what to clean up."""
    front_door = FrontDoorServer(sim.front_door)
    await front_door.start(sim.settings.host, sim.settings.port, balance)
    sim.balance = balance
    runners: list[web.AppRunner | FrontDoorServer] = [front_door]
    repository = SmkiRepository(sim.db.pool, sim.clock.now, sim.settings.strict_validity, sim.smki.derived)
    sites = [(create_smki_app(repository), sim.settings.host, sim.settings.smki_port)]
    if admin:
        sites.append((create_admin_app(sim), sim.settings.admin_host, sim.settings.admin_port))
    for app, host, port in sites:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port, reuse_port=True).start()
        runners.append(runner)
    return runners


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM this process when its parent dies (Linux; elsewhere the watchdog does it)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        log.warning("could not set the parent-death signal; relying on the parent watchdog")


async def watch_parent(parent: int, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Set ``stop`` when the process that started this one is gone (its pid is no longer our parent)."""
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("the parent process %s is gone; stopping", parent)
            stop.set()
            return
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except asyncio.TimeoutError:
            pass


def run_event_loop(main) -> None:
    """Run ``main`` on uvloop where it is installed (faster I/O for aiohttp and asyncpg), else asyncio."""
    if uvloop is None:
        asyncio.run(main)
        return
    uvloop.run(main)


def _worker_main(settings: Settings, log_level: int, parent: int, balance: WorkerBalance | None) -> None:
    die_with_parent()
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if os.getppid() != parent:   # the parent died before the death signal was armed
        return
    run_event_loop(_serve_one(settings, prepared=True, quiet=True, parent=parent, balance=balance))


async def _serve_one(settings: Settings, *, demo: bool = False, prepared: bool = False,
                     quiet: bool = False, ready: asyncio.Event | None = None, parent: int | None = None,
                     balance: WorkerBalance | None = None) -> None:
    with profiled():   # only with DCCSIM_PROFILE_DIR set
        sim = await start_simulator(settings, demo=demo, prepared=prepared)
        runners = await start_sites(sim, balance=balance)
        if not quiet:
            keys = export_folder(sim.smki, settings.keys_dir)
            base = f"http://{settings.host}:{settings.port}"
            print("dccsim is running", flush=True)
            for letter, path in SERVICES.items():
                print(f"  DUIS {_NAMES[letter]:<22} {base}{path}")
            smki = f"http://{settings.host}:{settings.smki_port}"
            print(f"  SMKI certificate search  {smki}{SEARCH_PATH}")
            print(f"  SMKI certificate data    {smki}{RETRIEVE_PATH}")
            print(f"  admin API                http://{settings.admin_host}:{settings.admin_port}/admin/health")
            print(f"  keys as one zip          http://{settings.admin_host}:{settings.admin_port}/admin/keys.zip")
            print(f"  training console         http://{settings.admin_host}:{settings.admin_port}/console/")
            print(f"  release profile          {sim.release.name}")
            print(f"  clock                    {sim.clock.mode.value} ({sim.clock.now().isoformat()})")
            print(f"  workers                  {settings.workers}")
            print(f"  data directory           {settings.data_dir}")
            print(f"  database                 {'embedded PostgreSQL' if sim.db.embedded else sim.db.url}")
            print(f"  exported keys ({len(keys)} files)  {settings.keys_dir}")
            print("Press Ctrl+C to stop.", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        watchdog = asyncio.create_task(watch_parent(parent, stop)) if parent is not None else None
        if ready is not None:
            ready.set()
        try:
            await stop.wait()
        finally:
            if watchdog is not None:
                watchdog.cancel()
            for runner in runners:
                await runner.cleanup()
            await sim.close()


async def serve(settings: Settings, *, demo: bool = False, ready: asyncio.Event | None = None,
                quiet: bool = False) -> None:
    """Serve until SIGINT/SIGTERM, in ``settings.workers`` processes."""
    settings.check()
    children: list[multiprocessing.Process] = []
    balances: list[WorkerBalance | None] = [None] * settings.workers
    if settings.workers > 1:
        db = await prepare_state(settings, demo=demo)
        await db.close()
        if balancer.supported():
            balances = balancer.create(settings.workers)
        context = multiprocessing.get_context("spawn")
        for balance in balances[1:]:
            child = context.Process(target=_worker_main, args=(replace(settings), logging.getLogger().level,
                                                               os.getpid(), balance), daemon=True)
            child.start()
            children.append(child)
            if balance is not None:
                balance.receiver.close()      # the child's own end now
        demo = False
    try:
        await _serve_one(settings, demo=demo, prepared=settings.workers > 1, quiet=quiet, ready=ready,
                         balance=balances[0])
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.join(timeout=10)
