"""What the admin API and the console answer with: JSON (anything JSON cannot hold written as text), and the
device named in a path, or a 400 that says why it is not one."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from dccsim.duis.ids import normalise_eui

__all__ = ["json_response", "path_device_id"]


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=_dumps)


def path_device_id(request: web.Request) -> str:
    """The ``{device_id}`` of the request's path as an EUI-64; a JSON 400 answer when it is not one."""
    try:
        return normalise_eui(request.match_info["device_id"])
    except ValueError as exc:
        raise web.HTTPBadRequest(text=_dumps({"error": str(exc)}), content_type="application/json") from None
