"""One emulated device: it authenticates a GBCS command, executes it on its state, and answers.

A device acts only on what GBCS lets it: the command must be MAC'd for it by the Access Control Broker
(commands from remote parties) with a counter above the last one it accepted from that originator, and a
critical command must carry the originator's signature, checked against the key in its trust anchor.
It answers with a response MAC'd with its own key-agreement key for the command's originator, and raises
the alerts the use case calls for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import gbcs
from devices import asn1_server, cosem, zcl
from devices.clock import dlms_date_time, parse_dlms_date_time
from gbcs.payload import Payload

# Use cases that are critical whatever the Service Request (no non-critical variant exists).
ALWAYS_CRITICAL = {"ECS01a", "ECS01b", "ECS01c", "ECS01d", "GCS01a", "GCS01b", "CS06", "ECS70", "GCS28",
                   "CS02e", "CS02b", "CS02c", "CS02d", "CS03A1"}

CS14_MESSAGE_CODE = 0x0018
CS14_ALERT_CODE = 0x8F12
FDRA_DLMS = 0x00CE
FDRA_ZIGBEE = 0x00CF
FIRMWARE_RECEIPT_ALERT_CODE = 0x8F72


@dataclass
class DeviceReply:
    """What the device sent back: a response (or why it stayed silent) and alerts."""

    response: bytes | None = None
    alerts: list[bytes] = field(default_factory=list)
    refused: str | None = None


@dataclass
class DeviceIdentity:
    device_id: str
    device_type: str
    keys: gbcs.StaticKeyStore       # the device's own private keys and its trust anchors' public keys
    certificates: dict[str, bytes] = field(default_factory=dict)   # its own ds / ka certificates (DER)


def handle_command(identity: DeviceIdentity, state: dict, frame: bytes, now: datetime | None = None) -> DeviceReply:
    """Process one frame addressed to the device (state is changed in place)."""
    now = now or datetime.now(timezone.utc)
    try:
        message = gbcs.decode(frame, identity.keys)
    except gbcs.GbcsError as exc:
        return DeviceReply(refused=f"malformed: {exc}")
    if message.recipient != identity.device_id:
        return DeviceReply(refused="not addressed to this device")
    if message.cra != "command":
        return DeviceReply(refused="not a command")
    if not message.ciphered or message.verification.mac != "verified":
        return DeviceReply(refused=f"MAC {message.verification.mac}")
    counters = state.setdefault("counters", {})
    last = counters.get(message.originator, -1)
    if message.counter <= last:
        return DeviceReply(refused=f"replay: counter {message.counter} not above {last}")
    use_case = message.use_case or ""
    if message.verification.signature == "failed" or (
            use_case in ALWAYS_CRITICAL and message.verification.signature != "verified"):
        return DeviceReply(refused=f"critical command without a valid signature ({message.verification.signature})")
    counters[message.originator] = message.counter
    cosem.advance_consumption(state, now)

    payload, alert_specs = _execute(identity, state, message, now)
    response = gbcs.build(cra="response", counter=message.counter, originator=identity.device_id,
                          recipient=message.originator, message_code=message.message_code, payload=payload,
                          keys=identity.keys, other_info_extra=message.other_info_extra)
    alerts = [_alert(identity, state, message.originator, spec, now) for spec in alert_specs]
    return DeviceReply(response=response, alerts=[a for a in alerts if a])


FUTURE_DATED_ALERT_CODE = 0x8F66
FDA_DLMS = 0x00CC


def _execute(identity: DeviceIdentity, state: dict, message: gbcs.Message, now: datetime):
    kind, tree = message.payload.kind, message.payload.tree
    execute_at = parse_dlms_date_time(bytes.fromhex(tree["date_time"])) \
        if kind == "dlms-access-request" and tree.get("date_time") else None
    if execute_at is not None and execute_at > now:
        # Future-dated: acknowledged now, executed at its time with a 0x8F66 alert carrying the outcome.
        state.setdefault("future", []).append({
            "at": execute_at.isoformat(), "originator": message.originator, "counter": message.counter,
            "message_code": message.message_code, "request": tree})
        acknowledgement = {"invoke_id": tree["invoke_id"], "date_time": None,
                           "data": [{"type": "null"} for _ in tree.get("specs", [])],
                           "results": [{"choice": "action" if s["choice"] == "action" else s["choice"].split("-")[0],
                                        "result": 0} for s in tree.get("specs", [])]}
        return Payload("dlms-access-response", acknowledgement), []
    if kind == "dlms-access-request":
        response, alerts = cosem.serve_access_request(state, tree, now)
        return Payload("dlms-access-response", response), alerts
    if kind == "gbz":
        response, alerts = zcl.serve_gbz(state, tree, now, message=message, identity=identity)
        return Payload("gbz", response), alerts
    if kind == "asn1":
        nodes, alerts = asn1_server.serve_asn1(state, message.use_case or "", tree, now, identity.certificates)
        return Payload("asn1", nodes), alerts
    return Payload("asn1", [{"tag": "02", "hex": "01"}]), []


def _next_alert_counter(state: dict) -> int:
    state["alert_counter"] = state.get("alert_counter", 0x4000) + 1
    return state["alert_counter"]


def _alert(identity: DeviceIdentity, state: dict, recipient: str, spec: dict, now: datetime) -> bytes | None:
    if spec.get("kind") == "device-log-changed":
        entries = [{"type": "structure", "items": [{"type": "octet-string", "hex": e["device_id"].lower()},
                                                  {"type": "octet-string", "hex": ""}]}
                   for e in state.get("device_log", [])]
        body = {"type": "structure", "items": [
            {"type": "long-unsigned", "value": CS14_ALERT_CODE},
            {"type": "octet-string", "hex": dlms_date_time(now).hex()},
            {"type": "array", "items": entries}]}
        payload = Payload("dlms-data-notification", {"invoke_id": f"{_next_alert_counter(state) & 0xFFFFFFFF:08x}",
                                                      "date_time": None, "body": [body]})
        return gbcs.build(cra="alert", counter=_next_alert_counter(state), originator=identity.device_id,
                          recipient=recipient, message_code=CS14_MESSAGE_CODE, payload=payload, keys=identity.keys)
    if spec.get("kind") == "future-dated-executed":
        reference = (spec["message_code"].to_bytes(2, "big") + spec["counter"].to_bytes(8, "big"))
        body = {"type": "structure", "items": [
            {"type": "long-unsigned", "value": FUTURE_DATED_ALERT_CODE},
            {"type": "octet-string", "hex": dlms_date_time(now).hex()},
            {"type": "octet-string", "hex": reference.hex()},
            {"type": "array", "items": [{"type": "enum", "value": r["result"]} for r in spec["results"]]}]}
        payload = Payload("dlms-data-notification", {"invoke_id": f"{_next_alert_counter(state) & 0xFFFFFFFF:08x}",
                                                      "date_time": None, "body": [body]})
        return gbcs.build(cra="alert", counter=_next_alert_counter(state), originator=identity.device_id,
                          recipient=recipient, message_code=FDA_DLMS, payload=payload, keys=identity.keys)
    if spec.get("kind") == "firmware-received":
        body = {"type": "structure", "items": [
            {"type": "long-unsigned", "value": FIRMWARE_RECEIPT_ALERT_CODE},
            {"type": "octet-string", "hex": dlms_date_time(now).hex()},
            {"type": "octet-string", "hex": spec["hash"]}]}
        payload = Payload("dlms-data-notification", {"invoke_id": f"{_next_alert_counter(state) & 0xFFFFFFFF:08x}",
                                                      "date_time": None, "body": [body]})
        code = FDRA_ZIGBEE if identity.device_type in ("GSME", "GPF") else FDRA_DLMS
        return gbcs.build(cra="alert", counter=_next_alert_counter(state), originator=identity.device_id,
                          recipient=recipient, message_code=code, payload=payload, keys=identity.keys)
    return None


def run_due(identity: DeviceIdentity, state: dict, now: datetime | None = None) -> DeviceReply:
    """Execute the future-dated commands whose time has come; each raises its 0x8F66 alert."""
    now = now or datetime.now(timezone.utc)
    pending, alerts = [], []
    for item in state.get("future", []):
        if datetime.fromisoformat(item["at"]) > now:
            pending.append(item)
            continue
        cosem.advance_consumption(state, now)
        response, _ = cosem.serve_access_request(state, item["request"], now)
        alert = _alert(identity, state, item["originator"], {
            "kind": "future-dated-executed", "message_code": item["message_code"], "counter": item["counter"],
            "results": response["results"]}, now)
        if alert:
            alerts.append(alert)
    state["future"] = pending
    return DeviceReply(alerts=alerts)


def receive_firmware(identity: DeviceIdentity, state: dict, image: bytes, version: str, notify: str,
                     now: datetime | None = None) -> DeviceReply:
    """A firmware image delivered to the device: held pending activation, with a receipt alert."""
    now = now or datetime.now(timezone.utc)
    digest = asn1_server.receive_image(state, image, version)
    alert = _alert(identity, state, notify, {"kind": "firmware-received", "hash": digest}, now)
    return DeviceReply(alerts=[alert] if alert else [])


