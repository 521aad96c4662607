"""``dccsim scenario run PATH...``: run scenario files and report on the console and as JUnit XML."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from dccsim.runtime.releases import PROFILES
from dccsim.scenario import RunOptions, UsageError, run

EXIT_FAILED = 1
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    scenario = subparsers.add_parser("scenario", help="run scenario files (YAML) against fresh simulators",
                                     description="Scenarios: DUIS requests, clock moves and expected answers.")
    actions = scenario.add_subparsers(dest="scenario_command", metavar="ACTION")
    actions.required = True
    run_cmd = actions.add_parser(
        "run", help="run scenario files, or every *.yaml under folders",
        description="Run each scenario on a fresh simulator of its own (its own data directory and database, "
                    "simulated clock), print a line per step and a summary, and exit 0 only when every "
                    "scenario passed.")
    run_cmd.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="scenario files or folders")
    run_cmd.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write a JUnit XML report")
    run_cmd.add_argument("--release", choices=sorted(PROFILES), default=None,
                         help="run every scenario under this DUIS release (default: each scenario's own, "
                              "else duis-4.0)")
    run_cmd.add_argument("--keep", action="store_true",
                         help="keep the run's folder: each scenario's data directory and keys, the requests "
                              "sent and the documents received, and the databases")
    run_cmd.add_argument("--jobs", type=int, default=max(2, min(4, os.cpu_count() or 2)),
                         help="scenarios run at once, each on its own simulator (default: 2-4 by CPU count)")
    run_cmd.add_argument("--target", default=None, metavar="URL",
                         help="run every scenario, one after another, on the running simulator at this DUIS URL "
                              "(serve --clock simulated), e.g. http://127.0.0.1:8079")
    run_cmd.add_argument("--admin", default=None, metavar="URL",
                         help="with --target: its admin API (default: the target's host, port 8080)")
    run_cmd.add_argument("--keys", type=Path, default=None, metavar="DIR",
                         help="with --target: a folder of its users' keys (default: fetched from its admin API, "
                              "GET /admin/keys.zip)")
    run_cmd.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    options = RunOptions(release=args.release, junit=args.junit, keep=args.keep, target=args.target,
                         admin=args.admin, keys=args.keys, jobs=args.jobs)
    try:
        result = run(args.paths, options, out=lambda line: print(line, flush=True))
    except UsageError as exc:
        print(f"dccsim scenario: {exc}", flush=True)
        return EXIT_USAGE
    return 0 if result.passed else EXIT_FAILED
