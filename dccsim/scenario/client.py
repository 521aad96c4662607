"""A scenario's connection to its simulator: the DUIS services and the admin API, over HTTP."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiohttp

from dccsim.catalogue import CV_WEB_SERVICE
from dccsim.duis.ids import dashed
from dccsim.scenario.documents import Answer

__all__ = ["NoSuchEndpoint", "SimulatorClient", "SimulatorError"]

_SERVICE_PATHS = {"S": "/api/v1/serviceS", "T": "/api/v1/serviceT", "D": "/api/v1/serviceD"}


class SimulatorError(RuntimeError):
    """The simulator's admin API refused or failed a call (the message says what it answered)."""


class NoSuchEndpoint(SimulatorError):
    """The simulator has no such admin endpoint (a feature it does not have)."""


class SimulatorClient:
    """DUIS requests and admin calls to one simulator."""

    def __init__(self, session: aiohttp.ClientSession, duis_url: str, admin_url: str):
        self.session = session
        self.duis_url = duis_url.rstrip("/")
        self.admin_url = admin_url.rstrip("/")

    async def send(self, command_variant: int, body: bytes) -> Answer:
        """POST a signed request to the web service its CommandVariant belongs to."""
        path = _SERVICE_PATHS[CV_WEB_SERVICE[command_variant]]
        async with self.session.post(f"{self.duis_url}{path}", data=body,
                                     headers={"Content-Type": "application/xml"}) as response:
            return Answer(response.status, await response.read())

    async def _admin(self, method: str, path: str, payload: dict | None = None) -> Any:
        async with self.session.request(method, f"{self.admin_url}{path}", json=payload) as response:
            text = await response.text()
            if response.status == 404 and "json" not in (response.content_type or ""):
                raise NoSuchEndpoint(f"the simulator has no {method} {path}")
            try:
                answer = json.loads(text) if text else {}
            except json.JSONDecodeError:
                answer = {"error": text.strip()[:200]}
            if response.status >= 300:
                raise SimulatorError(f"{method} {path}: HTTP {response.status} "
                                     f"{answer.get('error', '') if isinstance(answer, dict) else ''}".rstrip())
            return answer

    async def health(self) -> dict[str, Any]:
        return await self._admin("GET", "/admin/health")

    async def now(self) -> datetime:
        answer = await self._admin("GET", "/admin/clock")
        return datetime.fromisoformat(answer["now"])

    async def advance(self, payload: dict[str, str]) -> datetime:
        answer = await self._admin("POST", "/admin/clock/advance", payload)
        return datetime.fromisoformat(answer["now"])

    async def pending(self) -> int:
        """What the simulator still has to do now: device jobs due and messages not yet delivered."""
        answer = await self._admin("GET", "/admin/pending")
        return int(answer["device_jobs"]) + int(answer["outbox"])

    async def messages(self, request_id: str) -> list[dict[str, Any]]:
        answer = await self._admin("GET", f"/admin/messages?request_id={request_id}")
        return answer["messages"]

    async def users(self) -> list[dict[str, Any]]:
        return (await self._admin("GET", "/admin/users"))["users"]

    async def set_endpoint(self, entity_id: str, url: str | None) -> None:
        await self._admin("PUT", f"/admin/users/{dashed(entity_id)}/endpoint", {"url": url})

    async def fault(self, device_id: str, faults: dict[str, Any]) -> dict[str, Any]:
        return await self._admin("POST", f"/admin/devices/{dashed(device_id)}/faults", faults)

    async def event(self, device_id: str, event: dict[str, Any]) -> dict[str, Any]:
        return await self._admin("POST", f"/admin/devices/{dashed(device_id)}/events", event)

    async def rekey(self, device_id: str, credential: str) -> dict[str, Any]:
        return await self._admin("POST", f"/admin/devices/{dashed(device_id)}/rekey", {"credential": credential})

    async def keys_zip(self) -> bytes:
        """The simulator's keys as ``dccsim keys export`` writes them, as one zip."""
        async with self.session.get(f"{self.admin_url}/admin/keys.zip") as response:
            if response.status == 404:
                raise NoSuchEndpoint("the simulator has no GET /admin/keys.zip: give its keys with --keys")
            if response.status >= 300:
                raise SimulatorError(f"GET /admin/keys.zip: HTTP {response.status}")
            return await response.read()
