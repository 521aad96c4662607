"""``dccsim``: one command, subcommands for serving, keys, estate, users and scenarios; ``--data-dir`` for all."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path

import aiohttp
import asyncpg

from dccsim.cli import bench, events_cmd, gbcs_cmd, scenario_cmd, sign_cmd
from dccsim.delivery.message_log import format_messages, messages_for
from dccsim.delivery.outbox import pending_and_undeliverable, resend
from dccsim.duis.ids import dashed, normalise_eui
from dccsim.estate import EstateLoaded, estate_identities, load_estate_file, write_estate
from dccsim.estate.bulk import settle
from dccsim.estate.generate import EstateSpec, generated_items, write_estate_yaml
from dccsim.han.identities import enrol_small_inventory
from dccsim.frontdoor.traffic import set_capacity
from dccsim.han.throttle_rules import DEFAULT_POLICY_TEXT, ThrottlePolicy
from dccsim.han.store import set_faults
from dccsim.inventory import repository as repo
from dccsim.runtime.releases import DEFAULT_PROFILE, PROFILES
from dccsim.runtime.server import run_event_loop, serve
from dccsim.runtime.settings import ADMIN_PORT, DEFAULT_DUIS_XSD, DUIS_PORT, SMKI_PORT, Settings, default_data_dir
from dccsim.runtime.simulator import prepare_state
from dccsim.smki import repository as smki_repo
from dccsim.smki.derived import STORED_UP_TO
from dccsim.smki.device_credentials import derive_in, hold_derived, in_inventory
from dccsim.smki.folders import export_folder, import_folders
from dccsim.timing.clock import ClockMode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dccsim",
        description="A simulator of the DCC Data Systems: signed DUIS in and out, emulated GBCS devices behind it.",
    )
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="simulator state (embedded database, keys); default $DCCSIM_DATA_DIR or "
                             f"{default_data_dir()}")
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    serve = sub.add_parser("serve", help="run the simulator", description="Run the simulator.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DUIS_PORT, help=f"DUIS port (default {DUIS_PORT})")
    serve.add_argument("--duis-xsd", type=Path, default=DEFAULT_DUIS_XSD,
                       help="DUIS XSD to validate requests with (default: the project's own)")
    serve.add_argument("--strict-validity", action="store_true",
                       help="reject certificates outside their validity period (default: accept, warn)")
    serve.add_argument("--smki-port", type=int, default=None,
                       help=f"SMKI repository service port, on --host like DUIS (default {SMKI_PORT}, or "
                            "$DCCSIM_SMKI_PORT)")
    serve.add_argument("--admin-port", type=int, default=ADMIN_PORT,
                       help=f"admin API port, never exposed on the DUIS port (default {ADMIN_PORT})")
    serve.add_argument("--admin-host", default="127.0.0.1",
                       help="address the admin API listens on (default 127.0.0.1, also when --host is 0.0.0.0)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes sharing the ports and the database (default 1)")
    serve.add_argument("--release", dest="release_profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                       help=f"DUIS release profile to reproduce (default {DEFAULT_PROFILE})")
    serve.add_argument("--give-up-after", dest="delivery_give_up_after", type=float, default=None,
                       metavar="SECONDS", help="mark a message undeliverable after retrying this long "
                                               "(default 86400, or $DCCSIM_DELIVERY_GIVE_UP_AFTER)")
    serve.add_argument("--system-capacity", dest="system_capacity_rps", type=float, default=None, metavar="RPS",
                       help="the DCC System's capacity in requests/s: HTTP 429 only while the total exceeds it "
                            "(default: always hold users to their allocation, or $DCCSIM_SYSTEM_CAPACITY)")
    serve.add_argument("--precommand-empty-signature-byte", action="store_true", default=None,
                       help="issue Pre-Commands ending in an empty signature-length byte 0x00 for the signer to "
                            "replace (default: they end before it and the signer appends 0x40 and r||s)")
    serve.add_argument("--clock", dest="clock", type=ClockMode, choices=list(ClockMode), default=None,
                       help="wall (default): real time; simulated: time stands still until moved with "
                            "'dccsim clock advance' (or POST /admin/clock/advance), running what falls due on the way")
    serve.add_argument("--clock-start", dest="clock_start", type=_iso_time, default=None, metavar="TIME",
                       help="with --clock simulated: the time to start at (default: where it stood, else now)")
    serve.add_argument("--alert-throttle", dest="alert_throttle", type=_alert_throttle, default=None,
                       metavar="COUNT/SECONDS",
                       help="SECMP0062 alert storm protection: more than COUNT alerts of one code from one device "
                            f"within SECONDS are consolidated (default {DEFAULT_POLICY_TEXT}, the project's own "
                            "choice, or $DCCSIM_ALERT_THROTTLE; not under --release duis-3.1)")
    serve.add_argument("--demo", action="store_true",
                       help="(re)load the demo estate at start; it is always loaded into an empty inventory")
    serve.set_defaults(func=_serve)

    keys = sub.add_parser("keys", help="export or import SMKI credentials", description="SMKI credentials.")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    keys_sub.required = True
    export = keys_sub.add_parser("export", help="write every credential as PEM in the RTDS naming")
    export.add_argument("directory", type=Path)
    export.add_argument("--device", dest="devices", action="append", default=[], metavar="DEVICE_ID",
                        help="also write this device's credentials where they are derived on first use, not "
                             "stored (devices of a large estate); repeatable")
    export.set_defaults(func=_keys_export)
    imp = keys_sub.add_parser("import", help="import credential folders (RTDS / ZAZ1 naming)")
    imp.add_argument("directories", type=Path, nargs="+")
    imp.set_defaults(func=_keys_import)

    estate = sub.add_parser("estate", help="load users and devices", description="Estate management.")
    estate_sub = estate.add_subparsers(dest="estate_command", metavar="ACTION")
    estate_sub.required = True
    load = estate_sub.add_parser("load", help="add the users, devices and CPL entries of a YAML estate file")
    load.add_argument("file", type=Path)
    load.set_defaults(func=_estate_load)
    generate = estate_sub.add_parser(
        "generate", help="generate a realistic estate of N premises and load it (or write it with --out)",
        description="Generate an estate: premises with CHF, GPF, ESME (variants mixed as in the field), GSME, "
                    "PPMID, some HCALCS and APC, their suppliers and network operators, statuses and firmware "
                    "versions on the estate's CPL. The same --premises, --seed and --smets1-share give the same "
                    "estate.")
    generate.add_argument("--premises", type=int, required=True, metavar="N", help="how many premises")
    generate.add_argument("--seed", type=int, default=0, help="the random seed (default 0)")
    generate.add_argument("--smets1-share", type=float, default=0.0, metavar="F",
                          help="the fraction of premises whose devices are SMETS1 (default 0)")
    generate.add_argument("--out", type=Path, default=None, metavar="FILE",
                          help="write the estate YAML here instead of loading it into the data directory")
    generate.set_defaults(func=_estate_generate)

    users = sub.add_parser("users", help="manage DCC users", description="DCC users.")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION")
    users_sub.required = True
    endpoint = users_sub.add_parser("set-endpoint", help="set where a user's responses and alerts are POSTed")
    endpoint.add_argument("entity_id", help="the user's entity id, e.g. 90-B3-D5-1F-30-01-00-00")
    endpoint.add_argument("url")
    endpoint.set_defaults(func=_users_set_endpoint)
    listing = users_sub.add_parser("list", help="list the users")
    listing.set_defaults(func=_users_list)
    capacity = users_sub.add_parser("set-capacity", help="set a user's capacity allocation (HTTP 429 above it)")
    capacity.add_argument("entity_id")
    capacity.add_argument("rps", type=float, help="requests per second")
    capacity.add_argument("--burst", type=int, default=None, help="bucket size (default: rps rounded up)")
    capacity.set_defaults(func=_users_set_capacity)
    unlimited = users_sub.add_parser("clear-capacity", help="remove a user's capacity allocation")
    unlimited.add_argument("entity_id")
    unlimited.set_defaults(func=_users_clear_capacity)

    box = sub.add_parser("outbox", help="pending and undeliverable messages; resend one",
                         description="Without an action: list the messages not yet delivered.")
    box.set_defaults(func=_outbox_list)
    box_sub = box.add_subparsers(dest="outbox_command", metavar="ACTION")
    resend = box_sub.add_parser("resend", help="queue a message again for delivery")
    resend.add_argument("message_id", type=int)
    resend.set_defaults(func=_outbox_resend)

    log_cmd = sub.add_parser("log", help="every message in and out for a RequestID",
                             description="Print the message log of one request.")
    log_cmd.add_argument("request_id")
    log_cmd.add_argument("--json", action="store_true", help="print JSON")
    log_cmd.set_defaults(func=_log)

    devices = sub.add_parser("devices", help="emulated devices: HAN faults, physical events",
                             description="Emulated devices.")
    devices_sub = devices.add_subparsers(dest="devices_command", metavar="ACTION")
    devices_sub.required = True
    fault = devices_sub.add_parser("fault", help="set a device's HAN faults (takes effect on a running simulator)")
    fault.add_argument("device_id")
    state = fault.add_mutually_exclusive_group()
    state.add_argument("--offline", dest="offline", action="store_true", default=None, help="stop answering")
    state.add_argument("--online", dest="offline", action="store_false", help="answer again")
    fault.add_argument("--latency", type=float, default=None, metavar="MS", help="added latency per frame")
    fault.add_argument("--loss", type=float, default=None, metavar="P", help="probability a frame is lost (0-1)")
    fault.set_defaults(func=_devices_fault)
    events_cmd.register(devices_sub)

    bench = sub.add_parser("bench", help="measure throughput and latency through real HTTP",
                           description="Drive signed Service Requests at a simulator and report throughput, "
                                       "p50/p95/p99 latency and errors. Starts its own simulator unless --target.")
    bench.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    bench.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    bench.add_argument("--workload", default="non-device", help="workload name (default non-device: SR 8.2)")
    bench.add_argument("--target", action="append", default=None, metavar="URL",
                       help="base URL of a running simulator, e.g. http://host:8079; once per host of a simulator "
                            "on several hosts (one database), the clients dealt out over them in turn")
    bench.add_argument("--keys", type=Path, default=None,
                       help="with --target: folder of xml-sign-*-ds.pem/.key keys to sign with "
                            "(default: the data directory's keys folder)")
    bench.add_argument("--device", default=None,
                       help="the device to address: the ESME/GSME of the device workload (signed by its import "
                            "supplier), or the device whose inventory 8.2 reads")
    bench.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="worker processes of the simulator it starts (default: CPU count)")
    bench.add_argument("--spread", type=int, default=None, metavar="N",
                       help="address N different meters, drawn at random (the scratch simulator's estate then "
                            "has N premises; with --target, N meters of its inventory)")
    bench.add_argument("--json", action="store_true", help="print only the JSON summary (last line)")
    bench.set_defaults(func=_bench)

    clock = sub.add_parser("clock", help="a running simulator's clock: show it, or move simulated time forward",
                           description="Show a running simulator's clock, or move simulated time forward and run "
                                       "what falls due on the way (serve --clock simulated).")
    clock.add_argument("--admin", default=f"http://127.0.0.1:{ADMIN_PORT}",
                       help=f"the running simulator's admin API (default http://127.0.0.1:{ADMIN_PORT})")
    clock.set_defaults(func=_clock, clock_command="show")
    clock_sub = clock.add_subparsers(dest="clock_command", metavar="ACTION")
    clock_sub.add_parser("show", help="print the clock (the default)")
    advance = clock_sub.add_parser("advance", help="move forward by a duration: 90s, 15m, 2h, 1d")
    advance.add_argument("duration")
    to = clock_sub.add_parser("to", help="move forward to a time, e.g. 2027-01-01T06:00:00Z")
    to.add_argument("time")

    sign_cmd.register(sub)
    gbcs_cmd.register(sub)
    scenario_cmd.register(sub)
    return parser


_SETTINGS_FLAGS = ("data_dir", "host", "port", "smki_port", "duis_xsd", "strict_validity", "admin_host", "admin_port",
                   "workers", "release_profile", "delivery_give_up_after", "system_capacity_rps",
                   "precommand_empty_signature_byte", "clock", "clock_start", "alert_throttle")


def _alert_throttle(text: str) -> str:
    try:
        ThrottlePolicy.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _iso_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text} has no time zone (add Z for UTC)")
    return moment


def _settings(args: argparse.Namespace) -> Settings:
    """The settings the command line gives; what it leaves out comes from the environment or the defaults."""
    return Settings(**{name: getattr(args, name) for name in _SETTINGS_FLAGS
                       if getattr(args, name, None) is not None})


def _serve(args: argparse.Namespace) -> int:
    run_event_loop(serve(_settings(args), demo=args.demo))
    return 0


async def _with_state(args: argparse.Namespace, work):

    db = await prepare_state(_settings(args))
    try:
        async with db.pool.acquire() as conn:
            return await work(conn)
    finally:
        await db.close()


def _keys_export(args: argparse.Namespace) -> int:
    devices = [normalise_eui(d) for d in args.devices]

    async def work(conn):
        store = await derive_in(conn, await smki_repo.load_store(conn))
        for device_id in devices:
            if not await in_inventory(conn, device_id):
                raise LookupError(f"device {dashed(device_id)} is not in the inventory")
            store.derived.admit(device_id)
        hold_derived(store, devices)
        return export_folder(store, args.directory)

    written = asyncio.run(_with_state(args, work))
    print(f"wrote {len(written)} files to {args.directory}")
    return 0


def _keys_import(args: argparse.Namespace) -> int:
    async def work(conn):
        store = await smki_repo.load_store(conn)
        report = import_folders(store, args.directories)
        await smki_repo.save_credentials(conn, report.imported)
        return report

    report = asyncio.run(_with_state(args, work))
    print(report.summary())
    return 0


def _estate_load(args: argparse.Namespace) -> int:
    async def work(conn):
        return await _enrolled(conn, await load_estate_file(conn, args.file))

    _print_loaded(asyncio.run(_with_state(args, work)))
    return 0


def _estate_generate(args: argparse.Namespace) -> int:
    spec = EstateSpec(args.premises, args.seed, args.smets1_share)
    if args.out is not None:
        with open(args.out, "w") as out:
            devices = write_estate_yaml(out, spec)
        print(f"wrote {args.premises} premises, {devices} devices to {args.out}")
        return 0

    async def work(conn):
        return await _enrolled(conn, await write_estate(conn, generated_items(spec)))

    _print_loaded(asyncio.run(_with_state(args, work)))
    return 0


async def _enrolled(conn, loaded: EstateLoaded) -> EstateLoaded:
    """The new users get their SMKI credentials; a small inventory's new devices get theirs stored; after a
    large load the inventory is vacuumed."""
    await smki_repo.bootstrap(conn, estate_identities(await repo.list_users(conn)))
    await enrol_small_inventory(conn, await smki_repo.load_store(conn))
    if loaded.devices > STORED_UP_TO:
        await settle(conn)
    return loaded


def _print_loaded(loaded: EstateLoaded) -> None:
    print(f"loaded {len(loaded.users)} users, {loaded.devices} devices, {len(loaded.cpl)} CPL entries")


def _users_set_endpoint(args: argparse.Namespace) -> int:
    entity = normalise_eui(args.entity_id)

    async def work(conn):
        return await repo.set_endpoint(conn, entity, args.url)

    if not asyncio.run(_with_state(args, work)):
        print(f"dccsim: no user {args.entity_id}", file=sys.stderr)
        return 1
    print(f"responses for {args.entity_id} go to {args.url}")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    users = asyncio.run(_with_state(args, repo.list_users))
    print(f"{'ENTITY':<24} {'ROLES':<12} {'NAME':<24} {'CAPACITY':<16} ENDPOINT")
    for user in users:
        capacity = "-"
        if user.capacity_rps is not None:
            capacity = f"{user.capacity_rps:g}/s burst {user.capacity_burst or 'default'}"
        print(f"{dashed(user.entity_id):<24} {','.join(user.roles):<12} {user.name:<24} {capacity:<16} "
              f"{user.response_endpoint or '-'}")
    return 0


def _devices_fault(args: argparse.Namespace) -> int:
    device = normalise_eui(args.device_id)
    if args.loss is not None and not 0 <= args.loss <= 1:
        print("dccsim: --loss must be between 0 and 1", file=sys.stderr)
        return 1
    faults = asyncio.run(_with_state(args, lambda conn: set_faults(
        conn, device, offline=args.offline, latency_ms=args.latency, loss=args.loss)))
    print(f"{args.device_id}: offline={faults.offline} latency={faults.latency_ms:g} ms loss={faults.loss:g}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    summary = bench.run(duration=args.duration, concurrency=args.concurrency, workload=args.workload,
                        target=args.target, keys=args.keys, workers=args.workers, as_json=args.json,
                        data_dir=args.data_dir, device=args.device, spread=args.spread)
    bench.print_summary(summary, args.json)
    return 0


def _users_set_capacity(args: argparse.Namespace) -> int:
    entity = normalise_eui(args.entity_id)
    if not asyncio.run(_with_state(args, lambda conn: set_capacity(conn, entity, args.rps, args.burst))):
        print(f"dccsim: no user {args.entity_id}", file=sys.stderr)
        return 1
    print(f"{args.entity_id}: {args.rps:g} requests/s, burst {args.burst or 'default'}")
    return 0


def _users_clear_capacity(args: argparse.Namespace) -> int:
    entity = normalise_eui(args.entity_id)
    if not asyncio.run(_with_state(args, lambda conn: set_capacity(conn, entity, None, None))):
        print(f"dccsim: no user {args.entity_id}", file=sys.stderr)
        return 1
    print(f"{args.entity_id}: no capacity allocation")
    return 0


def _outbox_list(args: argparse.Namespace) -> int:
    rows = asyncio.run(_with_state(args, pending_and_undeliverable))
    if not rows:
        print("the outbox is empty: every message has been delivered")
        return 0
    print(f"{'ID':>8}  {'STATUS':<13} {'USER':<24} {'KIND':<13} {'TRIES':>5}  REQUEST / LAST ERROR")
    for row in rows:
        print(f"{row['id']:>8}  {row['status']:<13} {dashed(row['user_id']):<24} {row['kind']:<13} "
              f"{row['attempts']:>5}  {row['request_id'] or '-'}")
        if row["last_error"]:
            print(f"{'':>8}  {'':<13} last error: {row['last_error']}")
    return 0


def _outbox_resend(args: argparse.Namespace) -> int:
    if not asyncio.run(_with_state(args, lambda conn: resend(conn, args.message_id))):
        print(f"dccsim: no outbox message {args.message_id}", file=sys.stderr)
        return 1
    print(f"outbox message {args.message_id} queued for delivery")
    return 0


def _log(args: argparse.Namespace) -> int:
    rows = asyncio.run(_with_state(args, lambda conn: messages_for(conn, args.request_id)))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no messages for {args.request_id}")
        return 1
    print(format_messages(rows))
    return 0


def _clock(args: argparse.Namespace) -> int:
    body = {"duration": args.duration} if args.clock_command == "advance" else \
        {"to": args.time} if args.clock_command == "to" else None

    async def call() -> tuple[int, dict]:
        async with aiohttp.ClientSession() as session:
            url = f"{args.admin.rstrip('/')}/admin/clock"
            request = session.post(f"{url}/advance", json=body) if body is not None else session.get(url)
            async with request as response:
                return response.status, await response.json()

    status, answer = asyncio.run(call())
    if status != 200:
        print(f"dccsim: {answer.get('error', status)}", file=sys.stderr)
        return 1
    print(f"{answer['mode']} clock: {answer['now']}")
    return 0


# What a user can get wrong (a bad value, a missing file, no simulator, a database refusing): one line. Any
# other exception is a bug of the simulator's own and is reported as one, with its trace.
_USER_ERRORS = (ValueError, OSError, LookupError, asyncpg.PostgresError, aiohttp.ClientError)
_OUR_BUGS = (KeyError, IndexError, UnicodeError)
EXIT_INTERNAL_ERROR = 70


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - every command ends with a clear line
        if isinstance(exc, _USER_ERRORS) and not isinstance(exc, _OUR_BUGS):
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            print(f"dccsim: {exc}", file=sys.stderr)
            return 1
        traceback.print_exc()
        print(f"dccsim: internal error ({type(exc).__name__}: {exc}); this is a bug in dccsim", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
