"""A run as a JUnit XML report in the common format CI servers read: a testsuite per file, a testcase per scenario."""
from __future__ import annotations

import socket
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from dccsim.scenario.report import step_line
from dccsim.scenario.results import FileResult, RunResult, ScenarioResult, Status

__all__ = ["junit_xml"]

# The JUnit element each status becomes (passed: none) and its type attribute.
_OUTCOME_ELEMENT = {Status.FAILED: ("failure", "ScenarioFailure"), Status.ERROR: ("error", "ScenarioError"),
                    Status.SKIPPED: ("skipped", None)}


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _classname(path: Path) -> str:
    """``scenarios/release-4.0/cr1277.yaml`` → ``scenarios.release-4_0.cr1277`` (dots separate folders)."""
    parts = [part.replace(".", "_") for part in path.with_suffix("").parts if part not in ("/", "..", ".")]
    return ".".join(parts) or "scenarios"


def _testcase(parent: etree._Element, result: ScenarioResult) -> None:
    case = etree.SubElement(parent, "testcase", name=result.name, classname=_classname(result.file),
                            time=_seconds(result.seconds))
    outcome = _OUTCOME_ELEMENT.get(result.status)
    if outcome is not None:
        element_name, kind = outcome
        element = etree.SubElement(case, element_name, message=result.message)
        if kind is not None:
            element.set("type", kind)
            element.text = "\n\n".join(part for part in (result.message, result.details) if part)
    lines = [f"release {result.release}"] + [step_line(step) for step in result.steps]
    etree.SubElement(case, "system-out").text = "\n".join(lines)


def _testsuite(parent: etree._Element, result: FileResult, timestamp: str, hostname: str) -> None:
    suite = etree.SubElement(parent, "testsuite", name=str(result.path), tests=str(len(result.scenarios)),
                             failures=str(result.count(Status.FAILED)), errors=str(result.count(Status.ERROR)),
                             skipped=str(result.count(Status.SKIPPED)), time=_seconds(result.seconds),
                             timestamp=timestamp, hostname=hostname)
    for scenario in result.scenarios:
        _testcase(suite, scenario)


def junit_xml(run: RunResult, *, started: datetime | None = None) -> bytes:
    """The JUnit XML document of a run."""
    timestamp = (started or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    root = etree.Element("testsuites", name="dccsim scenarios", tests=str(len(run.scenarios)),
                         failures=str(run.count(Status.FAILED)), errors=str(run.count(Status.ERROR)),
                         time=_seconds(run.seconds))
    hostname = socket.gethostname()
    for file_result in run.files:
        _testsuite(root, file_result, timestamp, hostname)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
