"""The outcome table: every code the simulator gives is in it, and its constants catch typos early."""
from __future__ import annotations

import ast

import pytest
from lxml import etree

from dccsim.duis import outcomes
from dccsim.duis.outcomes import OUTCOMES, Code, DuisRejection
from tests.paths import DUIS_SCHEMA, REPO

_CALLS = {"DuisRejection", "Reply", "_signed", "_plain"}


def _literal_codes(tree: ast.AST):
    """(line, code) of every string literal given as an outcome: first argument of DuisRejection / Reply,
    ``type_error=`` and ``code =`` assignments."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in _CALLS and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value
            for keyword in node.keywords:
                if keyword.arg == "type_error" and isinstance(keyword.value, ast.Constant):
                    yield node.lineno, keyword.value.value


def test_every_code_written_in_the_source_is_in_the_table():
    unknown = []
    for path in sorted((REPO / "dccsim").rglob("*.py")):
        for line, code in _literal_codes(ast.parse(path.read_text(), str(path))):
            if code not in OUTCOMES:
                unknown.append(f"{path.relative_to(REPO)}:{line}: {code}")
    assert unknown == []


def test_every_key_is_a_constant_and_a_member():
    for key in OUTCOMES:
        name = key.replace("-", "_")
        assert getattr(outcomes, name) == key == Code[name].value
    assert str(Code.E080201) == "E080201" and Code.W081401 == "W081401"


def test_a_misspelt_code_fails_at_import():
    with pytest.raises(ImportError):
        exec("from dccsim.duis.outcomes import E08O201", {})   # letter O for zero
    with pytest.raises(KeyError):
        DuisRejection("E0802O1")


def test_duis_codes_are_codes_of_the_official_schema():
    schema = etree.parse(str(DUIS_SCHEMA / "DUIS Schema V5.4.xsd"))
    official = set(schema.xpath("//xs:simpleType[@name='ResponseCode']//xs:enumeration/@value",
                                namespaces={"xs": "http://www.w3.org/2001/XMLSchema"}))
    ours = {o.key for o in OUTCOMES.values() if o.duis_response}
    assert ours <= official, ours - official


def test_http_statuses_that_are_declared_are_used():
    """Each HTTP-level rejection of the table is raised somewhere (or mapped from aiohttp's errors)."""
    used = set()
    for path in sorted((REPO / "dccsim").rglob("*.py")):
        if path.name == "outcomes.py":
            continue
        text = path.read_text()
        used |= {key for key in OUTCOMES if not OUTCOMES[key].duis_response
                 and (key.replace("-", "_") in text or f'"{key}"' in text)}
    declared = {key for key, o in OUTCOMES.items() if not o.duis_response}
    assert declared - used == set()


def test_the_generated_codes_module_is_up_to_date():
    from dccsim.duis.outcome_table import CODES_MODULE, codes_source

    assert CODES_MODULE.read_text() == codes_source(), "run: python -m dccsim.duis.outcome_table"


def test_no_code_is_written_as_a_string_outside_the_table():
    """Codes are named (``E31``, ``Code.I99``): a string that is an outcome key appears only in the table."""
    written = []
    for path in sorted((REPO / "dccsim").rglob("*.py")):
        if path.name in ("outcome_table.py", "codes.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in OUTCOMES:
                written.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    assert written == []
