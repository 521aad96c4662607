"""Scenario files into typed scenarios: the format's steps, expectations per release, values kept as the text
they are in XML, and every mistake named with its file and line."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dccsim.scenario import ScenarioError, load_file, parse_text
from dccsim.scenario import find_files
from dccsim.scenario.model import (STEP_READERS, Advance, BrokenScenario, CatalogueSource, DeviceEvent,
                                   ExpectAlert, ExpectNoAlert, ExpectResponse, ExpectScheduled, Fault, Rekey,
                                   Scenario, Send, TemplateSource)
from tests.paths import REPO

FILE = Path("/suite/example.yaml")
SUPPLIER, ESME = "90B3D51F30010000", "00DB1234567890A0"

EXAMPLE = """\
scenarios:
  - name: disable and re-enable supply
    release: duis-4.0
    estate: demo
    steps:
      - send: requests/disable-supply.xml
        as: 90-B3-D5-1F-30-01-00-00
        set: {ExecutionDateTime: "+1h"}
      - send: {variant: "4.1.1", device: 00-DB-12-34-56-78-90-A0}
        expect: {code: I99}
      - send: {variant: "1.1.1", device: 00-DB-12-34-56-78-90-A0, body: {ExecutionDateTime: "+1d"}}
        expect:
          code: I99
          response: {code: I0, use_case: ECS43, payload: {meter_balance: 0}}
        save: {tariff: RequestID}
      - advance: 2h
      - expect_alert: {to: 90-B3-D5-1F-30-01-00-00, code: "0x8F66", within: 30s}
      - event: {device: 00-DB-12-34-56-78-90-A0, event: power-outage}
      - fault: {device: 00-DB-12-34-56-78-90-A0, offline: true}
      - send: requests/add.xml
        expect: {duis-4.0: {code: E081111}, duis-3.1: I99}
      - expect_no_alert: {to: 90-B3-D5-1F-30-01-00-00, code: N49}
      - expect_scheduled: {to: 90-B3-D5-1F-30-01-00-00, schedule: "${s}", count: 30, use_case: ECS21a}
      - expect_response: {request: "${tariff}", code: I0}
      - advance: {to: "2030-01-01T00:00:00Z"}
        releases: [duis-3.1]
      - rekey: {device: 00-DB-12-34-56-78-90-A0, credential: Key Agreement}
"""


def _one(text: str) -> Scenario | BrokenScenario:
    parsed = parse_text(text, FILE)
    assert parsed.error is None, parsed.error
    (scenario,) = parsed.scenarios
    return scenario


def test_the_format_of_the_issue_reads_into_typed_steps():
    scenario = _one(EXAMPLE)
    assert isinstance(scenario, Scenario), scenario
    assert scenario.name == "disable and re-enable supply" and scenario.release == "duis-4.0"
    assert scenario.estate == (None,) and scenario.user == SUPPLIER
    kinds = [type(step) for step in scenario.steps]
    assert kinds == [Send, Send, Send, Advance, ExpectAlert, DeviceEvent, Fault, Send, ExpectNoAlert,
                     ExpectScheduled, ExpectResponse, Advance, Rekey]
    (template, read, tariff, advance, alert, event, fault, add, no_alert, scheduled, response, later,
     rekey) = scenario.steps
    assert template.source == TemplateSource(FILE.parent / "requests/disable-supply.xml")
    assert template.as_user == SUPPLIER and template.values == {"ExecutionDateTime": "+1h"}
    assert template.where.line == 6
    assert read.source == CatalogueSource("4.1.1", ESME, {}) and read.expect.get("duis-4.0").code == "I99"
    expectation = tariff.expect.get("duis-3.1")
    assert expectation.response.use_case == "ECS43" and expectation.response.payload[0].path == "meter_balance"
    assert tariff.save == {"tariff": "RequestID"}
    assert advance.duration == timedelta(hours=2)
    assert alert.alert.get("duis-4.0").code == "8F66" and alert.alert.get("duis-4.0").within == timedelta(seconds=30)
    assert event.device == ESME and event.event == "power-outage"
    assert fault.offline is True
    assert add.expect.get("duis-4.0").code == "E081111" and add.expect.get("duis-3.1").code == "I99"
    assert no_alert.alert.get("duis-4.0").code == "N49"
    assert scheduled.count == 30 and scheduled.schedule == "${s}"
    assert response.expect.get("duis-4.0").request == "${tariff}"
    assert later.applies("duis-3.1") and not later.applies("duis-4.0") and later.to.year == 2030
    assert (rekey.device, rekey.credential) == (ESME, "Key Agreement")


def test_an_expectation_for_some_releases_leaves_the_others_without_one():
    scenario = _one("scenarios:\n  - name: a\n    steps:\n      - send: x.xml\n        expect: {duis-4.0: E1}\n")
    assert scenario.steps[0].expect.get("duis-4.0").code == "E1"
    assert scenario.steps[0].expect.get("duis-3.1") is None


def test_plain_values_stay_the_text_they_are_in_xml():
    scenario = _one('scenarios:\n  - name: a\n    steps:\n'
                    '      - send: {variant: "8.11", device: 00-DB-12-34-56-78-90-A2, body: {\n'
                    '          InstallCode: 0011223344556677, JoinTimePeriod: 60, StartTime: 12:30:00, Flag: true,\n'
                    '          Code: 0x8F66, Empty: }}\n')
    body = scenario.steps[0].source.body
    assert body == {"InstallCode": "0011223344556677", "JoinTimePeriod": "60", "StartTime": "12:30:00",
                    "Flag": True, "Code": "0x8F66", "Empty": None}


def test_anchors_and_merge_keys_are_read():
    scenario = _one("scenarios:\n  - name: a\n    steps:\n"
                    "      - send: {variant: '4.1.1', device: &meter 00-DB-12-34-56-78-90-A0}\n"
                    "      - send: {variant: '2.2', device: *meter, body: {<<: {UTRN: '1'}, Extra: '2'}}\n")
    assert scenario.steps[1].source.device == ESME
    assert scenario.steps[1].source.body == {"UTRN": "1", "Extra": "2"}


@pytest.mark.parametrize("text, line, message", [
    ("scenarios:\n  - name: a\n    steps: [\n", 4, "not valid YAML"),
    ("scenarios:\n  - name: a\n    name: b\n", 3, "the key 'name' is given twice"),
    ("scenario: []\n", 1, "a scenario file is a mapping with a list of scenarios"),
    ("scenarios: []\nother: 1\n", 2, "unknown key other"),
    ("scenarios:\n  - {name: a, steps: [{send: x.xml}]}\n  - {name: a, steps: [{send: y.xml}]}\n", 2,
     "two scenarios are named 'a'"),
])
def test_a_file_that_cannot_be_read_is_reported_with_its_line(text, line, message):
    parsed = parse_text(text, FILE)
    assert parsed.scenarios == () and isinstance(parsed.error, ScenarioError)
    assert parsed.error.where.line == line and message in str(parsed.error)
    assert str(parsed.error).startswith(f"{FILE}:{line}: ")


@pytest.mark.parametrize("steps, line, message", [
    ("      - sned: x.xml\n", 4, "step 1 needs one action of send, advance"),
    ("      - send: x.xml\n        advance: 1h\n", 4, "step 1 needs one action of send, advance, expect_response"),
    ("      - send: x.xml\n        expect: {code: I0, colour: red}\n", 5, "expect has no key colour"),
    ("      - send: x.xml\n        expect: {duis-4.0: I0, colour: I0}\n", 5, "name only releases"),
    ("      - advance: soon\n", 4, "not a duration"),
    ("      - expect_alert: {to: supplier, code: N49}\n", 4, "to: 'supplier' is not an EUI-64"),
    ("      - expect_alert: {code: N49}\n", 4, "expect_alert needs to"),
    ("      - fault: {device: 00-DB-12-34-56-78-90-A0, loss: 2}\n", 4, "loss is a probability"),
    ("      - send: x.xml\n        releases: [duis-9]\n", 5, "unknown release 'duis-9'"),
    ("      - expect_response: {code: I0}\n", 4, "expect_response needs request"),
    ("      - rekey: {device: 00-DB-12-34-56-78-90-A0, credential: Prepayment}\n", 4,
     "credential is Digital Signature or Key Agreement"),
])
def test_a_mistake_in_a_scenario_names_its_line_and_leaves_the_others_to_run(steps, line, message):
    text = f"scenarios:\n  - name: broken\n    steps:\n{steps}  - name: fine\n    steps: [{{advance: 1h}}]\n"
    parsed = parse_text(text, FILE)
    broken, fine = parsed.scenarios
    assert isinstance(broken, BrokenScenario) and isinstance(fine, Scenario)
    assert message in str(broken.error), broken.error
    assert broken.error.where.line == line, broken.error


def test_missing_files_are_found_when_the_file_is_loaded(tmp_path):
    (tmp_path / "there.xml").write_text("<x/>")
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n"
                    "  - name: has its request\n    steps: [{send: there.xml}]\n"
                    "  - name: lacks its request\n    steps:\n      - advance: 1h\n      - send: requests/nope.xml\n"
                    "  - name: lacks its estate\n    estate: [demo, estates/nope.yaml]\n    steps: [{advance: 1h}]\n")
    present, template, estate = load_file(path).scenarios
    assert isinstance(present, Scenario)
    assert isinstance(template, BrokenScenario)
    assert str(template.error) == f"{path}:7: step 2: the request file {tmp_path}/requests/nope.xml does not exist"
    assert isinstance(estate, BrokenScenario) and "the estate file" in str(estate.error)


def test_folders_give_their_scenario_files_and_leave_out_other_yaml():
    found, others = find_files([REPO / "scenarios"])
    assert REPO / "scenarios" / "journeys" / "thirty-days.yaml" in found
    assert REPO / "scenarios" / "demo-estate.yaml" in others and REPO / "scenarios" / "demo-estate.yaml" not in found
    assert all(load_file(path).error is None for path in found)
    assert not [s for path in found for s in load_file(path).scenarios if isinstance(s, BrokenScenario)]


def test_every_step_kind_has_a_reader():
    assert set(STEP_READERS) == {"send", "advance", "expect_response", "expect_alert", "expect_no_alert",
                                        "expect_scheduled", "event", "fault", "rekey"}
