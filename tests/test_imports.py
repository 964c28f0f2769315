"""The house rules of align's imports (issue 14): no import cycle, and no import of an align module inside a
function unless a comment on that line (or the line above) says why (start-up time, mostly). In the tests, no
test module imports another: what several share lives in a helper module (helpers, builders, snapshots...)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "align"
TESTS = Path(__file__).resolve().parent


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _targets(modules: dict[str, Path], current: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Return the align modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    package = current if modules[current].name == "__init__.py" else current.rpartition(".")[0]
    base = node.module or ""
    if node.level:
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    named = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
    return named or ([base] if base in modules else [])


def _imports(modules: dict[str, Path]) -> tuple[dict[str, set[str]], list[tuple[str, int, str, bool]]]:
    """Return each module's imports (at any depth, but not under ``if TYPE_CHECKING``) and the
    function-level ones as (module, line, target, explained by a comment)."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    nested: list[tuple[str, int, str, bool]] = []
    for name, path in modules.items():
        lines = path.read_text(encoding="utf-8").splitlines()

        def visit(node: ast.AST, in_function: bool, name: str = name, lines: list[str] = lines) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in _targets(modules, name, child):
                        edges[name].add(target)
                        if in_function:
                            here, above = lines[child.lineno - 1], lines[child.lineno - 2].strip()
                            nested.append((name, child.lineno, target, "#" in here or above.startswith("#")))
                inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
                visit(child, inner)

        visit(ast.parse("\n".join(lines)), False)
    return edges, nested


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


@functools.cache
def _align() -> tuple[dict[str, set[str]], list[tuple[str, int, str, bool]]]:
    return _imports(_modules(PACKAGE))


def test_align_has_no_import_cycle() -> None:
    edges, _ = _align()
    assert _cycles(edges) == []


def test_every_function_level_import_of_align_says_why() -> None:
    _, nested = _align()
    unexplained = [f"{module}:{line} imports {target}" for module, line, target, why in nested if not why]
    assert unexplained == []


def test_the_walker_finds_a_cycle_and_an_unexplained_import(tmp_path: Path) -> None:
    """The two tests above can fail: a package with a cycle through a function-level import."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import x\n    return x\n")
    (package / "c.py").write_text("def g():\n    # lazy: start-up time\n    from pkg import a\n")
    edges, nested = _imports(_modules(package))
    assert _cycles(edges) == [["pkg.a", "pkg.b"]]
    assert [(module, target, why) for module, _, target, why in nested] == [
        ("pkg.b", "pkg.a", False),
        ("pkg.c", "pkg.a", True),
    ]


@pytest.mark.parametrize("module", ["align.context", "align.status", "align.steps.registry"])
def test_steps_never_import_the_engine(module: str) -> None:
    """The step contract sits below the engine: neither it nor any step module reaches the engine."""
    edges, _ = _align()
    seen, todo = set(), [module, *(name for name in edges if name.startswith("align.steps."))]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(edges[name])
    assert "align.engine" not in seen
    assert "align.ending" not in seen


def _test_module_imports(root: Path) -> list[str]:
    """Return "importer imports target" for each import of a test module (``test_*``) by another module."""
    edges, _ = _imports(_modules(root))
    return sorted(
        f"{module} imports {target}"
        for module, targets in edges.items()
        for target in targets
        if target.rpartition(".")[2].startswith("test_") and target != module
    )


def test_no_test_module_imports_another() -> None:
    assert _test_module_imports(TESTS) == []


def test_the_walker_finds_a_test_module_imported_by_another(tmp_path: Path) -> None:
    """The test above can fail: every way of importing a test module is seen, a helper module's import is not."""
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    (tests / "helpers.py").write_text("X = 1\n")
    (tests / "test_a.py").write_text("from tests.helpers import X\n")
    (tests / "test_b.py").write_text("from tests.test_a import X\n")
    (tests / "test_c.py").write_text("from tests import test_a\n")
    (tests / "test_d.py").write_text("import tests.test_b\n")
    (tests / "test_e.py").write_text("from .test_c import test_a\n")
    (tests / "kit.py").write_text("def f():\n    from tests.test_d import y\n")
    assert _test_module_imports(tests) == [
        "tests.kit imports tests.test_d",
        "tests.test_b imports tests.test_a",
        "tests.test_c imports tests.test_a",
        "tests.test_d imports tests.test_b",
        "tests.test_e imports tests.test_c",
    ]
