"""The public API is ``gbcs.__all__``: every name in it exists, and no code outside gbcs (nor any test but
these) reaches past it into an internal module; gbcs itself imports nothing of the project's and nothing
inside a function."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

import gbcs
from tests.paths import REPO

PUBLIC_MODULES = {f"gbcs.{name}" for name in gbcs.__all__ if isinstance(getattr(gbcs, name), ModuleType)}
OUTSIDE = ("dccsim", "devices", "tests")
INTERNAL_TESTS = REPO / "tests" / "gbcs"


def _sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py")
                  if INTERNAL_TESTS not in p.parents)


def _reaches_past(tree: ast.AST) -> list[str]:
    """What a module uses of gbcs beyond its public API: internal modules and names not in ``__all__``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names
                      if a.name.startswith("gbcs.") and a.name not in PUBLIC_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            if node.module == "gbcs":
                found += [f"gbcs.{a.name}" for a in node.names if a.name not in gbcs.__all__]
            elif node.module.startswith("gbcs."):
                if node.module not in PUBLIC_MODULES:
                    found.append(node.module)
                found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "gbcs":
            if node.attr not in gbcs.__all__:
                found.append(f"gbcs.{node.attr}")
    return found


def test_every_public_name_exists_once():
    assert len(gbcs.__all__) == len(set(gbcs.__all__))
    assert [name for name in gbcs.__all__ if not hasattr(gbcs, name)] == []


@pytest.mark.parametrize("name", sorted(PUBLIC_MODULES))
def test_a_public_module_is_importable_by_its_public_name(name):
    module = importlib.import_module(name)
    assert module is getattr(gbcs, name.removeprefix("gbcs.")) and module.__name__ == name
    assert [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)] == []


def test_nothing_outside_gbcs_reaches_past_its_public_api():
    found = {str(p.relative_to(REPO)): _reaches_past(ast.parse(p.read_text(), str(p)))
             for p in _sources(*OUTSIDE)}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_check_sees_what_reaches_past():
    source = ("import gbcs.security\nfrom gbcs.payload import Payload\nfrom gbcs import semantic, zcl\n"
              "from gbcs.zcl import _TYPES, METERING\nimport gbcs\ngbcs.message.parse(b'')\ngbcs.decode(b'')\n")
    assert _reaches_past(ast.parse(source)) == [
        "gbcs.security", "gbcs.payload", "gbcs.semantic", "gbcs.zcl._TYPES", "gbcs.message"]


def test_gbcs_imports_nothing_of_the_project_and_nothing_inside_a_function():
    found = []
    for path in _sources("gbcs"):
        tree = ast.parse(path.read_text(), str(path))
        for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            found += [f"{path.name}:{n.lineno} inside {function.name}" for n in ast.walk(function)
                      if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            found += [f"{path.name}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in OUTSIDE]
    assert found == []
