"""The command table (issue 14, item 6): typed handlers, commands that do not import each other, a fast start."""

from __future__ import annotations

import argparse
import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from align.commands import COMMANDS, table
from align.parser import build_parser
from align.plan import Options

COMMANDS_DIR = Path(table.__file__).parent
SHARED = {"outcome", "forecast", "runs"}  # what several commands share; not commands themselves


def imported_modules(path: Path) -> set[str]:
    """Return every module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def command_modules() -> list[str]:
    names = {path.stem for path in COMMANDS_DIR.glob("*.py")} - {"__init__", "table"}
    return sorted(names - SHARED)


@pytest.mark.parametrize("name", command_modules())
def test_no_command_module_imports_another(name: str) -> None:
    others = {f"align.commands.{other}" for other in command_modules() if other != name}
    assert imported_modules(COMMANDS_DIR / f"{name}.py") & (others | {"align.commands.table"}) == set()


def leaf_parsers(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    """Return the handler each runnable command line sets, by its words (``("recipes", "show")``)."""
    subparsers = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subparsers:
        return {words: parser.get_default("handler")}
    found: dict[tuple[str, ...], object] = {}
    for name, child in subparsers[0].choices.items():
        found.update(leaf_parsers(child, (*words, name)))
    return found


def test_every_command_is_handled_by_a_function_of_the_table() -> None:
    handlers = leaf_parsers(build_parser())
    assert {words[0] for words in handlers} == set(COMMANDS)
    for words, handler in handlers.items():
        assert inspect.isfunction(handler), words
        assert handler.__module__ == "align.commands.table", (words, handler)
        assert handler is getattr(table, handler.__name__)
    resumed = {words[0]: handlers[words] for words in handlers if words[0] in ("continue", "skip", "abort")}
    assert set(resumed.values()) == {table.resume}


def test_options_from_args_is_what_the_command_line_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(
        ["run", "--recipe", "ci", "--target", "develop", "--remote", "up", "--set", "a=1", "--set", "b=[x,y]"]
    )

    assert Options.from_args(args, "feature/x") == Options(
        branch="feature/x", recipe="ci", target="develop", remote="up", overrides=("a=1", "b=[x,y]"), cwd=tmp_path
    )
    assert Options.from_args(build_parser().parse_args(["plan"]), None) == Options(branch=None, cwd=tmp_path)


def test_align_version_loads_no_command_and_no_git() -> None:
    """DESIGN §9: `align --version` starts fast; the table imports a command's module only when it runs."""
    code = (
        "import sys\nfrom align.cli import main\ncode = main(['--version'])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('align.') or m in ('sh', 'yaml', 'jsonschema')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.splitlines()[-1] == (  # align.subparsers: the parser's command groups (one parser, split)
        "0 ['align.cli', 'align.commands', 'align.commands.table', 'align.errors', 'align.invocation', 'align.parser', "
        "'align.subparsers']"
    )
