"""A real simulator on a real port and a real PostgreSQL, and a signing DUIS client for the tests."""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
from lxml import etree

from dccsim.runtime.settings import Settings
from dccsim.duis import client
from dccsim.duis.xmldsig import DuisSigner
from dccsim.runtime.simulator import Simulator, prepare_state, start_simulator
from dccsim.runtime.server import start_sites
from dccsim.smki import repository as smki_repo
from dccsim.smki.credentials import Usage, read_folders
from dccsim.smki.folders import import_folders
from tests.paths import DUIS_SCHEMA, DUIS_TEMPLATES, KEYS_RTDS, KEYS_ZAZ1

SUPPLIER = "90B3D51F30010000"
NETWORK_OPERATOR = "90B3D51F30020000"
DCC = "90B3D51F30000002"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zaz1_signer(entity_id: str = SUPPLIER) -> DuisSigner:
    """The public ZAZ1 XML-signing key of a user, as DCC test-system clients hold it."""
    for credential in read_folders([KEYS_ZAZ1]).credentials:
        if credential.usage is Usage.XML_SIGNING and credential.entity_id == entity_id:
            return DuisSigner(credential.private_key, credential.certificate)
    raise LookupError(entity_id)


def template(name: str) -> bytes:
    return (DUIS_TEMPLATES / name).read_bytes()


_official_schema: etree.XMLSchema | None = None


def official_schema() -> etree.XMLSchema:
    """The published DUIS XSD, the oracle every response must satisfy."""
    global _official_schema
    if _official_schema is None:
        from dccsim.duis.xsd import load_schema

        _official_schema = load_schema(DUIS_SCHEMA / "DUIS Schema V5.4.xsd")
    return _official_schema


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    @property
    def code(self) -> str | None:
        if not self.body.lstrip().startswith(b"<"):
            return None
        return self.root.findtext(".//{*}ResponseCode")


@dataclass
class RunningSimulator:
    sim: Simulator
    base_url: str
    session: aiohttp.ClientSession
    runners: list
    admin_url: str = ""
    smki_url: str = ""

    async def post(self, service: str, body: bytes) -> Answer:
        async with self.session.post(f"{self.base_url}/api/v1/service{service}", data=body,
                                     headers={"Content-Type": "application/xml"}) as response:
            return Answer(response.status, await response.read(), response.content_type)

    async def send_template(self, name: str, *, service: str = "D", signer: DuisSigner | None = None,
                            originator: str | None = None, edit=None) -> Answer:
        root = client.prepare(template(name), originator=originator)
        if edit is not None:
            edit(root)
        return await self.post(service, client.sign(root, signer or zaz1_signer()))

    async def advance(self, seconds: float) -> None:
        """Move the simulator's simulated clock forward, running what falls due on the way."""
        await self.sim.advance_clock(self.sim.clock.now() + timedelta(seconds=seconds))

    async def delivered(self, timeout: float = 10.0) -> None:
        """Wait (in real time) until the outbox holds nothing pending: every queued message went out."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await self.sim.db.pool.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'"):
            assert asyncio.get_running_loop().time() < deadline, "messages still pending delivery"
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        await self.session.close()
        for runner in self.runners:
            await runner.cleanup()
        await self.sim.close()


async def prepare_with_keys(settings: Settings, folders=(KEYS_ZAZ1, KEYS_RTDS)) -> None:
    """A data directory's state prepared (demo estate) with credential folders imported, as ``dccsim keys
    import`` does, ready for a simulator to start on it."""
    db = await prepare_state(settings)
    try:
        async with db.pool.acquire() as conn:
            store = await smki_repo.load_store(conn)
            await smki_repo.save_credentials(conn, import_folders(store, list(folders)).imported)
    finally:
        await db.close()


async def start_running_simulator(database_url: str, tmp: Path, *, deliver: bool = True,
                                  **settings_overrides) -> RunningSimulator:
    """Prepare a fresh inventory (demo estate), import the ZAZ1 + RTDS credentials, and serve (without
    device job, scheduler and delivery workers when ``deliver`` is False)."""
    settings = Settings(data_dir=tmp, database_url=database_url, port=free_port(), admin_port=free_port(),
                        smki_port=free_port(), **settings_overrides)
    await prepare_with_keys(settings)
    sim = await start_simulator(settings, deliver=deliver)
    runners = await start_sites(sim)
    session = aiohttp.ClientSession()
    host = f"http://{settings.host}"
    return RunningSimulator(sim, f"{host}:{settings.port}", session, runners, f"{host}:{settings.admin_port}",
                            f"{host}:{settings.smki_port}")
