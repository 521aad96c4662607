"""The S1SP carrying out a device job on a SMETS1 device: the instruction executed on the device's state, and
in the same transaction the device's new state, the S1SP's signed SMETS1 Response (and SMETS1 Alerts)
countersigned by the DCC, and the DCC alerts it causes (N49 / N50 / N51 against the CPL, N57). Every leg is in
the message log: the instruction to the S1SP, its signed response and alerts, the countersigning. A device or
hub set offline (``dccsim devices fault``) gives E21 / E20, as a SMETS2 one does."""
from __future__ import annotations

from cryptography import x509

from devices import smets1, state_codec
from dccsim.catalogue import CATALOGUE
from dccsim.duis.ids import RequestId, dashed
from dccsim.duis.outcomes import E20, E21, I0
from dccsim.duis.xmldsig import DuisSigner
from dccsim.han.context import HanContext
from dccsim.han.documents import Outgoing, job_response
from dccsim.han.job_queue import Job
from dccsim.han.processing import firmware_against_cpl
from dccsim.han.store import save
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceStatus
from dccsim.s1sp.alert_codes import FirmwareNotification
from dccsim.s1sp.documents import countersigned, s1sp_alert, s1sp_response
from dccsim.s1sp.notifications import firmware_notification
from dccsim.s1sp.profiles import S1SP_ENTITY_ID
from dccsim.s1sp.routes import S1_ROUTES
from dccsim.smki.store import CredentialStore

_SIGNERS: dict[int, DuisSigner] = {}


def s1sp_signer(smki: CredentialStore) -> DuisSigner:
    """The S1SP's XML signer (its credential in the test PKI)."""
    credential = smki.xml_signing(S1SP_ENTITY_ID)
    if credential is None or credential.private_key is None:
        raise LookupError(f"the S1SP {S1SP_ENTITY_ID} has no XML-signing key")
    signer = _SIGNERS.get(credential.serial)
    if signer is None:
        signer = _SIGNERS[credential.serial] = DuisSigner(credential.private_key, credential.certificate)
    return signer


def _serial(certificate: x509.Certificate) -> str:
    return f"{certificate.issuer.rfc4514_string()} / {certificate.serial_number}"


async def run_s1sp_job(han: HanContext, job: Job) -> None:
    """Carry out an S1SP job (once: a job found done does nothing)."""
    device = await han.inventory.device(job.device_id)
    unreachable = await _unreachable(han, job)
    async with han.db.pool.acquire() as conn:
        async with conn.transaction():
            if not await han.jobs.close(conn, job):
                return
            han.message_log.add(request_id=job.request_id, direction="out", kind="s1sp-request",
                                body=job.frame.decode(), user_id=job.user_id)
            spec = CATALOGUE.get(job.variant)
            if device is None or unreachable is not None:
                code = E20 if unreachable == "hub" else E21
                await save(conn, job.device_id, None, [job_response(
                    han.signer, user_id=job.user_id, request_id=job.request_id, reference=spec.reference,
                    variant=spec.variant, code=code, moment=han.clock.now())], delivers_here=han.delivers_here)
                return
            stored = await conn.fetchrow("SELECT state, version FROM device_state WHERE device_id = $1 FOR UPDATE",
                                         job.device_id)
            state = state_codec.decode(stored["state"]) if stored is not None else \
                smets1.first_contact(device.device_type, firmware_version=device.firmware_version)
            now = han.clock.now()
            instruction = smets1.decode_instruction(job.frame)
            outcome = smets1.execute(state, instruction, now)
            messages = [_response(han, job, outcome), *_alerts(han, job, outcome)]
            if outcome.success and isinstance(instruction, smets1.UpdateDeviceLog):
                await _device_log_changed(han, conn, device, instruction)
            messages.extend(await _consequences(han, conn, job, device, outcome))
            # A first state another host saved meanwhile is a conflict: the job runs again when its lease runs out.
            await save(conn, job.device_id, state, messages, delivers_here=han.delivers_here,
                       version=stored and stored["version"])


async def _unreachable(han: HanContext, job: Job) -> str | None:
    """'hub' or 'device' when the S1SP cannot reach the device (faults set on it or on its hub)."""
    if job.hub_id and job.hub_id != job.device_id and (await han.faults.faults(job.hub_id)).offline:
        return "hub"
    return "device" if (await han.faults.faults(job.device_id)).offline else None


def _response(han: HanContext, job: Job, outcome: smets1.Outcome) -> Outgoing:
    spec = CATALOGUE.get(job.variant)
    moment = han.clock.now()
    signer = s1sp_signer(han.smki)
    unsigned = s1sp_response(device_id=job.device_id, user_id=job.user_id,
                             counter=RequestId.parse(job.request_id).counter, route=S1_ROUTES[job.variant],
                             reference=spec.reference, outcome=outcome, moment=moment)
    signed = signer.sign_to_bytes(unsigned)
    han.message_log.add(request_id=job.request_id, direction="in", kind="s1sp-response", body=signed.decode(),
                        user_id=job.user_id)
    han.message_log.add(request_id=job.request_id, direction="out", kind="dcc-countersigning",
                        body=f"SMETS1 Response signed by the S1SP ({_serial(signer.certificate)}) countersigned "
                             f"by the DCC ({_serial(han.signer.certificate)})", user_id=job.user_id)
    return countersigned(han.signer, user_id=job.user_id, request_id=job.request_id,
                         response_id=RequestId.parse(job.request_id).response_id(), code=I0,
                         reference=spec.reference, variant=spec.variant, signed_by_s1sp=signed, moment=moment,
                         schedule_id=job.schedule_id)


def _alerts(han: HanContext, job: Job, outcome: smets1.Outcome) -> list[Outgoing]:
    """The device's alerts as SMETS1 Alerts, signed by the S1SP and countersigned, to the User whose request
    caused them."""
    signer = s1sp_signer(han.smki)
    messages = []
    for alert in outcome.alerts:
        moment = han.clock.now()
        signed = signer.sign_to_bytes(s1sp_alert(device_id=job.device_id, user_id=job.user_id, alert=alert,
                                                 moment=moment))
        han.message_log.add(request_id=job.request_id, direction="in", kind="s1sp-alert", body=signed.decode(),
                            user_id=job.user_id)
        messages.append(countersigned(han.signer, user_id=job.user_id, request_id=job.request_id,
                                      response_id=f"{dashed(job.device_id)}:{dashed(job.user_id)}:{alert.counter}",
                                      code=I0, signed_by_s1sp=signed, moment=moment))
    return messages


async def _device_log_changed(han: HanContext, conn, hub: Device, instruction: smets1.UpdateDeviceLog) -> None:
    """8.11 on a SMETS1 CH: a Pending device added is Whitelisted on the hub; one removed before it was
    installed is Pending again (as for a SMETS2 hub)."""
    target = await repo.get_device(conn, instruction.device_id)
    if target is None:
        return
    if instruction.add and target.status == DeviceStatus.PENDING:
        await han.inventory.update_device(conn, target.device_id, chf_id=hub.device_id,
                                          status=DeviceStatus.WHITELISTED)
    elif not instruction.add and target.status == DeviceStatus.WHITELISTED:
        await han.inventory.update_device(conn, target.device_id, chf_id=None, status=DeviceStatus.PENDING)


async def _consequences(han: HanContext, conn, job: Job, device: Device, outcome: smets1.Outcome) -> list[Outgoing]:
    """The DCC's processing of a successful SMETS1 Response: firmware versions against the CPL, N57."""
    if not outcome.success or job.variant not in ("11.2", "11.3"):
        return []
    messages: list[Outgoing] = []
    if han.release.firmware_cpl_alerts:
        messages += await firmware_against_cpl(han, conn, device, outcome.firmware_version,
                                               requester=job.user_id, trigger=job.variant,
                                               request_id=job.request_id)
    if job.variant == "11.3" and han.release.smets1_ppmid_firmware:
        messages += await firmware_notification(conn, han.signer, dcc_entity_id=han.dcc_entity_id, device=device,
                                                version=outcome.firmware_version or "",
                                                status=FirmwareNotification.ACTIVATION_SUCCESSFUL,
                                                moment=han.clock.now(), request_id=job.request_id)
    return messages
