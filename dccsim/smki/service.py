"""The SMKI repository service DCC Boxed clients call (port 8083): certificate search and retrieval over HTTP.

``POST /services/certificatesearch`` (a ``CertificateSearchRequest``) and ``POST
/services/retrievecertificate`` (a ``CertificateDataRequest``) answer as ``@smartdcc/dccboxed-keystore``
expects: 200 with ``application/xml`` when something matches, 402 when nothing does, 401 when the search
parameters are not valid. Before that, as at the DUIS front door: a body over the size limit is refused with
413 and one that is not safe, well-formed UTF-8 XML (a DTD, entities, another encoding) with 400, each with a
one-line plain-text reason. Any query string (the client sends an ``apikey``) is ignored.

Every answer is read from PostgreSQL when it is asked for, so it is the same from every worker and shows a
certificate the moment the transaction that stored it commits. A device of the inventory whose credentials
have never been used has its derived ones stored when it is first searched for.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable

import asyncpg
from aiohttp import web

from dccsim.duis.safexml import UnsafeXml
from dccsim.smki import messages
from dccsim.smki import repository as smki_repo
from dccsim.smki.derived import DerivedDevices
from dccsim.smki.device_credentials import repository_certificates
from dccsim.smki.search import RepositoryEntry, entries, find, with_serial

log = logging.getLogger(__name__)

SEARCH_PATH = "/services/certificatesearch"
RETRIEVE_PATH = "/services/retrievecertificate"
# The requests are a few hundred bytes.
MAX_REQUEST_BYTES = 16 * 1024


@dataclass(frozen=True)
class SmkiRepository:
    """What the service reads: the simulator's database, its clock, and its certificate validity rule."""

    pool: asyncpg.Pool
    now: Callable[[], datetime]
    strict_validity: bool
    derived: DerivedDevices | None = None     # inventory devices' credentials, derived on first use

    async def search(self, body: bytes) -> list[RepositoryEntry]:
        search = messages.read_search(body)
        async with self.pool.acquire() as conn:
            stored = await repository_certificates(conn, self.derived, search.entity_id)
        return find(search, entries(stored, now=self.now(), strict_validity=self.strict_validity))

    async def retrieve(self, body: bytes) -> RepositoryEntry | None:
        serial = messages.read_serial(body)
        async with self.pool.acquire() as conn:
            stored = await smki_repo.certificates_beside_serial(conn, serial)
        return with_serial(serial, entries(stored, now=self.now(), strict_validity=self.strict_validity))


@dataclass(frozen=True)
class Service:
    """One of the two web services: what it answers with, and how."""

    response: str                                                   # the answer's root element
    answer: Callable[[SmkiRepository, bytes], Awaitable[object]]    # what the request finds (falsy: nothing)
    document: Callable[[object, str], bytes]                        # the answer to it, given an audit reference


SERVICES: dict[str, Service] = {
    SEARCH_PATH: Service(messages.SEARCH_RESPONSE, SmkiRepository.search, messages.search_response),
    RETRIEVE_PATH: Service(messages.DATA_RESPONSE, SmkiRepository.retrieve, messages.data_response),
}

REPOSITORY: web.AppKey[SmkiRepository] = web.AppKey("SMKI repository", SmkiRepository)
_LIMIT: web.AppKey[int] = web.AppKey("SMKI request size limit", int)


def _plain(status: int, reason: str) -> web.Response:
    return web.Response(status=status, text=f"{status} {reason}\n", content_type="text/plain")


def _xml(status: int, body: bytes) -> web.Response:
    return web.Response(status=status, body=body, content_type="application/xml", charset="utf-8")


def audit_reference(now: datetime) -> str:
    """A reference for the answer, as DCC Boxed gives one: the time and a random part."""
    return f"{int(now.timestamp())}-{secrets.token_hex(5)}"


def _endpoint(service: Service):
    async def serve(request: web.Request) -> web.Response:
        repository = request.app[REPOSITORY]
        limit = request.app[_LIMIT]
        if request.content_length is not None and request.content_length > limit:
            return _plain(413, f"Request Entity Too Large: a body of {request.content_length} bytes exceeds {limit}")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _plain(413, f"Request Entity Too Large: the body exceeds {limit} bytes")
        reference = audit_reference(repository.now())
        try:
            found = await service.answer(repository, body)
        except UnsafeXml as exc:
            return _plain(400, f"Bad Request: {exc}")
        except messages.InvalidSearch as exc:
            return _xml(401, messages.invalid(service.response, exc, reference))
        return _xml(200 if found else 402, service.document(found, reference))

    return serve


@web.middleware
async def errors_as_plain_text(request: web.Request, handler):
    """Other paths and methods, and the simulator's own failures, as one line of plain text; never a traceback."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return _plain(404, f"Not Found: the SMKI repository services are {SEARCH_PATH} and {RETRIEVE_PATH}")
    except web.HTTPMethodNotAllowed:
        return _plain(405, "Method Not Allowed: the SMKI repository services take POST")
    except web.HTTPException:
        raise
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("SMKI repository unavailable: %s", exc)
        return _plain(503, "Service Unavailable: the SMKI repository cannot be read now")
    except Exception:  # noqa: BLE001 - the simulator's own fault: logged, never shown
        log.exception("unhandled error on %s", request.path)
        return _plain(500, "Internal Server Error")


def create_smki_app(repository: SmkiRepository, *, max_request_bytes: int = MAX_REQUEST_BYTES) -> web.Application:
    """The aiohttp application of the SMKI repository service."""
    app = web.Application(client_max_size=max_request_bytes + 1, middlewares=[errors_as_plain_text])
    app[REPOSITORY] = repository
    app[_LIMIT] = max_request_bytes
    for path, service in SERVICES.items():
        app.router.add_post(path, _endpoint(service))
    return app
