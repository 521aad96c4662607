"""A run of scenario files: each scenario on a simulator of its own, side by side, or all on one running simulator."""
from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import tempfile
import time
import zipfile
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
from dccsim.runtime.settings import ADMIN_PORT
from dccsim.scenario.client import SimulatorClient, SimulatorError
from dccsim.scenario.junit import junit_xml
from dccsim.scenario.keys import KeyFolder, MissingKey
from dccsim.scenario.model import BrokenScenario, Scenario, ScenarioFile, load_file
from dccsim.scenario.receiver import Inbox, Receiver
from dccsim.scenario.report import scenario_block, summary
from dccsim.scenario.results import FileResult, RunResult, ScenarioResult, Status, StepResult
from dccsim.scenario.steps import RUNNERS, Session, StepError, StepFailed
from dccsim.scenario.targets import LocalSimulators, RemoteSimulator, Simulators, Target

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
    """The run cannot start as asked: no scenario files, an unknown release, a target that runs another, a
    temporary folder the embedded PostgreSQL server cannot use."""


@dataclass(frozen=True)
class RunOptions:
    release: str | None = None          # run every scenario under this release (else its own, else the default)
    junit: Path | None = None
    keep: bool = False                  # keep the run's folder: data directories, databases, what was sent and received
    target: str | None = None           # the DUIS base URL of a running simulator to run every scenario on
    admin: str | None = None            # its admin API (default: the target's host, port 8080)
    keys: Path | None = None            # with a target: its users' keys (default: its GET /admin/keys.zip)
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


def _file_error(parsed: ScenarioFile) -> ScenarioResult:
    return ScenarioResult(parsed.path, parsed.path.name, "-", Status.ERROR, 0.0, message=str(parsed.error))


class _Run:
    """One run: what its scenarios share — the options, the simulators, the users' endpoints, the HTTP
    session, the progress report and how many scenarios may run at once."""

    def __init__(self, options: RunOptions, simulators: Simulators, receiver: Receiver,
                 http: aiohttp.ClientSession, progress: _Progress, target_release: str | None):
        self.options = options
        self.simulators = simulators
        self.receiver = receiver
        self.http = http
        self.progress = progress
        self.target_release = target_release
        self.limit = asyncio.Semaphore(1 if target_release is not None else max(1, options.jobs))

    def release_of(self, scenario: Scenario | BrokenScenario) -> str:
        own = scenario.release if isinstance(scenario, Scenario) else None
        return self.target_release or self.options.release or own or DEFAULT_PROFILE

    def skip_reason(self, scenario: Scenario, release: str) -> str | None:
        if scenario.releases is not None and release not in scenario.releases:
            return f"applies to {', '.join(sorted(scenario.releases))}, not {release}"
        if self.target_release is not None:
            if scenario.release is not None and scenario.release != self.target_release:
                return f"runs under {scenario.release}; the target simulator runs {self.target_release}"
            if not scenario.on_demo_estate:
                return "needs an estate of its own, which a running simulator cannot be given: run it without --target"
        return None

    async def scenario(self, file: Path, scenario: Scenario | BrokenScenario) -> ScenarioResult:
        release = self.release_of(scenario)
        if isinstance(scenario, BrokenScenario):
            result = ScenarioResult(file, scenario.name, release, Status.ERROR, 0.0, message=str(scenario.error))
        elif (reason := self.skip_reason(scenario, release)) is not None:
            result = ScenarioResult(file, scenario.name, release, Status.SKIPPED, 0.0, message=reason)
        else:
            async with self.limit:
                result = await self._start(file, scenario, release)
        self.progress.ended(result)
        return result

    async def _start(self, file: Path, scenario: Scenario, release: str) -> ScenarioResult:
        started = time.monotonic()
        label = f"{file}: {scenario.name}"
        self.progress.running[label] = "starting its simulator"
        try:
            async with self.simulators.simulator(scenario, release) as target:
                steps, status, message, details = await self._on(target, scenario, release, label)
        except _START_ERRORS as exc:
            return ScenarioResult(file, scenario.name, release, Status.ERROR, time.monotonic() - started,
                                  message=f"its simulator could not start: {exc}")
        return ScenarioResult(file, scenario.name, release, status, time.monotonic() - started, tuple(steps),
                              message, details)

    async def _on(self, target: Target, scenario: Scenario, release: str, label: str) \
            -> tuple[list[StepResult], Status, str, str]:
        """The scenario's steps on its simulator, its users' Responses and alerts sent to an inbox of its own."""
        client = SimulatorClient(self.http, target.duis_url, target.admin_url)
        keep = target.keys.parent if self.options.keep and target.local else None
        inbox = self.receiver.open(keep / "received" if keep else None)
        before: dict[str, str | None] = {}
        try:
            keys = KeyFolder(target.keys)
            before = await _point_endpoints(client, self.receiver, inbox)
            session = Session(scenario, release, client, keys, inbox, keep=keep)
            outcome = await self._steps(scenario, session, label)
            if target.local:
                # What the last steps set off is delivered before the inbox closes (and kept with --keep).
                with contextlib.suppress(SimulatorError, aiohttp.ClientError, OSError):
                    await session.settle(SETTLE_AT_END)
            return outcome
        finally:
            if not target.local:
                for user, endpoint in before.items():
                    await client.set_endpoint(user, endpoint)
            self.receiver.close(inbox)

    async def _steps(self, scenario: Scenario, session: Session, label: str) \
            -> tuple[list[StepResult], Status, str, str]:
        """Each step in turn, until the first that fails: the steps' results, the verdict, why and the details."""
        steps: list[StepResult] = []
        for number, step in enumerate(scenario.steps, start=1):
            description, line = step.describe(), step.where.line
            if not step.applies(session.release):
                steps.append(StepResult(number, line, description, True, f"skipped under {session.release}", 0.0))
                continue
            self.progress.running[label] = f"step {number}/{len(scenario.steps)} {description}"
            started = time.monotonic()
            where = f"step {number} (line {line}) {description}"
            try:
                outcome = await RUNNERS[type(step)](step, session)
            except StepFailed as failed:
                steps.append(StepResult(number, line, description, False, failed.summary, time.monotonic() - started))
                return steps, Status.FAILED, f"{where}: {failed}", failed.details
            except _STEP_ERRORS as exc:
                steps.append(StepResult(number, line, description, False, "could not be carried out",
                                        time.monotonic() - started))
                return steps, Status.ERROR, f"{where}: {exc}", ""
            steps.append(StepResult(number, line, description, True, outcome, time.monotonic() - started))
        return steps, Status.PASSED, "", ""


async def _point_endpoints(client: SimulatorClient, receiver: Receiver, inbox: Inbox) -> dict[str, str | None]:
    """Every user's Responses and alerts to the scenario's inbox; the endpoints they had before."""
    before = {}
    for user in await client.users():
        before[user["entity_id"]] = user.get("endpoint")
        await client.set_endpoint(user["entity_id"], receiver.endpoint(inbox, user["entity_id"]))
    return before


async def run_scenarios(files: list[ScenarioFile], options: RunOptions, *,
                        out: Callable[[str], None] = print) -> RunResult:
    """Run the scenarios of parsed files and report as each ends (``out``)."""
    if options.release is not None and options.release not in PROFILES:
        raise UsageError(f"unknown release {options.release!r} (known: {', '.join(sorted(PROFILES))})")
    started = time.monotonic()
    work = Path(options.work_dir or tempfile.mkdtemp(prefix="dccsim-scenarios-"))
    work.mkdir(parents=True, exist_ok=True)
    broken = [_file_error(parsed) for parsed in files if parsed.error is not None]
    runnable = [(parsed.path, scenario) for parsed in files if parsed.error is None for scenario in parsed.scenarios]
    progress = _Progress(len(broken) + len(runnable), out)
    for result in broken:
        progress.ended(result)
    receiver = await Receiver().start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
            simulators, target_release = await _simulators(options, work, http)
            try:
                await simulators.start()
            except RuntimeError as exc:
                raise UsageError(f"the embedded PostgreSQL server could not start in {work}: {exc} (its socket "
                                 f"lives there: a shorter TMPDIR helps)") from None
            run = _Run(options, simulators, receiver, http, progress, target_release)
            heartbeat = asyncio.create_task(progress.heartbeat())
            try:
                results = await asyncio.gather(*(run.scenario(path, scenario) for path, scenario in runnable))
            finally:
                heartbeat.cancel()
                await simulators.stop()
    finally:
        await receiver.stop()
        if options.keep:
            out(f"kept the run's folder: {work}")
        elif options.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    by_file: dict[Path, list[ScenarioResult]] = {parsed.path: [] for parsed in files}
    for result in [*broken, *results]:
        by_file[result.file].append(result)
    result = RunResult(tuple(FileResult(path, tuple(found)) for path, found in by_file.items()),
                       time.monotonic() - started)
    out(summary(result))
    return result


async def _simulators(options: RunOptions, work: Path, http: aiohttp.ClientSession) \
        -> tuple[Simulators, str | None]:
    """Fresh simulators of the scenarios' own, or the running one ``--target`` names (and the release it runs),
    with its users' keys from ``--keys`` or else from its admin API."""
    if options.target is None:
        return LocalSimulators(work, server_url=options.server_url, keep=options.keep), None
    client = SimulatorClient(http, options.target, options.admin or _default_admin(options.target))
    release = await _target_release(client, options)
    keys = options.keys or _unzip(await client.keys_zip(), work / "target-keys")
    return RemoteSimulator(client.duis_url, client.admin_url, keys), release


def _unzip(archive: bytes, folder: Path) -> Path:
    """A key folder from the zip of one (its files are flat: only their names are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(archive)) as keys:
        for entry in keys.infolist():
            if not entry.is_dir():
                (folder / Path(entry.filename).name).write_bytes(keys.read(entry))
    return folder


def _default_admin(target: str) -> str:
    host = target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return f"http://{host}:{ADMIN_PORT}"


async def _target_release(client: SimulatorClient, options: RunOptions) -> str:
    """The release the target runs (the one asked for, if any), refused unless its clock is simulated."""
    health = await client.health()
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

