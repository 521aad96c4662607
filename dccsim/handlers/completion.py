"""The Response the DCC sends when a non-device Service Request it acknowledged with I99 has been carried out
(``dccsim.catalogue.after_i99``: 8.3, 8.14.3, 8.14.4), queued in the request's own transaction."""
from __future__ import annotations

from dccsim.db.connection import DccConnection
from dccsim.duis.outcomes import I0
from dccsim.han.dcc_alerts import enqueue_all
from dccsim.han.documents import job_response
from dccsim.handlers.context import ServiceRequest, Services


async def respond_when_done(ctx: ServiceRequest, conn: DccConnection, services: Services) -> None:
    """Queue the sender's Response (I0, the Service Reference and variant, the RequestID)."""
    response = job_response(services.han.signer, user_id=ctx.request_id.originator, request_id=ctx.request_id_text,
                            reference=ctx.spec.reference, variant=ctx.spec.variant, code=I0,
                            moment=services.clock.now())
    await enqueue_all(conn, [response], delivers_here=services.han.delivers_here)
