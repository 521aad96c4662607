"""The state of each kind of emulated device, typed: what every device holds (anti-replay counters, trust-anchor
cells, held commands, firmware, logs ...) and what each kind adds. A device's kind is the class of its state.

Payload trees a device keeps verbatim (the DLMS attribute store of a COSEM server, keyed ``class:OBIS:attribute``;
the request of a held command) stay JSON values; everything the device models itself interprets is a field.
``devices.state_codec`` stores these values as versioned JSON.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from devices.esme_state import EsmeMeter
from devices.auxiliary_state import AuxiliaryControllers
from devices.gas_state import GasData, GasEventLogs
from gbcs import KeyUsage

DlmsNode = dict[str, Any]          # a DLMS data value as ``gbcs.payload.dlms`` trees hold it
PayloadTree = Any                  # a decoded GBCS payload tree (DLMS, GBZ or ASN.1), kept as it came
# The ``gbcs.Payload`` kinds a command comes in.
DLMS_REQUEST, GBZ, ASN1 = "dlms-access-request", "gbz", "asn1"

DEFAULT_FIRMWARE = "00000001"
DEFAULT_ALERT_COUNTER = 0x4000
DEFAULT_PAN = "0000000000000140"


class Role(StrEnum):
    """The Remote Party roles of a device's trust-anchor cells."""

    ROOT = "root"
    RECOVERY = "recovery"
    SUPPLIER = "supplier"
    NETWORK_OPERATOR = "network-operator"
    ACB = "acb"
    TRANSITIONAL_COS = "transitional-cos"
    WAN_PROVIDER = "wan-provider"
    LOAD_CONTROLLER = "load-controller"


@dataclass(frozen=True, slots=True)
class Cell:
    """One trust-anchor cell: a Remote Party's public key for one key usage."""

    role: Role
    usage: KeyUsage
    entity: str                        # 16 upper-case hex digits
    key: bytes                         # the uncompressed EC point
    ski: bytes                         # the certificate's subject key identifier (8 octets)


@dataclass(frozen=True, slots=True)
class OwnCredential:
    """A key pair the device was re-keyed with (its certificate and private key), replacing the one issued."""

    certificate: bytes                 # DER
    key_pem: str


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """A command the device refused, and why."""

    at: datetime
    event: str


@dataclass(frozen=True, slots=True)
class FirmwareActivation:
    hash: str                          # hex SHA-256 of the Manufacturer Image to run
    reference: int                     # the activation reference the alert quotes


@dataclass(frozen=True, slots=True)
class HeldCommand:
    """A future-dated command the device holds until ``at`` (with ``watch``, only a reminder of a time the
    device's model keeps itself)."""

    at: datetime
    originator: str
    counter: int
    message_code: int
    payload_kind: str                  # the ``gbcs.Payload`` kind of ``request``
    request: PayloadTree
    targets: tuple[tuple[int, int | str, int], ...] = ()   # (class, OBIS, attribute) or (cluster, fc, command)
    use_case: str = ""
    watch: bool = False
    firmware: FirmwareActivation | None = None


@dataclass(frozen=True, slots=True)
class PendingImage:
    hash: str                          # hex SHA-256 of the Manufacturer Image
    version: str


@dataclass(slots=True)
class Firmware:
    version: str = DEFAULT_FIRMWARE
    previous: str | None = None
    pending: PendingImage | None = None


@dataclass(frozen=True, slots=True)
class JoinedDevice:
    device_id: str
    join_type: int                     # the CS03 device type the join named


@dataclass(kw_only=True, slots=True)
class DeviceState:
    """What every device holds."""

    KIND: ClassVar[str]

    firmware: Firmware = field(default_factory=Firmware)
    trust_anchors: list[Cell] | None = None         # None: not installed yet (filled at the next contact)
    own_credentials: dict[KeyUsage, OwnCredential] = field(default_factory=dict)
    pending_keys: dict[KeyUsage, str] = field(default_factory=dict)   # key pairs generated (CS02c), PEM, by usage
    counters: dict[str, int] = field(default_factory=dict)       # the last originator counter taken, by entity
    alert_counter: int = DEFAULT_ALERT_COUNTER
    security_log: list[SecurityEvent] = field(default_factory=list)
    future: list[HeldCommand] = field(default_factory=list)
    joined: list[JoinedDevice] = field(default_factory=list)
    power_lost_at: datetime | None = None           # without power since then (``devices.events``)

    @property
    def cells(self) -> list[Cell]:
        return self.trust_anchors or []


@dataclass(kw_only=True, slots=True)
class PrepaymentMeter(DeviceState):
    """A meter that takes top-ups: the UTRN counters of the last top-ups it accepted (``devices.top_ups``)."""

    utrn_counters: list[int] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class EsmeState(PrepaymentMeter):
    KIND: ClassVar[str] = "ESME"

    device_id: str = ""                # what its simulated consumption is seeded with
    variant: str = "A"                 # DUIS ESMEVariant (``devices.esme_variant``)
    meter: EsmeMeter | None = None     # created at the first request it answers
    cosem: dict[str, DlmsNode] = field(default_factory=dict)     # configuration set by commands
    auxiliary: AuxiliaryControllers | None = None   # variants D, F, G: made at the first command to them


@dataclass(kw_only=True, slots=True)
class GsmeState(PrepaymentMeter):
    KIND: ClassVar[str] = "GSME"

    gas: GasData | None = None         # created at the first command it answers


@dataclass(kw_only=True, slots=True)
class GpfState(DeviceState):
    KIND: ClassVar[str] = "GPF"

    mirror: GasData | None = None      # its copy of the GSME's data
    mirror_synced_at: datetime | None = None         # None: never received from the GSME
    logs: GasEventLogs = field(default_factory=GasEventLogs)


@dataclass(frozen=True, slots=True)
class DeviceLogEntry:
    device_id: str
    added: datetime | None = None      # None: on the log since installation (the inventory put it there)
    link_key_hash: str = ""


@dataclass(frozen=True, slots=True)
class HistoricLogEntry:
    device_id: str
    removed: datetime
    link_key_hash: str = ""


@dataclass(slots=True)
class Consumption:
    """A simple consumption count a COSEM server without a meter model answers reads from."""

    wh: int
    at: datetime


@dataclass(kw_only=True, slots=True)
class ChfState(DeviceState):
    KIND: ClassVar[str] = "CHF"

    device_log: list[DeviceLogEntry] = field(default_factory=list)
    historic_device_log: list[HistoricLogEntry] = field(default_factory=list)
    extended_pan_id: str = DEFAULT_PAN
    han_settings: dict[int, DlmsNode] = field(default_factory=dict)   # class 104 attributes set, by attribute
    cosem: dict[str, DlmsNode] = field(default_factory=dict)
    consumption: Consumption | None = None


@dataclass(kw_only=True, slots=True)
class PpmidState(DeviceState):
    KIND: ClassVar[str] = "PPMID"

    logs: GasEventLogs = field(default_factory=GasEventLogs)


@dataclass(kw_only=True, slots=True)
class HcalcsState(DeviceState):
    KIND: ClassVar[str] = "HCALCS"

    logs: GasEventLogs = field(default_factory=GasEventLogs)


@dataclass(kw_only=True, slots=True)
class ApcState(DeviceState):
    KIND: ClassVar[str] = "APC"

    cosem: dict[str, DlmsNode] = field(default_factory=dict)        # its calendar, as 6.14.3 writes it
    auxiliary: AuxiliaryControllers | None = None                    # made at the first command to them


@dataclass(kw_only=True, slots=True)
class Type2State(DeviceState):
    """A device the inventory knows that speaks no GBCS (IHD, CAD, Type 2): it serves no use case."""

    KIND: ClassVar[str] = "Type2"


STATE_CLASSES: dict[str, type[DeviceState]] = {cls.KIND: cls for cls in (
    EsmeState, GsmeState, GpfState, ChfState, PpmidState, HcalcsState, ApcState, Type2State)}


def state_class(device_type: str) -> type[DeviceState]:
    """The state class of a device of this inventory type (a type that speaks no GBCS: ``Type2State``)."""
    return STATE_CLASSES.get(device_type, Type2State)
