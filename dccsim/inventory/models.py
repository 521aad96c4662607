"""Inventory records as immutable values."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class DeviceType(enum.StrEnum):
    """Device types the inventory knows (DUIS sr:DeviceType plus the SMETS2+ APC)."""

    ESME = "ESME"
    GSME = "GSME"
    CHF = "CHF"
    GPF = "GPF"
    PPMID = "PPMID"
    HCALCS = "HCALCS"
    APC = "APC"
    IHD = "IHD"
    CAD = "CAD"
    TYPE2 = "Type2"


class DeviceStatus(enum.StrEnum):
    """SMI statuses."""

    PENDING = "Pending"
    WHITELISTED = "Whitelisted"
    INSTALLED_NOT_COMMISSIONED = "InstalledNotCommissioned"
    COMMISSIONED = "Commissioned"
    DECOMMISSIONED = "Decommissioned"
    WITHDRAWN = "Withdrawn"
    SUSPENDED = "Suspended"
    NOT_COMMISSIONED = "NotCommissioned"
    RECOVERY = "Recovery"
    RECOVERED = "Recovered"
    RECOVERY_FAILED = "RecoveryFailed"


class UserRole(enum.StrEnum):
    """The roles a DCC User acts in: the DUIS User Roles and the DCC's own (internal) parties."""

    IMPORT_SUPPLIER = "IS"
    EXPORT_SUPPLIER = "ES"
    GAS_SUPPLIER = "GS"
    ELECTRICITY_DISTRIBUTOR = "ED"
    GAS_TRANSPORTER = "GT"
    REGISTERED_SUPPLIER_AGENT = "RSA"
    OTHER_USER = "OU"
    ACCESS_CONTROL_BROKER = "ACB"
    RECOVERY = "Recovery"
    TRANSITIONAL_COS = "TCoS"
    WAN_PROVIDER = "WANProvider"


DUIS_ROLES = frozenset({UserRole.IMPORT_SUPPLIER, UserRole.EXPORT_SUPPLIER, UserRole.GAS_SUPPLIER,
                        UserRole.ELECTRICITY_DISTRIBUTOR, UserRole.GAS_TRANSPORTER,
                        UserRole.REGISTERED_SUPPLIER_AGENT, UserRole.OTHER_USER})
INTERNAL_ROLES = frozenset(UserRole) - DUIS_ROLES


@dataclass(frozen=True)
class User:
    entity_id: str
    name: str
    roles: tuple[UserRole, ...]
    response_endpoint: str | None = None
    capacity_rps: float | None = None
    capacity_burst: int | None = None


@dataclass(frozen=True)
class Device:
    device_id: str
    device_type: DeviceType
    status: DeviceStatus
    manufacturer: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    gbcs_version: str | None = None
    smets_chts_version: str | None = None
    smets_generation: str = "SMETS2"
    esme_variant: str | None = None
    install_code: str | None = None
    chf_id: str | None = None
    gpf_id: str | None = None
    import_mpxn: str | None = None
    secondary_import_mpan: str | None = None
    export_mpan: str | None = None
    uprn: str | None = None
    postcode: str | None = None
    address_identifier: str | None = None
    csp_region: str | None = None
    han_variant: str | None = None
    connectivity: str | None = None
    date_commissioned: date | None = None
    installed_at: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def opted_out(self) -> dict[str, Any] | None:
        """How the device left the DCC's service (8.5 Service Opt Out: date, supplier, request), until 8.6."""
        return self.attributes.get(OPTED_OUT)


OPTED_OUT = "opted_out"     # the attribute 8.5 Service Opt Out sets and 8.6 Service Opt In clears


@dataclass(frozen=True)
class CplEntry:
    manufacturer: str
    model: str
    firmware_version: str
    status: str = "Current"
    firmware_hash: str | None = None
    device_type: str | None = None
    gbcs_version: str | None = None
