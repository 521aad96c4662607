"""``dccsim``: one command, subcommands for serving, keys, estate and users; ``--data-dir`` for all."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from dccsim.config import DEFAULT_DUIS_XSD, DUIS_PORT, Settings, default_data_dir


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
    serve.add_argument("--demo", action="store_true",
                       help="(re)load the demo estate at start; it is always loaded into an empty inventory")
    serve.set_defaults(func=_serve)

    keys = sub.add_parser("keys", help="export or import SMKI credentials", description="SMKI credentials.")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    keys_sub.required = True
    export = keys_sub.add_parser("export", help="write every credential as PEM in the RTDS naming")
    export.add_argument("directory", type=Path)
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

    users = sub.add_parser("users", help="manage DCC users", description="DCC users.")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION")
    users_sub.required = True
    endpoint = users_sub.add_parser("set-endpoint", help="set where a user's responses and alerts are POSTed")
    endpoint.add_argument("entity_id", help="the user's entity id, e.g. 90-B3-D5-1F-30-01-00-00")
    endpoint.add_argument("url")
    endpoint.set_defaults(func=_users_set_endpoint)
    listing = users_sub.add_parser("list", help="list the users")
    listing.set_defaults(func=_users_list)

    try:
        from dccsim.cli import gbcs_cmd
    except ImportError:
        gbcs_cmd = None
    if gbcs_cmd is not None:
        gbcs_cmd.register(sub)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    for name in ("host", "port", "duis_xsd", "strict_validity"):
        if hasattr(args, name):
            setattr(settings, name, getattr(args, name))
    return settings


def _serve(args: argparse.Namespace) -> int:
    from dccsim.server import serve

    asyncio.run(serve(_settings(args), demo=args.demo))
    return 0


async def _with_state(args: argparse.Namespace, work):
    from dccsim.runtime import prepare_state

    db = await prepare_state(_settings(args))
    try:
        async with db.pool.acquire() as conn:
            return await work(conn)
    finally:
        await db.close()


def _keys_export(args: argparse.Namespace) -> int:
    from dccsim.smki import repository as smki_repo
    from dccsim.smki.folders import export_folder

    async def work(conn):
        store = await smki_repo.load_store(conn)
        return export_folder(store, args.directory)

    written = asyncio.run(_with_state(args, work))
    print(f"wrote {len(written)} files to {args.directory}")
    return 0


def _keys_import(args: argparse.Namespace) -> int:
    from dccsim.smki import repository as smki_repo
    from dccsim.smki.folders import import_folders

    async def work(conn):
        store = await smki_repo.load_store(conn)
        report = import_folders(store, args.directories)
        await smki_repo.save_credentials(conn, report.imported)
        return report

    report = asyncio.run(_with_state(args, work))
    print(report.summary())
    return 0


def _estate_load(args: argparse.Namespace) -> int:
    from dccsim.estate import load_estate_file
    from dccsim.smki import repository as smki_repo
    from dccsim.estate import estate_identities
    from dccsim.inventory import repository as repo

    async def work(conn):
        estate = await load_estate_file(conn, args.file)
        await smki_repo.bootstrap(conn, estate_identities(await repo.list_users(conn)))
        store = await smki_repo.load_store(conn)
        await smki_repo.issue_device_credentials(conn, store, [d.device_id for d in estate.devices])
        return estate

    estate = asyncio.run(_with_state(args, work))
    print(f"loaded {len(estate.users)} users, {len(estate.devices)} devices, {len(estate.cpl)} CPL entries")
    return 0


def _users_set_endpoint(args: argparse.Namespace) -> int:
    from dccsim.duis.ids import normalise_eui
    from dccsim.inventory import repository as repo

    entity = normalise_eui(args.entity_id)

    async def work(conn):
        return await repo.set_endpoint(conn, entity, args.url)

    if not asyncio.run(_with_state(args, work)):
        print(f"dccsim: no user {args.entity_id}", file=sys.stderr)
        return 1
    print(f"responses for {args.entity_id} go to {args.url}")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from dccsim.duis.ids import dashed
    from dccsim.inventory import repository as repo

    users = asyncio.run(_with_state(args, repo.list_users))
    for user in users:
        print(f"{dashed(user.entity_id)}  {','.join(user.roles):<12} {user.name:<24} {user.response_endpoint or '-'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line, no traceback, for every command
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise
        print(f"dccsim: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
