"""A run of scenario files: each scenario on a simulator of its own (side by side, at most ``jobs`` at once) or
all on one running simulator; its steps in order; a console block as each ends; a JUnit report at the end."""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import aiohttp
import asyncpg
import yaml

import gbcs
from dccsim.catalogue.requests import RequestBuildError
from dccsim.estate import EstateError
from dccsim.runtime.releases import DEFAULT_PROFILE, PROFILES
from dccsim.runtime.settings import ADMIN_PORT, Settings
from dccsim.scenario.client import SimulatorClient, SimulatorError
from dccsim.scenario.junit import junit_xml
from dccsim.scenario.keys import KeyFolder, MissingKey
from dccsim.scenario.model import BrokenScenario, Scenario, ScenarioFile, load_file
from dccsim.scenario.receiver import Receiver
from dccsim.scenario.report import scenario_block, summary
from dccsim.scenario.results import FileResult, RunResult, ScenarioResult, Status, StepResult
from dccsim.scenario.steps import RUNNERS, Session, StepError, StepFailed
from dccsim.scenario.targets import LocalSimulators, RemoteSimulator, Target

__all__ = ["RunOptions", "UsageError", "find_files", "run", "run_scenarios"]

HEARTBEAT = 15.0      # seconds between progress lines while scenarios run
SETTLE_AT_END = 5.0   # seconds a scenario's simulator may take to deliver what its last steps set off
# What stops a step that is not an unmet expectation: the scenario as written cannot be carried out, or the
# simulator refused or failed.
_STEP_ERRORS = (StepError, RequestBuildError, MissingKey, SimulatorError, aiohttp.ClientError, OSError,
                gbcs.GbcsError, ValueError, asyncio.TimeoutError)
# What stops a simulator from starting for a scenario: its estate file, or the database.
_START_ERRORS = (EstateError, MissingKey, SimulatorError, asyncpg.PostgresError, aiohttp.ClientError, OSError,
                 ValueError)


class UsageError(ValueError):
    """The run cannot start as asked (no scenario files, an unknown release, a target that runs another)."""


@dataclass(frozen=True)
class RunOptions:
    release: str | None = None          # run every scenario under this release (else its own, else the default)
    junit: Path | None = None
    keep: bool = False                  # keep the run's folder: data directories, databases, what was sent and received
    target: str | None = None           # the DUIS base URL of a running simulator to run every scenario on
    admin: str | None = None            # its admin API (default: the target's host, port 8080)
    keys: Path | None = None            # with a target: its users' keys (default: the data directory's)
    jobs: int = 4                       # scenarios at once, each on its own simulator
    server_url: str | None = None       # a PostgreSQL server for the scenarios' databases (default: embedded)
    work_dir: Path | None = None


def find_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The scenario files named, and those under the folders named (``*.yaml``, sorted); the second list holds
    YAML files under the folders that are not scenario files (estates, say: no ``scenarios:`` key)."""
    found, others = [], []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*.yaml")):
                (found if _is_scenario_file(candidate) else others).append(candidate)
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {path}")
    return list(dict.fromkeys(found)), others


def _is_scenario_file(path: Path) -> bool:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return True       # reported as a broken scenario file
    return not isinstance(document, dict) or "scenarios" in document


class _Progress:
    """Prints each scenario's block as it ends, and now and then which are still running."""

    def __init__(self, total: int, out: Callable[[str], None]):
        self.total = total
        self.done = 0
        self.running: dict[str, str] = {}
        self.out = out

    def ended(self, result: ScenarioResult) -> None:
        self.done += 1
        self.running.pop(f"{result.file}: {result.name}", None)
        self.out(scenario_block(result, self.done, self.total))

    async def heartbeat(self) -> None:
        started = time.monotonic()
        while True:
            await asyncio.sleep(HEARTBEAT)
            if self.running:
                states = "; ".join(f"{name} ({state})" for name, state in sorted(self.running.items()))
                self.out(f"... {time.monotonic() - started:.0f} s, {self.done}/{self.total} done, running: {states}")


def _release_of(scenario: Scenario, options: RunOptions, target_release: str | None) -> str:
    return target_release or options.release or scenario.release or DEFAULT_PROFILE


def _skip_reason(scenario: Scenario, release: str, target_release: str | None) -> str | None:
    if scenario.releases is not None and release not in scenario.releases:
        return f"applies to {', '.join(sorted(scenario.releases))}, not {release}"
    if target_release is not None and scenario.release is not None and scenario.release != target_release:
        return f"runs under {scenario.release}; the target simulator runs {target_release}"
    return None


async def _point_endpoints(client: SimulatorClient, receiver: Receiver, inbox) -> dict[str, str | None]:
    """Every user's Responses and alerts to the scenario's inbox; the endpoints they had before."""
    before = {}
    for user in await client.users():
        before[user["entity_id"]] = user.get("endpoint")
        await client.set_endpoint(user["entity_id"], receiver.endpoint(inbox, user["entity_id"]))
    return before


async def _run_steps(scenario: Scenario, session: Session, progress: _Progress, label: str) \
        -> tuple[list[StepResult], Status, str, str]:
    steps: list[StepResult] = []
    for number, step in enumerate(scenario.steps, start=1):
        description = step.describe()
        if not step.applies(session.release):
            steps.append(StepResult(number, step.where.line, description, True,
                                    f"skipped under {session.release}", 0.0))
            continue
        progress.running[label] = f"step {number}/{len(scenario.steps)} {description}"
        started = time.monotonic()
        try:
            outcome = await RUNNERS[type(step)](step, session)
        except StepFailed as failed:
            steps.append(StepResult(number, step.where.line, description, False, failed.summary,
                                    time.monotonic() - started))
            return steps, Status.FAILED, f"step {number} (line {step.where.line}) {description}: {failed}", \
                failed.details
        except _STEP_ERRORS as exc:
            steps.append(StepResult(number, step.where.line, description, False, "could not be carried out",
                                    time.monotonic() - started))
            return steps, Status.ERROR, f"step {number} (line {step.where.line}) {description}: {exc}", ""
        steps.append(StepResult(number, step.where.line, description, True, outcome, time.monotonic() - started))
    return steps, Status.PASSED, "", ""


async def _run_one(scenario: Scenario, file: Path, options: RunOptions, simulators, receiver: Receiver,
                   session_http: aiohttp.ClientSession, progress: _Progress, limit: asyncio.Semaphore,
                   target_release: str | None) -> ScenarioResult:
    release = _release_of(scenario, options, target_release)
    reason = _skip_reason(scenario, release, target_release)
    if reason is not None:
        return ScenarioResult(file, scenario.name, release, Status.SKIPPED, 0.0, message=reason)
    label = f"{file}: {scenario.name}"
    async with limit:
        started = time.monotonic()
        progress.running[label] = "starting its simulator"
        try:
            async with simulators.simulator(scenario, release) as target:
                return await _on_target(scenario, file, release, target, receiver, session_http, progress, label,
                                        started, options)
        except _START_ERRORS as exc:
            return ScenarioResult(file, scenario.name, release, Status.ERROR, time.monotonic() - started,
                                  message=f"its simulator could not start: {exc}")


async def _on_target(scenario: Scenario, file: Path, release: str, target: Target, receiver: Receiver,
                     session_http: aiohttp.ClientSession, progress: _Progress, label: str, started: float,
                     options: RunOptions) -> ScenarioResult:
    client = SimulatorClient(session_http, target.duis_url, target.admin_url)
    keep = target.keys.parent if options.keep and target.local else None
    inbox = receiver.open(keep / "received" if keep else None)
    before: dict[str, str | None] = {}
    try:
        keys = KeyFolder(target.keys)
        before = await _point_endpoints(client, receiver, inbox)
        session = Session(scenario, release, client, keys, inbox, keep=keep)
        steps, status, message, details = await _run_steps(scenario, session, progress, label)
        if target.local:
            # What the last steps set off is delivered before the inbox closes (and kept with --keep).
            with contextlib.suppress(SimulatorError, aiohttp.ClientError, OSError):
                await session.settle(SETTLE_AT_END)
    finally:
        if not target.local:
            for user, endpoint in before.items():
                await client.set_endpoint(user, endpoint)
        receiver.close(inbox)
    return ScenarioResult(file, scenario.name, release, status, time.monotonic() - started, tuple(steps),
                          message, details)


def _file_error(parsed: ScenarioFile) -> ScenarioResult:
    return ScenarioResult(parsed.path, parsed.path.name, "-", Status.ERROR, 0.0, message=str(parsed.error))


def _broken(file: Path, broken: BrokenScenario, release: str) -> ScenarioResult:
    return ScenarioResult(file, broken.name, release, Status.ERROR, 0.0, message=str(broken.error))


async def run_scenarios(files: list[ScenarioFile], options: RunOptions, *,
                        out: Callable[[str], None] = print) -> RunResult:
    """Run the scenarios of parsed files and report as they end (``out``)."""
    if options.release is not None and options.release not in PROFILES:
        raise UsageError(f"unknown release {options.release!r} (known: {', '.join(sorted(PROFILES))})")
    started = time.monotonic()
    work = Path(options.work_dir or tempfile.mkdtemp(prefix="dccsim-scenarios-"))
    work.mkdir(parents=True, exist_ok=True)
    receiver = await Receiver().start()
    target_release = None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
            if options.target is not None:
                simulators = RemoteSimulator(options.target, options.admin or _default_admin(options.target),
                                             options.keys or _default_keys())
                target_release = await _target_release(http, simulators.target, options)
                jobs = 1
            else:
                simulators = LocalSimulators(work, server_url=options.server_url, keep=options.keep)
                jobs = max(1, options.jobs)
            await simulators.start()
            limit = asyncio.Semaphore(jobs)
            runnable = [(f.path, s) for f in files if f.error is None for s in f.scenarios]
            progress = _Progress(len(runnable), out)
            heartbeat = asyncio.create_task(progress.heartbeat())
            try:
                results = await asyncio.gather(*(
                    _run_or_report(path, scenario, options, simulators, receiver, http, progress, limit,
                                   target_release) for path, scenario in runnable))
            finally:
                heartbeat.cancel()
    finally:
        await receiver.stop()
        if options.keep:
            out(f"kept the run's folder: {work}")
        elif options.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    by_file: dict[Path, list[ScenarioResult]] = {f.path: [] for f in files}
    for parsed in files:
        if parsed.error is not None:
            by_file[parsed.path].append(_file_error(parsed))
            out(scenario_block(by_file[parsed.path][-1], 0, len(runnable)))
    for result in results:
        by_file[result.file].append(result)
    run = RunResult(tuple(FileResult(path, tuple(found)) for path, found in by_file.items()),
                    time.monotonic() - started)
    out(summary(run))
    return run


async def _run_or_report(file: Path, scenario: Scenario | BrokenScenario, options: RunOptions, simulators,
                         receiver: Receiver, http: aiohttp.ClientSession, progress: _Progress,
                         limit: asyncio.Semaphore, target_release: str | None) -> ScenarioResult:
    if isinstance(scenario, BrokenScenario):
        result = _broken(file, scenario, target_release or options.release or DEFAULT_PROFILE)
    else:
        result = await _run_one(scenario, file, options, simulators, receiver, http, progress, limit, target_release)
    progress.ended(result)
    return result


def _default_admin(target: str) -> str:
    host = target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return f"http://{host}:{ADMIN_PORT}"


def _default_keys() -> Path:
    """The keys ``serve`` exported to the data directory (``--data-dir`` / ``DCCSIM_DATA_DIR``)."""
    return Settings().keys_dir


async def _target_release(http: aiohttp.ClientSession, target: Target, options: RunOptions) -> str:
    health = await SimulatorClient(http, target.duis_url, target.admin_url).health()
    release = str(health.get("release"))
    if options.release is not None and options.release != release:
        raise UsageError(f"the target simulator runs {release}, not {options.release} (restart it with "
                         f"--release {options.release})")
    if health.get("clock", {}).get("mode") != "simulated":
        raise UsageError("the target simulator runs on the wall clock; scenarios need `serve --clock simulated`")
    return release


def run(paths: list[Path], options: RunOptions, *, out: Callable[[str], None] = print) -> RunResult:
    """Find, read and run the scenario files under ``paths``; write the JUnit report if asked."""
    files, others = find_files(paths)
    if not files:
        raise UsageError(f"no scenario files in {', '.join(str(p) for p in paths)}")
    if others:
        out(f"not scenario files (no scenarios: key), left out: {', '.join(str(p) for p in others)}")
    parsed = [load_file(path) for path in files]
    begun = datetime.now(timezone.utc)
    result = asyncio.run(run_scenarios(parsed, options, out=out))
    if options.junit is not None:
        options.junit.parent.mkdir(parents=True, exist_ok=True)
        options.junit.write_bytes(junit_xml(result, started=begun))
        out(f"JUnit report: {options.junit}")
    return result

