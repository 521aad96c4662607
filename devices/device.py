"""One emulated device: it authenticates a GBCS command, executes it on its state, and answers.

A device acts only on what GBCS lets it:

1. the command is addressed to it and MAC'd by the Access Control Broker of its trust-anchor cell, with an
   originator counter above the last it accepted from that originator (replays are refused);
2. a critical command (``devices.use_cases``) carries a signature that verifies against the digital-signing
   cell of a Remote Party allowed to sign that use case — a command signed by anyone else is refused;
3. its kind (the class of its state) serves the use case (``devices.device_types``); otherwise it stays silent
   and raises a "Command not supported" alert (0x8F85) to the originator;
4. a future-dated command is held until its time (``devices.future_dated``); a cancellation drops the held
   commands of its kind.
5. a top-up (CS01a, CS01b) credits only a UTRN that authenticates under the Supplier's prepayment cell and
   passes the UTRN counter rule (``devices.top_ups``); a refused one is answered with the refusal.

It answers with a response for the command's originator — signed with its own key if the command was
signed, else MAC'd — and raises the alerts the use case calls for (``devices.alerts``), each addressed to
its own recipient.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import gbcs
from devices import (alerts, apc, asn1_server, chf, cosem, credential_updates, device_credentials, esme,
                     firmware, future_dated, gas_clusters, top_ups, use_cases, zcl)
from devices.device_types import kind, serves
from devices.errors import MalformedRequest
from devices.state import (ASN1, DLMS_REQUEST, GBZ, ApcState, ChfState, DeviceState, EsmeState, FirmwareActivation,
                           GpfState, GsmeState, HcalcsState, HeldCommand, PpmidState, SecurityEvent)
from devices.trust_anchors import DeviceKeys, signature_roles
from gbcs import Check, Cra, KeyUsage, Payload, SignatureField

SECURITY_LOG_SIZE = 100
# The ZCL Default Response a device gives for each part of a GBZ command it holds for later.
ZCL_DEFAULT_RESPONSE, ZCL_SUCCESS = 0x0B, 0x00
DLMS_RESPONSE = "dlms-access-response"
CREDENTIAL_UPDATES = frozenset({"CS02b", "CS02g"})
OWN_CREDENTIALS = {"CS02c": device_credentials.issue, "CS02d": device_credentials.update}


@dataclass
class DeviceReply:
    """What the device sent back: a response (or why it stayed silent) and alerts."""

    response: bytes | None = None
    alerts: list[bytes] = field(default_factory=list)
    refused: str | None = None


@dataclass
class DeviceIdentity:
    """A device's own keys and certificates (what it is is its state's kind)."""

    device_id: str
    keys: gbcs.StaticKeyStore       # the device's own key pairs (issued by the SMKI test PKI)
    certificates: dict[str, bytes] = field(default_factory=dict)   # its own ds / ka certificates (DER)
    directory: gbcs.KeyStore | None = None   # organisations' key-agreement certificates, for answering them


def device_keys(identity: DeviceIdentity, state: DeviceState) -> DeviceKeys:
    return DeviceKeys(identity.device_id, identity.keys, state, identity.directory)


def _security_event(state: DeviceState, now: datetime, event: str) -> None:
    state.security_log.append(SecurityEvent(now, event))
    del state.security_log[:-SECURITY_LOG_SIZE]


def _refuse(state: DeviceState, now: datetime, reason: str, reply_alerts: list[bytes] | None = None) -> DeviceReply:
    _security_event(state, now, reason)
    return DeviceReply(refused=reason, alerts=reply_alerts or [])


def _signature_problem(state: DeviceState, message: gbcs.Message, use_case: str, critical: bool) -> str | None:
    signed = message.signature_field == SignatureField.PRESENT
    if not signed:
        return "critical command without a signature" if critical else None
    roles = signature_roles(state, message.originator)
    if not roles:
        return f"signed by {message.originator}, which holds no trust-anchor cell of this device"
    if not set(roles) & set(use_cases.signers(use_case)):
        return f"{use_case} signed by the {'/'.join(roles)} cell, not by a Remote Party allowed to sign it"
    if message.verification.signature != Check.VERIFIED:
        return f"signature {message.verification.signature}"
    return None


def handle_command(identity: DeviceIdentity, state: DeviceState, frame: bytes, now: datetime) -> DeviceReply:
    """Process one frame addressed to the device (state is changed in place)."""
    keys = device_keys(identity, state)
    try:
        message = gbcs.decode(frame, keys)
    except gbcs.GbcsError as exc:
        return _refuse(state, now, f"malformed: {exc}")
    if message.recipient != identity.device_id:
        return DeviceReply(refused="not addressed to this device")
    if message.cra != Cra.COMMAND:
        return _refuse(state, now, "not a command")
    if message.verification.mac == Check.FAILED and keys.replaced(KeyUsage.KEY_AGREEMENT):
        # Re-keyed, the device keeps its former key-agreement key for the DCC that has not yet learnt the new one.
        message = gbcs.decode(frame, DeviceKeys(identity.device_id, identity.keys, state, identity.directory,
                                                issued=True))
    if not message.ciphered or message.verification.mac != Check.VERIFIED:
        return _refuse(state, now, f"MAC {message.verification.mac}")
    last = state.counters.get(message.originator, -1)
    if message.counter <= last:
        return _refuse(state, now, f"replay: counter {message.counter} not above {last}")
    use_case = message.use_case or ""
    critical = use_cases.is_critical(message.message_code)
    problem = _signature_problem(state, message, use_case, critical)
    if problem is not None:
        return _refuse(state, now, problem)
    state.counters[message.originator] = message.counter
    if not serves(state.KIND, use_case):
        alert = _not_supported(identity, keys, state, message, now)
        return _refuse(state, now, f"a {state.KIND} does not serve {use_case or 'this command'}", [alert])
    if isinstance(state, ChfState):
        cosem.advance_consumption(state, now)
    try:
        payload, specs = _execute(identity, keys, state, message, now)
    except MalformedRequest as exc:
        return _refuse(state, now, f"malformed: {exc}")
    signed = message.signature_field == SignatureField.PRESENT
    try:
        response = gbcs.build(cra=Cra.RESPONSE, counter=message.counter, originator=identity.device_id,
                              recipient=message.originator, message_code=message.message_code, payload=payload,
                              keys=keys, other_info_extra=message.other_info_extra, sign=signed,
                              ciphered=not signed, empty_signature_field=not signed)
    except gbcs.UsageError as exc:
        return _refuse(state, now, f"cannot answer {message.originator}: {exc}")
    return DeviceReply(response=response, alerts=_raise(identity, keys, state, specs, message, now))


def _not_supported(identity: DeviceIdentity, keys: DeviceKeys, state: DeviceState, message: gbcs.Message,
                   now: datetime) -> bytes:
    """GBCS 7.2.9.1: the command's message code and counter, back to its originator."""
    reference = alerts.command_reference(message.message_code, message.counter)
    if kind(state).alert_format == "dlms":
        payload = alerts.dlms_payload(state, 0x8F85, now, {"type": "octet-string", "hex": reference.hex()})
        message_code = alerts.NOT_SUPPORTED
    else:
        payload = alerts.gbz_payload(0x8F85, now, bytes([len(reference)]) + reference, count=0)
        message_code = alerts.GENERIC_CRITICAL
    return alerts.frame(identity.device_id, keys, state, code=0x8F85, message_code=message_code, payload=payload,
                        recipient=message.originator, other_info_extra=message.other_info_extra)


def _acknowledgement(payload_kind: str, tree) -> Payload:
    """The answer to a command held for later (or cancelled): every part accepted, nothing run yet."""
    if payload_kind == DLMS_REQUEST:
        results = [{"choice": s["choice"].split("-")[0], "result": 0} for s in tree.get("specs", [])]
        return Payload(DLMS_RESPONSE, {"invoke_id": tree["invoke_id"], "date_time": None,
                                       "data": [{"type": "null"} for _ in results], "results": results})
    held = tree.get("components", [])
    # a Default Response goes the other way from the command it answers (ZCL frame control bit 3: direction)
    components = [{"control": 1 if index == len(held) - 1 else 0, "cluster": c["cluster"],
                   "frame_control": 0 if c["frame_control"] & 0x08 else 0x08,
                   "sequence": c["sequence"], "command": ZCL_DEFAULT_RESPONSE,
                   "payload": bytes([c["command"], ZCL_SUCCESS]).hex()} for index, c in enumerate(held)]
    return Payload(GBZ, {"count": len(components), "components": components})


def _entry(identity: DeviceIdentity, keys: DeviceKeys | None, message: gbcs.Message | None) -> top_ups.Entry:
    """Where a UTRN in the command comes from: the device's keys, the command's originator and counter."""
    return top_ups.Entry(identity.device_id, keys, message.originator if message is not None else None,
                         message.counter if message is not None else None)


def _run(identity: DeviceIdentity, state: DeviceState, payload_kind: str, tree, use_case: str, message_code: int,
         now: datetime, message: gbcs.Message | None = None, keys: DeviceKeys | None = None) -> tuple[Payload, list]:
    if payload_kind == DLMS_REQUEST:
        if isinstance(state, ChfState):
            response, specs = chf.serve(state, tree, message_code, now)
        elif isinstance(state, EsmeState):
            response, specs = cosem.serve_access_request(state, tree, now, _entry(identity, keys, message))
        elif isinstance(state, ApcState):
            response, specs = apc.serve(state, tree, now)
        else:
            raise LookupError(f"a {state.KIND} has no DLMS COSEM server, yet it serves {use_case}")
        return Payload(DLMS_RESPONSE, response), specs
    if payload_kind == GBZ:
        if not isinstance(state, (GsmeState, GpfState, PpmidState, HcalcsState)):
            raise LookupError(f"a {state.KIND} has no ZigBee server, yet it serves {use_case}")
        response, specs = zcl.serve_gbz(state, tree, now, device_id=identity.device_id, use_case=use_case,
                                        entry=_entry(identity, keys, message))
        return Payload(GBZ, response), specs
    if payload_kind == ASN1:
        nodes, specs = asn1_server.serve_asn1(state, use_case, tree, now, identity.certificates)
        return Payload(ASN1, nodes), specs
    return Payload(ASN1, [{"tag": "02", "hex": "01"}]), []


def _execute(identity: DeviceIdentity, keys: DeviceKeys, state: DeviceState, message: gbcs.Message, now: datetime):
    payload_kind, tree = message.payload.kind, message.payload.tree
    use_case = message.use_case or ""
    if use_case == "CS06":
        return _activate_firmware(state, message, now)
    if use_case in CREDENTIAL_UPDATES:
        return _update_credentials(state, message, now)
    if use_case in OWN_CREDENTIALS:
        return Payload(ASN1, OWN_CREDENTIALS[use_case](state, identity.device_id, message)), []
    timing = future_dated.timing(payload_kind, tree, now)
    native = future_dated.native(state, payload_kind, timing)
    if timing.cancel:
        future_dated.cancel(state, message.message_code)
        if native:
            return _run(identity, state, payload_kind, tree, use_case, message.message_code, now, message, keys)
        return _acknowledgement(payload_kind, tree), []
    if timing.at is not None:
        future_dated.hold(state, at=timing.at, originator=message.originator, counter=message.counter,
                          message_code=message.message_code, kind=payload_kind, request=tree, targets=timing.targets,
                          use_case=use_case, watch=native)
        if native:
            return _run(identity, state, payload_kind, tree, use_case, message.message_code, now, message, keys)
        return _acknowledgement(payload_kind, tree), []
    return _run(identity, state, payload_kind, tree, use_case, message.message_code, now, message, keys)


def _activate_firmware(state: DeviceState, message: gbcs.Message, now: datetime):
    digest, reference, when, cancel = firmware.activation_request(asn1_server.primitives(message.payload.tree))
    if cancel:
        future_dated.cancel(state, message.message_code)
        return Payload(ASN1, [{"tag": "05", "hex": ""}]), []
    if when is not None and when > now:
        future_dated.cancel(state, message.message_code)
        future_dated.hold(state, at=when, originator=message.originator, counter=message.counter,
                          message_code=message.message_code, kind=ASN1, request=message.payload.tree, targets=(),
                          use_case="CS06", firmware=FirmwareActivation(digest, reference))
        return Payload(ASN1, [{"tag": "05", "hex": ""}]), []
    result, version = firmware.activate(state, digest)
    return Payload(ASN1, firmware.activation_response(result, version)), []


def _update_credentials(state: DeviceState, message: gbcs.Message, now: datetime):
    """CS02b / CS02g: run now, or hold until the execution time the command carries (a cancellation drops
    the held one); a held one is answered 'accepted' and reports its outcome in an alert at its time."""
    cancel, when = credential_updates.execution_time(message)
    if cancel:
        future_dated.cancel(state, message.message_code)
        return Payload(ASN1, credential_updates.accepted()), []
    if when is not None and when > now:
        future_dated.hold(state, at=when, originator=message.originator, counter=message.counter,
                          message_code=message.message_code, kind=ASN1, request=message.payload.tree, targets=(),
                          use_case=message.use_case or "CS02b")
        return Payload(ASN1, credential_updates.accepted()), []
    nodes, specs = credential_updates.serve(state, message, now)
    return Payload(ASN1, nodes), specs


def _raise(identity: DeviceIdentity, keys: DeviceKeys, state: DeviceState, specs: list, message: gbcs.Message | None,
           now: datetime) -> list[bytes]:
    """Alert frames for the alert specs a command's execution produced."""
    frames = []
    originator = message.originator if message is not None else None
    for spec in specs:
        if spec.get("kind") == "device-log-changed" and isinstance(state, ChfState):
            payload = alerts.dlms_payload(state, chf.CS14_ALERT, now, *chf.cs14_body(state, now))
            code, message_code = chf.CS14_ALERT, alerts.CS14
        elif "code" in spec and "payload" in spec:
            code, message_code, payload = spec["code"], spec["message_code"], spec["payload"]
        else:
            continue
        if not _sends(state, code):
            continue
        for recipient in alerts.recipients(state, code, originator):
            frames.append(alerts.frame(identity.device_id, keys, state, code=code, message_code=message_code,
                                       payload=payload, recipient=recipient))
    return frames


def _sends(state: DeviceState, code: int) -> bool:
    """Whether the device sends alert ``code`` over the WAN: a meter as its alert behaviours (6.22) say."""
    if isinstance(state, EsmeState):
        return esme.sends_alert(state, code)
    if isinstance(state, GsmeState) and state.gas is not None:
        return gas_clusters.sent_over_the_wan(state.gas, code)
    return True


def _succeeded(payload: Payload) -> bool:
    """Whether every part of a command ran: DLMS results, or the status of GBZ Default Responses."""
    tree = payload.tree
    if payload.kind == DLMS_RESPONSE:
        return all(r["result"] == 0 for r in tree.get("results", []))
    if payload.kind == GBZ:
        statuses = [bytes.fromhex(c["payload"])[1:2] for c in tree.get("components", [])
                    if c["command"] == ZCL_DEFAULT_RESPONSE]
        return all(status in (b"", bytes([ZCL_SUCCESS])) for status in statuses)
    return True


def _executed_alerts(identity: DeviceIdentity, keys: DeviceKeys, state: DeviceState, item: HeldCommand,
                     payload: Payload) -> list[bytes]:
    """0x8F66 (or 0x8F67) for each part of a held command that ran, to the command's originator."""
    code = 0x8F66 if _succeeded(payload) else 0x8F67
    reference = alerts.command_reference(item.message_code, item.counter)
    targets = list(item.targets)
    frames = []
    if item.payload_kind == GBZ:
        for cluster, frame_control, command in targets or [(0, 0, 0)]:
            tail = reference + int(cluster).to_bytes(2, "big") + bytes([int(frame_control), command])
            frames.append(alerts.frame(identity.device_id, keys, state, code=code, message_code=alerts.FDA_ZIGBEE,
                                       payload=alerts.gbz_payload(code, item.at, bytes([len(tail)]) + tail),
                                       recipient=item.originator))
        return frames
    if not targets:
        first = (item.request.get("specs") or [{}])[0]
        targets = [(first.get("class", 0), first.get("obis", "000000000000"),
                    first.get("attribute", first.get("method", 0)))]
    for cls, obis, attribute in targets:
        detail = reference + int(cls).to_bytes(2, "big") + bytes.fromhex(str(obis)) + bytes([int(attribute)])
        payload = alerts.dlms_payload(state, code, item.at, {"type": "octet-string", "hex": detail.hex()})
        frames.append(alerts.frame(identity.device_id, keys, state, code=code, message_code=alerts.FDA_DLMS,
                                   payload=payload, recipient=item.originator))
    return frames


def run_due(identity: DeviceIdentity, state: DeviceState, now: datetime) -> DeviceReply:
    """Execute the future-dated commands whose time has come; each raises its 0x8F66 / 0x8F67 alert."""
    keys = device_keys(identity, state)
    frames: list[bytes] = []
    for item in future_dated.due(state, now):
        if item.firmware is not None:
            result, version = firmware.activate(state, item.firmware.hash)
            frames.append(firmware.activation_alert(
                identity.device_id, keys, state, originator=item.originator, when=item.at,
                reference=item.firmware.reference, result=result, version=version))
            continue
        if item.use_case in CREDENTIAL_UPDATES:
            code, payload = credential_updates.run_held(state, item.request, item.message_code, item.originator,
                                                        item.at)
            frames.append(alerts.frame(identity.device_id, keys, state, code=code, recipient=item.originator,
                                       message_code=credential_updates.ALERT_MESSAGE_CODES[item.message_code],
                                       payload=payload))
            continue
        if isinstance(state, ChfState):
            cosem.advance_consumption(state, now)
        request = future_dated.idle_request(item.payload_kind) if item.watch else \
            future_dated.made_immediate(item.payload_kind, item.request)
        payload, specs = _run(identity, state, item.payload_kind, request, item.use_case, item.message_code, now)
        if item.watch:     # the model took its own staged values into force: nothing failed
            payload = Payload(payload.kind, {"results": [], "components": []})
        frames.extend(_executed_alerts(identity, keys, state, item, payload))
        frames.extend(_raise(identity, keys, state, specs, None, now))
    return DeviceReply(alerts=frames)


def receive_firmware(identity: DeviceIdentity, state: DeviceState, image: bytes, now: datetime) -> DeviceReply:
    """An Upgrade Image delivered over the HAN: verified, held pending activation (a PPMID / HCALCS activates
    it), with the receipt alert to the device's Supplier (or the PPMID's activation alert to the ACB)."""
    parsed = firmware.parse_image(image)
    if parsed is None:
        return _refuse(state, now, "not an Upgrade Image (no OTA header)")
    keys = device_keys(identity, state)
    return DeviceReply(alerts=firmware.receive(identity.device_id, keys, state, parsed, now))


def raise_event(identity: DeviceIdentity, state: DeviceState, code: int, now: datetime) -> DeviceReply:
    """Something happened on the device that GBCS alerts on (alert code ``code``): the generic alert (critical
    or not, as the code is) to each Remote Party the alert table names."""
    if not _sends(state, code):
        return DeviceReply()
    keys = device_keys(identity, state)
    critical = alerts.info(code).critical
    message_code = alerts.GENERIC_CRITICAL if critical else alerts.GENERIC_NON_CRITICAL
    if kind(state).alert_format == "dlms":
        payload = alerts.dlms_payload(state, code, now)
    else:
        payload = alerts.gbz_payload(code, now, count=0)
    return DeviceReply(alerts=[alerts.frame(identity.device_id, keys, state, code=code, message_code=message_code,
                                            payload=payload, recipient=recipient)
                               for recipient in alerts.recipients(state, code)])
