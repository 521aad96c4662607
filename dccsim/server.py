"""Run the simulator: prepare the state, serve DUIS (and the admin API), stop cleanly on a signal."""
from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from dccsim.config import Settings
from dccsim.frontdoor.app import SERVICES, create_app
from dccsim.runtime import Simulator, start_simulator
from dccsim.smki.folders import export_folder

log = logging.getLogger(__name__)


async def start_sites(sim: Simulator) -> list[web.AppRunner]:
    """Start the DUIS site; return the runners to clean up."""
    runner = web.AppRunner(create_app(sim), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, sim.settings.host, sim.settings.port, reuse_port=True).start()
    return [runner]


async def serve(settings: Settings, *, demo: bool = True, ready: asyncio.Event | None = None,
                quiet: bool = False) -> None:
    """Serve until SIGINT/SIGTERM (or until cancelled)."""
    sim = await start_simulator(settings, demo=demo)
    runners = await start_sites(sim)
    keys = export_folder(sim.smki, settings.keys_dir)
    if not quiet:
        base = f"http://{settings.host}:{settings.port}"
        print("dccsim is running", flush=True)
        for letter, path in SERVICES.items():
            print(f"  DUIS {_NAMES[letter]:<22} {base}{path}")
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
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        for runner in runners:
            await runner.cleanup()
        await sim.close()


_NAMES = {"S": "send command", "T": "transform", "D": "non-device"}
