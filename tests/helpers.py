"""Small builders for real git repositories and recipe files."""

from __future__ import annotations

import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from align.errors import RecipeError
from align.journal import RecipeRecord, RunRecord
from align.lock import lock_holder
from align.recipe import sources
from align.recipe.resolve import resolve

# The branch most scenarios align (tests/builders.py), its ref, and a second one.
BRANCH = "feature/x"
REF = f"refs/heads/{BRANCH}"
OTHER = "feature/y"
# Messages of recipe errors the tests expect in several files (tests/test_recipe_errors*.py).
NOT_A_MAPPING = "a recipe is a mapping that starts with `version: 1`, found"
NOX_EXPECTED = "expected a list of text values, or one `${variable}` that holds such a list"


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stripped stdout; fail the test on error."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout.strip()


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path`` (creating folders) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def lock_left(path: Path) -> bool:
    """Tell whether align's lock file ``path`` is held, or still names a holder (a released lock is empty)."""
    return lock_holder(path) is not None or (path.exists() and path.stat().st_size > 0)


def recipe_problems(text: str, files: dict[str, str] | None = None) -> list[str]:
    """Write ``text`` to r.yaml (and ``files`` beside it), resolve it and return every problem it raises."""
    for name, body in (files or {}).items():
        write(Path(name), body)
    write(Path("r.yaml"), text)
    with pytest.raises(RecipeError) as caught:
        resolve(sources.file(Path("r.yaml")), cwd=Path.cwd())
    return [str(problem) for problem in caught.value.problems]


@dataclass(frozen=True)
class Repo:
    """A working clone and its bare ``origin``."""

    path: Path
    origin: Path

    @classmethod
    def create(cls, base: Path) -> Repo:
        """Create ``origin.git`` (bare) and a clone with one commit on ``main``, pushed."""
        origin = base / "origin.git"
        work = base / "work"
        origin.mkdir(parents=True)
        git(origin, "init", "--quiet", "--bare")
        git(base, "clone", "--quiet", str(origin), str(work))
        repo = cls(path=work, origin=origin)
        repo.commit("README.md", "hello\n", "initial commit")
        git(work, "push", "--quiet", "origin", "main")
        return repo

    def commit(self, name: str, text: str, message: str) -> str:
        """Write ``name``, commit it and return the new commit's sha."""
        write(self.path / name, text)
        git(self.path, "add", "--", name)
        git(self.path, "commit", "--quiet", "-m", message)
        return git(self.path, "rev-parse", "HEAD")

    def git(self, *args: str) -> str:
        """Run git in the working clone."""
        return git(self.path, *args)


def run_record(**overrides: Any) -> RunRecord:
    """A run's frozen record for tests that build a journal by hand (feature/x onto origin/main)."""
    fields: dict[str, Any] = {
        "run_id": "r1",
        "started_at": "2026-01-01T12:00:00Z",
        "started_ts": 0.0,
        "recipe": RecipeRecord(name="default", source="builtin", sha256="0" * 64),
        "branch": "feature/x",
        "ref": "refs/heads/feature/x",
        "original_tip": "a" * 40,
        "original_head": "refs/heads/feature/x",
        "target": "main",
        "remote": "origin",
        "onto": "origin/main",
    }
    return RunRecord(**{**fields, **overrides})
