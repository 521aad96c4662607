"""Asking a running simulator's SMKI repository service over HTTP, as DCC Boxed clients do."""
from __future__ import annotations

import base64
from dataclasses import dataclass

from lxml import etree

from tests.integration.harness import RunningSimulator

SEARCH = "/services/certificatesearch"
RETRIEVE = "/services/retrievecertificate"


@dataclass(frozen=True)
class Found:
    """One certificate a search or a retrieval reported."""

    serial: str
    subject: str            # the element naming it: CertificateSubjectName or CertificateSubjectAltName
    entity: str             # dashed EUI-64
    status: str
    usage: str
    role: str | None
    der: bytes | None       # retrievals only


def _found(element: etree._Element) -> Found:
    subject = next(child for child in element if child.tag.startswith("CertificateSubject"))
    body = element.findtext("CertificateBody")
    return Found(serial=element.findtext("CertificateSerial"), subject=subject.tag, entity=subject.text,
                 status=element.findtext("CertificateStatus"), usage=element.findtext("CertificateUsage"),
                 role=element.findtext("CertificateRole"), der=base64.b64decode(body) if body else None)


async def post(running: RunningSimulator, path: str, body: bytes, **headers: str) -> tuple[int, str, bytes]:
    async with running.session.post(f"{running.smki_url}{path}", data=body,
                                    headers={"Content-Type": "application/xml", **headers}) as response:
        return response.status, response.content_type, await response.read()


async def search(running: RunningSimulator, subject: str, eui: str) -> tuple[int, list[Found]]:
    """Search by ``CertificateSubjectName`` or ``CertificateSubjectAltName``: the status and what was found."""
    body = (f'<?xml version="1.0" encoding="utf-8"?><CertificateSearchRequest><{subject}>{eui}</{subject}>'
            f"</CertificateSearchRequest>").encode()
    status, content_type, answer = await post(running, SEARCH, body)
    assert content_type == "application/xml", (status, answer)
    return status, [_found(result) for result in etree.fromstring(answer).findall("Result")]


async def retrieve(running: RunningSimulator, serial: str) -> tuple[int, Found | None]:
    body = (f'<?xml version="1.0" encoding="utf-8"?><CertificateDataRequest><CertificateSerial>{serial}'
            f"</CertificateSerial></CertificateDataRequest>").encode()
    status, content_type, answer = await post(running, RETRIEVE, body)
    assert content_type == "application/xml", (status, answer)
    certificate = etree.fromstring(answer).find("CertificateResponse")
    return status, None if certificate is None else _found(certificate)
