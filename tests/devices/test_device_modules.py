"""The device package's own rules, read from its source: no import cycles, no imports inside functions, nothing
of the DCC's, no wall clock, no untyped state in a signature."""
from __future__ import annotations

import ast
from pathlib import Path

import devices

PACKAGE = Path(devices.__file__).parent
# Imports inside a function that have a stated reason (module -> reason); there are none.
FUNCTION_IMPORTS_ALLOWED: dict[str, str] = {}
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
              ("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("time", "perf_counter")}


def _name(path: Path) -> str:
    """``devices.x`` for devices/x.py, ``devices.smets1`` for a subpackage's __init__.py."""
    parts = ("devices",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    """Every module of the package, its subpackages' (``devices.smets1``) included."""
    return {_name(path): ast.parse(path.read_text(), str(path)) for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(node: ast.AST, modules: dict | None = None) -> list[str]:
    """The modules an import names; ``from devices import alerts`` names the submodule ``devices.alerts``, not
    the package (a package importing its submodules is not a cycle with them)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        submodules = [f"{node.module}.{alias.name}" for alias in node.names]
        if modules is not None and all(name in modules for name in submodules):
            return submodules
        return [node.module] + submodules
    return []


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {target for node in ast.walk(tree) for target in _imported(node, modules) if target in modules}
            for name, tree in modules.items()}


def test_no_module_of_the_package_imports_itself_back():
    graph = _graph()
    state: dict[str, str] = {}            # visiting | done
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "visiting"
        for target in sorted(graph[name]):
            if state.get(target) == "visiting":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_imports_are_at_module_level():
    found = []
    for name, tree in _modules().items():
        for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and name not in FUNCTION_IMPORTS_ALLOWED:
                    found.append(f"{name}.{function.name}: {ast.unparse(node)}")
        for node in ast.walk(tree):          # "if TYPE_CHECKING:" imports hide an import the module needs
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                found.append(f"{name}: {ast.unparse(node.test)}")
    assert found == []


def test_devices_import_nothing_of_the_dcc():
    found = [f"{name}: {target}" for name, tree in _modules().items() for node in ast.walk(tree)
             for target in _imported(node) if target.split(".")[0] == "dccsim"]
    assert found == []


def test_no_device_reads_the_wall_clock():
    found = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and (node.value.id, node.attr) in WALL_CLOCK:
                found.append(f"{name}: {ast.unparse(node)}")
    assert found == []


def test_state_is_typed_in_every_signature():
    found = []
    for name, tree in _modules().items():
        for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for arg in function.args.args + function.args.kwonlyargs:
                if "state" in arg.arg and (arg.annotation is None or ast.unparse(arg.annotation) == "dict"):
                    found.append(f"{name}.{function.name}({arg.arg})")
    assert found == []
