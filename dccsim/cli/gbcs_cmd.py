"""``dccsim gbcs decode | encode | utrn | bench``: the GBCS library on the command line.

``decode`` reads one message on standard input — hex, or base64 (``--hex`` / ``--base64`` say which;
without them, input that is valid hex is read as hex, anything else as base64) — and prints it as JSON
with its verification results. ``encode`` reads that JSON and prints the message as hex, computing a
``null`` MAC or signature from the keys. ``utrn`` prints the UTRN a supplier issues for a meter, from the
supplier's prepayment key (``<supplier>-pp-ka.key``) and the meter's key-agreement certificate
(``<meter>-ka.pem``) in the keystore folders (what ``dccsim keys export`` writes). Bad input ends with one
line on standard error and exit status 2. ``bench`` measures messages per second over the RTDS vectors;
its last line is JSON.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

import gbcs
from dccsim.runtime.settings import REPO_ROOT
from dccsim.smki.credentials import read_folders
from gbcs import protection

DEFAULT_ACB = "90B3D51F30000002"
BAD_INPUT = 2
INTERNAL_ERROR = 3


def _keystore(folders: list[Path] | None, acb: str) -> gbcs.StaticKeyStore:
    keys = gbcs.StaticKeyStore(acb=acb)
    for credential in read_folders(folders).credentials if folders else ():
        usage = credential.usage.value      # a supplier's "-pp-ka" credential is its prepayment (UTRN) key
        if not credential.entity_id or usage not in (gbcs.SIGNING, gbcs.KEY_AGREEMENT, gbcs.PREPAYMENT):
            continue
        keys.add(credential.entity_id, usage, public=credential.certificate, private=credential.private_key)
    return keys


def read_message(text: str, form: str | None = None) -> bytes:
    """The bytes of a message given as hex or base64 (``form`` "hex" or "base64"; None: hex if it is hex)."""
    text = "".join(text.split())
    if not text:
        raise ValueError("no message on standard input")
    if form in (None, "hex"):
        try:
            return bytes.fromhex(text)
        except ValueError:
            if form == "hex":
                raise ValueError("the input is not hex (an odd number of digits, or a non-hex character)") from None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the input is neither hex nor base64" if form is None else "the input is not base64") \
            from None
    if not data:
        raise ValueError("the input decodes to no bytes")
    return data


def _fail(action: str, message: str, status: int = BAD_INPUT) -> int:
    print(f"dccsim gbcs {action}: {' '.join(str(message).split())}", file=sys.stderr)
    return status


def _decode(args: argparse.Namespace) -> int:
    try:
        data = read_message(sys.stdin.read(), args.form)
        message = gbcs.decode(data, _keystore(args.keys, args.acb))
    except (ValueError, gbcs.GbcsError) as exc:
        return _fail("decode", exc)
    except Exception as exc:  # the last guard: a library defect is still one line, not a traceback
        return _fail("decode", f"internal error: {exc!r}", INTERNAL_ERROR)
    print(json.dumps(message.to_json(), indent=2))
    return 0


def _encode(args: argparse.Namespace) -> int:
    try:
        value = json.loads(sys.stdin.read())
        data = gbcs.encode(gbcs.Message.from_json(value), _keystore(args.keys, args.acb))
    except json.JSONDecodeError as exc:
        return _fail("encode", f"the input is not JSON: {exc}")
    except RecursionError:
        return _fail("encode", "the input JSON is nested too deeply")
    except (ValueError, gbcs.GbcsError) as exc:
        return _fail("encode", exc)
    except Exception as exc:  # the last guard: a library defect is still one line, not a traceback
        return _fail("encode", f"internal error: {exc!r}", INTERNAL_ERROR)
    print(data.hex().upper())
    return 0


def _utrn(args: argparse.Namespace) -> int:
    try:
        text = gbcs.utrn.build(args.value, originator=args.supplier.replace("-", "").upper(),
                               target=args.meter.replace("-", "").upper(),
                               counter=args.utrn_counter << gbcs.utrn.COUNTER_SHIFT,
                               keys=_keystore(args.keys, args.acb), value_class=args.value_class)
    except (ValueError, gbcs.GbcsError) as exc:
        return _fail("utrn", exc)
    print(text)
    return 0


# --- bench ---------------------------------------------------------------------------------------

def _rate(seconds: float, items: list, work: Callable[[object], object], before: Callable[[], None] | None = None) \
        -> float:
    """Items processed per second, looping over ``items`` for at least ``seconds``."""
    if not items:
        return 0.0
    done, start = 0, time.perf_counter()
    while True:
        for item in items:
            if before is not None:
                before()
            work(item)
            done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _bench_workloads(messages: list[bytes], keys: gbcs.StaticKeyStore) -> dict[str, tuple[list, Callable, Callable | None]]:
    decoded = [gbcs.decode(m, keys) for m in messages]
    macced = [replace(m, mac=None) for m in decoded if m.ciphered and m.verification.mac == gbcs.Check.VERIFIED]
    critical = [replace(m, signature=None, mac=None) for m in decoded
                if m.cra == gbcs.Cra.COMMAND and m.ciphered and m.verification.signature == gbcs.Check.VERIFIED
                and keys.private_key(m.originator, gbcs.SIGNING) is not None]
    encrypted = [m for m in decoded if m.verification.decryption == gbcs.Decryption.DECRYPTED]
    return {
        "decode_verify_per_s": (messages, lambda m: gbcs.decode(m, keys), None),
        "decode_verify_cold_per_s": (messages, lambda m: gbcs.decode(m, keys), gbcs.clear_caches),
        "build_mac_per_s": (macced, lambda m: gbcs.encode(m, keys), None),
        "build_sign_mac_per_s": (critical, lambda m: gbcs.encode(m, keys), None),
        "decrypt_per_s": (encrypted, lambda m: protection.decrypt_parts(m, keys), None),
    }


def _bench(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus or REPO_ROOT.parent / "shared" / "conformance" / "gbcs-rtds")
    messages = [bytes.fromhex(p.read_text().strip()) for p in sorted(corpus.glob("*/*.HEX"))]
    if not messages:
        return _fail("bench", f"no RTDS messages under {corpus}")
    keys = _keystore([Path(k) for k in args.keys] if args.keys else [corpus.parent / "keys" / "rtds"], args.acb)
    workloads = _bench_workloads(messages, keys)
    result: dict[str, object] = {"messages": len(messages), "seconds_per_figure": args.seconds}
    for name, (items, work, before) in workloads.items():
        result[f"{name.removesuffix('_per_s')}_items"] = len(items)
        result[name] = round(_rate(args.seconds, items, work, before))
    gbcs.clear_caches()
    if not args.json:
        for line in _describe(result):
            print(line)
    print(json.dumps(result))
    return 0


def _describe(result: dict) -> Iterable[str]:
    labels = {
        "decode_verify_per_s": "decode + verify (ECDH cache warm)",
        "decode_verify_cold_per_s": "decode + verify (ECDH cache cold)",
        "build_mac_per_s": "build + MAC",
        "build_sign_mac_per_s": "build + sign + MAC (critical commands)",
        "decrypt_per_s": "decrypt (encrypted parts, ECDH cache warm)",
    }
    for name, label in labels.items():
        items = result[f"{name.removesuffix('_per_s')}_items"]
        yield f"{label + ':':42} {result[name]:>8} messages/s over {items} RTDS messages"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gbcs", help="decode, encode and benchmark GBCS messages",
                                   description="The GBCS wire-format library on the command line.")
    sub = parser.add_subparsers(dest="gbcs_command", metavar="ACTION")
    sub.required = True
    for name, func, text in (
            ("decode", _decode, "read one message on stdin (hex, or base64), print it as JSON with its "
                                "verification results"),
            ("encode", _encode, "read decoded JSON on stdin, print the message as hex"),
            ("utrn", _utrn, "print the UTRN a supplier issues for a meter (its prepayment key and the meter's "
                            "key-agreement certificate from --keys)"),
            ("bench", _bench, "messages per second: decode+verify (warm and cold), build+MAC, "
                              "build+sign+MAC, decrypt")):
        action = sub.add_parser(name, help=text, description=text)
        action.add_argument("--keys", action="append", type=Path, metavar="DIR",
                            help="keystore folder in the RTDS naming (repeatable)")
        action.add_argument("--acb", default=DEFAULT_ACB, help=f"Access Control Broker entity id ({DEFAULT_ACB})")
        action.set_defaults(func=func)
        if name == "decode":
            form = action.add_mutually_exclusive_group()
            form.add_argument("--hex", dest="form", action="store_const", const="hex",
                              help="the input is hex")
            form.add_argument("--base64", dest="form", action="store_const", const="base64",
                              help="the input is base64 (without either option, input that is valid hex is "
                                   "read as hex)")
        if name == "utrn":
            action.add_argument("--supplier", required=True, help="the supplier's entity id (EUI-64)")
            action.add_argument("--meter", required=True, help="the meter's device id (EUI-64)")
            action.add_argument("--utrn-counter", type=int, required=True, metavar="N",
                                help="the UTRN counter: the originator counter N·2^32, above the last the meter "
                                     "took and less than 512 from it (or, in a 2.2 request, its RequestID counter)")
            action.add_argument("--value", type=int, required=True, help="0 … 8191 (pennies, or pounds)")
            action.add_argument("--pounds", dest="value_class", action="store_const", const="pounds",
                                default="pennies", help="the value is in pounds (default: pennies)")
        if name == "bench":
            action.add_argument("--seconds", type=float, default=3.0, help="seconds per figure (default 3)")
            action.add_argument("--corpus", type=Path, default=None, help="folder of RTDS .HEX vectors")
            action.add_argument("--json", action="store_true", help="print only the JSON line")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dccsim")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["gbcs", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
