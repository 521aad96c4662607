"""The ZigBee (GBZ) server of the gas devices: a GBZ command's components in, the response's components out.

Each component is a ZCL frame addressed to a cluster. Profile-wide commands are served from the cluster
attribute table (Read Attributes answers each attribute with its value and type, or UNSUPPORTED_ATTRIBUTE);
cluster-specific commands go to their behaviour in ``gas_clusters.COMMANDS``, which answers with the
cluster's response commands (Publish Snapshot, Get Sampled Data Response, Publish Day Profile ...; one
command may have several) or a Default Response. A GSME serves its own meter data; a GPF serves its mirror
of the GSME's data (``gas_mirror``) and its own firmware.

Responses carrying sensitive data go through ``seal`` (see ``SENSITIVE``), the one place where GBCS
component encryption applies: ``gbcs.build`` encrypts them for the requesting party.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from devices import gas_clusters, gas_meter, gas_mirror
from devices.gas_clusters import Served
from devices.gas_state import GasData, GasEventLogs
from devices.state import GpfState, GsmeState, HcalcsState, PpmidState
from devices.top_ups import Entry
from gbcs import GbcsError, zcl
from gbcs.zcl import METERING, PREPAYMENT

LAST_COMPONENT = 0x01
FROM_DATE_TIME = 0x10

SUPPORTED_CLUSTERS = {zcl.BASIC, zcl.TIME, zcl.PRICE, METERING, PREPAYMENT, zcl.CALENDAR, zcl.EVENTS,
                      zcl.DEVICE_MANAGEMENT}

# Responses GBCS sends encrypted because they carry sensitive data, per use case:
# (cluster, response command id, cluster-specific?) — from the RTDS response vectors.
_READ = zcl.READ_ATTRIBUTES_RESPONSE
SENSITIVE: dict[str, frozenset[tuple[int, int, bool]]] = {
    "GCS13a": frozenset({(METERING, _READ, False)}),
    "GCS13b": frozenset({(METERING, _READ, False)}),
    "GCS13c": frozenset({(METERING, _READ, False)}),
    "GCS14": frozenset({(PREPAYMENT, _READ, False)}),
    "GCS15b": frozenset({(METERING, 0x06, True), (PREPAYMENT, 0x01, True)}),
    "GCS15c": frozenset({(METERING, 0x06, True), (PREPAYMENT, 0x01, True)}),
    "GCS15d": frozenset({(PREPAYMENT, 0x06, True)}),
    "GCS16a": frozenset({(METERING, 0x06, True)}),
    "GCS16b": frozenset({(PREPAYMENT, 0x01, True)}),
    "GCS17": frozenset({(METERING, 0x07, True)}),
    "GCS18": frozenset({(METERING, 0x07, True)}),
    "GCS61": frozenset({(METERING, 0x07, True)}),
}


GbzDevice = GsmeState | GpfState | PpmidState | HcalcsState
# The clusters a GBZ device without meter data of its own answers (a PPMID's or HCALCS's event logs).
_OWN_CLUSTERS = {zcl.BASIC, zcl.TIME, zcl.EVENTS}


def meter_data(state: GbzDevice, device_id: str, now: datetime) -> GasData | None:
    """The meter data a device serves: a GSME's own, a GPF's mirror of its GSME's; none for a PPMID or HCALCS."""
    if isinstance(state, GpfState):
        return gas_mirror.mirror_data(state, device_id, now)
    if isinstance(state, GsmeState):
        return gas_meter.ensure(state, device_id, now)
    return None


def own_logs(state: GbzDevice) -> GasEventLogs:
    """The event and security logs a device answers for: a GSME's are in its meter data, the others' their own
    (a GPF's mirror holds the GSME's)."""
    return state.gas.logs if isinstance(state, GsmeState) else state.logs


def serve_gbz(state: GbzDevice, tree: dict[str, Any], now: datetime, *, device_id: str, use_case: str | None = None,
              entry: Entry | None = None) -> tuple[dict[str, Any], list]:
    """Answer a GBZ command payload tree with a GBZ response payload tree (and the alerts it raises).
    ``entry`` is what a GSME authenticates a UTRN with."""
    gas = meter_data(state, device_id, now)
    served = Served(gas, state, device_id, gas_meter.zt(now), logs=own_logs(state), entry=entry)
    answers: list[tuple[dict[str, Any], bool]] = []
    for component in tree.get("components", []):
        served.from_date_time = component.get("from_date_time") if component["control"] & FROM_DATE_TIME else None
        answers.extend(_serve_component(served, component))
    gas_clusters.stage_published_tariff(served)
    sensitive = SENSITIVE.get(use_case or "", frozenset())
    components, sealed = [], 0
    for index, (component, cluster_specific) in enumerate(answers):
        component["control"] = LAST_COMPONENT if index == len(answers) - 1 else 0
        if (component["cluster"], component["command"], cluster_specific) in sensitive:
            component, sealed = seal(component, sealed), sealed + 1
        components.append(component)
    return {"count": len(components), "components": components}, []


def seal(component: dict[str, Any], frame_counter: int) -> dict[str, Any]:
    """A sensitive response component, to be encrypted for the party the response is for (GBCS encrypted
    GBZ component: control bit 0x02, the additional header with its frame counter, the ZCL payload
    encrypted with its tag). Its ZCL payload becomes the ``plaintext`` that ``gbcs.build`` encrypts
    (``gbcs.protection``) when the device builds its response with its keys."""
    sealed = {key: value for key, value in component.items() if key != "payload"}
    sealed.update(frame_control=component["frame_control"] | zcl.DISABLE_DEFAULT_RESPONSE,
                  additional_header=f"00{frame_counter & 0xFF:02x}", plaintext=component["payload"])
    return sealed


def _response(request: dict[str, Any], command: int, payload: bytes, *, cluster_specific: bool,
              quiet: bool = True) -> dict[str, Any]:
    to_client = not request["frame_control"] & zcl.SERVER_TO_CLIENT
    frame_control = ((zcl.FRAME_TYPE_CLUSTER_SPECIFIC if cluster_specific else 0)
                     | (zcl.SERVER_TO_CLIENT if to_client else 0)
                     | (zcl.DISABLE_DEFAULT_RESPONSE if quiet else 0))
    return {"control": 0, "cluster": request["cluster"], "frame_control": frame_control,
            "sequence": request["sequence"], "command": command, "payload": payload.hex()}


def _default(request: dict[str, Any], status: int) -> tuple[dict[str, Any], bool]:
    return _response(request, zcl.DEFAULT_RESPONSE, zcl.encode_default_response(request["command"], status),
                     cluster_specific=False, quiet=False), False


def _serve_component(served: Served, request: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    cluster, frame_control = request["cluster"], request["frame_control"]
    if frame_control & zcl.MANUFACTURER_SPECIFIC:
        return [_default(request, zcl.UNSUP_MANUF_CLUSTER_COMMAND if frame_control & zcl.FRAME_TYPE_CLUSTER_SPECIFIC
                         else zcl.UNSUP_MANUF_GENERAL_COMMAND)]
    if cluster not in SUPPORTED_CLUSTERS or (served.gas is None and cluster not in _OWN_CLUSTERS):
        return [_default(request, zcl.UNSUPPORTED_CLUSTER)]
    payload = bytes.fromhex(request["payload"])
    if frame_control & zcl.FRAME_TYPE_CLUSTER_SPECIFIC:
        return _cluster_specific(served, request, payload)
    return _profile_wide(served, request, payload)


def _decoded(decode: Callable[[], Any]) -> Any:
    """A request's ZCL payload decoded; None for one that does not decode (the sender's fault)."""
    try:
        return decode()
    except GbcsError:
        return None


def _profile_wide(served: Served, request: dict[str, Any], payload: bytes) -> list[tuple[dict[str, Any], bool]]:
    cluster, command = request["cluster"], request["command"]
    if command == zcl.READ_ATTRIBUTES:
        wanted = _decoded(lambda: zcl.decode_read_attributes(payload))
        if wanted is None:
            return [_default(request, zcl.MALFORMED_COMMAND)]
        records = [gas_clusters.read_attribute(served, cluster, a) for a in wanted]
        raw = zcl.encode_read_attributes_response(records)
        return [(_response(request, zcl.READ_ATTRIBUTES_RESPONSE, raw, cluster_specific=False, quiet=False), False)]
    if command in (zcl.WRITE_ATTRIBUTES, zcl.WRITE_ATTRIBUTES_UNDIVIDED, zcl.WRITE_ATTRIBUTES_NO_RESPONSE):
        written = _decoded(lambda: zcl.decode_write_attributes(payload))
        if written is None:
            return [_default(request, zcl.MALFORMED_COMMAND)]
        # GBCS changes a gas device's configuration through cluster commands; its attributes are read-only.
        refused = [zcl.AttributeRecord(r.attribute, zcl.READ_ONLY if (cluster, r.attribute) in gas_clusters.ATTRIBUTES
                                       else zcl.UNSUPPORTED_ATTRIBUTE) for r in written]
        if command == zcl.WRITE_ATTRIBUTES_NO_RESPONSE:
            return []
        raw = zcl.encode_write_attributes_response(refused)
        return [(_response(request, zcl.WRITE_ATTRIBUTES_RESPONSE, raw, cluster_specific=False, quiet=False), False)]
    return [_default(request, zcl.UNSUP_GENERAL_COMMAND)]


def _cluster_specific(served: Served, request: dict[str, Any], payload: bytes) -> list[tuple[dict[str, Any], bool]]:
    cluster, command = request["cluster"], request["command"]
    from_server = bool(request["frame_control"] & zcl.SERVER_TO_CLIENT)
    behaviour = gas_clusters.COMMANDS.get((cluster, command, from_server))
    if behaviour is None:
        return [_default(request, zcl.UNSUP_CLUSTER_COMMAND)]
    fields = _decoded(lambda: zcl.decode_command(cluster, command, from_server, payload))
    if fields is None:
        return [_default(request, zcl.MALFORMED_COMMAND)]
    result = behaviour(served, fields)
    if isinstance(result, int):
        return [_default(request, result)]
    return [(_response(request, answer.command,
                       zcl.encode_command(cluster, answer.command, not from_server, answer.fields),
                       cluster_specific=True,
                       quiet=(cluster, answer.command) not in gas_clusters.DEFAULT_RESPONSE_ENABLED), True)
            for answer in result]
