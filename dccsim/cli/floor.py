"""``dccsim bench --workload floor``: the physical floor of a non-device Service Request on this machine.

Per non-device Service Request a correct DUIS server must at least parse the request, canonicalise and hash
it, verify one ECDSA-P256 signature, then canonicalise, hash and sign one response. This measures exactly
that and nothing else — no HTTP, no schema, no database, no logging — in one process per core, so that the
bench's ``non-device`` figure can be quoted as a share of it, measured on the same machine in the same
sitting. The request is the bench's own signed 8.2 and the response a Read Inventory of a 7-device premises
(what the ``non-device`` workload is answered with), both in the DUIS profile of ``dccsim.duis.fastdsig``.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import multiprocessing
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from dccsim.duis import client, fastdsig
from dccsim.duis.namespaces import ds
from dccsim.duis.xmldsig import DuisSigner

_REQUEST = (
    '<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"'
    ' schemaVersion="5.4"><sr:Header><sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1'
    "</sr:RequestID><sr:CommandVariant>8</sr:CommandVariant><sr:ServiceReference>8.2</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant></sr:Header><sr:Body><sr:ReadInventory>"
    "<sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID></sr:ReadInventory></sr:Body></sr:Request>")

_DEVICE = (
    "<sr:Device><sr:DeviceID>00-DB-12-34-56-78-90-A{n}</sr:DeviceID><sr:DeviceType>ESME</sr:DeviceType>"
    "<sr:DeviceStatus>Commissioned</sr:DeviceStatus><sr:DeviceManufacturer>1234</sr:DeviceManufacturer>"
    "<sr:DeviceModel>5678</sr:DeviceModel><sr:SMETSCHTSVersion>SMETS2 V5.0</sr:SMETSCHTSVersion>"
    "<sr:DeviceFirmwareVersion>01020304</sr:DeviceFirmwareVersion><sr:CPLStatus>Active</sr:CPLStatus>"
    "<sr:DateCommissioned>2024-01-01</sr:DateCommissioned><sr:ImportMPxN>1012345678901</sr:ImportMPxN>"
    "<sr:ESMEVariant>A</sr:ESMEVariant><sr:UPRN>000012345678</sr:UPRN><sr:PropertyFilter>"
    "<sr:PostCode>AB1 2CD</sr:PostCode><sr:AddressIdentifier>1 High Street</sr:AddressIdentifier>"
    "</sr:PropertyFilter><sr:CSPRegion>Central</sr:CSPRegion><sr:DeviceGBCSVersion>4.0</sr:DeviceGBCSVersion>"
    "</sr:Device>")

_RESPONSE = (
    '<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4"><sr:Header>'
    "<sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1</sr:RequestID>"
    "<sr:ResponseID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1</sr:ResponseID>"
    "<sr:ResponseCode>I0</sr:ResponseCode><sr:ResponseDateTime>2026-01-01T00:00:00.000Z</sr:ResponseDateTime>"
    "</sr:Header><sr:Body><sr:ResponseMessage><sr:ServiceReference>8.2</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant><sr:DSPInventory>"
    + "".join(_DEVICE.format(n=n) for n in range(7)) + "</sr:DSPInventory></sr:ResponseMessage></sr:Body>"
    "</sr:Response>")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False)


def _credentials() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dccsim floor")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert


def one_request(signed: bytes, public_key: ec.EllipticCurvePublicKey, response: etree._Element,
                key: ec.EllipticCurvePrivateKey) -> bytes:
    """The floor's unit of work: verify ``signed``, and sign ``response``; the signed response's bytes."""
    root = etree.fromstring(signed, _PARSER)
    signature = root.find(ds("Signature"))
    signed_info = signature.find(ds("SignedInfo"))
    signed_info_c14n = etree.tostring(signed_info, method="c14n", exclusive=True)
    expected = base64.b64decode(signed_info.findtext(f"{ds('Reference')}/{ds('DigestValue')}"))
    value = base64.b64decode(signature.findtext(ds("SignatureValue")))
    root.remove(signature)
    if hashlib.sha256(etree.tostring(root, method="c14n", exclusive=True)).digest() != expected:
        raise ValueError("digest mismatch")
    public_key.verify(encode_dss_signature(int.from_bytes(value[:32], "big"), int.from_bytes(value[32:], "big")),
                      signed_info_c14n, ec.ECDSA(hashes.SHA256()))
    document = etree.tostring(response, method="c14n", exclusive=True)
    digest = base64.b64encode(hashlib.sha256(document).digest()).decode()
    r, s = decode_dss_signature(key.sign(fastdsig.signed_info(digest).encode(), ec.ECDSA(hashes.SHA256())))
    return document + base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _run(seconds: float) -> tuple[int, float, float]:
    """Requests done by one process in ``seconds``, the exact time taken and the CPU time it used."""
    key, cert = _credentials()
    signed = client.sign(client.prepare(_REQUEST.encode(), counter=1), DuisSigner(key, cert))
    response = etree.fromstring(_RESPONSE.encode(), _PARSER)
    public_key = cert.public_key()
    one_request(signed, public_key, response, key)       # warm up, and fail loudly if the request is wrong
    done = 0
    cpu = time.process_time()
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            one_request(signed, public_key, response, key)
        done += 50
        if time.perf_counter() >= deadline:
            return done, time.perf_counter() - start, time.process_time() - cpu


def measure(seconds: float, processes: int) -> dict:
    """The floor over ``processes`` processes (one per core) running ``seconds`` each, as the bench's summary."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        runs = pool.map(_run, [seconds] * processes)
    total = sum(done / took for done, took, _ in runs)
    requests = sum(done for done, _, _ in runs)
    # On a machine shared with other work the processes get less than their cores: the CPU a request took is
    # the figure to compare with the bench's cpu_ms_per_request.
    return {"workload": "floor", "concurrency": processes, "workers": processes, "requests": requests,
            "duration_s": round(max(took for _, took, _ in runs), 2), "throughput_rps": round(total, 1),
            "per_core_rps": round(total / processes, 1), "per_request_us": round(1e6 * processes / total, 1),
            "cpu_us_per_request": round(1e6 * sum(cpu for _, _, cpu in runs) / requests, 1), "errors": 0}
