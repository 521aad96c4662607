"""The ASN.1 use cases: join / unjoin (CS03 / CS04), firmware (CS06 / CS08), join details (CS07),
security credentials (CS02a / CS02e / CS02f) and time (GCS28)."""
from __future__ import annotations

import hashlib
from datetime import datetime


from devices.clock import generalized_time, parse_generalized_time


def _int(value: int) -> dict:
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return {"tag": "02", "hex": raw.hex()}


def _octets(raw: bytes) -> dict:
    return {"tag": "04", "hex": raw.hex()}


def _seq(*children: dict) -> dict:
    return {"tag": "30", "children": list(children)}


def _primitives(nodes: list) -> list[dict]:
    found = []
    for node in nodes:
        if "children" in node:
            found.extend(_primitives(node["children"]))
        else:
            found.append(node)
    return found


SUCCESS, FAILURE = 0, 1


def serve_asn1(state: dict, use_case: str, nodes: list, now: datetime, certificates: dict[str, bytes]) -> \
        tuple[list, list]:
    """Answer an ASN.1 command with its response nodes; return (nodes, alerts)."""
    values = _primitives(nodes)
    if use_case.startswith("CS03"):
        other = next((bytes.fromhex(v["hex"]) for v in values if v["tag"] == "04" and len(v["hex"]) == 16), b"")
        joined = state.setdefault("joined", [])
        if other and other.hex().upper() not in joined:
            joined.append(other.hex().upper())
        return [_int(SUCCESS)], []
    if use_case.startswith("CS04"):
        other = next((v["hex"].upper() for v in values if v["tag"] == "04" and len(v["hex"]) == 16), "")
        joined = state.setdefault("joined", [])
        if other in joined:
            joined.remove(other)
        return [_int(SUCCESS)], []
    if use_case == "CS07":
        entries = [_seq(_octets(bytes.fromhex(d)), _int(3)) for d in state.get("joined", [])]
        return [_seq(_int(SUCCESS), _seq(*entries))], []
    if use_case == "CS08":
        return [_seq(_octets(bytes.fromhex(state.get("firmware", {}).get("version", "00000001"))),
                     _int(SUCCESS))], []
    if use_case == "CS06":
        return _activate(state, values, now)
    if use_case == "GCS28":
        valid_from = next((parse_generalized_time(bytes.fromhex(v["hex"])) for v in values if v["tag"] == "18"), None)
        state["clock_offset_s"] = 0
        return [_seq({"tag": "18", "hex": generalized_time(valid_from or now).hex()}, _int(SUCCESS))], []
    if use_case in ("CS02a", "CS02e", "CS02f"):
        which = "ds" if use_case == "CS02e" and _wants_signing(values) else "ka"
        reported = state.get("reported_certificates", {}).get(which)
        certificate = bytes.fromhex(reported) if reported else (certificates.get(which) or b"")
        return (_certificate_nodes(certificate) if certificate else [_int(FAILURE)]), []
    return [_int(SUCCESS)], []


def _wants_signing(values: list[dict]) -> bool:
    bits = next((v["hex"] for v in values if v["tag"] == "03"), "0780")
    return bits.lower().startswith("0780")


def _certificate_nodes(der: bytes) -> list[dict]:
    from gbcs.payload import asn1

    return asn1.decode(der)


def _activate(state: dict, values: list[dict], now: datetime) -> tuple[list, list]:
    """CS06: activate the pending image whose hash is given, now or at the activation time."""
    firmware = state.setdefault("firmware", {"version": "00000001"})
    digest = next((v["hex"].lower() for v in values if v["tag"] == "04"), "")
    when = next((parse_generalized_time(bytes.fromhex(v["hex"])) for v in values if v["tag"] == "18"), None)
    pending = firmware.get("pending")
    if not pending or pending.get("hash", "").lower() != digest:
        return [_seq(_int(FAILURE), _octets(bytes.fromhex(firmware["version"])))], []
    if when is not None and when.year < 9999 and when > now:
        firmware["scheduled"] = {"at": when.isoformat(), **pending}
        return [_seq(_int(SUCCESS), _octets(bytes.fromhex(firmware["version"])))], []
    firmware["previous"] = firmware["version"]
    firmware["version"] = pending["version"]
    firmware.pop("pending", None)
    return [_seq(_int(SUCCESS), _octets(bytes.fromhex(firmware["version"])))], []


def receive_image(state: dict, image: bytes, version: str) -> str:
    """Firmware distribution: the device holds the image pending activation; returns its hash."""
    digest = hashlib.sha256(image).hexdigest()
    state.setdefault("firmware", {"version": "00000001"})["pending"] = {"hash": digest, "version": version}
    return digest


