"""The running simulator: settings, database, SMKI store, schema, signer and caches, wired once."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from dccsim.runtime.settings import Settings
from dccsim.db import Database, open_database
from dccsim.db.notify import Listener
from dccsim.duis.xmldsig import DuisSigner
from dccsim.duis.xsd import load_schema
from dccsim.estate import demo_estate_path, load_estate_file, estate_identities
from dccsim.han.store import migrate_device_states
from dccsim.inventory import repository as repo
from dccsim.inventory.models import User
from dccsim.delivery.message_log import MessageLog
from dccsim.delivery.outbox import DeliveryPolicy, DeliveryWorker
from dccsim.runtime.releases import ReleaseProfile, profile
from dccsim.smki import repository as smki_repo
from dccsim.smki.store import CredentialStore

log = logging.getLogger(__name__)

DCC_ENTITY_ID = "90B3D51F30000002"


class UserCache:
    """Users change rarely; cache them briefly so several workers still see updates quickly."""

    def __init__(self, db: Database, ttl: float = 2.0):
        self._db = db
        self._ttl = ttl
        self._entries: dict[str, tuple[float, User | None]] = {}

    async def get(self, entity_id: str) -> User | None:
        now = time.monotonic()
        hit = self._entries.get(entity_id)
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        user = await repo.get_user(self._db.pool, entity_id)
        self._entries[entity_id] = (now, user)
        return user

    def forget(self, entity_id: str | None = None) -> None:
        if entity_id is None:
            self._entries.clear()
        else:
            self._entries.pop(entity_id, None)


@dataclass
class Simulator:
    """Everything a request handler may need."""

    settings: Settings
    db: Database
    smki: CredentialStore
    schema: etree.XMLSchema
    signer: DuisSigner
    users: UserCache
    message_log: MessageLog
    release: ReleaseProfile
    han: object = None
    faults: object = None
    identities: object = None
    delivery: DeliveryWorker | None = None
    device_jobs: object = None
    scheduler: object = None
    listener: Listener | None = None
    dcc_entity_id: str = DCC_ENTITY_ID
    extras: dict = field(default_factory=dict)

    async def close(self) -> None:
        self.db.hooks.delivers = False
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.device_jobs is not None:
            await self.device_jobs.stop()
        if self.delivery is not None:
            await self.delivery.stop()
        await self.message_log.close()
        if self.listener is not None:
            await self.listener.close()
        await self.db.close()


async def prepare_state(settings: Settings, *, demo: bool = False) -> Database:
    """Open the database, load the demo estate when asked (or when the inventory is empty), set up SMKI."""
    db = await open_database(settings)
    async with db.pool.acquire() as conn:
        empty = not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM dcc_user)")
        if demo or empty:
            await load_estate_file(conn, demo_estate_path())
        identities = estate_identities(await repo.list_users(conn))
        await smki_repo.bootstrap(conn, identities)
        devices = [r["device_id"] for r in await conn.fetch("SELECT device_id FROM device")]
        store = await smki_repo.load_store(conn)
        await smki_repo.issue_device_credentials(conn, store, devices)
        await migrate_device_states(conn)
    return db


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(timeout=settings.delivery_timeout, give_up_after=settings.delivery_give_up_after,
                          lease=settings.delivery_lease, base_delay=settings.delivery_base_delay)


async def start_simulator(settings: Settings, *, demo: bool = False, prepared: bool = False,
                          deliver: bool = True) -> Simulator:
    """Prepare the state (unless another process did) and build the Simulator for this process."""
    settings.check()
    release = profile(settings.release_profile)
    if prepared:
        from dccsim.db import open_database

        db = await open_database(settings)
    else:
        db = await prepare_state(settings, demo=demo)
    async with db.pool.acquire() as conn:
        store = await smki_repo.load_store(conn, strict_validity=settings.strict_validity)
    dsp = store.dsp_signing()
    signer = DuisSigner(dsp.private_key, dsp.certificate)
    schema = load_schema(Path(settings.duis_xsd))
    message_log = MessageLog(db.bookkeeping)
    message_log.start()
    from dccsim.handlers import load_all

    load_all()
    sim = Simulator(settings=settings, db=db, smki=store, schema=schema, signer=signer,
                    users=UserCache(db), message_log=message_log, release=release)
    # One connection per process hears every notification: inventory changes (caches), device jobs and
    # outbox messages queued by other processes.
    sim.listener = Listener(db.url)
    if await sim.listener.start():
        repo.use_cache(db.pool, db.cache)
        await db.cache.watch(sim.listener)
        await sim.listener.subscribe(repo.CHANNEL, lambda _pid, _payload: sim.users.forget())
    from dccsim.han.jobs import DeviceJobWorker
    from dccsim.han.store import make_bus

    sim.han, sim.identities, sim.faults = make_bus(db.pool, store, sim.dcc_entity_id,
                                                   lambda: datetime.now(timezone.utc))
    if deliver:
        sim.device_jobs = DeviceJobWorker(sim, lease=settings.device_job_lease)
        await sim.device_jobs.start(sim.listener)
        from dccsim.timing.scheduler import SchedulerWorker

        sim.scheduler = SchedulerWorker(sim)
        sim.scheduler.start()
        sim.delivery = DeliveryWorker(db.pool, db.url, policy=delivery_policy(settings), message_log=message_log,
                                      fast_pool=db.bookkeeping, listener=sim.listener, own_pids=db.backend_pids)
        await sim.delivery.start()
        db.hooks.delivers = True
    return sim
