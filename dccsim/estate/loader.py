"""Estate YAML entries checked into inventory records, and the whole-file, row-by-row writer of an estate (the
reference the batched writer, ``dccsim.estate.bulk``, is measured against)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dccsim.runtime.settings import SCENARIOS_DIR
from dccsim.s1sp.profiles import DEFAULT_S1SP, S1SP_ATTRIBUTE, S1SP_PROFILES
from dccsim.duis.ids import normalise_eui
from dccsim.inventory import repository as repo
from dccsim.inventory.models import DUIS_ROLES, CplEntry, Device, DeviceStatus, DeviceType, User, UserRole
from dccsim.smki.repository import UserIdentity


# SMKI remote-party role code per user role (DUIS roles map to the organisation's certificates).
_ROLE_CODE = {
    "IS": "02", "ES": "02", "GS": "02", "ED": "03", "GT": "03", "RSA": "08", "OU": "08",
    "ACB": "04", "Recovery": "01", "TCoS": "05", "WANProvider": "06",
}


class EstateError(ValueError):
    """The estate file is not valid; the message names the offending entry."""


@dataclass(frozen=True)
class Estate:
    users: list[User]
    devices: list[Device]
    parties: list[tuple[str, str, str]]   # (device id, role, entity id)
    cpl: list[CplEntry]


def demo_estate_path() -> Path:
    return SCENARIOS_DIR / "demo-estate.yaml"


def _eui(value: Any, where: str) -> str:
    try:
        return normalise_eui(str(value))
    except ValueError:
        raise EstateError(f"{where}: {value!r} is not an EUI-64") from None


def parse_estate(document: dict[str, Any]) -> Estate:
    """Turn the YAML structure into inventory records, rejecting unknown values."""
    if not isinstance(document, dict):
        raise EstateError(NOT_A_MAPPING)
    users = [parse_user(entry, i) for i, entry in enumerate(document.get("users") or [])]
    devices: list[Device] = []
    parties: list[tuple[str, str, str]] = []
    groups = [(p, p.get("devices") or []) for p in document.get("premises") or []]
    groups.append(({}, document.get("devices") or []))
    for premises, entries in groups:
        for i, entry in enumerate(entries):
            device, its_parties = parse_device(entry, i, premises)
            devices.append(device)
            parties.extend(its_parties)
    cpl = [parse_cpl_entry(entry, i) for i, entry in enumerate(document.get("cpl") or [])]
    return Estate(users, devices, parties, cpl)


NOT_A_MAPPING = "an estate file is a mapping with users, premises, devices and cpl"


def parse_user(entry: dict[str, Any], i: int) -> User:
    """``users[i]`` of an estate file as a User."""
    where = f"users[{i}]"
    names = [str(role) for role in entry.get("roles") or []]
    unknown = set(names) - {role.value for role in UserRole}
    if unknown:
        raise EstateError(f"{where}: unknown roles {sorted(unknown)}")
    roles = tuple(UserRole(name) for name in names)
    capacity = entry.get("capacity") or {}
    return User(
        entity_id=_eui(entry.get("entity_id"), where),
        name=str(entry.get("name") or entry.get("entity_id")),
        roles=roles,
        response_endpoint=entry.get("endpoint"),
        capacity_rps=capacity.get("rps"),
        capacity_burst=capacity.get("burst"),
    )


_DEVICE_TYPES = frozenset(t.value for t in DeviceType)
_STATUSES = frozenset(s.value for s in DeviceStatus)


def parse_device(entry: dict[str, Any], i: int, premises: dict[str, Any]) -> tuple[Device, list[tuple[str, str, str]]]:
    """The ``i``-th device entry (of a premises, or of the top-level ``devices``) as a Device and its parties
    (device id, role, entity id); the premises gives the address fields the device does not."""
    where = f"device {entry.get('device_id', i)}"
    device_id = _eui(entry.get("device_id"), where)
    device_type = str(entry.get("type"))
    if device_type not in _DEVICE_TYPES:
        raise EstateError(f"{where}: unknown device type {device_type!r}")
    generation = str(entry.get("smets_generation", "SMETS2"))
    if generation not in ("SMETS1", "SMETS2"):
        raise EstateError(f"{where}: smets_generation must be SMETS1 or SMETS2")
    status = str(entry.get("status", DeviceStatus.COMMISSIONED.value))
    if status not in _STATUSES:
        raise EstateError(f"{where}: unknown SMI status {status!r}")
    device = Device(
        device_id=device_id,
        device_type=DeviceType(device_type),
        status=DeviceStatus(status),
        manufacturer=_opt(entry.get("manufacturer")),
        model=_opt(entry.get("model")),
        firmware_version=_opt(entry.get("firmware_version")),
        gbcs_version=_opt(entry.get("gbcs_version")),
        smets_chts_version=_opt(entry.get("smets_chts_version")),
        smets_generation=generation,
        esme_variant=_opt(entry.get("esme_variant")),
        install_code=_opt(entry.get("install_code")),
        chf_id=_eui(entry["chf"], where) if entry.get("chf") else None,
        gpf_id=_eui(entry["gpf"], where) if entry.get("gpf") else None,
        import_mpxn=_opt(entry.get("mpxn")),
        secondary_import_mpan=_opt(entry.get("secondary_import_mpan")),
        export_mpan=_opt(entry.get("export_mpan")),
        uprn=_opt(entry.get("uprn", premises.get("uprn"))),
        postcode=_opt(entry.get("postcode", premises.get("postcode"))),
        address_identifier=_opt(entry.get("address_identifier", premises.get("address_identifier"))),
        csp_region=_opt(entry.get("csp_region", premises.get("csp_region"))),
        han_variant=_opt(entry.get("han_variant")),
        connectivity=_opt(entry.get("connectivity")),
        attributes=_s1sp(entry.get("s1sp", premises.get("s1sp")), generation, where),
    )
    parties = []
    for role, entity in (entry.get("parties") or {}).items():
        if role not in DUIS_ROLES:
            raise EstateError(f"{where}: unknown party role {role!r}")
        parties.append((device_id, role, _eui(entity, where)))
    return device, parties


def _s1sp(name: Any, generation: str, where: str) -> dict[str, Any]:
    """The attributes naming the SMETS1 Service Provider that serves a SMETS1 device (none for SMETS2)."""
    if generation != "SMETS1":
        return {}
    name = str(name or DEFAULT_S1SP)
    if name not in S1SP_PROFILES:
        raise EstateError(f"{where}: unknown S1SP {name!r} (known: {', '.join(sorted(S1SP_PROFILES))})")
    return {S1SP_ATTRIBUTE: name}


def parse_cpl_entry(entry: dict[str, Any], i: int) -> CplEntry:
    """``cpl[i]`` of an estate file as a CPL entry."""
    status = str(entry.get("status", "Current"))
    if status not in ("Current", "Removed"):
        raise EstateError(f"cpl[{i}]: status must be Current or Removed")
    return CplEntry(str(entry["manufacturer"]), str(entry["model"]), str(entry["firmware_version"]),
                    status, _opt(entry.get("firmware_hash")), _opt(entry.get("device_type")),
                    _opt(entry.get("gbcs_version")))


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


async def load_estate(conn, estate: Estate) -> None:
    """Write the estate into the inventory in one transaction (devices ordered so hubs come first)."""
    async with conn.transaction():
        for user in estate.users:
            await repo.upsert_user(conn, user)
        known = {d.device_id for d in estate.devices}
        pending = list(estate.devices)
        # Insert without links first, then set CHF/GPF links, so that order in the file does not matter.
        for device in pending:
            await repo.upsert_device(conn, _unlinked(device))
        for device in pending:
            for link in (device.chf_id, device.gpf_id):
                if link and link not in known and await repo.get_device(conn, link) is None:
                    raise EstateError(f"device {device.device_id} refers to unknown device {link}")
            await repo.update_device(conn, device.device_id, chf_id=device.chf_id, gpf_id=device.gpf_id)
        for device_id, role, entity in estate.parties:
            if await repo.get_user(conn, entity) is None:
                raise EstateError(f"device {device_id}: party {role} {entity} is not a known user")
            await repo.set_party(conn, device_id, role, entity)
        await repo.upsert_cpl(conn, estate.cpl)


def _unlinked(device: Device) -> Device:
    return replace(device, chf_id=None, gpf_id=None)


def estate_identities(users: list[User]) -> list[UserIdentity]:
    """The SMKI identities (entity, name, role codes) of the inventory's users."""
    identities = []
    for user in users:
        codes = tuple(sorted({_ROLE_CODE[r] for r in user.roles if r in _ROLE_CODE}))
        if codes:
            identities.append(UserIdentity(user.entity_id, user.name, codes))
    return identities
