"""Device Service Requests: command variants 1–8 on the DCC side, from DUIS request to GBCS command.

CV 1 sends the command to the device (I99 now, the Response later through the outbox); CV 2 returns the
command for local delivery; CV 3 does both. Critical requests go through the transform service (CV 4
returns the Pre-Command) and come back signed (CV 5 / 6 / 7) with the transform request's RequestID;
the DCC checks the signature against the user's GBCS signing certificate and adds its MAC. Pre-Commands
are issued as in the RTDS (the signer appends 0x40 and the signature); where the simulator is set to issue
them with an empty signature-length byte (0x00), as some DCC test systems do, the signer replaces that byte.

The command is originated by the User when the device knows it as a Remote Party, else by the Access
Control Broker on its behalf (with the DCC's own counter and the business originator in the
other-information, see ``dccsim.han.commands.builder``).
"""
from __future__ import annotations

import base64
import json
from dataclasses import replace

import gbcs
from dccsim.catalogue import CATALOGUE
from dccsim.db.connection import DccConnection
from dccsim.db.on_demand import OnDemandTransaction
from dccsim.duis.ids import normalise_eui
from dccsim.duis.outcomes import E081111, E081204, E081222, E31, HTTP_400_SCHEMA, I0, I99, DuisRejection
from dccsim.duis.responses import add
from dccsim.han.commands.builder import build_command, execution_time
from dccsim.han.commands.values import all_values, text_of
from dccsim.han.origination import originate, precommand_bytes
from dccsim.han.identities import device_credentials
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.inventory import repository as repo

DEVICE_VARIANTS = (
    "8.5", "8.11", "8.12.1", "8.12.2", "8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.1.1", "8.9",
    "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.2", "4.3", "4.4.2", "4.4.3", "4.4.4", "4.4.5", "4.6.1", "4.6.2",
    "4.8.1", "4.8.2", "4.8.3", "4.10", "4.11.1", "4.11.2", "4.12.1", "4.12.2", "4.13", "4.14", "4.15", "4.16",
    "4.17", "4.18", "11.2", "11.3", "6.24.1", "6.24.2", "1.1.1", "2.2", "3.3",
    "7.1", "7.2", "7.3", "7.4", "1.5", "1.6", "2.3", "2.5", "1.2.1", "1.2.2", "1.1.2",
    "1.7", "3.1", "3.2", "3.4", "3.5", "2.1",
    "7.5", "7.6", "7.7", "7.8", "7.9", "7.10", "7.11", "7.12", "7.13", "7.14", "7.15", "7.16", "9.1", "14.1",
    # device configuration (DUIS 6.x)
    "6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.2.5", "6.2.7", "6.2.8", "6.2.9", "6.2.10", "6.4.1", "6.4.2", "6.5", "6.6", "6.7", "6.8",
    "6.11", "6.12", "6.13", "6.14.1", "6.14.2", "6.14.3", "6.18.1", "6.18.2", "6.20.1", "6.20.2", "6.22", "6.25", "6.26", "6.27", "6.28", "6.29", "6.30", "6.31", "6.32",
    # security credentials: the Remote Party's own cells, change of supplier
    "6.15.1", "6.15.2", "6.17", "6.21", "6.23",
)

GBCS_VERSION = "4.0"


def _as_released(ctx: ServiceRequest, services: Services) -> dict:
    """The body as the release knows it: before V4.0 (SECMP0093) 8.9 had no ReadSecurityDetails, so the DCC
    reads the device log as it always did."""
    if ctx.spec.variant == "8.9" and not services.release.read_security_details:
        return {name: value for name, value in ctx.body.items() if name != "ReadSecurityDetails"}
    return ctx.body


def _install_code_check(ctx: ServiceRequest, services: Services) -> None:
    """CR1277 / E081111: a SMETS2 device's install code must be 32 hex characters (16 octets)."""
    if ctx.variant != "8.11" or str(ctx.body.get("RequestType")) != "Add" \
            or not services.release.install_code_length_check:
        return
    code = text_of(next(iter(all_values(ctx.body, "InstallCode")), ""))
    added = ctx.body.get("DeviceID")
    if len(code) != 32:
        raise DuisRejection(E081111, f"the install code of SMETS2 device {added} is {len(code)} characters, "
                                       f"not 32")


GAS_THRESHOLD_MAX = 281474976710655   # GBCS unsigned 48-bit (release note V4.0 §4.2)


def _gas_threshold_check(ctx: ServiceRequest) -> None:
    """1.1.1 on a GSME: BlockThreshold (Wh for SMETS2) is sr:GasThresholdType, at most 2^48 - 1."""
    if ctx.variant != "1.1.1" or ctx.device.device_type != "GSME":
        return
    for element in ctx.body_element.iter("{*}BlockThreshold"):
        text = (element.text or "").strip()
        if not text.isdigit() or int(text) > GAS_THRESHOLD_MAX:
            raise DuisRejection(HTTP_400_SCHEMA, f"BlockThreshold {text} is not a GasThresholdType "
                                                   f"(0..{GAS_THRESHOLD_MAX})")


@handles(*DEVICE_VARIANTS, target=Target.REQUEST_ID)
async def device_request(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    if await device_credentials(conn.reads, services.smki, ctx.device, services.han.inventory):
        services.han.credentials_changed()
    if ctx.command_variant in (5, 6, 7):
        return await _signed_precommand(ctx, conn, services)
    _install_code_check(ctx, services)
    _gas_threshold_check(ctx)
    spec, device = ctx.spec, ctx.device
    other_type = None
    if "OtherDeviceID" in ctx.body:
        other = await repo.get_device(conn, normalise_eui(str(ctx.body["OtherDeviceID"])))
        other_type = other.device_type if other else None
    body = await _with_restore_backup(conn, spec.variant, ctx.body) if spec.variant in _RESTORES \
        else _as_released(ctx, services)
    command = build_command(spec.variant, spec.gbcs_use_cases, device, body, critical=spec.critical,
                            now=ctx.received_at, other_type=other_type, device_dated=spec.future_dated != "DSP",
                            originator=ctx.request_id.originator, counter=ctx.request_id.counter,
                            requester_roles=tuple(str(role) for role in ctx.acting_roles))
    message = await originate(conn, device, command, user=ctx.request_id.originator, counter=ctx.request_id.counter,
                              critical=spec.critical, acb_entity_id=services.dcc_entity_id,
                              inventory=services.han.inventory)
    if ctx.command_variant == 4:
        precommand = precommand_bytes(message, empty_signature_byte=services.precommand_empty_signature_byte)
        await conn.execute(
            "INSERT INTO precommand (request_id, user_id, device_id, variant, message_code, body) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id) DO NOTHING",
            ctx.request_id_text, ctx.request_id.originator, device.device_id, spec.variant,
            command.message_code, precommand)

        def fill(response):
            pre = add(response, "PreCommand")
            add(pre, "GBCSVersion", GBCS_VERSION)
            add(pre, "GBCSPayload", base64.b64encode(precommand).decode())

        return Reply(I0, fill)
    frame = gbcs.encode(replace(message, ciphered=True), services.han.keys.store())
    return await _dispatch(ctx, conn, services, frame, send=ctx.command_variant in (1, 3),
                           local=ctx.command_variant in (2, 3))


# 8.12.1 / 8.12.2: the element naming the old device, and the answer when the DCC holds no backup of its log.
_RESTORES = {"8.12.1": ("OldCHFID", E081204), "8.12.2": ("OldGPFID", E081222)}


async def _with_restore_backup(conn: DccConnection, variant: str, body: dict) -> dict:
    """8.12.1 / 8.12.2: the request names the old hub or GPF; the DCC adds the device-log backup it holds for it
    (the latest CS14 / GCS62 alert). Without one there is nothing to restore: the new device's log is left as
    it is and the request refused."""
    element, no_backup = _RESTORES[variant]
    old = normalise_eui(str(body.get(element, "")))
    if variant == "8.12.1":
        row = await conn.fetchrow("SELECT extended_pan_id, entries FROM chf_log_backup WHERE chf_id = $1", old)
    else:
        row = await conn.fetchrow("SELECT entries FROM gpf_log_backup WHERE gpf_id = $1", old)
    if row is None:
        raise DuisRejection(no_backup, f"the DCC holds no backup of the device log of {body.get(element)}")
    entries = json.loads(row["entries"]) if isinstance(row["entries"], str) else row["entries"]
    restored = {**body, "RestoreEntries": entries}
    if variant == "8.12.1":
        restored["RestorePAN"] = row["extended_pan_id"]
    return restored


async def _signed_precommand(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    row = await conn.fetchrow("SELECT * FROM precommand WHERE request_id = $1 FOR UPDATE", ctx.request_id_text)
    if row is None or row["user_id"] != ctx.request_id.originator:
        raise DuisRejection(E31, "no Pre-Command was issued for this RequestID")
    if row["used_at"] is not None:
        raise DuisRejection(E31, "this Pre-Command has already been signed and sent")
    element = ctx.body_element
    payload_text = next((c.text for c in element if isinstance(c.tag, str) and c.tag.endswith("GBCSPayload")), "")
    try:
        signed = base64.b64decode("".join((payload_text or "").split()), validate=True)
    except ValueError:
        raise DuisRejection(E31, "the Signed Pre-Command is not base64") from None
    precommand = bytes(row["body"])
    body = signed[:-65]
    if not (body == precommand or body == precommand[:-1] and precommand.endswith(b"\x00")) \
            or signed[-65:-64] != b"\x40":
        raise DuisRejection(E31, "the Signed Pre-Command does not match the Pre-Command issued")
    candidates = services.smki.all_gbcs(ctx.request_id.originator, gbcs.SIGNING, now=ctx.received_at)
    if not candidates:
        raise DuisRejection(E31, "no GBCS signing certificate is known for this User")
    message = _verified_precommand(signed, [c.certificate.public_key() for c in candidates])
    if message is None:
        raise DuisRejection(E31, "the Signed Pre-Command's signature does not verify with any GBCS signing "
                                   "certificate of this User")
    await conn.execute("UPDATE precommand SET used_at = now() WHERE request_id = $1", ctx.request_id_text)
    frame = gbcs.encode(replace(message, ciphered=True, mac=None), services.han.keys.store())
    return await _dispatch(ctx, conn, services, frame, send=ctx.command_variant in (5, 7),
                           local=ctx.command_variant in (6, 7), variant=row["variant"])


def _verified_precommand(signed: bytes, public_keys: list) -> gbcs.Message | None:
    """The signed Pre-Command, its signature checked against the User's GBCS signing certificates."""
    for public_key in public_keys:
        try:
            return gbcs.verify_signed_precommand(signed, public_key)
        except gbcs.GbcsError:
            continue
    return None


async def _dispatch(ctx: ServiceRequest, conn: DccConnection, services: Services, frame: bytes, *, send: bool,
                    local: bool, variant: str | None = None) -> Reply:
    if send:
        spec = CATALOGUE.get(variant or ctx.spec.variant)
        when = execution_time(ctx.body)
        # DSP future dating: the DCC holds the command until its execution time.
        not_before = when if spec.future_dated == "DSP" and when is not None and when > ctx.received_at else None
        await services.han.jobs.add(conn, request_id=ctx.request_id_text, user_id=ctx.request_id.originator,
                                    device=ctx.device, variant=spec.variant, frame=frame, not_before=not_before,
                                    last=isinstance(conn, OnDemandTransaction))
    if not local:
        return Reply(I99)

    def fill(response):
        add(add(response, "LocalCommand"), "GBCSPayload", base64.b64encode(frame).decode())

    return Reply(I0, fill)
