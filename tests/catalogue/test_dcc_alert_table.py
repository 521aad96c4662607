"""The DCC alert table (``dccsim.catalogue.dcc_alerts``): every code the DUIS XSD enumerates, each either raised
by a flow with a test or scenario that shows it, waiting with its rule tested, or not raised with the reason."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from lxml import etree

from dccsim.catalogue import dcc_alerts
from dccsim.catalogue.dcc_alerts import DCC_ALERTS, REQUESTER, Generation, Status
from dccsim.s1sp.alert_codes import S1_DCC_ALERTS
from tests.paths import DUIS_SCHEMA, REPO

XS = "http://www.w3.org/2001/XMLSchema"
ROLES = {"IS", "ES", "GS", "ED", "GT", "RSA", "OU", REQUESTER}


def _xsd_codes() -> list[str]:
    tree = etree.parse(str(DUIS_SCHEMA / "DUIS Schema V5.4.xsd"))
    element = tree.find(f".//{{{XS}}}complexType[@name='DCCAlertMessage']//{{{XS}}}element[@name='DCCAlertCode']")
    return [e.get("value") for e in element.iter(f"{{{XS}}}enumeration")]


@pytest.mark.skipif(not DUIS_SCHEMA.exists(), reason="the reference corpus (../shared) is absent")
def test_the_table_has_every_code_the_duis_xsd_enumerates_and_no_other():
    assert list(DCC_ALERTS) == _xsd_codes()


@pytest.mark.parametrize("code", sorted(DCC_ALERTS))
def test_each_entry_says_when_it_is_raised_or_why_not(code):
    entry = DCC_ALERTS[code]
    assert entry.name and entry.detail
    assert set(entry.recipients) <= ROLES
    if entry.status is not Status.NOT_RAISED:
        assert entry.recipients and entry.body


def _scenario_expects_the_alert(path: Path, name: str, code: str) -> bool:
    """The scenario called ``name`` has a step expecting ``code`` at a User's endpoint (``expect_alert``)."""
    [scenario] = [s for s in yaml.safe_load(path.read_text())["scenarios"] if s["name"] == name] or [None]
    assert scenario is not None, f"{path.name} has no scenario {name!r}"
    return any(str((step.get("expect_alert") or {}).get("code")) == code for step in scenario["steps"])


def _test_checks_the_alert(path: Path, name: str, code: str) -> bool:
    """The test function ``name`` names ``code`` as a string in its own body (it looks for that alert)."""
    source = path.read_text()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    [function] = [node for node in ast.walk(ast.parse(source)) if isinstance(node, functions) and node.name == name] \
        or [None]
    assert function is not None, f"{path.name} has no test {name!r}"
    return any(isinstance(node, ast.Constant) and node.value == code for node in ast.walk(function))


@pytest.mark.parametrize("entry", [e for e in DCC_ALERTS.values() if e.status is not Status.NOT_RAISED],
                         ids=lambda e: e.code)
def test_each_raised_alert_has_a_test_that_raises_it(entry):
    """A RAISED entry names a scenario that expects the alert at a User's endpoint, or an integration test (real
    HTTP, real PostgreSQL: ``tests/integration``) that looks for it; WAITS is for a rule whose flow is not routed."""
    assert entry.status is Status.RAISED, f"{entry.code} waits: say what it waits for, or raise it"
    path, _, name = entry.test.partition("::")
    assert name and (REPO / path).exists(), f"{entry.code}: {entry.test} does not exist"
    if path.endswith(".yaml"):
        assert path.startswith("scenarios/") and _scenario_expects_the_alert(REPO / path, name, entry.code), entry.test
    else:
        assert path.startswith("tests/integration/") and _test_checks_the_alert(REPO / path, name, entry.code), \
            entry.test


def test_the_smets1_alerts_are_in_the_catalogue_table():
    """The SMETS1 leg's own table (``dccsim.s1sp.alert_codes``) names nothing the DCC alert table does not raise."""
    for code in S1_DCC_ALERTS:
        assert DCC_ALERTS[code.value].raised, code
        assert DCC_ALERTS[code.value].generation in (Generation.SMETS1, Generation.ALL), code


def test_unknown_codes_are_the_callers_mistake():
    with pytest.raises(ValueError, match="not a DUIS DCC alert code"):
        dcc_alerts.spec("N66")
