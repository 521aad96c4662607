"""The scenario runner: YAML scenarios run on simulators of their own, reported on the console and as JUnit XML.

``load_file`` reads a scenario file into typed scenarios (``dccsim.scenario.model``); ``run`` finds, runs and
reports the scenario files under some paths; ``run_scenarios`` runs parsed files in a running event loop;
``junit_xml`` writes a run's JUnit report.
"""
from dccsim.scenario.junit import junit_xml
from dccsim.scenario.model import Scenario, ScenarioError, ScenarioFile, load_file, parse_text
from dccsim.scenario.results import FileResult, RunResult, ScenarioResult, Status, StepResult
from dccsim.scenario.runner import RunOptions, UsageError, find_files, run, run_scenarios

__all__ = ["FileResult", "RunOptions", "RunResult", "Scenario", "ScenarioError", "ScenarioFile", "ScenarioResult",
           "Status", "StepResult", "UsageError", "find_files", "junit_xml", "load_file", "parse_text", "run",
           "run_scenarios"]
