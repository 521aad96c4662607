"""8.6 Service Opt In: the DCC re-enrols a device (one 8.5 opted out is served again) and answers with its Access
Control Broker credentials, for the supplier to place on the device."""
from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization

import gbcs
from dccsim.duis.ids import dashed
from dccsim.duis.outcomes import HTTP_503_UNAVAILABLE, I0, DuisRejection
from dccsim.duis.responses import add
from dccsim.db.connection import DccConnection
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.inventory import repository as repo
from dccsim.inventory.models import OPTED_OUT


@handles("8.6", target=Target.BODY)
async def service_opt_in(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    signing = services.smki.gbcs(services.dcc_entity_id, gbcs.SIGNING)
    agreement = services.smki.gbcs(services.dcc_entity_id, gbcs.KEY_AGREEMENT)
    if agreement is None:
        raise DuisRejection(HTTP_503_UNAVAILABLE, "the DCC holds no usable Access Control Broker key-agreement "
                                                    "certificate to give (outside its validity period under "
                                                    "--strict-validity)")
    body = ctx.body
    mpxns = body.get("MPxNs") or {}
    changes = {column: str(mpxns[name]) for name, column in (
        ("ImportMPxN", "import_mpxn"), ("SecondaryImportMPAN", "secondary_import_mpan"),
        ("ExportMPAN", "export_mpan")) if name in mpxns}
    attributes = dict(ctx.device.attributes)
    attributes["opt_in_date"] = str(body.get("OptInDate"))
    attributes.pop(OPTED_OUT, None)
    await services.inventory.update_device(conn, ctx.device.device_id, attributes=attributes, **changes)
    await repo.opt_in(conn, ctx.device.device_id, ctx.user.entity_id, body["OptInDate"])

    def der64(credential) -> str:
        return base64.b64encode(credential.certificate.public_bytes(serialization.Encoding.DER)).decode()

    def fill(message):
        opt_in = add(message, "DSPOptIn")
        add(opt_in, "DeviceID", dashed(ctx.device.device_id))
        if signing is not None:
            add(opt_in, "DSPBrokerSecurityCredentialsDigitalSigning", der64(signing))
        add(opt_in, "DSPBrokerSecurityCredentialsKeyAgreement", der64(agreement))

    return Reply(I0, fill)
