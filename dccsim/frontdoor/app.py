"""The aiohttp application: the three DUIS web services and the error mapping around them."""
from __future__ import annotations

import logging
import os

from aiohttp import web

from dccsim.duis.outcomes import (HTTP_404_NOT_FOUND, HTTP_405_METHOD, HTTP_413_TOO_LARGE, HTTP_500_INTERNAL,
                                  OUTCOMES, Code)
from dccsim.frontdoor.context import FrontDoor
from dccsim.frontdoor.pipeline import HttpAnswer, process

log = logging.getLogger(__name__)

_WORKER = str(os.getpid())
FRONT_DOOR: web.AppKey[FrontDoor] = web.AppKey("front door", FrontDoor)
SERVICES = {"S": "/api/v1/serviceS", "T": "/api/v1/serviceT", "D": "/api/v1/serviceD"}


def _plain(key: Code, detail: str | None = None) -> web.Response:
    outcome = OUTCOMES[key]
    text = f"{outcome.http_status} {outcome.title}: {detail or outcome.meaning}\n"
    return web.Response(status=outcome.http_status, text=text, content_type="text/plain")


@web.middleware
async def errors_as_plain_text(request: web.Request, handler):
    """Map aiohttp's own HTTP errors to the outcome table; never let a traceback reach a client."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return _plain(HTTP_413_TOO_LARGE)
    except web.HTTPNotFound:
        return _plain(HTTP_404_NOT_FOUND)
    except web.HTTPMethodNotAllowed:
        return _plain(HTTP_405_METHOD)
    except web.HTTPException:
        raise
    except Exception:  # noqa: BLE001
        log.exception("unhandled error on %s", request.path)
        return _plain(HTTP_500_INTERNAL)


def _endpoint(service: str):
    async def serve(request: web.Request) -> web.Response:
        front = request.app[FRONT_DOOR]
        limit = front.max_request_bytes
        if request.content_length is not None and request.content_length > limit:
            return _plain(HTTP_413_TOO_LARGE, f"request body of {request.content_length} bytes exceeds {limit}")
        raw = await request.read()
        answer: HttpAnswer = await process(front, service, raw)
        headers = {**answer.headers, "X-Dccsim-Worker": _WORKER}
        return web.Response(status=answer.status, body=answer.body, content_type=answer.content_type.split(";")[0],
                            charset="utf-8", headers=headers)

    return serve


def create_app(front: FrontDoor) -> web.Application:
    app = web.Application(client_max_size=front.max_request_bytes + 1, middlewares=[errors_as_plain_text])
    for service, path in SERVICES.items():
        app.router.add_post(path, _endpoint(service))
    app[FRONT_DOOR] = front
    return app
