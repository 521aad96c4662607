"""8.13 Return Local Command Response: a response collected by a locally delivered command comes back to
the DCC, which authenticates it and processes it as if it had arrived over the SM WAN."""
from __future__ import annotations

import gbcs
from dccsim.catalogue import CATALOGUE
from dccsim.duis.outcomes import E081301, E081302, E19, I99, DuisRejection
from dccsim.db.connection import DccConnection
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.inventory import repository as repo
from dccsim.han.dcc_alerts import enqueue_all
from dccsim.han.identities import device_credentials
from dccsim.han.processing import Answered, after_response

# The Service Requests whose local responses may be returned (DUIS 3.8.117.2, as amended by V4.0).
RETURNABLE = {"3.2", "6.8", "6.15.1", "6.14.1", "6.14.2", "6.14.3", "6.15.2", "6.21", "6.23", "8.7.1", "8.7.2",
              "8.8.1", "8.8.2", "8.11", "8.12.1", "8.12.2", "11.2", "11.3"}


@handles("8.13", target=Target.NONE)
async def return_local_command_response(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    body = ctx.body
    raw = body["DeviceGBCSResponse"]
    try:
        sender = await repo.get_device(conn, gbcs.decode(raw).originator)
        if sender is not None and await device_credentials(conn, services.smki, sender):
            services.han.credentials_changed()
        message = gbcs.decode(raw, services.han.keys.store())
    except gbcs.GbcsError as exc:
        raise DuisRejection(E081302, f"the device response is not a GBCS message: {exc}") from None
    # A device MACs its answer to a non-critical command and signs its answer to a critical one.
    verification = message.verification
    authenticated = verification.mac == gbcs.Check.VERIFIED or (
        verification.signature == gbcs.Check.VERIFIED and verification.mac != gbcs.Check.FAILED)
    if message.cra != gbcs.Cra.RESPONSE or not authenticated:
        raise DuisRejection(E081302, f"the device response does not authenticate (MAC "
                                       f"{message.verification.mac}, signature {message.verification.signature})")
    variants = [v for v in RETURNABLE if message.use_case and message.use_case in _use_cases(v)]
    if not variants:
        raise DuisRejection(E081301, f"{message.use_case} responses are not returned through 8.13")
    device = await repo.get_device(conn, message.originator)
    if device is None:
        raise DuisRejection(E19, f"device {message.originator} is not in the inventory")
    answered = Answered(variants[0], ctx.request_id.originator,
                        str(body.get("OriginalRequestID") or ctx.request_id_text))
    await enqueue_all(conn, await after_response(services.han, conn, answered, device, message),
                      delivers_here=services.han.delivers_here)
    return Reply(I99)


def _use_cases(variant: str) -> tuple[str, ...]:
    spec = CATALOGUE.get(variant)
    return spec.gbcs_use_cases if spec else ()
