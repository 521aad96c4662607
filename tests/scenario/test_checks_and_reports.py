"""The pure parts of a run: documents read, expectations checked in words, and the reports — the JUnit one
valid under the common JUnit schema."""
from __future__ import annotations

import base64
from pathlib import Path

from lxml import etree

from dccsim.scenario import junit_xml
from dccsim.scenario.checks import alert_matches, check_answer, check_body, check_response, excerpt, field_values
from dccsim.scenario.documents import Answer, DocumentKind, read_received
from dccsim.scenario.model import AlertExpectation, AnswerExpectation, BodyCheck, ResponseExpectation
from dccsim.scenario.report import scenario_block, summary
from dccsim.scenario.results import FileResult, RunResult, ScenarioResult, Status, StepResult

JUNIT_SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit-common.xsd"))))
SR = 'xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"'
SUPPLIER = "90B3D51F30010000"


def _document(header: str, body: str) -> bytes:
    return (f'<sr:Response {SR} schemaVersion="5.4"><sr:Header>{header}</sr:Header><sr:Body>{body}</sr:Body>'
            '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">signed</ds:Signature></sr:Response>').encode()


INVENTORY = _document(
    "<sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:7</sr:RequestID>"
    "<sr:ResponseCode>I0</sr:ResponseCode>",
    "<sr:ResponseMessage><sr:DSPInventory>"
    "<sr:Device><sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID><sr:DeviceStatus>Pending</sr:DeviceStatus>"
    "</sr:Device>"
    "<sr:Device><sr:DeviceID>00-DB-12-34-56-78-90-A3</sr:DeviceID><sr:DeviceStatus>Commissioned</sr:DeviceStatus>"
    "</sr:Device></sr:DSPInventory></sr:ResponseMessage>")


def test_answers_are_checked_for_status_code_content_and_elements():
    answer = Answer(200, INVENTORY)
    assert answer.code == "I0" and answer.describe() == "I0"
    assert check_answer(AnswerExpectation(code="I0", http=200), answer) == []
    assert check_answer(AnswerExpectation(code="I99"), answer) == ["expected code I99, got I0"]
    assert check_answer(AnswerExpectation(http=429), answer) == ["expected HTTP 429, got HTTP 200"]
    refused = Answer(429, b"Too Many Requests")
    assert refused.code is None and refused.describe() == "HTTP 429"
    assert check_answer(AnswerExpectation(http=429, contains="Too Many"), refused) == []
    assert check_answer(AnswerExpectation(contains="Slow down"), refused) == \
        ["expected the body to contain 'Slow down'"]


def test_element_paths_match_any_element_or_all_of_them_in_order():
    assert check_body((BodyCheck("DeviceStatus", "Commissioned"),), INVENTORY) == []
    assert check_body((BodyCheck("DeviceStatus", ("Pending", "Commissioned")),), INVENTORY) == []
    assert check_body((BodyCheck("Device[DeviceID=00-DB-12-34-56-78-90-A2]/DeviceStatus", "Pending"),),
                      INVENTORY) == []
    assert check_body((BodyCheck("Device[DeviceID=00-DB-12-34-56-78-90-A2]/DeviceStatus", "Commissioned"),),
                      INVENTORY) == ["Device[DeviceID=00-DB-12-34-56-78-90-A2]/DeviceStatus expected 'Commissioned', "
                                     "got ['Pending']"]
    assert check_body((BodyCheck("DeviceStatus", ("Commissioned",)),), INVENTORY) == \
        ["DeviceStatus expected ['Commissioned'], got ['Pending', 'Commissioned']"]
    assert check_body((BodyCheck("Colour", "red"),), INVENTORY) == ["Colour expected 'red', got no such element"]


def test_payload_fields_are_found_at_any_depth_and_through_filters():
    fields = {"responses": [{"data": {"records": [{"attribute": "Block1Threshold", "value": 5},
                                                  {"attribute": "Block2Threshold", "value": 6}]}},
                            {"data": {"value": 7, "flag": True}}]}
    find = field_values
    assert find(fields, "value") == [5, 6, 7]
    assert find(fields, "records[attribute=Block2Threshold]/value") == [6]
    assert find(fields, "data/flag") == [True]
    assert find(fields, "records[attribute=Block9Threshold]/value") == []


def test_received_documents_are_classified():
    alert = read_received(SUPPLIER, _document(
        "<sr:ResponseCode>I0</sr:ResponseCode>",
        f"<sr:DeviceAlertMessage><sr:AlertCode>8f66</sr:AlertCode>"
        f"<sr:GBCSPayload>{base64.b64encode(b'not gbcs').decode()}</sr:GBCSPayload></sr:DeviceAlertMessage>"))
    assert (alert.kind, alert.code, alert.payload, alert.use_case) == \
        (DocumentKind.DEVICE_ALERT, "8F66", b"not gbcs", None)
    expected = AlertExpectation(SUPPLIER, "8F66")
    assert alert_matches(expected, alert)
    assert not alert_matches(AlertExpectation("90B3D51F30020000", "8F66"), alert)
    assert not alert_matches(AlertExpectation(SUPPLIER, "8F66", contains="elsewhere"), alert)
    dcc = read_received(SUPPLIER, _document("<sr:ResponseCode>I0</sr:ResponseCode>",
                                            "<sr:DCCAlertMessage><sr:DCCAlertCode>N49</sr:DCCAlertCode>"
                                            "<sr:DCCAlert/></sr:DCCAlertMessage>"))
    assert (dcc.kind, dcc.code) == (DocumentKind.DCC_ALERT, "N49")
    scheduled = read_received(SUPPLIER, _document(
        "<sr:RequestID>90-b3-d5-1f-30-01-00-00:00-DB-12-34-56-78-90-A0:0042</sr:RequestID>"
        "<sr:ResponseCode>I0</sr:ResponseCode>",
        "<sr:ResponseMessage><sr:DSPScheduledMessage><sr:GBCSPayload>AA==</sr:GBCSPayload>"
        "<sr:DSPScheduleID>12</sr:DSPScheduleID></sr:DSPScheduledMessage></sr:ResponseMessage>"))
    assert (scheduled.kind, scheduled.schedule_id, scheduled.request_id) == \
        (DocumentKind.SCHEDULED, "12", "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:42")
    response = read_received(SUPPLIER, INVENTORY)
    assert response.kind is DocumentKind.RESPONSE
    assert check_response(ResponseExpectation(code="I0", use_case="ECS17b"), response) == \
        ["expected GBCS use case ECS17b, got no GBCS payload"]
    assert read_received(SUPPLIER, b"not xml").kind is DocumentKind.OTHER


def test_excerpts_leave_the_signature_out_and_are_cut():
    shown = excerpt(INVENTORY, 10_000)
    assert "signed" not in shown and "<ds:Signature>…</ds:Signature>" in shown
    assert excerpt(b"x" * 700, 600).endswith("(100 more characters)")


def _run() -> RunResult:
    steps = (StepResult(1, 6, "send 4.1.1 to 00-DB-12-34-56-78-90-A0", True, "I99, Response I0 ECS17b", 0.05),
             StepResult(2, 8, "send 8.11 to 00-DB-12-34-56-78-90-A2", False, "I99", 0.02))
    first = Path("scenarios/release-4.0/cr1277.yaml")
    return RunResult((
        FileResult(first, (
            ScenarioResult(first, "passes", "duis-4.0", Status.PASSED, 0.5, steps[:1]),
            ScenarioResult(first, "fails <&>", "duis-4.0", Status.FAILED, 0.7, steps,
                           "step 2 (line 8) send 8.11: expected code E081111, got I99",
                           "answer: I99\n<sr:Response>…</sr:Response>"),
            ScenarioResult(first, "skipped", "duis-3.1", Status.SKIPPED, 0.0, (), "applies to duis-4.0"))),
        FileResult(Path("broken.yaml"), (
            ScenarioResult(Path("broken.yaml"), "broken.yaml", "-", Status.ERROR, 0.0, (),
                           "broken.yaml:3: not valid YAML"),)),
    ), 2.5)


def test_the_junit_report_is_valid_common_junit_and_says_what_failed():
    run = _run()
    document = etree.fromstring(junit_xml(run))
    assert JUNIT_SCHEMA.validate(document), JUNIT_SCHEMA.error_log
    assert document.get("tests") == "4" and document.get("failures") == "1" and document.get("errors") == "1"
    suites = document.findall("testsuite")
    assert [s.get("name") for s in suites] == ["scenarios/release-4.0/cr1277.yaml", "broken.yaml"]
    assert suites[0].get("skipped") == "1" and suites[0].get("tests") == "3"
    failure = suites[0].find("testcase[@name='fails <&>']/failure")
    assert failure.get("message").startswith("step 2 (line 8) send 8.11")
    assert "got I99" in failure.text and "answer: I99" in failure.text
    assert suites[0].find("testcase[@name='fails <&>']").get("classname") == "scenarios.release-4_0.cr1277"
    assert suites[0].find("testcase[@name='skipped']/skipped").get("message") == "applies to duis-4.0"
    assert "not valid YAML" in suites[1].find("testcase/error").get("message")
    assert "ok    1  send 4.1.1" in suites[0].find("testcase[@name='passes']/system-out").text


def test_the_schema_check_is_not_blind():
    document = etree.fromstring(junit_xml(_run()))
    document.find("testsuite/testcase").set("colour", "red")
    assert not JUNIT_SCHEMA.validate(document)
    document = etree.fromstring(junit_xml(_run()))
    etree.SubElement(document.find("testsuite/testcase[@name='passes']"), "failure").addprevious(
        etree.Element("system-out"))
    assert not JUNIT_SCHEMA.validate(document)


def test_the_console_shows_each_scenario_and_the_summary():
    run = _run()
    failed = run.files[0].scenarios[1]
    block = scenario_block(failed, 2, 4)
    assert block.splitlines()[0].startswith("[2/4] FAIL  scenarios/release-4.0/cr1277.yaml: fails <&> (duis-4.0")
    assert "FAIL  2  send 8.11 to 00-DB-12-34-56-78-90-A2: I99  (0.02 s, line 8)" in block
    assert "answer: I99" in block
    text = summary(run)
    assert text.startswith("4 scenarios in 2 files: 1 passed, 1 failed, 1 error, 1 skipped")
    assert "FAIL scenarios/release-4.0/cr1277.yaml: fails <&> — step 2" in text
    assert not run.passed
