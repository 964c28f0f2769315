"""A PEP 723 noxfile (``# /// script``): nox's script mode prints pip's output before ``--list --json``."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from align.cli import main
from align.errors import UsageError
from align.recipe.model import Validate
from align.state import Store
from align.steps.validate import preflight
from tests.builders import ALIGN_STEPS, REPORT, feature, moved_upstream, steps_recipe
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import is_ancestor, rev, stashes

# Any nox but the one installed: align's nox cannot satisfy the block, so nox builds its script environment
# (.nox/_nox_script_mode) and pip installs nox from the package index, printing to stdout.
PEP723 = """\
# /// script
# dependencies = ["nox!={installed}"]
# ///
import pathlib

import nox


@nox.session(venv_backend="none")
def good(session):
    pathlib.Path({out!r}).write_text("good ran")
"""
# What pip prints in script mode, without the package index: a noxfile that prints while nox loads it.
CHATTY = """\
import nox

print("Collecting nox")
print("[notice] A new release of pip is available")


@nox.session(venv_backend="none")
def good(session):
    pass
"""


def step(*names: str) -> Validate:
    return Validate(nox=names, noxfile="noxfile.py", args=(), run=(), timeout=600)


def test_output_before_the_listing_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "noxfile.py", CHATTY)
    preflight(tmp_path, step("good"))
    with pytest.raises(UsageError) as raised:
        preflight(tmp_path, step("godo"))
    assert raised.value.message == "validate: noxfile.py has no session godo"
    assert raised.value.hint == "did you mean good? its sessions: good"


def test_the_listing_is_the_last_json_list_nox_prints(tmp_path: Path) -> None:
    write(tmp_path / "noxfile.py", 'import nox\nprint("[]")\nprint("[1, 2")\n\n\n' + CHATTY.split("\n\n\n")[1])
    preflight(tmp_path, step("good"))


def test_a_noxfile_that_fails_to_load_is_still_an_error(tmp_path: Path) -> None:
    write(tmp_path / "noxfile.py", 'import nox\nprint("[]")\nraise SystemExit("broken on purpose")\n')
    with pytest.raises(UsageError) as raised:
        preflight(tmp_path, step("good"))
    assert raised.value.message.startswith("validate: nox could not load noxfile.py (exit ")
    assert raised.value.hint == f"run `nox -f noxfile.py --list` in {tmp_path} to see why"


@pytest.mark.slow
def test_a_pep723_noxfile_validates_through_script_mode(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = tmp_path / "ran.txt"
    feature(
        repo,
        (".gitignore", ".nox/\n", "ignore nox"),
        ("noxfile.py", PEP723.format(installed=version("nox"), out=str(ran)), "a PEP 723 noxfile"),
    )
    old = rev(repo, REF)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    monkeypatch.chdir(repo.path)
    recipe = steps_recipe(tmp_path, *ALIGN_STEPS, "verify: {}", "validate: {nox: [good]}", REPORT)
    assert main([BRANCH, "--recipe", recipe]) == 0
    assert ran.read_text(encoding="utf-8") == "good ran"
    assert rev(repo, "HEAD") == rev(repo, REF)
    assert is_ancestor(repo, "origin/main", REF)
    assert repo.git("log", "--format=%s", "origin/main.." + REF).splitlines() == ["a PEP 723 noxfile", "ignore nox"]
    assert rev(repo, REF) != old
    assert (repo.path / ".nox" / "_nox_script_mode").is_dir()  # the script environment was really built
    assert repo.git("status", "--porcelain") == ""
    assert stashes(repo) == []
    store = Store(repo.path / ".git")
    journal = store.past_journal(store.past_runs()[-1]["run_id"])
    assert journal is not None
    assert [(item.session, item.status) for item in journal.found.sessions] == [("good", "passed")]
