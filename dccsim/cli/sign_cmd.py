"""``dccsim sign``: sign a DUIS request as a user would, ready to POST with any HTTP client.

The request's RequestID gets the signing user as originator and a fresh counter (or ``--counter``), the
signature is enveloped, exclusive-c14n, ECDSA-SHA256 with the certificate named by issuer and serial, and
the output is compact (no whitespace between elements), as the DCC's Java validator requires. Keys come
from a folder in the RTDS / ZAZ1 naming (``xml-sign-<ENTITY ID>-ds.pem`` with its ``.key``, PEM or DER),
by default the keys the simulator exports to its data directory at start.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dccsim.catalogue import CV_WEB_SERVICE
from dccsim.runtime.settings import Settings
from dccsim.duis import client
from dccsim.duis.ids import RequestId, normalise_eui
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from dccsim.smki.credentials import Usage, read_folders

SERVICE_PATHS = {"S": "/api/v1/serviceS", "T": "/api/v1/serviceT", "D": "/api/v1/serviceD"}


class SignError(Exception):
    """The request cannot be signed as asked (the message says why)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sign", help="sign a DUIS request (e.g. a template) and print it, ready to POST",
        description="Sign a DUIS request as its user and print the compact signed XML on stdout; the URL "
                    "path to POST it to goes to stderr.")
    parser.add_argument("file", type=Path, help="the request (a DUIS template or your own); '-' reads stdin")
    parser.add_argument("--as", dest="entity_id", default=None, metavar="ENTITY_ID",
                        help="sign as this user (default: the RequestID's originator)")
    parser.add_argument("--keys", type=Path, default=None, metavar="DIR",
                        help="key folder in the RTDS / ZAZ1 naming (default: the data directory's exported keys)")
    parser.add_argument("--counter", type=int, default=None, metavar="N",
                        help="RequestID counter (default: a fresh one, above any earlier)")
    parser.add_argument("--service", choices=sorted(SERVICE_PATHS), default=None,
                        help="the web service it is meant for: S (send command), T (transform), D (non-device); "
                             "refused if the CommandVariant belongs to another")
    parser.set_defaults(func=_sign)


def sign_request(request: bytes, keys_dir: Path, *, entity_id: str | None = None, counter: int | None = None,
                 service: str | None = None) -> tuple[bytes, str]:
    """The signed request and the web service (S / T / D) its CommandVariant is sent to."""
    try:
        root = client.prepare(request, originator=normalise_eui(entity_id) if entity_id else None, counter=counter)
        originator = RequestId.parse(client.request_id_of(root)).originator
    except (ValueError, AttributeError) as exc:
        raise SignError(f"not a DUIS request with a RequestID: {exc}") from None
    variant_text = root.find(sr("Header")).findtext(sr("CommandVariant"))
    expected = CV_WEB_SERVICE.get(int(variant_text)) if variant_text and variant_text.isdigit() else None
    if service is not None and expected is not None and service != expected:
        raise SignError(f"CommandVariant {variant_text} is sent to service {expected} "
                        f"({SERVICE_PATHS[expected]}), not {service}")
    return client.sign(root, signer_for(keys_dir, originator)), service or expected or "S"


def signer_for(keys_dir: Path, entity_id: str) -> DuisSigner:
    """The user's XML-signing key from a folder (certificate and private key paired by public key)."""
    if not keys_dir.is_dir():
        raise SignError(f"no key folder {keys_dir} (run `dccsim serve` once to export the keys, or give --keys)")
    for credential in read_folders([keys_dir]).credentials:
        if credential.usage is Usage.XML_SIGNING and credential.entity_id == entity_id:
            if credential.private_key is None:
                raise SignError(f"{keys_dir} holds the XML-signing certificate of {entity_id} but not its key")
            return DuisSigner(credential.private_key, credential.certificate)
    raise SignError(f"no XML-signing key of {entity_id} in {keys_dir} (xml-sign-{entity_id}-ds.pem and .key)")


def _sign(args: argparse.Namespace) -> int:
    request = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    keys_dir = args.keys or Settings(**({"data_dir": args.data_dir} if args.data_dir else {})).keys_dir
    signed, service = sign_request(request, keys_dir, entity_id=args.entity_id, counter=args.counter,
                                   service=args.service)
    sys.stdout.buffer.write(signed)
    sys.stdout.buffer.flush()
    print(f"POST to {SERVICE_PATHS[service]}", file=sys.stderr)
    return 0
