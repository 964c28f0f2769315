"""Every recipe problem reported at once, sorted by line, also through ``align check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from align import __version__
from align.cli import main
from tests.helpers import NOX_EXPECTED, recipe_problems, write

# All at once


def test_every_problem_is_reported_sorted_by_line() -> None:
    text = """
        version: 1
        extends: default
        tarjet: main
        vars:
          my-var: x
        patch:
          rebase: {strategy: rebsae, autostsh: true}
          fetch: {prune: yes, attempts: 010}
          verify: {strict: "no"}
          validate: {nox: lint}
        extends: ci
    """
    assert recipe_problems(text) == [
        "r.yaml:3:1: $.tarjet: unknown key 'tarjet'; did you mean 'target'?",
        "r.yaml:5:3: $.vars['my-var']: variable name 'my-var' must start with a letter or _ "
        "and hold only letters, digits and _",
        "r.yaml:7:22: $.patch.rebase.strategy: 'rebsae' is not one of rebase, merge; did you mean 'rebase'?",
        "r.yaml:7:30: $.patch.rebase.autostsh: unknown option 'autostsh'; did you mean 'autostash'?",
        "r.yaml:8:18: $.patch.fetch.prune: YAML 1.1 reads yes as true; write true",
        "r.yaml:8:33: $.patch.fetch.attempts: YAML 1.1 reads 010 as the number 8; "
        "write 8, or quote it ('010') for text",
        "r.yaml:9:20: $.patch.verify.strict: expected true or false, found the text 'no'",
        "r.yaml:10:3: $.patch.validate: no 'validate' step to patch; the inherited steps are: "
        "backup, fetch, rebase, on_conflict, on_fail, verify, report",
        f"r.yaml:10:19: $.patch.validate.nox: {NOX_EXPECTED}; found the text 'lint' (write [lint] for a list of one)",
        "r.yaml:11:1: $.extends: duplicate key 'extends' (first at line 2); keep one",
    ]


def test_schema_and_variable_problems_are_reported_together() -> None:
    text = """
        version: 1
        steps:
          - fetch: {prnue: true}
          - rebase: {onto: "${remot}/main"}
    """
    assert recipe_problems(text) == [
        "r.yaml:3:13: $.steps[0].fetch.prnue: unknown option 'prnue'; did you mean 'prune'?",
        "r.yaml:4:20: $.steps[1].rebase.onto: unknown variable ${remot}; did you mean 'remote'?",
    ]


# Through the command line


def test_check_prints_every_problem_of_every_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("ok.yaml"), "version: 1\nextends: default\n")
    write(Path("r.yaml"), "version: 1\nsteps:\n  - rebase: {autostsh: true, strategy: rebsae}\n")
    write(Path("v.yaml"), "version: 2\n")
    assert main(["check", "ok.yaml", "r.yaml", "v.yaml"]) == 2
    assert capsys.readouterr().out == (
        "ok: ok.yaml\n"
        "r.yaml:3:14: $.steps[0].rebase.autostsh: unknown option 'autostsh'; did you mean 'autostash'?\n"
        "r.yaml:3:40: $.steps[0].rebase.strategy: 'rebsae' is not one of rebase, merge; did you mean 'rebase'?\n"
        f"v.yaml:1:10: $.version: recipe version 2 needs an align newer than {__version__}: this align reads "
        "recipe version 1; upgrade (pip install --upgrade git-align) or write `version: 1`\n"
        "2 of 3 recipe(s) invalid, 3 problem(s)\n"
    )


def test_check_reports_a_problem_in_an_extended_file(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("team.yaml"), "version: 1\nextends: default\npatch:\n  fetch: {prune: yes}\n")
    write(Path("r.yaml"), "version: 1\nextends: ./team.yaml\n")
    assert main(["check", "r.yaml"]) == 2
    assert capsys.readouterr().out == (
        "team.yaml:4:18: $.patch.fetch.prune: YAML 1.1 reads yes as true; write true\n"
        "1 of 1 recipe(s) invalid, 1 problem(s)\n"
    )


def test_check_reports_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "nope.yaml"]) == 2
    assert capsys.readouterr().out == (
        "nope.yaml:1:1: $: recipe file not found: nope.yaml\n1 of 1 recipe(s) invalid, 1 problem(s)\n"
    )
