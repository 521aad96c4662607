"""The GBCS keys the DCC side of the HAN works with, derived from the SMKI store and kept in this process's
caches until the credentials change (``dccsim.db.cache``: channel ``dccsim_smki``).

``DccKeys`` is what the DCC holds: its own Access Control Broker keys, and every party's and device's public
keys to check what comes back (a device whose credentials are derived, not stored, is looked up when asked
for: ``dccsim.smki.derived``). ``SmkiFollower`` keeps the store itself current when another process
issues, imports or tracks credentials.
"""
from __future__ import annotations

import asyncio
import logging

import asyncpg
from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from dccsim.db.cache import SMKI, Cache, Caches
from dccsim.db.notify import Listener
from dccsim.smki import repository as smki_repo
from dccsim.smki.store import CredentialStore

log = logging.getLogger(__name__)


class DccKeys:
    """The DCC's key store for GBCS: built from the usable credentials, rebuilt after they change."""

    def __init__(self, smki: CredentialStore, acb: str, caches: Caches):
        self.smki = smki
        self.acb = acb
        self._cache: Cache[str, gbcs.StaticKeyStore] = caches.add(Cache("DCC GBCS keys", (SMKI,)))

    def store(self) -> gbcs.KeyStore:
        return self._cache.derived("dcc", self._build)

    def _build(self) -> gbcs.KeyStore:
        keys = gbcs.StaticKeyStore(acb=self.acb)
        for credential in self.smki.active():
            if credential.entity_id and credential.usage.value in (gbcs.SIGNING, gbcs.KEY_AGREEMENT):
                keys.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                         private=credential.private_key)
        return _WithDerivedDevices(keys, self.smki)


class _WithDerivedDevices:
    """The stored credentials' keys, and the public keys of the devices whose credentials are derived (never
    their private keys: those are the devices' own)."""

    def __init__(self, stored: gbcs.StaticKeyStore, smki: CredentialStore):
        self.stored = stored
        self.smki = smki
        self.acb = stored.acb

    def public_key(self, entity: str, usage: gbcs.KeyUsage | str) -> ec.EllipticCurvePublicKey | None:
        found = self.stored.public_key(entity, usage)
        if found is None and self.smki.derived is not None:
            found = self.smki.derived.public_key(entity.upper(), usage)
        return found

    def private_key(self, entity: str, usage: gbcs.KeyUsage | str) -> ec.EllipticCurvePrivateKey | None:
        return self.stored.private_key(entity, usage)


class SmkiFollower:
    """Reads into this process's credential store what other processes add to the SMKI repository, then
    lets the caches derived from it go (this process's own additions go into the store directly)."""

    def __init__(self, pool: asyncpg.Pool, smki: CredentialStore, caches: Caches, own_pids: set[int]):
        self.pool = pool
        self.smki = smki
        self.caches = caches
        self.own_pids = own_pids
        self._reading: asyncio.Task | None = None
        self._again = False

    async def watch(self, listener: Listener) -> None:
        await listener.subscribe(SMKI, self._notified)
        listener.on_restored(lambda: self._notified(0, ""))     # what was added while it could not hear

    def _notified(self, pid: int, _payload: str) -> None:
        if pid in self.own_pids:
            return
        if self._reading is not None and not self._reading.done():
            self._again = True      # the read under way may have begun before this change committed
            return
        self._reading = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            try:
                async with self.pool.acquire() as conn:
                    added = await smki_repo.load_new(conn, self.smki)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("could not read new SMKI credentials: %s", exc)
                return
            if added:
                self.caches.changed(SMKI)
