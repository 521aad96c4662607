"""``dccsim gbcs decode | encode | bench``: the GBCS library on the command line."""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import time
from pathlib import Path

import gbcs
from dccsim.smki.credentials import read_folders

DEFAULT_ACB = "90B3D51F30000002"


def _keystore(folders: list[Path] | None, acb: str) -> gbcs.StaticKeyStore:
    keys = gbcs.StaticKeyStore(acb=acb)
    if folders:
        for credential in read_folders(folders).credentials:
            if credential.entity_id and not credential.preparatory and credential.usage.value in ("ds", "ka"):
                keys.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                         private=credential.private_key)
    return keys


def _read_message(text: str) -> bytes:
    text = "".join(text.split())
    if not text:
        raise ValueError("no message on standard input")
    try:
        return bytes.fromhex(text)
    except ValueError:
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the input is neither hex nor base64") from None


def _decode(args: argparse.Namespace) -> int:
    try:
        data = _read_message(sys.stdin.read())
        message = gbcs.decode(data, _keystore(args.keys, args.acb))
    except (ValueError, gbcs.GbcsError) as exc:
        print(f"dccsim gbcs decode: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(message.to_json(), indent=2))
    return 0


def _encode(args: argparse.Namespace) -> int:
    try:
        value = json.loads(sys.stdin.read())
        message = gbcs.Message.from_json(value)
        if value.get("signature_field") == "present" and not value.get("signature"):
            message = gbcs.Message(**{**message.__dict__, "signature": None})
        if message.ciphered and not value.get("mac"):
            message = gbcs.Message(**{**message.__dict__, "mac": None})
        data = gbcs.encode(message, _keystore(args.keys, args.acb))
    except json.JSONDecodeError as exc:
        print(f"dccsim gbcs encode: the input is not JSON: {exc}", file=sys.stderr)
        return 2
    except (ValueError, gbcs.GbcsError) as exc:
        print(f"dccsim gbcs encode: {exc}", file=sys.stderr)
        return 2
    print(data.hex().upper())
    return 0


def _bench(args: argparse.Namespace) -> int:
    from dccsim.config import REPO_ROOT

    corpus = Path(args.corpus or REPO_ROOT.parent / "shared" / "conformance" / "gbcs-rtds")
    messages = [bytes.fromhex(p.read_text().strip()) for p in sorted(corpus.glob("*/*.HEX"))]
    if not messages:
        print(f"dccsim gbcs bench: no RTDS messages under {corpus}", file=sys.stderr)
        return 2
    keys = _keystore([Path(k) for k in args.keys] if args.keys else [corpus.parent / "keys" / "rtds"], args.acb)

    def rate(work) -> float:
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            for item in work():
                done += item
        return done / (time.perf_counter() - start)

    def decode_all():
        for data in messages:
            gbcs.decode(data, keys)
            yield 1

    decoded = [gbcs.decode(m, keys) for m in messages]
    ciphered = [m for m in decoded if m.ciphered and m.verification.mac == "verified"]

    def build_all():
        for message in ciphered:
            gbcs.encode(gbcs.Message(**{**message.__dict__, "mac": None}), keys)
            yield 1

    result = {"messages": len(messages), "decode_verify_per_s": round(rate(decode_all)),
              "build_mac_per_s": round(rate(build_all))}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"decode + verify: {result['decode_verify_per_s']} messages/s over {len(messages)} RTDS messages")
        print(f"build + MAC:     {result['build_mac_per_s']} messages/s")
        print(json.dumps(result))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gbcs", help="decode, encode and benchmark GBCS messages",
                                   description="The GBCS wire-format library on the command line.")
    sub = parser.add_subparsers(dest="gbcs_command", metavar="ACTION")
    sub.required = True
    for name, func, text in (("decode", _decode, "read one message (hex or base64) on stdin, print JSON"),
                             ("encode", _encode, "read decoded JSON on stdin, print the message as hex"),
                             ("bench", _bench, "messages per second: decode+verify and build+MAC")):
        action = sub.add_parser(name, help=text, description=text)
        action.add_argument("--keys", action="append", type=Path, metavar="DIR",
                            help="keystore folder in the RTDS naming (repeatable)")
        action.add_argument("--acb", default=DEFAULT_ACB, help=f"Access Control Broker entity id ({DEFAULT_ACB})")
        action.set_defaults(func=func)
        if name == "bench":
            action.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
            action.add_argument("--corpus", type=Path, default=None, help="folder of RTDS .HEX vectors")
            action.add_argument("--json", action="store_true", help="print only JSON")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dccsim")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["gbcs", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
