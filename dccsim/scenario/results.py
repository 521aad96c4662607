"""The outcome of a run: per step, per scenario, per file — what the console report and the JUnit file say."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileResult", "RunResult", "ScenarioResult", "Status", "StepResult"]


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"      # an expectation was not met
    ERROR = "error"        # the scenario could not run: its file is wrong, or its simulator would not start
    SKIPPED = "skipped"    # it does not apply to the release run


@dataclass(frozen=True)
class StepResult:
    number: int
    line: int
    description: str
    passed: bool
    summary: str           # what came, in a few words
    seconds: float


@dataclass(frozen=True)
class ScenarioResult:
    file: Path
    name: str
    release: str
    status: Status
    seconds: float
    steps: tuple[StepResult, ...] = ()
    message: str = ""      # one line: why it failed, errored or was skipped
    details: str = ""      # what was expected, what came, the message log of the request


@dataclass(frozen=True)
class FileResult:
    path: Path
    scenarios: tuple[ScenarioResult, ...]

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.scenarios)

    def count(self, status: Status) -> int:
        return sum(1 for s in self.scenarios if s.status is status)


@dataclass(frozen=True)
class RunResult:
    files: tuple[FileResult, ...]
    seconds: float

    @property
    def scenarios(self) -> tuple[ScenarioResult, ...]:
        return tuple(s for f in self.files for s in f.scenarios)

    def count(self, status: Status) -> int:
        return sum(f.count(status) for f in self.files)

    @property
    def passed(self) -> bool:
        return all(s.status in (Status.PASSED, Status.SKIPPED) for s in self.scenarios)
