"""What the pipeline knows about one request as it passes through the stages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from dccsim.duis.ids import RequestId
from dccsim.inventory.models import Device, User


@dataclass
class RequestContext:
    """One Service Request on its way through the front door."""

    service: str                          # "S", "T" or "D": the web service the request came to
    raw: bytes
    received_at: datetime
    root: etree._Element | None = None
    schema_version: str = "5.4"
    request_id_text: str | None = None
    request_id: RequestId | None = None
    command_variant: int | None = None
    service_reference: str | None = None
    variant: str | None = None
    signer: str | None = None             # entity id of the XML-signing certificate
    spec: Any = None                      # the catalogue SRSpec
    user: User | None = None
    body_element: etree._Element | None = None
    body: dict[str, Any] = field(default_factory=dict)
    device: Device | None = None          # the target device, when the SR has one
    acting_roles: tuple[str, ...] = ()    # the user's roles that are eligible for this SR

    @property
    def originator(self) -> str | None:
        return self.request_id.originator if self.request_id else None
