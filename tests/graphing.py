"""What the branch-graph tests share (issue 12): stacks built with real git, ``align tree --format json`` checked
against its schema, the graph read through ``align.graph`` as a run would read it."""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from align.cli import main
from align.git import Git
from align.graph.build import Loaded, load
from align.resources import schema
from tests.helpers import Repo
from tests.snapshots import rev

ONTO = "origin/main"


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema("tree"))


def tree_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run ``align tree --format json`` (exit 0), check its output against the schema and return it."""
    assert main(["tree", *argv, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    data: dict[str, Any] = json.loads(captured.out)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(data)]
    assert errors == []
    return data


def by_branch(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The entries of ``align tree --format json`` by branch name."""
    return {entry["branch"]: entry for entry in data["branches"]}


def read_graph(repo: Repo) -> Loaded:
    """The graph of ``repo`` onto origin/main, read as a run reads it."""
    return load(Git(repo.path), target="main", onto=ONTO, onto_sha=rev(repo, ONTO))


def branch_on(repo: Repo, name: str, start: str, *commits: tuple[str, str]) -> str:
    """Create ``name`` at ``start`` with one commit per (file, text) (subject ``name: file``); return its tip."""
    repo.git("switch", "--quiet", "-c", name, start)
    tip = ""
    for file, text in commits:
        tip = repo.commit(file, text, f"{name}: {file}")
    return tip


def stack(repo: Repo) -> dict[str, str]:
    """main <- a <- b <- c, one commit each (a.txt, b.txt, c.txt); main checked out again. Return the tips."""
    tips = {
        "a": branch_on(repo, "a", "main", ("a.txt", "a\n")),
        "b": branch_on(repo, "b", "a", ("b.txt", "b\n")),
        "c": branch_on(repo, "c", "b", ("c.txt", "c\n")),
    }
    repo.git("switch", "--quiet", "main")
    return tips


def config_keys(repo: Repo) -> dict[str, str]:
    """align's and git-town's keys in the repository's config (lower-case names, as git lists them)."""
    argv = ["git", "config", "--local", "--null", "--get-regexp", r"^(branch\..*\.align|git-town-branch\.)"]
    done = subprocess.run(argv, cwd=repo.path, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    pairs = (entry.partition("\n") for entry in done.stdout.split("\0") if entry)
    return {key: value for key, _, value in pairs}


def index_mtime(repo: Repo) -> int:
    """The index file's mtime, in nanoseconds."""
    return (Path(repo.git("rev-parse", "--absolute-git-dir")) / "index").stat().st_mtime_ns
