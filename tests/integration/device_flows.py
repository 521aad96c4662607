"""Driving device Service Requests as a DCC user does: send, transform + sign, collect the Response."""
from __future__ import annotations

import asyncio
import base64

from cryptography.hazmat.primitives import serialization
from lxml import etree

import gbcs
from dccsim.duis import client
from dccsim.duis.ids import RequestId
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from dccsim.inventory import repository as repo
from dccsim.timing.clock import ClockMode
from tests.integration.harness import RunningSimulator, start_running_simulator, template, zaz1_signer
from tests.integration.receiver import Receiver
from dccsim.smki.credentials import read_folders
from tests.paths import KEYS_RTDS, KEYS_ZAZ1

SERVICE = {1: "S", 2: "D", 3: "S", 4: "T", 5: "S", 6: "D", 7: "S", 8: "D"}
# The ZAZ1 GBCS signing key each RTDS user signs Pre-Commands with.
ZAZ1_GBCS_KEY = {"90B3D51F30010000": "Z1-supplier-ds", "90B3D51F30030000": "Z1-supplier2-ds",
                 "90B3D51F30020000": "Z1-networkOperator-ds", "90B3D51F30000002": "Z1-accessControlBroker-ds"}


def zaz1_gbcs_signing_key(name: str = "Z1-supplier-ds"):
    raw = (KEYS_ZAZ1 / f"{name}.key").read_bytes()
    return serialization.load_pem_private_key(raw, None) if raw.startswith(b"-----") \
        else serialization.load_der_private_key(raw, None)


def gbcs_key_for(originator: str):
    return zaz1_gbcs_signing_key(ZAZ1_GBCS_KEY.get(originator.replace("-", "").upper(), "Z1-supplier-ds"))


def xml_signer_for(running: RunningSimulator, root: etree._Element) -> DuisSigner:
    """The originator's XML-signing key: its ZAZ1 one, else the one the simulator issued it."""
    originator = RequestId.parse(client.request_id_of(root)).originator
    try:
        return zaz1_signer(originator)
    except LookupError:
        own = running.sim.smki.xml_signing(originator)
        return DuisSigner(own.private_key, own.certificate)


def user_keys(running: RunningSimulator) -> gbcs.StaticKeyStore:
    """What the Users hold: the device certificates the DCC exports and their own (RTDS) private keys."""
    keys = gbcs.StaticKeyStore()
    for credential in running.sim.smki.devices():
        keys.add(credential.entity_id, credential.usage.value, public=credential.certificate)
    for credential in read_folders([KEYS_RTDS]).credentials:
        if credential.private_key is not None and not credential.is_device:
            keys.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                     private=credential.private_key)
    return keys


def _is_response_for(root: etree._Element, request_id: str) -> bool:
    return root.findtext(f".//{sr('RequestID')}") == request_id and \
        root.find(f".//{sr('ResponseMessage')}") is not None


async def wait_for_response(receiver, request_id: str, timeout: float = 15.0, kind: str = "Response"):
    """The asynchronous DUIS message for ``request_id`` (first one carrying it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for body in receiver.received:
            root = etree.fromstring(body)
            if _is_response_for(root, request_id):
                return root
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no response for {request_id}")
        receiver.arrived.clear()
        try:
            await asyncio.wait_for(receiver.arrived.wait(), 0.5)
        except asyncio.TimeoutError:
            pass


def sign_in_place(root: etree._Element, precommand: bytes, key) -> None:
    """Turn a transform request into its CV 5 Signed Pre-Command."""
    signed = gbcs.sign_precommand(precommand, key)
    root.find(sr("Header")).find(sr("CommandVariant")).text = "5"
    body = root.find(sr("Body"))
    for child in list(body):
        body.remove(child)
    spc = etree.SubElement(body, sr("SignedPreCommand"))
    etree.SubElement(spc, sr("GBCSPayload")).text = base64.b64encode(signed).decode()


async def run_request(running: RunningSimulator, root: etree._Element, *, signer=None, gbcs_key=None,
                      signed_cv: int = 5):
    """Send a prepared request; critical ones (CV 4) are transformed, signed with the originator's ZAZ1 GBCS
    key and sent back as CV ``signed_cv`` (5, 6 or 7). Returns (synchronous answer, request id)."""
    header = root.find(sr("Header"))
    cv = int(header.findtext(sr("CommandVariant")))
    request_id = client.request_id_of(root)
    signer = signer or xml_signer_for(running, root)
    answer = await running.post(SERVICE[cv], client.sign(root, signer))
    if cv != 4 or answer.status != 200 or answer.code != "I0":
        return answer, request_id
    precommand = base64.b64decode(answer.root.findtext(f".//{sr('PreCommand')}/{sr('GBCSPayload')}"))
    sign_in_place(root, precommand, gbcs_key or gbcs_key_for(RequestId.parse(request_id).originator))
    header.find(sr("CommandVariant")).text = str(signed_cv)
    return await running.post(SERVICE[signed_cv], client.sign(root, signer)), request_id


async def receiving_simulator(database_url: str, folder, users, **settings) -> tuple[RunningSimulator, Receiver]:
    """A simulator on the simulated clock whose ``users`` have their Responses and alerts POSTed to one
    receiver (``close_receiving`` stops both)."""
    running = await start_running_simulator(database_url, folder, clock=ClockMode.SIMULATED, **settings)
    receiver = await Receiver().start()
    for user in users:
        await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
    return running, receiver


async def close_receiving(running: RunningSimulator, receiver: Receiver) -> None:
    await receiver.stop()
    await running.close()


def prepared(name: str, **kwargs) -> etree._Element:
    return client.prepare(template(name), **kwargs)


def han_log_add(device_id: str, install_code: str) -> etree._Element:
    """8.11 Add (CCS01) of a device to the hub's device log, built from the shared CCS02 template."""
    root = prepared("CCS02_8.11_SUCCESS_REQUEST_DUIS.XML")
    body = root.find(sr("Body")).find(sr("UpdateHANDeviceLog"))
    body.find(sr("DeviceID")).text = "-".join(device_id[i:i + 2] for i in range(0, 16, 2))
    body.find(sr("RequestType")).text = "Add"
    whitelist = etree.SubElement(body, sr("AddDeviceToCHFWhitelist"))
    etree.SubElement(whitelist, sr("JoinTimePeriod")).text = "60"
    etree.SubElement(whitelist, sr("InstallCode")).text = install_code
    return root
