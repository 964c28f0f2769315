"""What the forecast tests share: ``align plan --format json`` checked against its schema, and git's own
rebase run in a copy of the repository to see where it really stops."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from align.cli import main
from align.resources import schema
from tests.helpers import BRANCH, Repo


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema("plan"))


def plan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run ``align plan ARGV --format json`` (exit 0), check the output against the schema, return it."""
    assert main(["plan", *argv, "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(data)]
    assert errors == []
    return data


def only_plan(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """The one branch's entry of ``plan_json``."""
    [entry] = plan_json(capsys, *argv)["plans"]
    assert isinstance(entry, dict)
    return entry


def git_rebase(repo: Repo, tmp_path: Path, branch: str = BRANCH) -> tuple[int, str, dict[str, str]]:
    """Run plain ``git rebase --merge origin/main BRANCH`` in a copy of the repository; return its exit code,
    the commit it stopped at ("" when it did not stop) and the unmerged files with their status letters.
    git's CONFLICT lines are kept in ``said``."""
    copy = tmp_path / "copy-of-repo"
    shutil.copytree(repo.path, copy, symlinks=True)

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=copy, capture_output=True, text=True, check=False)

    done = git("rebase", "--merge", "origin/main", branch)
    said[:] = [line for line in done.stdout.splitlines() if line.startswith("CONFLICT")]
    stopped = git("rev-parse", "--verify", "--quiet", "REBASE_HEAD").stdout.strip()
    status = git("status", "--porcelain=v1", "-z", "--untracked-files=no").stdout
    unmerged = {}
    for entry in status.split("\0"):
        code, path = entry[:2], entry[3:]
        if code in ("UU", "AA", "DD", "AU", "UA", "DU", "UD"):
            unmerged[path] = code
    return done.returncode, stopped, unmerged


said: list[str] = []  # the CONFLICT lines of the last ``git_rebase``


def files_of(entry: dict[str, Any]) -> dict[str, str]:
    """The forecast's conflicted files: path -> status letters (and the kind matches the letters)."""
    found = {}
    for item in entry["conflict"]["files"]:
        found[item["path"]] = item["status"]
    return found


def subjects(items: list[dict[str, str]]) -> list[str]:
    """The subjects of a list of commits of the forecast."""
    return [item["subject"] for item in items]
