"""Driving device Service Requests as a DCC user does: send, transform + sign, collect the Response."""
from __future__ import annotations

import asyncio
import base64

from cryptography.hazmat.primitives import serialization
from lxml import etree

import gbcs
from dccsim.duis import client
from dccsim.duis.namespaces import sr
from tests.integration.harness import RunningSimulator, template, zaz1_signer
from tests.paths import KEYS_ZAZ1

SERVICE = {1: "S", 2: "D", 3: "S", 4: "T", 5: "S", 6: "D", 7: "S", 8: "D"}


def zaz1_gbcs_signing_key(name: str = "Z1-supplier-ds"):
    return serialization.load_der_private_key((KEYS_ZAZ1 / f"{name}.key").read_bytes(), None) \
        if not (KEYS_ZAZ1 / f"{name}.key").read_bytes().startswith(b"-----") else \
        serialization.load_pem_private_key((KEYS_ZAZ1 / f"{name}.key").read_bytes(), None)


async def wait_for_response(receiver, request_id: str, timeout: float = 15.0, kind: str = "Response"):
    """The asynchronous DUIS message for ``request_id`` (first one carrying it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for body in receiver.received:
            root = etree.fromstring(body)
            if root.findtext(f".//{sr('RequestID')}") == request_id and \
                    root.find(f".//{sr('ResponseMessage')}") is not None:
                return root
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no response for {request_id}")
        receiver.arrived.clear()
        try:
            await asyncio.wait_for(receiver.arrived.wait(), 0.5)
        except asyncio.TimeoutError:
            pass


async def run_request(running: RunningSimulator, root: etree._Element, *, signer=None):
    """Send a prepared request; critical ones (CV 4) are transformed, signed with the ZAZ1 supplier GBCS key and
    sent back as CV 5. Returns (synchronous answer, request id)."""
    header = root.find(sr("Header"))
    cv = int(header.findtext(sr("CommandVariant")))
    request_id = client.request_id_of(root)
    answer = await running.post(SERVICE[cv], client.sign(root, signer or zaz1_signer()))
    if cv != 4 or answer.status != 200 or answer.code != "I0":
        return answer, request_id
    precommand = base64.b64decode(answer.root.findtext(f".//{sr('PreCommand')}/{sr('GBCSPayload')}"))
    signed = gbcs.sign_precommand(precommand, zaz1_gbcs_signing_key())
    header.find(sr("CommandVariant")).text = "5"
    body = root.find(sr("Body"))
    for child in list(body):
        body.remove(child)
    spc = etree.SubElement(body, sr("SignedPreCommand"))
    etree.SubElement(spc, sr("GBCSPayload")).text = base64.b64encode(signed).decode()
    return await running.post("S", client.sign(root, signer or zaz1_signer())), request_id


def prepared(name: str, **kwargs) -> etree._Element:
    return client.prepare(template(name), **kwargs)
