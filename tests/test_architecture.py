"""The layers hold and nothing imports in a circle: every module of gbcs, devices and dccsim, read as
source (its ``ast``), imports only what its layer may, and the import graph — imports inside functions
counted — has no cycle.

* ``gbcs`` (the GBCS wire format) imports nothing of ours;
* ``devices`` (the emulators and the HAN bus) imports ``gbcs`` only;
* ``dccsim`` (the DCC) imports ``gbcs`` and ``devices``.

Imports inside functions are allowed only where a reason is recorded in ``DEFERRED_IMPORTS``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import REPO

PACKAGES = ("gbcs", "devices", "dccsim")
MAY_IMPORT = {"gbcs": {"gbcs"}, "devices": {"gbcs", "devices"}, "dccsim": {"gbcs", "devices", "dccsim"}}
# (module, imported module) → why the import waits until the function runs.
DEFERRED_IMPORTS: dict[tuple[str, str], str] = {
    ("dccsim.db.embedded", "pgserver"): "the embedded server's package pulls in psutil and more; only "
                                        "a simulator without DCCSIM_DATABASE_URL needs it",
    ("dccsim.db.embedded", "pgserver.postgres_server"): "as above",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The modules an import statement names (a ``from x import y`` of a submodule names the submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        if not MODULES[module].name == "__init__.py":
            base = base[:-1]
        base = base[:len(base) - node.level + 1]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in MODULES else prefix for alias in node.names]


def _ours(name: str) -> str | None:
    """The module of ours ``name`` is, or is in (None: not ours)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """Every module's imports of our modules, and the imports made inside functions (module, name, line)."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    deferred = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        inside = {id(node) for function in ast.walk(tree)
                  if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in _resolve(module, node):
                target = _ours(name)
                if target is not None and target != module:
                    edges[module].add(target)
                if id(node) in inside:
                    deferred.append((module, name, node.lineno))
    return edges, deferred


EDGES, DEFERRED = _imports()


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_there_is_no_import_cycle():
    assert _cycles(EDGES) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_each_layer_imports_only_what_it_may(package):
    crossing = sorted(f"{module} imports {target}" for module, targets in EDGES.items()
                      if module.split(".")[0] == package for target in targets
                      if target.split(".")[0] not in MAY_IMPORT[package])
    assert crossing == []


def test_imports_inside_functions_have_a_stated_reason():
    unexplained = [f"{module}:{line} imports {name}" for module, name, line in DEFERRED
                   if (module, name) not in DEFERRED_IMPORTS]
    assert unexplained == []


def test_the_check_finds_what_it_looks_for():
    """The cycle finder and the resolver are not vacuous: a planted cycle is found, and real edges exist."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert "gbcs" in {target.split(".")[0] for target in EDGES["devices.device"]}
    assert any(target.startswith("devices") for target in EDGES["dccsim.han.job_runner"])
