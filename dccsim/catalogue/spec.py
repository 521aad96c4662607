"""The catalogue entry of one Service Request variant and the catalogue itself."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from dccsim.catalogue.bodies import body_model
from dccsim.catalogue.bodymodel import BodyModel
from dccsim.catalogue.matrix import ROWS
from dccsim.inventory.models import DeviceStatus, DeviceType, UserRole

# Web service per command variant (DUIS 3.4): S = Send Command, T = Transform, D = Non-Device.
CV_WEB_SERVICE = MappingProxyType({1: "S", 2: "D", 3: "S", 4: "T", 5: "S", 6: "D", 7: "S", 8: "D"})

# SMI statuses a target device may have, by kind of request (DUIS 3.2.5 general validation): device
# Service Requests need a device that is Commissioned or being installed; 8.x inventory services have
# their own rules, applied by their handlers on top of these.
def _statuses(*names: str) -> frozenset[DeviceStatus]:
    return frozenset(DeviceStatus(name) for name in names)


_OPERATIONAL = _statuses("Commissioned", "InstalledNotCommissioned")
_ANY: frozenset[DeviceStatus] = frozenset()
_STATUSES = {
    "8.2": _ANY, "8.4": _ANY, "8.6": _ANY, "12.2": _ANY,
    "8.3": _statuses("Commissioned", "InstalledNotCommissioned", "Suspended", "Recovered"),
    "8.14.1": _statuses("Pending", "Whitelisted", "InstalledNotCommissioned", "Commissioned"),
    "8.14.2": _statuses("Pending", "Whitelisted", "InstalledNotCommissioned", "Commissioned"),
    "8.14.3": _statuses("Pending", "Whitelisted", "InstalledNotCommissioned", "Commissioned", "Suspended"),
    "8.14.4": _statuses("Pending", "Whitelisted", "InstalledNotCommissioned", "Commissioned", "Suspended"),
    "8.11": _statuses("Pending", "Whitelisted", "InstalledNotCommissioned", "Commissioned"),
    "8.12.1": _statuses("InstalledNotCommissioned", "Commissioned"),
}


@dataclass(frozen=True)
class SRSpec:
    """Everything the simulator knows about one Service Request variant."""

    variant: str
    reference: str
    name: str
    critical: bool
    non_device: bool
    on_demand: bool
    future_dated: str
    dcc_scheduled: bool
    roles: frozenset[UserRole]              # empty: no User may send it (the DCC only)
    command_variants: frozenset[int]
    device_types: frozenset[DeviceType]
    device_statuses: frozenset[DeviceStatus]
    priority: bool
    body_element: str
    gbcs_use_cases: tuple[str, ...]
    body: BodyModel


class Catalogue:
    """Every variant, looked up by variant or by body element."""

    def __init__(self, specs: tuple[SRSpec, ...]):
        self._specs = specs
        self._by_variant = {s.variant: s for s in specs}
        by_body: dict[str, list[SRSpec]] = {}
        for spec in specs:
            by_body.setdefault(spec.body_element, []).append(spec)
        self._by_body = {k: tuple(v) for k, v in by_body.items()}

    def get(self, variant: str | None) -> SRSpec | None:
        return self._by_variant.get(variant or "")

    def all(self) -> tuple[SRSpec, ...]:
        return self._specs

    def by_body_element(self, local_name: str) -> tuple[SRSpec, ...]:
        return self._by_body.get(local_name, ())

    def body_element_names(self) -> frozenset[str]:
        return frozenset(self._by_body)


def _build() -> Catalogue:
    specs = []
    for row in ROWS:
        specs.append(SRSpec(
            variant=row["variant"], reference=row["reference"], name=row["name"], critical=row["critical"],
            non_device=row["non_device"], on_demand=row["on_demand"], future_dated=row["future_dated"],
            dcc_scheduled=row["dcc_scheduled"], roles=frozenset(UserRole(r) for r in row["roles"]),
            command_variants=frozenset(row["cvs"]), device_types=frozenset(DeviceType(t) for t in row["device_types"]),
            device_statuses=_STATUSES.get(row["variant"], _OPERATIONAL), priority=row["priority"],
            body_element=row["body"], gbcs_use_cases=tuple(row["use_cases"]), body=body_model(row["body"]),
        ))
    return Catalogue(tuple(specs))


CATALOGUE = _build()
