"""The running simulator: every part built once, typed, and handed explicitly to what uses it.

``start_simulator`` prepares the state (or finds it prepared by another process), then builds, in order:
the clock, the credential store and the DCC's signer, the caches and the inventory reads through them, the
DCC's side of the HAN (``HanContext``), what Service Request handlers get (``Services``), the front door
(``FrontDoor``), and — unless told not to — the workers that run device jobs, schedules and deliveries.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dccsim.db import Database, locks, open_database
from dccsim.db.cache import Caches
from dccsim.db.notify import Listener
from dccsim.delivery.message_log import MessageLog
from dccsim.delivery.outbox import DeliveryPolicy, DeliveryWorker
from dccsim.duis.ids import DCC_ENTITY_ID
from dccsim.duis.xmldsig import DuisSigner
from dccsim.duis.xsd import load_schema
from dccsim.estate import demo_estate_path, estate_identities, load_estate_file
from dccsim.frontdoor.balancer import WorkerBalance
from dccsim.frontdoor.context import FrontDoor
from dccsim.frontdoor.traffic import Admissions
from dccsim.han.context import HanContext
from dccsim.han.identities import Identities, enrol_small_inventory
from dccsim.han.job_queue import JobQueue
from dccsim.han.job_runner import DeviceJobWorker
from dccsim.han.keys import DccKeys, SmkiFollower
from dccsim.han.store import PgFaultSource, make_bus, migrate_device_states
from dccsim.handlers.context import Services
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import Inventory
from dccsim.runtime.releases import ReleaseProfile, profile
from dccsim.runtime.settings import Settings
from dccsim.s1sp.profiles import s1sp_identity
from dccsim.smki import repository as smki_repo
from dccsim.smki.device_credentials import derive_in
from dccsim.smki.store import CredentialStore
from dccsim.timing import shared_clock
from dccsim.timing.clock import Clock, ClockMode, WallClock
from dccsim.timing.scheduler import Scheduler

log = logging.getLogger(__name__)


@dataclass
class Workers:
    """The background work of a process that serves: device jobs and deliveries."""

    device_jobs: DeviceJobWorker
    delivery: DeliveryWorker


@dataclass
class Simulator:
    """One process's simulator: its settings and each of its parts."""

    settings: Settings
    release: ReleaseProfile
    clock: Clock
    db: Database
    smki: CredentialStore
    signer: DuisSigner
    listener: Listener
    caches: Caches
    inventory: Inventory
    message_log: MessageLog
    han: HanContext
    services: Services
    front_door: FrontDoor
    scheduler: Scheduler
    workers: Workers | None = None
    balance: WorkerBalance | None = None     # this host's DUIS connections over its workers, if several

    @property
    def dcc_entity_id(self) -> str:
        return self.han.dcc_entity_id

    async def advance_clock(self, target: datetime) -> datetime:
        """Move simulated time to ``target``, running what falls due on the way (``Scheduler.advance_to``)."""
        return await self.scheduler.advance_to(target)

    async def advance_clock_by(self, span: timedelta) -> datetime:
        """Move simulated time ``span`` forward from where it stands when this process's turn comes
        (``Scheduler.advance_by``)."""
        return await self.scheduler.advance_by(span)

    async def close(self) -> None:
        await self.scheduler.stop()
        if self.workers is not None:
            await self.workers.device_jobs.stop()
            await self.workers.delivery.stop()
        await self.message_log.close()
        await self.listener.close()
        await self.db.close()


async def prepare_state(settings: Settings, *, demo: bool = False) -> Database:
    """Open the database, load the demo estate when asked (or when the inventory is empty), set up SMKI (a
    small inventory's device credentials issued, a large one's derived when first used)."""
    db = await open_database(settings)
    # Hosts started together on one database (docker compose up --scale) prepare it one after another: the
    # first loads the demo estate into an empty inventory, the others find it loaded.
    async with locks.held(db.pool, locks.PREPARE) as conn:
        empty = not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM dcc_user)")
        if demo or empty:
            await load_estate_file(conn, demo_estate_path())
        identities = estate_identities(await repo.list_users(conn))
        await smki_repo.bootstrap(conn, [*identities, s1sp_identity()])
        await enrol_small_inventory(conn, await smki_repo.load_store(conn))
        await migrate_device_states(conn)
    return db


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(timeout=settings.delivery_timeout, give_up_after=settings.delivery_give_up_after,
                          lease=settings.delivery_lease, base_delay=settings.delivery_base_delay)


async def _clock(db: Database, settings: Settings) -> Clock:
    if settings.clock is ClockMode.WALL:
        return WallClock()
    async with db.pool.acquire() as conn:
        return await shared_clock.start(conn, settings.clock_start)


async def start_simulator(settings: Settings, *, demo: bool = False, prepared: bool = False,
                          deliver: bool = True) -> Simulator:
    """Prepare the state (unless another process did) and build the Simulator for this process; with
    ``deliver`` it also runs device jobs, schedules and deliveries."""
    settings.check()
    release = profile(settings.release_profile)
    db = await open_database(settings) if prepared else await prepare_state(settings, demo=demo)
    clock = await _clock(db, settings)
    async with db.pool.acquire() as conn:
        smki = await smki_repo.load_store(conn, strict_validity=settings.strict_validity, clock=clock.now)
        await derive_in(conn, smki)
    dsp = smki.dsp_signing()
    signer = DuisSigner(dsp.private_key, dsp.certificate)
    message_log = MessageLog(db.bookkeeping, clock)
    message_log.start()

    # One connection per process hears every notification: changes to what the caches hold, the clock,
    # device jobs and outbox messages queued by other processes.
    listener = Listener(db.url)
    await listener.start()
    caches = Caches()
    inventory = Inventory(db.pool, caches)
    identities = Identities(smki, DCC_ENTITY_ID, caches)
    faults = PgFaultSource(db.pool, caches)
    jobs = JobQueue(clock, lease=settings.device_job_lease)
    han = HanContext(
        dcc_entity_id=DCC_ENTITY_ID, signer=signer, clock=clock, release=release, db=db, inventory=inventory,
        smki=smki, keys=DccKeys(smki, DCC_ENTITY_ID, caches), identities=identities,
        bus=make_bus(db.pool, inventory, identities, faults, clock.now), faults=faults, jobs=jobs,
        message_log=message_log, caches=caches, device_timeout=settings.device_timeout, delivers_here=deliver,
        alert_throttle=settings.throttle_policy())
    services = Services(dcc_entity_id=DCC_ENTITY_ID, clock=clock, release=release, smki=smki, inventory=inventory,
                        han=han, precommand_empty_signature_byte=settings.precommand_empty_signature_byte)
    front_door = FrontDoor(
        max_request_bytes=settings.max_request_bytes, strict_validity=settings.strict_validity,
        schema=load_schema(Path(settings.duis_xsd)), smki=smki,
        inventory=inventory, db=db, clock=clock, release=release, signer=signer, dcc_entity_id=DCC_ENTITY_ID,
        message_log=message_log, services=services,
        admissions=Admissions(db.bookkeeping, settings.system_capacity_rps))
    await caches.watch(listener)
    await SmkiFollower(db.pool, smki, caches, db.backend_pids).watch(listener)
    if clock.mode is ClockMode.SIMULATED:
        await shared_clock.follow(listener, clock, db.pool)

    workers = None
    device_jobs = None
    if deliver:
        device_jobs = DeviceJobWorker(han)
        await device_jobs.start(listener)
        delivery = DeliveryWorker(db.pool, db.url, policy=delivery_policy(settings), message_log=message_log,
                                  fast_pool=db.bookkeeping, listener=listener, own_pids=db.backend_pids,
                                  local=han.local_delivery)
        await delivery.start()
        workers = Workers(device_jobs, delivery)
    scheduler = Scheduler(han, device_jobs)
    if deliver:
        scheduler.start()
    return Simulator(settings=settings, release=release, clock=clock, db=db, smki=smki, signer=signer,
                     listener=listener, caches=caches, inventory=inventory, message_log=message_log, han=han,
                     services=services, front_door=front_door, scheduler=scheduler, workers=workers)
