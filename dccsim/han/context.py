"""What the DCC's side of the HAN works with, in one typed value built once per process."""
from __future__ import annotations

from dataclasses import dataclass, field

from devices import HanBus
from dccsim.db.cache import SMKI, Caches
from dccsim.db.database import Database
from dccsim.delivery.message_log import MessageLog
from dccsim.delivery.outbox import LocalDelivery
from dccsim.duis.xmldsig import DuisSigner
from dccsim.han.identities import Identities
from dccsim.han.job_queue import JobQueue
from dccsim.han.keys import DccKeys
from dccsim.han.store import PgFaultSource
from dccsim.han.throttle_rules import DEFAULT_POLICY, ThrottlePolicy
from dccsim.inventory.cached import Inventory
from dccsim.runtime.releases import ReleaseProfile
from dccsim.smki.store import CredentialStore
from dccsim.timing.clock import Clock


@dataclass(frozen=True)
class HanContext:
    """The DCC as Access Control Broker on the HAN: who it is, how it signs, its keys and clock, the bus to
    the devices, the device job queue, and where what it sends and hears is recorded."""

    dcc_entity_id: str
    signer: DuisSigner               # signs the DUIS Responses and Alerts the HAN's traffic turns into
    clock: Clock
    release: ReleaseProfile
    db: Database
    inventory: Inventory
    smki: CredentialStore
    keys: DccKeys
    identities: Identities
    bus: HanBus
    faults: PgFaultSource
    jobs: JobQueue
    message_log: MessageLog
    caches: Caches
    device_timeout: float            # seconds the DCC waits for a device before E20 / E21
    delivers_here: bool              # this process delivers the outbox messages it queues
    alert_throttle: ThrottlePolicy = DEFAULT_POLICY     # SECMP0062: when a device's alerts are a storm
    # Where a device job's Response goes once it commits, when this process delivers it (no claim needed).
    local_delivery: LocalDelivery = field(default_factory=LocalDelivery)

    def credentials_changed(self) -> None:
        """This process changed the SMKI credentials: what was derived from them goes."""
        self.caches.changed(SMKI)
