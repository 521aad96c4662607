"""What the front door works with (``FrontDoor``) and what it learns of a request on the way through
(``Arrival``); the checked request it hands a handler is ``dccsim.handlers.context.ServiceRequest``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from dccsim.db.database import Database
from dccsim.delivery.message_log import MessageLog
from dccsim.duis.ids import RequestId
from dccsim.duis.xmldsig import DuisSigner
from dccsim.frontdoor.traffic import Admissions
from dccsim.handlers.context import Services
from dccsim.inventory.cached import Inventory
from dccsim.runtime.releases import ReleaseProfile
from dccsim.smki.store import CredentialStore
from dccsim.timing.clock import Clock


@dataclass(frozen=True)
class FrontDoor:
    """The DUIS front door's parts: limits, schema, credentials, the inventory, the clock, the signer of
    its answers, the message log, and what Service Request handlers are given."""

    max_request_bytes: int
    strict_validity: bool
    schema: etree.XMLSchema
    smki: CredentialStore
    inventory: Inventory
    db: Database
    clock: Clock
    release: ReleaseProfile
    signer: DuisSigner
    dcc_entity_id: str
    message_log: MessageLog
    services: Services
    admissions: Admissions          # traffic management and the RequestID counter rule


@dataclass
class Arrival:
    """A request as far as the front door has read it: enough to log it and answer it, whatever stage
    refuses it."""

    service: str                          # "S", "T" or "D": the web service the request came to
    raw: bytes
    received_at: datetime
    schema_version: str = "5.4"
    request_id_text: str | None = None
    request_id: RequestId | None = None
    service_reference: str | None = None
    variant: str | None = None

    @property
    def originator(self) -> str | None:
        return self.request_id.originator if self.request_id else None
