"""Hermetic fixtures: every test gets its own HOME, git config, cache and fixed dates; git is real."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from align.resources import schema
from tests.helpers import Repo

FIXED_DATE = "2026-01-01T12:00:00+0000"
_LEAKED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG_PARAMETERS", "NO_COLOR")
_LEAKED += ("FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "TERM")  # colour: align.monitor.colour_allowed


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty git template dir: no sample hooks to copy, faster ``git init``."""
    return tmp_path_factory.mktemp("git-template")


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, template_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give the test its own HOME, git config, cache dir and working directory."""
    home = tmp_path / "home"
    home.mkdir()
    for name in _LEAKED:
        monkeypatch.delenv(name, raising=False)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Align Test\n\temail = test@align.invalid\n"
        f"[init]\n\tdefaultBranch = main\n\ttemplateDir = {template_dir}\n"
        "[advice]\n\tdetachedHead = false\n",
        encoding="utf-8",
    )
    env = {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": FIXED_DATE,
        "GIT_COMMITTER_DATE": FIXED_DATE,
        "GIT_EDITOR": "false",
        "GIT_TERMINAL_PROMPT": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A clone of a bare ``origin`` with one commit on ``main``."""
    return Repo.create(tmp_path / "repos")


@pytest.fixture
def cache_dir() -> Path:
    """align's cache folder for this test."""
    return Path(os.environ["XDG_CACHE_HOME"]) / "align"


@pytest.fixture
def in_repo(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """Work inside the ``repo`` clone (the cwd align runs from)."""
    monkeypatch.chdir(repo.path)
    return repo


@functools.cache
def _report_validator() -> Draft202012Validator:
    """The validator of schemas/report.schema.json, built once per worker."""
    return Draft202012Validator(schema("report"))


@functools.cache
def batch_validator() -> Draft202012Validator:
    """The validator of schemas/batch-report.schema.json (its branches refer to report.schema.json)."""
    report = schema("report")
    registry: Registry[Any] = Registry().with_resource(report["$id"], Resource.from_contents(report))
    return Draft202012Validator(schema("batch-report"), registry=registry)


@pytest.fixture(autouse=True)
def reports_follow_the_schema(tmp_path: Path) -> Iterator[None]:
    """After the test, check every report it produced: ``align/runs/*/report.json``, ``*.report.json``, and any
    other ``report.json`` that says it is one (has a ``schema_version``)."""
    yield
    for folder, dirs, names in os.walk(tmp_path):
        dirs[:] = [name for name in dirs if name != "objects"]  # git's object store holds no report
        for name in names:
            path = Path(folder, name)
            if name != "report.json" and not name.endswith(".report.json"):
                continue
            strict = name.endswith(".report.json") or path.parent.parent.name == "runs"
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                if strict:
                    raise
                continue  # another tool's report.json
            if not strict and not (isinstance(data, dict) and "schema_version" in data):
                continue
            batch = isinstance(data, dict) and data.get("kind") == "batch"
            validator = batch_validator() if batch else _report_validator()
            errors = [
                f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
                for error in validator.iter_errors(data)
            ]
            assert errors == [], (
                f"{path} does not follow schemas/{'batch-' if batch else ''}report.schema.json: {errors}"
            )
