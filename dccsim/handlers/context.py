"""What a Service Request handler is given: the checked request (``ServiceRequest``) and the parts of the
DCC it may use (``Services``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from dccsim.catalogue.spec import SRSpec
from dccsim.duis.ids import RequestId
from dccsim.han.context import HanContext
from dccsim.inventory.cached import Inventory
from dccsim.inventory.models import Device, User, UserRole
from dccsim.runtime.releases import ReleaseProfile
from dccsim.smki.store import CredentialStore
from dccsim.timing.clock import Clock


@dataclass(frozen=True)
class Services:
    """The DCC's parts a handler may use."""

    dcc_entity_id: str
    clock: Clock
    release: ReleaseProfile
    smki: CredentialStore
    inventory: Inventory             # cached reads; writes that keep every process's caches right
    han: HanContext                  # the DCC's side of the HAN: device jobs, keys, what devices send back
    # Issue Pre-Commands that end in an empty signature-length byte (``Settings``).
    precommand_empty_signature_byte: bool = False


@dataclass(frozen=True)
class ServiceRequest:
    """A request that passed the front door's checks: signed by its originator, a known variant with a valid
    body, sent by a User in a role that may send it, about a device (if any) it may address."""

    service: str
    received_at: datetime
    schema_version: str
    request_id_text: str
    request_id: RequestId
    command_variant: int
    service_reference: str
    variant: str
    spec: SRSpec
    user: User
    acting_roles: tuple[UserRole, ...]
    body_element: etree._Element | None   # the body's element (absent in a few bodiless requests)
    body: dict[str, Any] = field(default_factory=dict)    # the body's values, typed by the catalogue
    device: Device | None = None          # the device the request is about, where its SR names one
