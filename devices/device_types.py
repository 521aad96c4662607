"""What each kind of device is: the use cases it serves, the trust-anchor cells it holds, its place on the HAN.

A device refuses a command of a use case its type does not serve the way GBCS says (section 7.2.9.1): no
Response, and a "Command not supported" alert (0x8F85) to the command's originator. The table is the one
place that says which device runs what.
"""
from __future__ import annotations

from dataclasses import dataclass

from devices.state import DeviceState, Role
from gbcs import KeyUsage

CellSpec = tuple[Role, KeyUsage]

# Trust-anchor cells a device may hold: (remote-party role, key usage).
ROOT = (Role.ROOT, KeyUsage.SIGNING)
RECOVERY = (Role.RECOVERY, KeyUsage.SIGNING)
SUPPLIER = ((Role.SUPPLIER, KeyUsage.SIGNING), (Role.SUPPLIER, KeyUsage.KEY_AGREEMENT))
# A meter that takes top-ups also holds the Supplier's prepayment key (cell usage prepaymentTopUp).
SUPPLIER_PREPAYMENT = (Role.SUPPLIER, KeyUsage.PREPAYMENT)
NETWORK_OPERATOR = ((Role.NETWORK_OPERATOR, KeyUsage.SIGNING), (Role.NETWORK_OPERATOR, KeyUsage.KEY_AGREEMENT))
ACB = ((Role.ACB, KeyUsage.SIGNING), (Role.ACB, KeyUsage.KEY_AGREEMENT))
WAN_PROVIDER = (Role.WAN_PROVIDER, KeyUsage.SIGNING)
TRANSITIONAL_COS = (Role.TRANSITIONAL_COS, KeyUsage.SIGNING)
LOAD_CONTROLLER = ((Role.LOAD_CONTROLLER, KeyUsage.SIGNING), (Role.LOAD_CONTROLLER, KeyUsage.KEY_AGREEMENT))

_METER_CELLS = (ROOT, RECOVERY, *SUPPLIER, *NETWORK_OPERATOR, *ACB, WAN_PROVIDER, TRANSITIONAL_COS)
_PREPAYMENT_METER_CELLS = _METER_CELLS + (SUPPLIER_PREPAYMENT,)
_HAN_DEVICE_CELLS = (ROOT, RECOVERY, *SUPPLIER, *ACB, WAN_PROVIDER, TRANSITIONAL_COS)
# A PPMID knows the DCC only: every Remote Party command reaches it through the Access Control Broker.
_PPMID_CELLS = (ROOT, RECOVERY, *ACB, WAN_PROVIDER)
_CHF_CELLS = (ROOT, RECOVERY, *ACB, WAN_PROVIDER)

# Use cases every SMETS2 device with trust anchors answers (security credentials, join details).
_CREDENTIALS = frozenset({"CS02a", "CS02b", "CS02c", "CS02d", "CS02e", "CS02f"})


@dataclass(frozen=True)
class DeviceKind:
    name: str
    families: tuple[str, ...]            # use-case prefixes it serves (ECS…, GCS…, CCS…)
    use_cases: frozenset[str]            # further use cases it serves
    cells: tuple[CellSpec, ...]          # its trust-anchor cells
    alert_format: str                    # how it words alerts: dlms | gbz | asn1
    on_chf_log: bool = True              # whitelisted on the CHF device log to talk over the HAN
    self_activating: bool = False        # activates a firmware image itself on receipt (no CS06)

    def serves(self, use_case: str | None) -> bool:
        if not use_case:
            return False
        return use_case in self.use_cases or any(use_case.startswith(p) for p in self.families)


DEVICE_KINDS: dict[str, DeviceKind] = {
    "ESME": DeviceKind("ESME", ("ECS",), _CREDENTIALS | {
        "CS01a", "CS02g", "CS03A1", "CS03B", "CS04AC", "CS04B", "CS06", "CS07"},
        _PREPAYMENT_METER_CELLS + LOAD_CONTROLLER, "dlms"),
    "GSME": DeviceKind("GSME", ("GCS",), _CREDENTIALS | {
        "CS01b", "CS03A1", "CS03B", "CS04AC", "CS04B", "CS06", "CS07", "CS10a", "CS10b", "CS11", "PCS01",
        "PCS02"}, _PREPAYMENT_METER_CELLS, "gbz"),
    # A GPF's device log (GBCS 13.8) changes with the joins and unjoins of the devices it serves (DUIS 8.7 / 8.8).
    "GPF": DeviceKind("GPF", ("GCS",), _CREDENTIALS | {"CS03A2", "CS03C", "CS04AC", "CS06", "CS07", "CS10a", "CS10b",
                                                       "CS11"},
                      _METER_CELLS, "gbz", on_chf_log=False),
    "CHF": DeviceKind("CHF", ("CCS", "DBCH"), _CREDENTIALS | {"CS06", "ECS26i", "ECS26n", "ECS35c", "ECS35d",
                                                             "ECS52"}, _CHF_CELLS, "dlms", on_chf_log=False),
    "PPMID": DeviceKind("PPMID", (), _CREDENTIALS | {"CS03A2", "CS03C", "CS04AC", "CS07", "CS08", "CS10a",
                                                     "CS10b", "CS11"}, _PPMID_CELLS, "asn1", self_activating=True),
    "HCALCS": DeviceKind("HCALCS", (), _CREDENTIALS | {"CS03A2", "CS03C", "CS04AC", "CS07", "CS08", "CS10a",
                                                       "CS10b", "CS11"}, _HAN_DEVICE_CELLS, "asn1",
                         self_activating=True),
    "APC": DeviceKind("APC", (), _CREDENTIALS | {"CS02g", "CS03A2", "CS03C", "CS04AC", "CS07", "CS08", "ECS46d",
                                                 "ECS61d"},
                      _HAN_DEVICE_CELLS + LOAD_CONTROLLER, "dlms", self_activating=True),
}

# Use cases of the ECS family that only a Communications Hub answers.
_CHF_ONLY = frozenset({"ECS26i", "ECS26n", "ECS35c", "ECS35d"})


_UNKNOWN = DeviceKind("unknown", (), frozenset(), (ROOT, RECOVERY, *ACB), "asn1")


def kind_of(device_type: str) -> DeviceKind:
    """The kind the inventory's device type names (a device type the simulator does not emulate serves nothing)."""
    return DEVICE_KINDS.get(device_type, _UNKNOWN)


def kind(state: DeviceState) -> DeviceKind:
    """The kind of the device whose state this is."""
    return kind_of(state.KIND)


def serves(device_type: str, use_case: str | None) -> bool:
    """Whether a device of this type runs commands of ``use_case``."""
    if device_type == "ESME" and use_case in _CHF_ONLY:
        return False
    return kind_of(device_type).serves(use_case)
