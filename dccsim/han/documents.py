"""The signed DUIS documents the DCC's side of the HAN sends Users: a device job's Response, a device's alert,
and the DCC's own alerts, each as an ``Outgoing`` message for the outbox."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


from dccsim.duis.ids import RequestId, dashed
from dccsim.duis.outcomes import Code
from dccsim.duis.responses import BodyFiller, Heading, canonical_leaf, dcc_alert, device_alert, service_response_bytes
from dccsim.duis.xmldsig import DuisSigner

SCHEMA_VERSION = "5.4"


class OutgoingKind(enum.StrEnum):
    """What an outgoing message is (the outbox and the message log say so)."""

    RESPONSE = "response"
    DEVICE_ALERT = "device-alert"
    DCC_ALERT = "dcc-alert"


@dataclass(frozen=True)
class Outgoing:
    """A signed DUIS document for a user, with its log identity."""

    user_id: str
    kind: OutgoingKind
    body: bytes
    request_id: str | None
    response_id: str | None


def job_response(signer: DuisSigner, *, user_id: str, request_id: str, reference: str, variant: str, code: Code,
                 moment: datetime, gbcs_payload: str | None = None, schedule_id: int | None = None) -> Outgoing:
    """The Response to a device Service Request: its outcome code, and (I0) the device's GBCS response, in a
    DSPScheduledMessage when a DCC schedule sent the command."""
    response_id = RequestId.parse(request_id).response_id() if gbcs_payload is not None else None

    if gbcs_payload is None:
        content = ""
    elif schedule_id is not None:
        content = ("<sr:DSPScheduledMessage>" + canonical_leaf("GBCSPayload", gbcs_payload)
                   + canonical_leaf("DSPScheduleID", schedule_id) + "</sr:DSPScheduledMessage>")
    else:
        content = canonical_leaf("GBCSPayload", gbcs_payload)
    document = service_response_bytes(Heading(schema_version=SCHEMA_VERSION, code=code, service_reference=reference,
                                              service_reference_variant=variant, request_id=request_id,
                                              response_id=response_id, moment=moment), content.encode())
    return Outgoing(user_id, OutgoingKind.RESPONSE, signer.sign_canonical_to_bytes(document), request_id,
                    response_id)


def device_alert_to(signer: DuisSigner, *, user_id: str, device_id: str, alert_code: int, frame: bytes,
                    counter: int, request_id: str | None, moment: datetime,
                    throttled: tuple[int, int] | None = None) -> Outgoing:
    """A device's alert passed on to a User (DeviceAlertMessage with the alert's GBCS frame); ``throttled`` is
    its (ThrottledAlertSequenceId, ThrottledAlertCount) while the DCC throttles its code (SECMP0062)."""
    response_id = f"{dashed(device_id)}:{dashed(user_id)}:{counter}"
    sequence, count = throttled if throttled is not None else (None, None)
    document = device_alert(schema_version=SCHEMA_VERSION, alert_code=alert_code, gbcs_payload=frame,
                            response_id=response_id, moment=moment, throttled_sequence=sequence,
                            throttled_count=count)
    return Outgoing(user_id, OutgoingKind.DEVICE_ALERT, signer.sign_to_bytes(document), request_id, response_id)


def dcc_alert_to(signer: DuisSigner, *, dcc_entity_id: str, user_id: str, code: str, fill: BodyFiller,
                 moment: datetime, request_id: str | None = None) -> Outgoing:
    """One of the DCC's own alerts (N…, AD1) to a User; its ResponseID counts in microseconds of ``moment``."""
    stamp = int(moment.timestamp() * 1_000_000)
    response_id = f"{dashed(dcc_entity_id)}:{dashed(user_id)}:{stamp}"
    document = dcc_alert(schema_version=SCHEMA_VERSION, alert_code=code, fill=fill, response_id=response_id,
                         moment=moment)
    return Outgoing(user_id, OutgoingKind.DCC_ALERT, signer.sign_to_bytes(document), request_id, response_id)
