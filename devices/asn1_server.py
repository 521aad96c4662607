"""The ASN.1 use cases: join / unjoin (CS03 / CS04), join details (CS07), firmware version (CS08), security
credentials (CS02a / CS02e / CS02f), the gas clock (GCS28) and the GPF device log restore (GCS59). Firmware activation (CS06) is in
``devices.firmware`` because it may be future-dated."""
from __future__ import annotations

from datetime import datetime

from devices import gpf_device_log, trust_anchors
from devices.alerts import integer, octets
from gbcs.times import generalized_time, parse_generalized_time
from devices.state import DeviceState, GpfState, JoinedDevice
from gbcs import KeyUsage, asn1


def _seq(*children: dict) -> dict:
    return {"tag": "30", "children": list(children)}


def primitives(nodes: list) -> list[dict]:
    found = []
    for node in nodes:
        if "children" in node:
            found.extend(primitives(node["children"]))
        else:
            found.append(node)
    return found


SUCCESS, FAILURE = 0, 1
# CS03 join results.
JOINED, ALREADY_JOINED, NO_SPACE = 0, 1, 3
MAX_JOINED = 16


def _other_device(values: list[dict]) -> str:
    return next((v["hex"].upper() for v in values if v["tag"] == "04" and len(v["hex"]) == 16), "")


def _join(state: DeviceState, values: list[dict]) -> list[dict]:
    other = _other_device(values)
    join_type = next((int(v["hex"], 16) for v in values[1:] if v["tag"] == "02"), 0)
    if not other:
        return [integer(FAILURE)]
    if any(entry.device_id == other for entry in state.joined):
        return [integer(SUCCESS)]
    if len(state.joined) >= MAX_JOINED:
        return [integer(NO_SPACE)]
    state.joined.append(JoinedDevice(other, join_type))
    return [integer(SUCCESS)]


def _unjoin(state: DeviceState, values: list[dict]) -> list[dict]:
    other = _other_device(values)
    state.joined = [entry for entry in state.joined if entry.device_id != other]
    return [integer(SUCCESS)]


def _requested_roles(nodes: list) -> list[int]:
    """CS02a / CS02f: the remote-party role codes asked for (the INTEGERs of the second SEQUENCE)."""
    top = nodes[0].get("children", []) if nodes else []
    wanted = top[1].get("children", []) if len(top) > 1 else []
    return [int(n["hex"], 16) for n in wanted if n.get("tag") == "02"]


def own_certificate(state: DeviceState, certificates: dict[str, bytes], usage: KeyUsage) -> bytes:
    """The device's certificate for a usage: a replacement it holds, else the one it was issued with."""
    held = state.own_credentials.get(usage)
    return held.certificate if held else certificates.get(usage) or b""


def serve_asn1(state: DeviceState, use_case: str, nodes: list, now: datetime, certificates: dict[str, bytes]) -> \
        tuple[list, list]:
    """Answer an ASN.1 command with its response nodes; return (nodes, alerts)."""
    values = primitives(nodes)
    if use_case.startswith(("CS03", "CS04")):
        before = list(state.joined)
        answer = _join(state, values) if use_case.startswith("CS03") else _unjoin(state, values)
        changed = isinstance(state, GpfState) and state.joined != before
        return answer, [gpf_device_log.backup_alert(state, now)] if changed else []
    if use_case == "GCS59" and isinstance(state, GpfState):
        return gpf_device_log.restore(state, nodes), [gpf_device_log.backup_alert(state, now)]
    if use_case == "CS07":
        entries = [_seq(octets(bytes.fromhex(e.device_id)), integer(e.join_type)) for e in state.joined]
        return [_seq(integer(SUCCESS), _seq(*entries))], []
    if use_case == "CS08":
        return [_seq(octets(bytes.fromhex(state.firmware.version)), integer(SUCCESS))], []
    if use_case == "GCS28":
        valid_from = next((parse_generalized_time(bytes.fromhex(v["hex"])) for v in values if v["tag"] == "18"), None)
        return [_seq({"tag": "18", "hex": generalized_time(valid_from or now).hex()}, integer(SUCCESS))], []
    if use_case in ("CS02a", "CS02f"):
        return trust_anchors.report(state, _requested_roles(nodes)), []
    if use_case == "CS02e":
        which = KeyUsage.SIGNING if _wants_signing(values) else KeyUsage.KEY_AGREEMENT
        certificate = own_certificate(state, certificates, which)
        return (asn1.decode(certificate) if certificate else [integer(FAILURE)]), []
    return [integer(SUCCESS)], []


def _wants_signing(values: list[dict]) -> bool:
    bits = next((v["hex"] for v in values if v["tag"] == "03"), "0780")
    return bits.lower().startswith("0780")
