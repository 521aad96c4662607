"""The console report of a run: a block per scenario (one line per step), progress, and the summary."""
from __future__ import annotations

from dccsim.scenario.results import RunResult, ScenarioResult, Status, StepResult

__all__ = ["scenario_block", "step_line", "summary"]

_MARK = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.ERROR: "ERROR", Status.SKIPPED: "SKIP"}


def step_line(step: StepResult) -> str:
    mark = "ok  " if step.passed else "FAIL"
    return f"{mark} {step.number:>2}  {step.description}: {step.summary}  ({step.seconds:.2f} s, line {step.line})"


def _indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def scenario_block(result: ScenarioResult, done: int, total: int) -> str:
    """What the console shows when a scenario ends: its verdict, its steps, and why it did not pass."""
    head = (f"[{done}/{total}] {_MARK[result.status]:<5} {result.file}: {result.name} "
            f"({result.release}, {result.seconds:.1f} s)")
    lines = [head, *("    " + step_line(step) for step in result.steps)]
    if result.status is not Status.PASSED and result.message:
        lines.append("    " + result.message)
    if result.status in (Status.FAILED, Status.ERROR) and result.details:
        lines.append(_indent(result.details))
    return "\n".join(lines)


def summary(run: RunResult) -> str:
    counts = ", ".join(f"{run.count(status)} {status.value}" for status in Status if run.count(status))
    lines = [f"{len(run.scenarios)} scenarios in {len(run.files)} files: {counts or 'none'} "
             f"({run.seconds:.1f} s)"]
    for result in run.scenarios:
        if result.status in (Status.FAILED, Status.ERROR):
            lines.append(f"  {_MARK[result.status]} {result.file}: {result.name} — {result.message}")
    return "\n".join(lines)
